package org.sdij.pipeline;

/** The user cancelled a run; nothing was produced and the native memory of the run was freed. */
public class CancelledException extends RuntimeException {
    public CancelledException(int step, int total) {
        super("Cancelled after step " + step + " of " + total);
    }

    private CancelledException(String message) {
        super(message);
    }

    /** Cancelled between the slices of a command that runs no denoising steps (Estimate Depth). */
    public static CancelledException betweenSlices(int done, int total) {
        return new CancelledException("Cancelled after slice " + done + " of " + total);
    }

    /** Cancelled after all steps, between the parts of the decode ({@code part}: "image" or "tile"). */
    public static CancelledException whileDecoding(String part, int done, int total) {
        return new CancelledException("Cancelled while decoding, after " + part + " " + done + " of " + total);
    }
}
