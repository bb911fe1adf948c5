#@ CommandService command
#@ String (label = "Model (name in the models folder, or a path)", value = "sd-v1-5") model
#@ String (label = "Prompt", value = "a lighthouse at dawn") prompt
#@ Long (label = "Seed", value = 42) seed
#@ Integer (label = "Steps", value = 30) steps
#@ File (label = "Save as TIFF (optional)", style = "save", required = false) out
#@output ImagePlus image

// sd-ij Text to Image from the Script Editor (Language: Groovy), or headless:
//   ./fiji --headless --console --run sd_ij_text_to_image.groovy 'model="sd-v1-5",prompt="a red fox",seed=7,out="/tmp/fox.tif"'
// The keys of the map are the macro keys of Plugins > Stable Diffusion > Text to Image...; keys left out take
// that command's defaults. The result is a new ImagePlus with the sdij.* metadata, as from the menu.

import ij.IJ
import org.sdij.scijava.TextToImage

def module = command.run(TextToImage, false, [model: model, prompt: prompt, negative_prompt: "blurry",
        seed: seed, steps: steps, num_images: 1]).get()
image = module.getOutput("result")
if (out != null) IJ.saveAsTiff(image, out.getPath())
