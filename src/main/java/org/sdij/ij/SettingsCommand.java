package org.sdij.ij;

import ij.IJ;
import ij.plugin.PlugIn;

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
}
