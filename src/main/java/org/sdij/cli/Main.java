package org.sdij.cli;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import org.sdij.cli.CommandLine.UsageException;
import org.sdij.io.WeightFormatException;
import org.sdij.pipeline.CancelledException;

/** {@code bin/sd-ij <command> [options]}: dispatches to the commands. */
public final class Main {
    private Main() {}

    static final String COMMANDS = """
            usage: bin/sd-ij <command> [options]
              txt2img   generate images from a prompt
              img2img   transform --image under a prompt, with --strength
              inpaint   repaint the white part of --mask in --image
              depth2img transform --image keeping the depth of --depth (or its estimated depth)
              depth     estimate the depth map of --image (DPT-Hybrid), as depth2img would
              upscale   make --image 4x larger with the x4 upscaler
              download  fetch a model from the Hugging Face Hub into the local cache: download REPO
              bench     time the real SD architectures with random weights
              bench-upscale  time a whole x4 upscale (real architecture, random weights)
              fit-preview    fit the live preview's latent-to-RGB map to a model's VAE
              macro     run an ImageJ macro headless with the Stable Diffusion commands: macro file.ijm [args]
            bin/sd-ij <command> --help shows a command's options.
            """;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command; returns the process exit status (0 ok, 2 usage, 1 failure, 130 cancelled). */
    public static int run(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            System.out.print(COMMANDS);
            return args.length == 0 ? 2 : 0;
        }
        String command = args[0].toLowerCase(Locale.ROOT);
        boolean help = Arrays.asList(args).contains("--help");
        try {
            switch (command) {
                case "macro" -> { return org.sdij.ij.MacroRunner.run(args); }
                case "download" -> {
                    if (help) {
                        System.out.print(DownloadCommand.usage());
                        return 0;
                    }
                    return DownloadCommand.run(args, System.out, System.err);
                }
                case "txt2img", "img2img", "inpaint", "depth2img", "upscale" -> {
                    if (help) {
                        System.out.print(GenerateCommand.usage(command));
                        return 0;
                    }
                    GenerateCommand.run(command, args);
                }
                case "depth" -> {
                    if (help) {
                        System.out.print(DepthCommand.usage());
                        return 0;
                    }
                    DepthCommand.run(args);
                }
                case "bench" -> {
                    if (help) {
                        System.out.print(org.sdij.bench.Benchmark.usage());
                        return 0;
                    }
                    org.sdij.bench.Benchmark.run(args);
                }
                case "fit-preview" -> {
                    if (help) {
                        System.out.print(PreviewFitCommand.usage());
                        return 0;
                    }
                    PreviewFitCommand.run(args);
                }
                case "bench-upscale" -> {
                    if (help) {
                        System.out.print(UpscaleBenchmark.usage());
                        return 0;
                    }
                    UpscaleBenchmark.run(args);
                }
                default -> {
                    System.err.print("Unknown command '" + args[0] + "'\n" + COMMANDS);
                    return 2;
                }
            }
            return 0;
        } catch (UsageException e) {
            System.err.println("sd-ij " + command + ": " + e.getMessage());
            System.err.println("Run bin/sd-ij " + command + " --help for the options.");
            return 2;
        } catch (CancelledException e) {
            System.err.println("\n" + e.getMessage());
            return 130;
        } catch (WeightFormatException e) {
            System.err.println("sd-ij " + command + ": " + e.getMessage());
            return 1;
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            System.err.println("sd-ij " + command + ": " + e.getMessage());
            return 1;
        }
    }
}
