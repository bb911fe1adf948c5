package org.sdij.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a job's requests come from its sources, and what the driver refuses before anything runs. */
class JobSpecTest {
    @TempDir
    Path dir;

    private JobSpec parse(String... args) throws Exception {
        return JobSpec.parse(args);
    }

    @Test
    void jsonKeysAreTheCommandLinesOptions() throws Exception {
        Path jsonl = Files.writeString(dir.resolve("job.jsonl"), """
                {"id": "fox-1", "command": "img2img", "prompt": "a red fox", "seed": 1, "strength": 0.75, \
                "image": "in.png", "low-memory": true, "fp16-weights": false, "negative-prompt": null}

                {"prompt": "a cat", "num-images": 2, "format": "tif"}
                """);
        JobSpec spec = parse("--requests", jsonl.toString(), "--out", dir.resolve("out").toString(), "--model", "sd15");
        assertEquals(List.of(), spec.rejected());
        JobRequest fox = spec.requests().get(0);
        assertEquals("img2img", fox.command());
        assertEquals(List.of("--model", "sd15", "--prompt", "a red fox", "--seed", "1", "--strength", "0.75",
                "--image", "in.png", "--low-memory"), fox.options());
        assertEquals(List.of(dir.resolve("out/fox-1.png")), fox.outputs(spec.out()));
        assertEquals("sd15 --low-memory", fox.modelGroup());
        String[] argv = fox.argv(spec.out());
        assertEquals("--out", argv[argv.length - 2]);
        JobRequest cat = spec.requests().get(1);
        assertTrue(cat.id().matches("txt2img-[0-9a-f]{12}"), cat.id());
        assertEquals(List.of(dir.resolve("out/" + cat.id() + "-1.tif"), dir.resolve("out/" + cat.id() + "-2.tif")),
                cat.outputs(spec.out()));
        JobSpec again = parse("--requests", jsonl.toString(), "--out", dir.resolve("out").toString(), "--model", "sd15");
        assertEquals(cat.id(), again.requests().get(1).id(), "a derived id is the same on every run");
    }

    @Test
    void badLinesAreRejectedAloneWithTheirReason() throws Exception {
        Path jsonl = Files.writeString(dir.resolve("job.jsonl"), """
                {"id": "a", "prompt": "x"}
                {"id": "a", "prompt": "y"}
                {"id": "../up", "prompt": "x"}
                {"id": "b", "out": "b.png"}
                {"id": "c", "command": "paint"}
                [1, 2]
                {"id": "d", "prompt": ["x"]}
                """);
        JobSpec spec = parse("--requests", jsonl.toString(), "--out", dir.resolve("out").toString());
        assertEquals(List.of("a"), spec.requests().stream().map(JobRequest::id).toList());
        List<String> messages = spec.rejected().stream().map(Result::message).toList();
        assertEquals(6, messages.size(), messages.toString());
        assertTrue(messages.get(0).contains("line 2: Duplicate output a.png"), messages.get(0));
        assertTrue(messages.get(1).contains("Bad \"id\" '../up'"), messages.get(1));
        assertTrue(messages.get(2).contains("\"out\" is the job's"), messages.get(2));
        assertTrue(messages.get(3).contains("Unknown command 'paint'"), messages.get(3));
        assertTrue(messages.get(4).contains("line 6: not a JSON object"), messages.get(4));
        assertTrue(messages.get(5).contains("\"prompt\" must be a string"), messages.get(5));
    }

    @Test
    void aFolderGivesOneRequestPerImageMirroringSubfolders() throws Exception {
        Path in = Files.createDirectories(dir.resolve("in/sub"));
        Files.writeString(in.resolve("b.tif"), "");
        Files.writeString(dir.resolve("in/a.png"), "");
        Files.writeString(dir.resolve("in/notes.txt"), "");
        JobSpec spec = parse("--folder", dir.resolve("in").toString(), "--template",
                "{\"command\": \"upscale\", \"model\": \"x4\", \"prompt\": \"cells\"}", "--out", dir.resolve("out").toString());
        assertEquals(List.of("a", "sub/b"), spec.requests().stream().map(JobRequest::id).toList());
        assertEquals(dir.resolve("in/sub/b.tif").toString(), spec.requests().get(1).option("image"));
        assertEquals(dir.resolve("out/sub/b.png"), spec.requests().get(1).out(spec.out()));
        JobSpec tifs = parse("--folder", dir.resolve("in").toString(), "--glob", "*.tif", "--template", "{}",
                "--out", dir.resolve("out").toString());
        assertEquals(List.of("sub/b"), tifs.requests().stream().map(JobRequest::id).toList());
    }

    @Test
    void promptsTimesSeeds() throws Exception {
        Path prompts = Files.writeString(dir.resolve("prompts.txt"), "a red fox\n\na blue owl\n");
        JobSpec spec = parse("--prompts", prompts.toString(), "--seeds", "1-2,7", "--template", "{\"steps\": 20}",
                "--out", dir.resolve("out").toString());
        assertEquals(List.of("p1-s1", "p1-s2", "p1-s7", "p2-s1", "p2-s2", "p2-s7"),
                spec.requests().stream().map(JobRequest::id).toList());
        assertEquals("a blue owl", spec.requests().get(4).option("prompt"));
        assertEquals("2", spec.requests().get(4).option("seed"));
    }

    @Test
    void aBadJobDoesNotStart() {
        var e = assertThrows(JobSpec.SpecException.class, () -> parse("--requests", "x.jsonl"));
        assertEquals("Missing --out DIR", e.getMessage());
        e = assertThrows(JobSpec.SpecException.class, () -> parse("--out", "o"));
        assertEquals("Give exactly one of --requests, --folder and --prompts", e.getMessage());
        e = assertThrows(JobSpec.SpecException.class, () -> parse("--prompts", "p.txt", "--seeds", "9-1",
                "--template", "{}", "--out", "o"));
        assertTrue(e.getMessage().startsWith("Prompts file not found") || e.getMessage().startsWith("Bad --seeds"));
        e = assertThrows(JobSpec.SpecException.class, () -> parse("--requests", "x.jsonl", "--out", "o", "--fromat", "tif"));
        assertEquals("Unknown option --fromat", e.getMessage());
        assertThrows(JobSpec.SpecException.class, () -> JobSpec.seeds("1-x"));
    }

    @Test
    void aDryRunCountsWithoutSpark() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve("a.png"), "made before");
        Path jsonl = Files.writeString(dir.resolve("job.jsonl"), """
                {"id": "a", "model": "m1", "prompt": "x"}
                {"id": "b", "model": "m1", "prompt": "y"}
                {"id": "c", "model": "m2", "low-memory": true}
                {"id": "a", "model": "m2"}
                """);
        JobSpec spec = parse("--requests", jsonl.toString(), "--out", out.toString());
        java.io.PrintStream saved = System.out;
        java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(text, true));
        int status;
        try {
            status = Generate.dryRun(spec);
        } finally {
            System.setOut(saved);
        }
        assertEquals(1, status);
        String printed = text.toString();
        assertTrue(printed.startsWith("3 requests in 2 model groups, 1 refused"), printed);
        assertTrue(printed.contains("  m1: 2 requests, 1 done before (skipped), 1 to run"), printed);
        assertTrue(printed.contains("  m2 --low-memory: 1 requests, 0 done before (skipped), 1 to run"), printed);
        assertTrue(printed.contains("refused a: job.jsonl line 4: Duplicate output a.png"), printed);
    }
}
