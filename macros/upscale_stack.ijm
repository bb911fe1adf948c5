// Upscale 4x over every slice of a stack with one model load; the result (4x the size, pixel size / 4,
// same unit) is saved as a TIFF with its generation record. Headless:
//   bin/sd-ij macro macros/upscale_stack.ijm "model=[x4-upscaler] input=[/data/cells.tif] output=[/data/cells-x4.tif]"
// A selection, if the input carries one, limits the work to its bounding box.
arg = getArgument();
model = option(arg, "model", "x4-upscaler");
input = option(arg, "input", "");
output = option(arg, "output", "");
prompt = option(arg, "prompt", "a sharp, detailed micrograph");
noise = option(arg, "noise_level", "20");
steps = option(arg, "steps", "75");
if (input == "" || output == "") exit("Give input=[stack file] and output=[result.tif]");
setBatchMode(true);
open(input);
source = getTitle();
run("Upscale 4x...", "model=[" + model + "] prompt=[" + prompt + "] noise_level=" + noise
    + " steps=" + steps + " seed=42 slices=all");
saveAs("Tiff", output);
print("sd-ij: " + nSlices + " slices of " + getWidth() + "x" + getHeight() + " from " + source + " in " + output);

function option(arg, key, fallback) {
    return call("ij.Macro.getValue", arg, key, fallback);
}
