package org.sdij.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sdij.cli.ImageFiles;

/**
 * One request of a job: a {@code bin/sd-ij} command line without its {@code --out}, which the job derives from the
 * id (one folder, deterministic names).
 *
 * @param id the output name without extension; may hold subfolders ({@code sub/name})
 * @param options the command's options as {@code bin/sd-ij} takes them: {@code --name value} or {@code --flag}
 * @param format png or tif
 */
public record JobRequest(String id, String command, List<String> options, String format) implements Serializable {

    public JobRequest {
        options = List.copyOf(options);
    }

    /** The file of a single image: {@code <out>/<id>.<format>}. */
    public Path out(Path outDir) {
        return outDir.resolve(id + "." + format);
    }

    /** The command line this request is: {@code bin/sd-ij}'s arguments, {@code --out} last. */
    public String[] argv(Path outDir) {
        List<String> argv = new ArrayList<>();
        argv.add(command);
        argv.addAll(options);
        argv.add("--out");
        argv.add(out(outDir).toString());
        return argv.toArray(String[]::new);
    }

    /** The files the request writes (as the command line numbers a batch). */
    public List<Path> outputs(Path outDir) {
        return ImageFiles.numbered(out(outDir), numImages());
    }

    /** A given option's value, or null. */
    public String option(String name) {
        for (int i = 0; i < options.size() - 1; i++) {
            if (options.get(i).equals("--" + name)) return options.get(i + 1);
        }
        return null;
    }

    /** The batch size; 1 where it is missing or unreadable (the command line then reports that option itself). */
    int numImages() {
        try {
            String n = option("num-images");
            return n == null ? 1 : Math.max(1, Integer.parseInt(n.trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /**
     * What decides the loaded model: requests with equal groups run on one model, loaded once per executor. Any
     * option that changes how the model loads belongs here.
     */
    public String modelGroup() {
        StringBuilder s = new StringBuilder(String.valueOf(option("model")));
        for (String name : List.of("device", "precision", "prediction", "config")) {
            String v = option(name);
            if (v != null) s.append(" --").append(name).append(' ').append(v);
        }
        for (String flag : List.of("low-memory", "fp16-weights")) {
            if (options.contains("--" + flag)) s.append(" --").append(flag);
        }
        return s.toString();
    }

    /** A rough cost (steps x pixels x images), to start the longest requests first. */
    double cost() {
        double steps = number("steps", command.equals("upscale") ? 75 : 50);
        double side = command.equals("upscale") ? 4 * 128 : 512;
        double pixels = number("width", side) * number("height", side);
        return steps * pixels * numImages();
    }

    private double number(String name, double fallback) {
        try {
            String v = option(name);
            return v == null ? fallback : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
