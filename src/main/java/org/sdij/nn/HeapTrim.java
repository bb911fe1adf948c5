package org.sdij.nn;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Gives the free pages of the native heap back to the system (glibc's {@code malloc_trim}). libtorch's CPU
 * tensors below the malloc mmap threshold (32 MB with the launcher's settings) come from glibc's heap, which
 * keeps freed blocks for reuse: after the denoising loop that is most of the UNet's working set (about 0.7 GB
 * at 512x512), which the VAE decoder cannot reuse since its large tensors are mapped afresh. Low-memory mode
 * trims before the decode. A no-op where the C library has no {@code malloc_trim} (macOS, Windows).
 */
public final class HeapTrim {
    private HeapTrim() {}

    private interface LibC extends Library {
        int malloc_trim(long pad);
    }

    private static volatile LibC libc = load();

    private static LibC load() {
        try {
            return Native.load("c", LibC.class);
        } catch (Throwable e) { // no JNA native support, or no C library by that name
            return null;
        }
    }

    /** Returns the heap's free pages to the system; false where that cannot be done here. */
    public static boolean trim() {
        LibC c = libc;
        if (c == null) return false;
        try {
            c.malloc_trim(0);
            return true;
        } catch (Throwable e) { // UnsatisfiedLinkError: this C library has no malloc_trim
            libc = null;
            return false;
        }
    }
}
