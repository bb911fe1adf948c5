package org.sdij.hub;

/** What a download reports as it goes; the command line draws a bar, ImageJ its progress bar and Esc. */
public interface DownloadProgress {

    DownloadProgress NONE = new DownloadProgress() {};

    /** A file is about to be fetched: {@code size} bytes, of which {@code resumedFrom} are already here. */
    default void startFile(String path, long size, long resumedFrom) {}

    /**
     * {@code done} of {@code size} bytes of the current file are here.
     *
     * @return false to stop: the part is kept, and the next download resumes from it
     */
    default boolean bytes(long done, long size) {
        return true;
    }

    /** A file that was already in the cache (nothing fetched). */
    default void cached(String path) {}
}
