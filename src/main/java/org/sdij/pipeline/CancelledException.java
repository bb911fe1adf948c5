package org.sdij.pipeline;

/** The user cancelled a run; nothing was produced and the native memory of the run was freed. */
public class CancelledException extends RuntimeException {
    public CancelledException(int step, int total) {
        super("Cancelled after step " + step + " of " + total);
    }
}
