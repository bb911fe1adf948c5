package org.sdij.cli;

import java.io.PrintStream;

/**
 * One terminal line, redrawn in place: step, a bar, seconds per step and time left (or, for a download, bytes, a
 * bar, the rate and time left); timing starts at construction.
 * When the output is not a terminal (a log file, a pipe) nothing is redrawn: one plain line per update, with no
 * carriage return or other control character.
 */
final class ProgressBar {
    private final PrintStream out;
    private final String label;
    private final boolean terminal;
    private final long start = System.nanoTime();

    ProgressBar(PrintStream out, String label) {
        this(out, label, System.console() != null);
    }

    ProgressBar(PrintStream out, String label, boolean terminal) {
        this.out = out;
        this.label = label;
        this.terminal = terminal;
    }

    void update(int step, int total) {
        long now = System.nanoTime();
        double perStep = step == 0 ? 0 : (now - start) / 1e9 / step;
        double left = perStep * (total - step);
        int width = 30;
        int filled = total == 0 ? width : (int) ((long) width * step / total);
        String line = String.format("%s %3d/%d [%s%s] %6.2f s/step, %s left", label, step, total,
                "#".repeat(filled), ".".repeat(width - filled), perStep, clock(left));
        if (!terminal) {
            out.println(line);
        } else {
            out.print("\r" + line + " ");
            if (step == total) out.println();
        }
        out.flush();
    }

    /**
     * One file's download: bytes done of total, a bar, the rate since this bar started (bytes already there
     * before, {@code resumedFrom}, do not count) and the time left at that rate.
     */
    void bytes(long done, long total, long resumedFrom) {
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = seconds <= 0 ? 0 : (done - resumedFrom) / seconds;
        double left = rate <= 0 ? 0 : (total - done) / rate;
        int width = 30;
        int filled = total <= 0 ? width : (int) (width * (double) done / total);
        out.printf("\r%s %s/%s [%s%s] %s/s, %s left ", label, size(done), size(total), "#".repeat(filled),
                ".".repeat(width - filled), size((long) rate), clock(left));
        if (done >= total) out.println();
        out.flush();
    }

    private static String size(long bytes) {
        if (bytes >= 1e9) return String.format("%.2f GB", bytes / 1e9);
        if (bytes >= 1e6) return String.format("%.1f MB", bytes / 1e6);
        if (bytes >= 1e3) return String.format("%.1f kB", bytes / 1e3);
        return bytes + " B";
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
    }
}
