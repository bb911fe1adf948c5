package org.sdij.io;

import java.io.IOException;

/** A weight file that is malformed, truncated, lies about its contents or asks for something unsafe. */
public class WeightFormatException extends IOException {
    public WeightFormatException(String message) {
        super(message);
    }

    public WeightFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
