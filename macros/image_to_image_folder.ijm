// Image to Image over a folder of images (PNG, JPEG, TIFF), one model load for all: each result is
// saved as <name>-sd.tif in the output folder. Headless:
//   bin/sd-ij macro macros/image_to_image_folder.ijm "model=[sd-v1-5] input=[/data/in] output=[/data/out]"
arg = getArgument();
model = option(arg, "model", "sd-v1-5");
input = option(arg, "input", "");
output = option(arg, "output", "");
prompt = option(arg, "prompt", "a pencil sketch");
strength = option(arg, "strength", "0.6");
steps = option(arg, "steps", "30");
if (input == "" || output == "") exit("Give input=[folder of images] and output=[folder]");
setBatchMode(true);
files = getFileList(input);
made = 0;
for (i = 0; i < files.length; i++) {
    name = files[i];
    if (!matches(toLowerCase(name), ".*\\.(png|jpe?g|tiff?)$")) continue;
    open(input + File.separator + name);
    run("Image to Image...", "model=[" + model + "] prompt=[" + prompt + "] strength=" + strength
        + " steps=" + steps + " seed=42");
    saveAs("Tiff", output + File.separator + File.getNameWithoutExtension(name) + "-sd.tif");
    close("*");
    made++;
}
print("sd-ij: " + made + " images from " + input + " in " + output);

function option(arg, key, fallback) {
    return call("ij.Macro.getValue", arg, key, fallback);
}
