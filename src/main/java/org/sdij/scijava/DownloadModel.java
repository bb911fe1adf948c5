package org.sdij.scijava;

import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.sdij.hub.KnownModels;
import org.sdij.ij.ImagePlusCommands;

import java.io.IOException;
import java.util.Map;

/**
 * Download Model... as a SciJava command (no menu entry: the ImageJ 1 command keeps the menu): a model from the
 * Hugging Face Hub into the shared cache. The output {@value #RESULT} is its local snapshot folder (or the one
 * file of {@code file}), which the other commands take as {@code model}. The token is never an input: HF_TOKEN
 * or HF_HOME/token, as for a macro. A cancel keeps the part downloaded; the next run resumes.
 */
@SuppressWarnings({"FieldMayBeFinal", "unused"}) // set by SciJava, read through SdijCommand.values()
@Plugin(type = Command.class, headless = true, label = "Download Model (sd-ij)")
public class DownloadModel extends SdijCommand<String> {

    // The known models are data (known-models.tsv), so the choice is not listed here: a value that is none of
    // them nor "other" fails with the ImageJ 1 command's message, which lists them.
    @Parameter(persist = false, description = "a known model's repo id, or 'other' (then repo_id)")
    private String model = KnownModels.all().get(0).id();
    @Parameter(persist = false, required = false, description = "org/name, for 'other'")
    private String repo_id = "";
    @Parameter(persist = false)
    private String revision = "main";
    @Parameter(persist = false, required = false, description = "one file only, e.g. a .safetensors; empty: the pipeline")
    private String file = "";
    @Parameter(persist = false, choices = {"none", "fp16"})
    private String variant = "none";

    @Parameter(type = ItemIO.OUTPUT)
    private String result;

    @Override
    String name() {
        return "Download Model";
    }

    @Override
    String make(Map<String, Object> values) throws IOException {
        return ImagePlusCommands.downloadModel(values).toString();
    }

    @Override
    void setResult(String folder) {
        result = folder;
    }
}
