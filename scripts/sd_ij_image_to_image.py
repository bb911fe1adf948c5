#@ CommandService command
#@ ImagePlus imp
#@ String (label = "Model (name in the models folder, or a path)", value = "sd-v1-5") model
#@ String (label = "Prompt", value = "an oil painting") prompt
#@ Double (label = "Strength", value = 0.6) strength

# sd-ij Image to Image from the Script Editor (Language: Python (Jython)): every slice of the active image
# (its selection's box, or all of it) transformed, shown as a new image. The dict's keys are the macro keys of
# Plugins > Stable Diffusion > Image to Image...; "input" is the image to transform.

from org.sdij.scijava import ImageToImage

module = command.run(ImageToImage, False, {"input": imp, "model": model, "prompt": prompt,
                                           "strength": strength, "seed": 7, "slices": "all"}).get()
result = module.getOutput("result")
if result is None:
    print("cancelled: " + str(module.getCancelReason()))
else:
    result.show()
