// Inpaint Selection: repaints an oval (x, y, width, height) of every slice of an image with one model
// load, pasting the rest back exactly through a feathered edge, and saves the result as a TIFF. Headless:
//   bin/sd-ij macro macros/inpaint_selection.ijm "model=[sd2-inpainting] input=[/data/photo.png] oval=[40,30,64,48] output=[/data/photo-inpainted.tif]"
// Any area selection works the same way (makeRectangle, makeSelection("polygon", ...), the ROI Manager).
arg = getArgument();
model = option(arg, "model", "sd2-inpainting");
input = option(arg, "input", "");
output = option(arg, "output", "");
oval = option(arg, "oval", "");
prompt = option(arg, "prompt", "a clear blue sky");
steps = option(arg, "steps", "30");
feather = option(arg, "feather", "4");
if (input == "" || output == "" || oval == "") exit("Give input=[image file], oval=[x,y,width,height] and output=[result.tif]");
box = split(oval, ",");
setBatchMode(true);
open(input);
makeOval(parseInt(box[0]), parseInt(box[1]), parseInt(box[2]), parseInt(box[3]));
run("Inpaint Selection...", "model=[" + model + "] prompt=[" + prompt + "] steps=" + steps
    + " seed=42 feather=" + feather + " paste_back slices=all");
saveAs("Tiff", output);
print("sd-ij: inpainted " + nSlices + " slice(s) of " + input + " in " + output);

function option(arg, key, fallback) {
    return call("ij.Macro.getValue", arg, key, fallback);
}
