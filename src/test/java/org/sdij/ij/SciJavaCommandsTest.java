package org.sdij.ij;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.OvalRoi;
import ij.gui.Roi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.scijava.Cancelable;
import org.scijava.Context;
import org.scijava.ItemIO;
import org.scijava.app.event.StatusEvent;
import org.scijava.command.Command;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.event.EventHandler;
import org.scijava.event.EventService;
import org.scijava.module.Module;
import org.scijava.module.ModuleItem;
import org.scijava.module.ModuleService;
import org.sdij.hub.FakeHub;
import org.sdij.hub.HubSettings;
import org.sdij.pipeline.DepthFolders;
import org.sdij.scijava.DepthToImage;
import org.sdij.scijava.DownloadModel;
import org.sdij.scijava.EstimateDepth;
import org.sdij.scijava.ImageToImage;
import org.sdij.scijava.InpaintSelection;
import org.sdij.scijava.TextToImage;
import org.sdij.scijava.Upscale4x;

import java.awt.event.KeyEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SciJava commands on a headless SciJava {@link Context}, on the tiny models: each makes the pixels, slice
 * labels, calibration and {@code sdij.*} properties its ImageJ 1 command makes from a macro with the same values
 * (the values of a seeded case of the set); its inputs are that command's macro keys with the same defaults
 * and choices; progress reaches the StatusService; a cancel (SciJava's, a thread interrupt, Esc) leaves no
 * result and frees the run's native arrays; a bad value fails with the ImageJ 1 command's message. Estimate Depth
 * makes the macro's maps on the tiny DPT; Download Model fetches from a fake Hub on 127.0.0.1 into a temporary
 * cache and returns the folder the other commands take as {@code model}.
 */
@Tag("golden")
class SciJavaCommandsTest {

    static {
        ImageJHarness.init();
    }

    private static Context context;

    @BeforeAll
    static void startContext() {
        context = new Context();
    }

    @AfterAll
    static void stopContext() {
        context.dispose();
    }

    @AfterEach
    void closeImages() {
        CommandFixtures.closeAll();
        IJ.resetEscape();
    }

    /** Runs the command as a script does ({@code process = false}) and returns its module. */
    static Module run(Class<? extends Command> command, Map<String, Object> inputs) throws Exception {
        return context.getService(CommandService.class).run(command, false, inputs).get();
    }

    /** The typed values of a macro's options, by key, as the command's table reads them. */
    static Map<String, Object> values(ParameterTable table, String options) {
        return new LinkedHashMap<>(table.fromMacro(options).map());
    }

    /** The result against the macro's: pixels of every slice, labels, size, calibration, title, every property. */
    static void assertSameImage(ImagePlus macro, ImagePlus scijava) {
        assertEquals(macro.getTitle(), scijava.getTitle());
        assertEquals(macro.getStackSize(), scijava.getStackSize());
        assertEquals(macro.getWidth(), scijava.getWidth());
        assertEquals(macro.getHeight(), scijava.getHeight());
        assertEquals(macro.getNChannels(), scijava.getNChannels());
        assertEquals(macro.getCalibration().toString(), scijava.getCalibration().toString());
        for (int s = 1; s <= macro.getStackSize(); s++) {
            assertEquals(macro.getStack().getSliceLabel(s), scijava.getStack().getSliceLabel(s));
            Object a = macro.getStack().getPixels(s);
            Object b = scijava.getStack().getPixels(s);
            if (a instanceof int[] ints) assertArrayEquals(ints, (int[]) b, "slice " + s);
            else assertArrayEquals((float[]) a, (float[]) b, "slice " + s);
        }
        assertEquals(List.of(macro.getPropertiesAsArray()), List.of(scijava.getPropertiesAsArray()));
        assertEquals(macro.getInfoProperty(), scijava.getInfoProperty());
    }

    /** The new image a macro line makes from the active image (or none). */
    static ImagePlus byMacro(String command, String options, ImagePlus input) {
        MacroHarness.run("run(\"" + command + "\", \"" + options + "\");");
        ImagePlus out = CommandFixtures.newResult(input);
        out.hide();
        return out;
    }

    /** The message of the failure's first cause (SciJava wraps it in "Module threw exception"). */
    static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) root = root.getCause();
        return String.valueOf(root.getMessage());
    }

    static ImagePlus shown(ImagePlus imp) {
        imp.show();
        IJ.selectWindow(imp.getID());
        return imp;
    }

    static ImagePlus result(Module module) {
        Object out = module.getOutput("result");
        assertTrue(out instanceof ImagePlus, "no result: " + out);
        return (ImagePlus) out;
    }

    /** The strength a case ran with ("" where the call has none). */
    static String strength(Path c) throws Exception {
        var call = CommandFixtures.manifest(c).getAsJsonObject("call");
        return call.has("strength") ? " strength=" + call.get("strength").getAsString() : "";
    }

    @Test
    void textToImageEqualsTheMacroAsRgbAndAs32Bit() throws Exception {
        Path c = CommandFixtures.aCase("txt2img");
        for (String output : List.of("RGB", "32-bit")) {
            String options = CommandFixtures.textToImageOptions(c) + " output=" + output;
            ImagePlus macro = byMacro("Text to Image...", options, null);
            ImagePlus scijava = result(run(TextToImage.class, values(CommandTables.TEXT_TO_IMAGE, options)));
            assertSameImage(macro, scijava);
            assertEquals(null, scijava.getWindow(), "the result is returned, not shown");
            assertEquals(0, CommandFixtures.openImageCount(), "the result is returned, not shown");
            CommandFixtures.closeAll();
        }
    }

    @Test
    void imageToImageEqualsTheMacroOnTheInputsSelection() throws Exception {
        Path c = CommandFixtures.aCase("img2img");
        ImagePlus input = shown(IJ.openImage(c.resolve("init_image.png").toString()));
        input.setRoi(new Roi(0, 8, input.getWidth(), input.getHeight() - 8));
        List<Object> before = SampleImages.snapshot(input);
        String options = CommandFixtures.caseOptions(c) + strength(c);
        ImagePlus macro = byMacro("Image to Image...", options, input);
        Map<String, Object> inputs = values(CommandTables.IMAGE_TO_IMAGE, options);
        inputs.put("input", input);
        assertSameImage(macro, result(run(ImageToImage.class, inputs)));
        assertTrue(SampleImages.samePixels(before, input), "the input was changed");
    }

    @Test
    void inpaintSelectionEqualsTheMacroWithPasteBackAndFeather() throws Exception {
        Path c = CommandFixtures.aCase("inpaint");
        ImagePlus input = shown(IJ.openImage(c.resolve("init_image.png").toString()));
        input.setRoi(new OvalRoi(input.getWidth() / 5, input.getHeight() / 4, input.getWidth() / 2, input.getHeight() / 2));
        String options = CommandFixtures.caseOptions(c) + strength(c) + " feather=2 paste_back";
        ImagePlus macro = byMacro("Inpaint Selection...", options, input);
        Map<String, Object> inputs = values(CommandTables.INPAINT, options);
        inputs.put("input", input);
        assertSameImage(macro, result(run(InpaintSelection.class, inputs)));

        input.deleteRoi();
        var e = assertThrows(ExecutionException.class, () -> run(InpaintSelection.class, inputs));
        assertTrue(message(e).contains("has none: give the image a selection"), message(e));
    }

    @Test
    void depthToImageEqualsTheMacroWithADepthMapThatNeedNotBeOpen() throws Exception {
        Path c = CommandFixtures.aCase("depth2img");
        ImagePlus input = shown(IJ.openImage(c.resolve("init_image.png").toString()));
        ImagePlus depth = SampleImages.gray(16, 20, 12, 1, (x, y, p) -> 300 + 40 * x + 7 * y);
        depth.setTitle("depth16");
        shown(depth);
        IJ.selectWindow(input.getID());
        String options = CommandFixtures.caseOptions(c) + strength(c) + " depth=depth16";
        ImagePlus macro = byMacro("Depth to Image...", options, input);
        depth.hide(); // a script's depth map need not be in a window
        Map<String, Object> inputs = values(CommandTables.DEPTH_TO_IMAGE, options);
        inputs.put("input", input);
        inputs.put("depth", depth);
        assertSameImage(macro, result(run(DepthToImage.class, inputs)));
    }

    @Test
    void upscale4xEqualsTheMacro() throws Exception {
        Path c = CommandFixtures.aCase("upscale");
        ImagePlus input = shown(IJ.openImage(c.resolve("low_res_image.png").toString()));
        String noise = CommandFixtures.manifest(c).getAsJsonObject("call").get("noise_level").getAsString();
        String options = CommandFixtures.caseOptions(c) + " noise_level=" + noise;
        ImagePlus macro = byMacro("Upscale 4x...", options, input);
        Map<String, Object> inputs = values(CommandTables.UPSCALE, options);
        inputs.put("input", input);
        assertSameImage(macro, result(run(Upscale4x.class, inputs)));
    }

    private static DepthFolders.SingleImageCase smallestDepthCase() throws Exception {
        return DepthFolders.singleImageCases(1).stream()
                .min(Comparator.comparingInt(c -> c.width() * c.height())).orElseThrow();
    }

    /** A stack of the picture twice, shown and active, for slices=all. */
    private static ImagePlus twoSlices(Path picture) {
        ImagePlus one = IJ.openImage(picture.toString());
        ImageStack two = new ImageStack(one.getWidth(), one.getHeight());
        two.addSlice(one.getProcessor());
        two.addSlice(one.getProcessor().duplicate());
        return shown(new ImagePlus("two", two));
    }

    @Test
    void estimateDepthEqualsTheMacroSliceBySlice(@TempDir Path dir) throws Exception {
        Path folder = DepthFolders.tinyDepthWithEstimator(dir);
        ImagePlus input = twoSlices(smallestDepthCase().image());
        String options = "model=[" + folder + "] slices=all";
        ImagePlus macro = byMacro("Estimate Depth...", options, input);
        Map<String, Object> inputs = values(CommandTables.ESTIMATE_DEPTH, options);
        inputs.put("input", input);
        ImagePlus scijava = result(run(EstimateDepth.class, inputs));
        assertSameImage(macro, scijava);
        assertEquals(2, scijava.getStackSize(), "one map per slice");
    }

    @Test
    void aCancelledEstimateLeavesNoResult(@TempDir Path dir) throws Exception {
        Path folder = DepthFolders.tinyDepthWithEstimator(dir);
        ImagePlus input = twoSlices(smallestDepthCase().image());
        Map<String, Object> inputs = values(CommandTables.ESTIMATE_DEPTH, "model=[" + folder + "] slices=all");
        inputs.put("input", input);
        ModuleService modules = context.getService(ModuleService.class);
        Module module = modules.createModule(context.getService(CommandService.class).getCommand(EstimateDepth.class));
        try (StatusHook ignored = StatusHook.at("Estimate Depth: slice 2 of 2", () -> ((Cancelable) module).cancel("stop"))) {
            modules.run(module, false, inputs).get();
        }
        assertNull(module.getOutput("result"), "a cancelled run has no result");
        assertEquals("stop", ((Cancelable) module).getCancelReason());
        assertEquals(1, CommandFixtures.openImageCount(), "only the input is open");
    }

    /** A fake Hub on 127.0.0.1 serving the model of a seeded text-to-image case, the cache in {@code cache}. */
    private static FakeHub hubWith(String repo, Path model, Path cache) throws Exception {
        FakeHub hub = new FakeHub().repo(repo, model);
        DownloadModelCommand.environment = () -> new HubSettings(hub.endpoint(), null, cache, false);
        return hub;
    }

    @Test
    void downloadModelReturnsTheSnapshotFolderTheOtherCommandsTake(@TempDir Path tmp) throws Exception {
        String repo = "org/tiny-sd";
        Path c = CommandFixtures.aCase("txt2img");
        Path model = Path.of(CommandFixtures.modelOf(c));
        Supplier<HubSettings> saved = DownloadModelCommand.environment;
        try (FakeHub hub = hubWith(repo, model, tmp.resolve("hub"))) {
            Module module = run(DownloadModel.class, Map.of("model", "other", "repo_id", repo));
            Path folder = Path.of((String) module.getOutput("result"));
            assertEquals(tmp.resolve("hub/models--org--tiny-sd/snapshots/" + FakeHub.commitOf(repo)), folder);
            assertTrue(Files.isRegularFile(folder.resolve("model_index.json")), folder + " holds no pipeline");

            String options = CommandFixtures.textToImageOptions(c);
            ImagePlus original = result(run(TextToImage.class, values(CommandTables.TEXT_TO_IMAGE, options)));
            Map<String, Object> fromCache = values(CommandTables.TEXT_TO_IMAGE,
                    CommandFixtures.withOption(options, "model", "[" + folder + "]"));
            ImagePlus downloaded = result(run(TextToImage.class, fromCache));
            assertArrayEquals((int[]) original.getStack().getPixels(1), (int[]) downloaded.getStack().getPixels(1),
                    "the downloaded model makes the original's image");

            assertEquals(folder.toString(), run(DownloadModel.class, Map.of("model", "other", "repo_id", repo))
                    .getOutput("result"), "already in the cache: the same folder");
        } finally {
            DownloadModelCommand.environment = saved;
        }
    }

    @Test
    void aCancelledDownloadHasNoResultAndTheNextRunResumes(@TempDir Path tmp) throws Exception {
        String repo = "org/tiny-sd";
        Supplier<HubSettings> saved = DownloadModelCommand.environment;
        try (FakeHub hub = hubWith(repo, Path.of(CommandFixtures.modelOf(CommandFixtures.aCase("txt2img"))),
                tmp.resolve("hub"))) {
            Map<String, Object> inputs = Map.of("model", "other", "repo_id", repo);
            ModuleService modules = context.getService(ModuleService.class);
            Module module = modules.createModule(context.getService(CommandService.class).getCommand(DownloadModel.class));
            try (StatusHook ignored = StatusHook.at("Download Model: unet/diffusion_pytorch_model.safetensors",
                    () -> ((Cancelable) module).cancel(null))) {
                modules.run(module, false, inputs).get();
            }
            assertNull(module.getOutput("result"), "a cancelled download has no result");
            String reason = ((Cancelable) module).getCancelReason();
            assertTrue(reason.startsWith("Download Model: Download cancelled after "), reason);
            hub.clearLog();
            Path folder = Path.of((String) run(DownloadModel.class, inputs).getOutput("result"));
            assertTrue(Files.isRegularFile(folder.resolve("model_index.json")), folder.toString());
            assertTrue(hub.requests().stream().anyMatch(r -> r.range() != null), "resumed with Range: " + hub.requests());
        } finally {
            DownloadModelCommand.environment = saved;
        }
    }

    @Test
    void aGatedModelFailsWithTheMessageOfTheImageJCommand(@TempDir Path tmp) throws Exception {
        String repo = "org/tiny-sd";
        Supplier<HubSettings> saved = DownloadModelCommand.environment;
        try (FakeHub hub = hubWith(repo, Path.of(CommandFixtures.modelOf(CommandFixtures.aCase("txt2img"))),
                tmp.resolve("hub"))) {
            hub.gated(repo);
            String macro = assertThrows(AssertionError.class, () -> MacroHarness.run(
                    "run(\"Download Model...\", \"model=other repo_id=" + repo + "\");")).getMessage();
            var e = assertThrows(ExecutionException.class, () -> run(DownloadModel.class,
                    Map.of("model", "other", "repo_id", repo)));
            String scijava = message(e);
            assertTrue(scijava.contains("gated"), scijava);
            assertTrue(macro.replaceAll("\\s", "").contains(scijava.replaceAll("\\s", "")),
                    "'" + scijava + "' is not the macro's message: " + macro);
            assertTrue(!Files.exists(tmp.resolve("hub/models--org--tiny-sd/snapshots")), "nothing was cached");
        } finally {
            DownloadModelCommand.environment = saved;
        }
    }

    /** Each command's inputs: its ImageJ 1 table's keys (plus the input image), defaults, choices; no menu. */
    @Test
    void inputsAreTheMacroKeysWithTheirDefaultsAndChoices() {
        Map<Class<? extends Command>, ParameterTable> tables = new LinkedHashMap<>();
        tables.put(TextToImage.class, CommandTables.TEXT_TO_IMAGE);
        tables.put(ImageToImage.class, CommandTables.IMAGE_TO_IMAGE);
        tables.put(InpaintSelection.class, CommandTables.INPAINT);
        tables.put(DepthToImage.class, CommandTables.DEPTH_TO_IMAGE);
        tables.put(Upscale4x.class, CommandTables.UPSCALE);
        tables.put(EstimateDepth.class, CommandTables.ESTIMATE_DEPTH);
        tables.put(DownloadModel.class, DownloadModelCommand.TABLE);
        // choices that are data (the known models of known-models.tsv): left open, the table checks the value
        Set<String> openChoices = Set.of(DownloadModelCommand.TABLE.command() + " model");
        CommandService commands = context.getService(CommandService.class);
        for (var e : tables.entrySet()) {
            CommandInfo info = commands.getCommand(e.getKey());
            assertTrue(info != null, e.getKey() + " is not a SciJava command of the context");
            assertTrue(info.getMenuPath() == null || info.getMenuPath().isEmpty(), "no menu entry: " + info.getMenuPath());
            assertTrue(info.canRunHeadless(), "headless");
            ParameterTable table = e.getValue();
            List<String> keys = new ArrayList<>();
            ParameterTable.Values defaults = table.defaults();
            Object instance;
            try {
                instance = info.createModule().getDelegateObject();
            } catch (Exception ex) {
                throw new AssertionError(ex);
            }
            for (ModuleItem<?> item : info.inputs()) {
                if (item.getType().getName().startsWith("org.scijava.")) continue; // services
                if (item.getName().equals("input")) {
                    assertEquals(ImagePlus.class, item.getType());
                    continue;
                }
                keys.add(item.getName());
                assertTrue(!item.isPersisted(), item.getName() + " is persisted");
                Field field = table.field(item.getName());
                if (field.type() == Field.Type.CHOICE && !openChoices.contains(table.command() + " " + item.getName())) {
                    assertEquals(field.choices(), item.getChoices(), item.getName());
                }
                if (field.type() == Field.Type.IMAGE) {
                    assertEquals(ImagePlus.class, item.getType(), item.getName());
                } else {
                    Object value = ((ModuleItem<Object>) item).getValue(moduleOf(info, instance));
                    assertEquals(defaults.get(item.getName()), field.value(value), table.command() + " " + item.getName());
                }
            }
            assertEquals(table.fields().stream().map(Field::key).toList(), keys, table.command());
            List<String> outputs = new ArrayList<>();
            info.outputs().forEach(o -> outputs.add(o.getName() + ":" + o.getType().getSimpleName() + ":" + o.getIOType()));
            String type = e.getKey() == DownloadModel.class ? "String" : "ImagePlus"; // the snapshot folder
            assertEquals(List.of("result:" + type + ":" + ItemIO.OUTPUT), outputs, table.command());
        }
    }

    private static Module moduleOf(CommandInfo info, Object instance) {
        return new org.scijava.command.CommandModule(info, (Command) instance);
    }

    @Test
    void progressReachesTheStatusServiceAndEndsWithDone() throws Exception {
        Path c = CommandFixtures.aCase("txt2img");
        int steps = CommandFixtures.spec(c).get("steps").getAsInt();
        List<String> statuses = new ArrayList<>();
        List<Integer> progress = new ArrayList<>();
        Object subscriber = new Object() {
            @EventHandler
            void onStatus(StatusEvent e) {
                synchronized (statuses) {
                    statuses.add(e.getStatusMessage());
                    progress.add(e.getProgressValue());
                }
            }
        };
        List<?> subscription = context.getService(EventService.class).subscribe(subscriber);
        try {
            run(TextToImage.class, values(CommandTables.TEXT_TO_IMAGE, CommandFixtures.textToImageOptions(c)));
            // StatusService publishes later, each event on a thread of SciJava's pool (in no set order): wait for
            // the last one the command shows
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (System.nanoTime() < deadline) {
                synchronized (statuses) {
                    if (statuses.stream().anyMatch(t -> t != null && t.startsWith("Text to Image: done in "))) break;
                }
                Thread.sleep(20);
            }
        } finally {
            context.getService(EventService.class).unsubscribe((java.util.Collection) subscription);
        }
        synchronized (statuses) {
            for (int s = 1; s <= steps; s++) {
                String want = "Text to Image: step " + s + "/" + steps;
                assertTrue(statuses.stream().anyMatch(t -> t != null && t.startsWith(want)), want + " in " + statuses);
            }
            assertTrue(statuses.stream().anyMatch(t -> t != null && t.startsWith("Text to Image: done in ")), statuses.toString());
            assertTrue(progress.stream().anyMatch(p -> p > 0 && p < 1000), progress.toString());
        }
    }

    /**
     * Cancelled after the second step by SciJava's cancel, by an interrupt of the command's thread (a script's
     * {@code future.cancel(true)}) and by Esc: no result, the reason names the step, the run's arrays are freed.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cancel", "interrupt", "esc"})
    void aCancelledRunLeavesNoResultAndFreesItsArrays(String how) throws Exception {
        Path c = CommandFixtures.aCase("txt2img");
        Map<String, Object> inputs = values(CommandTables.TEXT_TO_IMAGE,
                CommandFixtures.withOption(CommandFixtures.textToImageOptions(c), "steps", "4"));
        run(TextToImage.class, inputs); // loads the model
        int arrays = ModelCache.loaded().manager().getManagedArrays().size();

        ModuleService modules = context.getService(ModuleService.class);
        Module module = modules.createModule(context.getService(CommandService.class).getCommand(TextToImage.class));
        Future<Module> future;
        try (StatusHook ignored = StatusHook.at("Text to Image: step 2/4", () -> {
            switch (how) {
                case "cancel" -> ((Cancelable) module).cancel("stopped by the script");
                case "interrupt" -> Thread.currentThread().interrupt();
                default -> IJ.setKeyDown(KeyEvent.VK_ESCAPE);
            }
        })) {
            future = modules.run(module, false, inputs);
            try {
                future.get();
            } catch (CancellationException e) {
                // not raised: the command ends normally, cancelled
            }
        }
        assertNull(module.getOutput("result"), "a cancelled run has no result");
        assertTrue(((Cancelable) module).isCanceled(), how);
        String reason = ((Cancelable) module).getCancelReason();
        assertEquals(how.equals("cancel") ? "stopped by the script"
                : "Text to Image: cancelled after step 2 of 4; nothing was made", reason);
        assertEquals(0, CommandFixtures.openImageCount());
        assertEquals(arrays, ModelCache.loaded().manager().getManagedArrays().size(), "the run's arrays were freed");
        Thread.interrupted();
    }

    @Test
    void aBadValueFailsWithTheMessageOfTheImageJCommand() throws Exception {
        Path c = CommandFixtures.aCase("txt2img");
        Map<String, Object> inputs = values(CommandTables.TEXT_TO_IMAGE, CommandFixtures.textToImageOptions(c));
        inputs.put("sampler", "fastest");
        var e = assertThrows(ExecutionException.class, () -> run(TextToImage.class, inputs));
        assertEquals("sampler must be one of " + String.join(", ", CommandTables.SAMPLERS) + ", got 'fastest'", message(e));
        inputs.put("sampler", "default");
        inputs.put("model", CommandFixtures.tinyModel("x4-upscaler"));
        e = assertThrows(ExecutionException.class, () -> run(TextToImage.class, inputs));
        assertTrue(message(e).contains("not a text-to-image model"), message(e));
    }
}
