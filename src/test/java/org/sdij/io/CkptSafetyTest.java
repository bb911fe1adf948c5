package org.sdij.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdij.io.Checkpoints.f32;
import static org.sdij.io.Checkpoints.storages;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Hostile pickles: code-executing globals are refused when named, and nothing runs (the payloads would
 * create a marker file under Python's pickle; run with -Dsdij.ckpt.dumpPayloads=DIR to get them and check).
 * Structures built to exhaust the stack, the heap or the memo fail with a WeightFormatException.
 */
class CkptSafetyTest {

    @TempDir
    Path dir;

    private Path marker() {
        return dir.resolve("pwned");
    }

    /** proto 2; callable(args) where the argument would create the marker file. */
    private PickleWriter payload(String module, String name, boolean stackGlobal) {
        String shell = "touch " + marker();
        PickleWriter p = new PickleWriter().proto(stackGlobal ? 4 : 2);
        if (stackGlobal) p.stackGlobal(module, name);
        else p.global(module, name);
        switch (module + "." + name) {
            case "builtins.eval", "builtins.exec", "__builtin__.eval", "__builtin__.exec" ->
                    p.str("__import__('os').system('" + shell + "')").op(0x85);
            case "subprocess.Popen", "subprocess.run", "subprocess.check_output" ->
                    p.emptyList().mark().str("touch").str(marker().toString()).appends().op(0x85);
            default -> p.str(shell).op(0x85);
        }
        return p.reduce().stop();
    }

    @ParameterizedTest
    @CsvSource({"os,system", "builtins,eval", "builtins,exec", "subprocess,Popen", "posix,system", "nt,system",
            "__builtin__,exec", "__builtin__,eval", "subprocess,run", "builtins,getattr", "torch,load",
            "torch._utils,_rebuild_device_tensor_from_numpy", "collections,defaultdict"})
    void refusesCodeExecutingGlobalsAndRunsNothing(String module, String name) throws IOException {
        for (boolean stackGlobal : new boolean[] {false, true}) {
            PickleWriter pickle = payload(module, name, stackGlobal);
            dumpForManualCheck(module + "." + name + (stackGlobal ? ".proto4" : "") + ".pkl", pickle.bytes());
            Path file = Checkpoints.ckpt(dir, "evil.ckpt", pickle, Map.of());
            WeightFormatException e = assertThrows(WeightFormatException.class, () -> CkptFile.open(file));
            assertTrue(e.getMessage().contains("refuses to run code"), e.getMessage());
            assertTrue(e.getMessage().contains("asks for " + module + "." + name), e.getMessage());
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertFalse(Files.exists(marker()), "the payload ran");
        }
    }

    /** The malicious global sits after genuine tensors, inside the state dict: refused all the same. */
    @Test
    void refusesAPayloadHiddenAmongTensors() throws IOException {
        PickleWriter p = new PickleWriter().proto(2).emptyDict().mark().str("state_dict").orderedDict().mark();
        p.str("w").tensor("FloatStorage", "0", 6, 0, new long[] {6}, new long[] {1});
        p.str("x").global("os", "system").str("touch " + marker()).op(0x85).reduce();
        p.setItems().setItems().stop();
        Path file = Checkpoints.ckpt(dir, "hidden.ckpt", p, storages("0", f32(1, 2, 3, 4, 5, 6)));
        var e = assertThrows(WeightFormatException.class, () -> CkptFile.open(file));
        assertTrue(e.getMessage().contains("asks for os.system"), e.getMessage());
        assertFalse(Files.exists(marker()));
    }

    /** A global used where torch puts the storage class, so BINPERSID would see it. */
    @Test
    void refusesAPayloadInsideAPersistentId() throws IOException {
        PickleWriter p = new PickleWriter().proto(2).emptyDict().str("w");
        p.global("torch._utils", "_rebuild_tensor_v2").mark();
        p.mark().str("storage").global("posix", "system").str("0").str("cpu").integer(6).tuple().persistentId();
        p.integer(0).intTuple(6).intTuple(1).bool(false).orderedDict().tuple().reduce().setItem().stop();
        Path file = Checkpoints.ckpt(dir, "pid.ckpt", p, storages("0", f32(1, 2, 3, 4, 5, 6)));
        var e = assertThrows(WeightFormatException.class, () -> CkptFile.open(file));
        assertTrue(e.getMessage().contains("asks for posix.system"), e.getMessage());
    }

    @Test
    void refusesReduceOnAnythingButTheAllowedFunctions() throws IOException {
        Map<String, Consumer<PickleWriter>> cases = Map.of(
                "a storage class called directly", p -> p.global("torch", "FloatStorage").integer(6).op(0x85).reduce(),
                "a string naming a function", p -> p.str("os.system").str("touch " + marker()).op(0x85).reduce(),
                "a tuple as the callable", p -> p.emptyTuple().emptyTuple().reduce(),
                "NEWOBJ on a storage class", p -> p.global("torch", "HalfStorage").emptyTuple().op(0x81),
                "BUILD on a list", p -> p.emptyList().emptyDict().build(),
                "a parameter around a string", p -> p.global("torch._utils", "_rebuild_parameter")
                        .str("x").bool(true).orderedDict().op(0x87).reduce(),
                "a tensor without a storage", p -> p.global("torch._utils", "_rebuild_tensor_v2")
                        .mark().str("storage").integer(0).intTuple(2).intTuple(1).bool(false).none().tuple().reduce(),
                "a tensor with a negative size", p -> p.global("torch._utils", "_rebuild_tensor_v2").mark()
                        .mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(6).tuple()
                        .persistentId().integer(0).intTuple(-2).intTuple(1).bool(false).none().tuple().reduce());
        for (var c : cases.entrySet()) {
            PickleWriter p = new PickleWriter().proto(2).emptyDict().str("w");
            c.getValue().accept(p);
            p.setItem().stop();
            Path file = Checkpoints.ckpt(dir, "reduce.ckpt", p, storages("0", f32(1, 2, 3, 4, 5, 6)));
            var e = assertThrows(WeightFormatException.class, () -> CkptFile.open(file), c.getKey());
            assertTrue(e.getMessage().contains(file.toString()), c.getKey() + ": " + e.getMessage());
        }
        assertFalse(Files.exists(marker()));
    }

    /** Each fails fast with a WeightFormatException: no StackOverflowError, no huge allocation, no hang. */
    @Test
    void hostileStructuresFailCleanly() throws IOException {
        Map<String, Consumer<PickleWriter>> cases = new java.util.LinkedHashMap<>();
        cases.put("memo index never stored", p -> p.emptyDict().op('j').int32(-1).setItem());
        cases.put("4 GB string", p -> p.op('X').int32(0xFFFFFFF0));
        cases.put("2^62-byte string", p -> p.op(0x8d).int64(1L << 62));
        cases.put("2^62-byte bytes", p -> p.op(0x8e).int64(1L << 62));
        cases.put("huge LONG4", p -> p.op(0x8b).int32(Integer.MAX_VALUE));
        cases.put("negative BINSTRING", p -> p.op('T').int32(-5));
        cases.put("frame past the end", p -> p.op(0x95).int64(1L << 40));
        cases.put("list that holds itself as a key", p -> p.emptyDict().emptyList().put()
                .get(0).append().integer(1).setItem());
        cases.put("a million unclosed MARKs", p -> {
            for (int i = 0; i < 1_000_000; i++) p.mark();
        });
        cases.put("more values than allowed", p -> {
            p.none();
            for (long i = 0; i <= Pickle.MAX_VALUES; i++) p.op('2'); // DUP
        });
        cases.put("more memo slots than allowed", p -> {
            p.none();
            for (int i = 0; i <= Pickle.MAX_MEMO; i++) p.op('r').int32(i); // LONG_BINPUT
        });
        cases.put("pop below a mark", p -> p.emptyDict().mark().op('0'));
        cases.put("INST, a protocol 0 call", p -> p.op('i').op("os\nsystem\n".chars().toArray()));
        cases.put("EXT1, the extension registry", p -> p.op(0x82, 1));
        cases.put("unterminated GLOBAL", p -> p.op('c').op("os system".chars().toArray()));
        cases.put("protocol 9", p -> p.proto(9));
        cases.put("SETITEMS on a list", p -> p.emptyList().mark().str("k").str("v").setItems());
        cases.put("APPEND to a dict", p -> p.emptyDict().none().append());
        for (var c : cases.entrySet()) {
            PickleWriter p = new PickleWriter().proto(2);
            c.getValue().accept(p);
            p.stop();
            Path file = Checkpoints.ckpt(dir, "hostile.ckpt", p, Map.of());
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                var e = assertThrows(WeightFormatException.class, () -> CkptFile.open(file), c.getKey());
                assertTrue(e.getMessage().contains(file.toString()), c.getKey() + ": " + e.getMessage());
            }, c.getKey());
        }
    }

    /** Deep or cyclic containers are data, not errors: opening terminates and finds no tensors in them. */
    @Test
    void deepAndCyclicContainersOpenWithoutRecursion() throws IOException {
        PickleWriter p = new PickleWriter().proto(2).emptyDict().put();
        int root = p.lastMemo();
        p.mark().str("self").get(root); // {"self": the dict itself}
        p.str("deep_lists");
        for (int i = 0; i < 200_000; i++) p.emptyList();
        for (int i = 1; i < 200_000; i++) p.append();
        p.str("deep_dicts");
        for (int i = 0; i < 200_000; i++) p.emptyDict().str("d");
        p.emptyDict();
        for (int i = 0; i < 200_000; i++) p.setItem();
        p.str("big_memo").integer(1).op('r').int32(-1); // LONG_BINPUT 4294967295
        p.str("w").tensor("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1});
        p.setItems().stop();
        Path file = Checkpoints.ckpt(dir, "deep.ckpt", p, storages("0", f32(1, 2)));
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (CkptFile ckpt = CkptFile.open(file)) {
                assertEquals(java.util.Set.of("w"), ckpt.names());
            }
        });
    }

    private static void dumpForManualCheck(String name, byte[] pickle) throws IOException {
        String target = System.getProperty("sdij.ckpt.dumpPayloads");
        if (target == null) return;
        Files.createDirectories(Path.of(target));
        Files.write(Path.of(target, name), pickle);
    }
}
