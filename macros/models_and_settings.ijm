// Stores sd-ij's settings in ImageJ's preferences, as Plugins > Stable Diffusion > Models and Settings... does.
// Run headless with the models folder as the argument; every key left out takes its default.
// Add " low_memory" to keep the weights in memory as fp16 (half the memory, a little slower).
// Add " prompt_syntax=plain" to read prompts as diffusers does: no (emphasis:1.2), cut after 75 tokens.
folder = getArgument();
if (folder == "") folder = getDirectory("home") + "sd-models";
run("Models and Settings...", "models_folder=[" + folder + "] device=cpu precision=fp32 threads=0 attention_limit=1024");
print("sd-ij models folder: " + folder);
