// Text to Image for a few seeds, each image saved as a TIFF that keeps its generation record
// (Reproduce from Metadata... remakes it). In Fiji: Plugins > Macros > Run...; headless:
//   bin/sd-ij macro macros/text_to_image.ijm "model=[sd-v1-5] output=[/data/out] prompt=[a red fox in snow]"
// model: a name in the models folder (Models and Settings...) or a path; output: a folder.
arg = getArgument();
model = option(arg, "model", "sd-v1-5");
output = option(arg, "output", getDirectory("temp"));
prompt = option(arg, "prompt", "a lighthouse on a cliff at dawn, oil painting");
steps = option(arg, "steps", "30");
seeds = split(option(arg, "seeds", "1,2,3,4"), ",");
setBatchMode(true);
for (i = 0; i < seeds.length; i++) {
    run("Text to Image...", "model=[" + model + "] prompt=[" + prompt + "] seed=" + seeds[i] + " steps=" + steps);
    saveAs("Tiff", output + File.separator + "text_to_image_seed" + seeds[i] + ".tif");
    close();
}
print("sd-ij: " + seeds.length + " images in " + output);

// The value of key=[value] (or key=value) in the argument, or a default.
function option(arg, key, fallback) {
    return call("ij.Macro.getValue", arg, key, fallback);
}
