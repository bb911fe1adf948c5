package org.sdij.ij;

import ij.IJ;
import ij.plugin.PlugIn;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Plugins > Stable Diffusion > Models and Settings...: models folder, device, precision, threads, the
 * attention memory limit, low-memory mode (weights kept as fp16) and the prompt syntax, kept in ImageJ's
 * preferences (saved when ImageJ quits). OK also frees the model held in memory between runs. From a macro:
 * {@code run("Models and Settings...", "models_folder=/data/sd device=cpu threads=4 low_memory");}
 */
public class SettingsCommand implements PlugIn {

    @Override
    public void run(String arg) {
        ParameterTable table = CommandTables.SETTINGS;
        try {
            ParameterTable.Values values = table.ask();
            if (values == null) return;
            checkModelsFolder(values.string("models_folder"));
            table.remember(values);
            ModelCache.unload(); // the next run loads the model as the new settings say
            if (ij.Macro.getOptions() == null) IJ.log(DownloadModelCommand.cachedSummary());
            Settings s = Settings.of(values);
            IJ.showStatus("Stable Diffusion: " + s.device() + ", " + s.precision()
                    + (s.lowMemory() ? ", fp16 weights" : "")
                    + (s.promptSyntax().equals("plain") ? ", plain prompts" : "")
                    + (s.modelsFolder().isEmpty() ? ", no models folder set" : ", models in " + s.modelsFolder()));
        } catch (IllegalArgumentException e) {
            Commands.error(table.command(), e.getMessage());
        }
    }

    /** A models folder must exist when it is set (a typo would otherwise show up only at the next run). */
    static void checkModelsFolder(String folder) {
        if (folder.isBlank() || Files.isDirectory(Path.of(folder))) return;
        String what = Files.exists(Path.of(folder)) ? "is not a folder" : "does not exist";
        throw new IllegalArgumentException("The models folder " + folder + " " + what + ": create it (and put "
                + "diffusers model folders or .safetensors/.ckpt files into it), or choose an existing folder. "
                + "The settings were not changed.");
    }
}
