// Image to Image over every slice of a stack with one model load; the result is one stack
// (slice labels carry the seed) saved as a TIFF with its generation record. Headless:
//   bin/sd-ij macro macros/image_to_image_stack.ijm "model=[sd-v1-5] input=[/data/cells.tif] output=[/data/cells-sd.tif]"
// Grayscale stacks go through their display range (recorded in the metadata); a selection, if the
// input carries one, limits the work to its bounding box.
arg = getArgument();
model = option(arg, "model", "sd-v1-5");
input = option(arg, "input", "");
output = option(arg, "output", "");
prompt = option(arg, "prompt", "a watercolor painting");
strength = option(arg, "strength", "0.5");
steps = option(arg, "steps", "30");
if (input == "" || output == "") exit("Give input=[stack file] and output=[result.tif]");
setBatchMode(true);
open(input);
source = getTitle();
run("Image to Image...", "model=[" + model + "] prompt=[" + prompt + "] strength=" + strength
    + " steps=" + steps + " seed=42 slices=all");
saveAs("Tiff", output);
print("sd-ij: " + nSlices + " slices from " + source + " in " + output);

function option(arg, key, fallback) {
    return call("ij.Macro.getValue", arg, key, fallback);
}
