package org.sdij.ij;

import ai.djl.ndarray.NDManager;
import ij.IJ;
import ij.ImagePlus;
import ij.plugin.ImageInfo;
import ij.process.FloatProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sdij.io.SafeTensorsFile;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code sdij.*} properties of a result in the README's order (model, model hash, prompt, negative prompt, seed,
 * seeds, steps, guidance, sampler, width, height, strength, noise level, then the rest alphabetically), the same for
 * Text to Image and Depth to Image: the Info lists them so, Image > Show Info shows that list (not ImageJ's list in
 * hash order), every slice's parameters have their keys in one order, and the Info ends with a newline.
 */
@Tag("golden")
class MetadataOrderMacroTest {

    static {
        ImageJHarness.init();
    }

    /** The documented order of the settings a user reads first (README, "What a result records"). */
    private static final List<String> READ_FIRST = List.of("sdij.model", "sdij.model_hash", "sdij.prompt",
            "sdij.negative_prompt", "sdij.seed", "sdij.seeds", "sdij.steps", "sdij.guidance", "sdij.sampler",
            "sdij.width", "sdij.height", "sdij.strength", "sdij.noise_level");

    @AfterEach
    void closeImages() {
        CommandFixtures.closeAll();
    }

    @Test
    void aTextToImageStackListsItsPropertiesInTheDocumentedOrder() throws Exception {
        Path c = CommandFixtures.aCase("txt2img");
        String options = CommandFixtures.withOption(CommandFixtures.textToImageOptions(c), "num_images",
                Integer.toString(CommandFixtures.batch(c) + 1));
        MacroHarness.run("run(\"Text to Image...\", \"" + options + "\");");
        assertListedInOrder(CommandFixtures.newResult(null));
    }

    @Test
    void aDepthToImageStackListsItsPropertiesInTheSameOrder() throws Exception {
        Path c = CommandFixtures.aCase("depth2img");
        ImagePlus depth;
        try (SafeTensorsFile golden = SafeTensorsFile.open(c.resolve("golden.safetensors"));
             NDManager m = NDManager.newBaseManager()) {
            long[] shape = golden.info("input.depth_map").shape();
            float[] values = golden.load("input.depth_map", m).toFloatArray();
            depth = new ImagePlus("depth map", new FloatProcessor((int) shape[2], (int) shape[1], values));
        }
        depth.show();
        ImagePlus init = IJ.openImage(c.resolve("init_image.png").toString());
        init.show();
        IJ.selectWindow(init.getID());
        String strength = CommandFixtures.manifest(c).getAsJsonObject("call").get("strength").getAsString();
        String options = CommandFixtures.withOption(CommandFixtures.caseOptions(c), "num_images",
                Integer.toString(CommandFixtures.batch(c) + 1));
        MacroHarness.run("run(\"Depth to Image...\", \"" + options + " depth=[depth map] strength=" + strength + "\");");
        ImagePlus out = CommandFixtures.newResult(init);
        assertTrue(out != depth);
        assertTrue(out.getProp("sdij.strength") != null, "a depth result records its strength");
        assertListedInOrder(out);
    }

    private static void assertListedInOrder(ImagePlus out) {
        assertTrue(out.getStackSize() > 1, "a stack");
        TreeSet<String> keys = new TreeSet<>();
        String[] pairs = out.getPropertiesAsArray();
        for (int i = 0; i < pairs.length; i += 2) if (pairs[i].startsWith("sdij.")) keys.add(pairs[i]);
        List<String> want = new ArrayList<>();
        for (String k : READ_FIRST) if (keys.remove(k)) want.add(k);
        want.addAll(keys); // the rest, alphabetically
        assertTrue(want.containsAll(List.of("sdij.model", "sdij.prompt", "sdij.seed", "sdij.steps", "sdij.guidance",
                "sdij.sampler", "sdij.width", "sdij.height")), "every result records these: " + want);

        String info = out.getInfoProperty();
        assertTrue(info.endsWith("\n"), "the Info ends with a newline: " + info);
        List<String> listed = new ArrayList<>();
        assertTrue(info.startsWith(ImageOutput.PROPERTIES_HEADING + "\n"), info);
        for (String line : info.substring(0, info.indexOf("\n\n")).split("\n")) {
            if (line.equals(ImageOutput.PROPERTIES_HEADING)) continue;
            listed.add("sdij." + line.substring(0, line.indexOf(": ")));
            assertEquals(out.getProp(listed.get(listed.size() - 1)), line.substring(line.indexOf(": ") + 2), line);
        }
        assertEquals(want, listed, "the Info lists every sdij.* property, in the documented order");

        String shown = new ImageInfo().getImageInfo(out);
        assertTrue(shown.startsWith(info), "Show Info shows the ordered list first, not ImageJ's own:\n" + shown);

        String steps = out.getProp("sdij.steps");
        out.setProp("sdij.steps", null);
        assertEquals(null, out.getProp("sdij.steps"), "a property removed does not come back from the Info's list");
        out.setProp("sdij.steps", steps);

        List<String> sliceKeys = null;
        String[] slices = info.split("\\[slice ");
        assertEquals(out.getStackSize() + 1, slices.length, "one parameters block per slice");
        for (int s = 1; s < slices.length; s++) {
            String[] lines = slices[s].split("\n");
            List<String> settings = new ArrayList<>();
            for (String pair : lines[3].split(", ")) if (pair.contains(": ")) settings.add(pair.substring(0, pair.indexOf(": ")));
            if (sliceKeys == null) sliceKeys = settings;
            assertEquals(sliceKeys, settings, "slice " + s + "'s settings in the order of slice 1's");
        }
    }
}
