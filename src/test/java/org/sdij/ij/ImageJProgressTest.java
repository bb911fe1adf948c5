package org.sdij.ij;

import ij.IJ;
import net.imagej.patcher.EssentialLegacyHooks;
import net.imagej.patcher.LegacyHooks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.awt.EventQueue;
import java.awt.event.KeyEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The step listener drives ImageJ's progress bar (seen through ij1-patcher's hooks) and Esc cancels. */
class ImageJProgressTest {

    static {
        ImageJHarness.init();
    }

    /** Hooks that keep what ImageJ was asked to show. */
    public static final class Recording extends EssentialLegacyHooks {
        final List<Double> progress = new ArrayList<>();
        final List<String> status = new ArrayList<>();

        @Override
        public void showProgress(double p) {
            progress.add(p);
        }

        @Override
        public void showStatus(String s) {
            status.add(s);
        }
    }

    private Recording recording;
    private Object previous;

    @BeforeEach
    void installHooks() throws Exception {
        recording = new Recording();
        previous = IJ.class.getMethod("_hooks", LegacyHooks.class).invoke(null, recording);
    }

    @AfterEach
    void restoreHooks() throws Exception {
        IJ.class.getMethod("_hooks", LegacyHooks.class).invoke(null, previous);
        IJ.resetEscape();
    }

    @Test
    void everyStepMovesTheBarAcrossTheWholeBatch() {
        ImageJProgress progress = new ImageJProgress("Text to Image", 2);
        for (int image = 0; image < 2; image++) {
            progress.startImage(image);
            for (int step = 1; step <= 4; step++) assertTrue(progress.onStep(step, 4, new float[0]));
        }
        progress.done("done");
        List<Double> expected = new java.util.ArrayList<>();
        for (int image = 0; image < 2; image++) {
            for (int step = 1; step <= 4; step++) expected.add((image + ImageJProgress.STEPS_SHARE * step / 4) / 2);
        }
        expected.add(1.0);
        assertEquals(expected, recording.progress);
        assertTrue(recording.progress.get(7) < 1.0, "the last step leaves the bar showing for the decode");
        assertEquals("Text to Image: step 3/4 (image 2/2), Esc to cancel", recording.status.get(6));
        assertEquals("done", recording.status.get(recording.status.size() - 1));
    }

    /**
     * The status line counts the steps asked for, never the model calls: PNDM makes one call more than its
     * steps, and an img2img run with strength s makes diffusers' min(floor(steps * s), steps) of them. Once
     * the result is shown, the status line says the command is done and how long it took.
     */
    @TestFactory
    Stream<DynamicTest> theStatusLineCountsTheStepsAskedForAndEndsWithDone() throws Exception {
        List<Path> cases = new ArrayList<>(CommandFixtures.cases("txt2img"));
        cases.addAll(CommandFixtures.cases("img2img"));
        return cases.stream().filter(c -> sampler(c).equals("pndm")).map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> {
            recording.status.clear();
            var spec = CommandFixtures.spec(c);
            int steps = spec.get("steps").getAsInt();
            String options = CommandFixtures.caseOptions(c);
            String command = "Text to Image...";
            int expected = steps;
            if (spec.has("strength")) {
                double strength = spec.get("strength").getAsDouble();
                expected = Math.min((int) (steps * strength), steps);
                options += " strength=" + spec.get("strength").getAsString();
                command = "Image to Image...";
                IJ.openImage(c.resolve("init_image.png").toString()).show();
            }
            MacroHarness.run("run(\"" + command + "\", \"" + options + "\");");
            CommandFixtures.closeAll();
            Pattern counter = Pattern.compile(": step (\\d+)/(\\d+)");
            int last = -1;
            for (String line : recording.status) {
                Matcher m = counter.matcher(line == null ? "" : line);
                if (!m.find()) continue;
                int done = Integer.parseInt(m.group(1));
                assertEquals(expected, Integer.parseInt(m.group(2)), line);
                assertTrue(done >= Math.max(last, 0) && done <= expected, line);
                last = done;
            }
            assertEquals(expected, last, "the last step shown: " + recording.status);
            String end = recording.status.get(recording.status.size() - 1);
            assertTrue(end != null && end.matches(Pattern.quote(command.replace("...", "")) + ": done in \\d+\\.\\d s"),
                    "the status line after the run: " + end);
        }));
    }

    private static String sampler(Path caseDir) {
        try {
            return CommandFixtures.spec(caseDir).get("scheduler").getAsString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void escapeCancelsAtTheNextStep() {
        ImageJProgress progress = new ImageJProgress("Upscale", 1);
        assertTrue(progress.onStep(1, 10, new float[0]));
        IJ.setKeyDown(KeyEvent.VK_ESCAPE);
        assertFalse(progress.onStep(2, 10, new float[0]));
        assertEquals(1, recording.progress.size(), "a cancelled step does not move the bar");
        new ImageJProgress("next run", 1);
        assertFalse(IJ.escapePressed(), "a new run forgets an old Esc");
    }

    @Test
    void escapeDuringTheDecodeCancelsAfterThePartBeingDecoded() {
        ImageJProgress progress = new ImageJProgress("Upscale 4x", 2);
        progress.startImage(1);
        assertTrue(progress.onStep(3, 4, new float[0]));
        assertTrue(progress.onStep(4, 4, new float[0]));
        assertTrue(progress.onDecode(1, 3));
        IJ.setKeyDown(KeyEvent.VK_ESCAPE);
        assertFalse(progress.onDecode(2, 3));
        double share = ImageJProgress.STEPS_SHARE;
        assertEquals(List.of((1 + share * 3 / 4) / 2, (1 + share) / 2, (1 + share + (1 - share) / 3) / 2),
                recording.progress, "the decode moves the bar on from where the last step put it, per part");
        assertEquals(List.of("Upscale 4x: step 3/4 (image 2/2), Esc to cancel",
                "Upscale 4x: step 4/4 (image 2/2), decoding, Esc to cancel",
                "Upscale 4x: decoded 1/3 (image 2/2), Esc to cancel"), recording.status);
    }

    @Test
    void workStartedOnTheEventThreadRunsOnAWorkerThread() throws Exception {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        AtomicReference<Thread> returned = new AtomicReference<>();
        AtomicBoolean onEventThread = new AtomicBoolean(true);
        EventQueue.invokeAndWait(() -> returned.set(Commands.offEventThread("Text to Image...", () -> {
            ranOn.set(Thread.currentThread());
            onEventThread.set(EventQueue.isDispatchThread());
        })));
        returned.get().join(5000);
        assertSame(returned.get(), ranOn.get());
        assertFalse(onEventThread.get());
        assertEquals("Run$_Text to Image...", ranOn.get().getName());

        Thread caller = Thread.currentThread();
        assertSame(caller, Commands.offEventThread("x", () -> ranOn.set(Thread.currentThread())));
        assertSame(caller, ranOn.get(), "off the event thread the work runs at once, as a macro needs");
    }
}
