package org.sdij.scijava;

import ij.ImagePlus;
import org.scijava.ItemIO;
import org.scijava.plugin.Parameter;

import java.io.IOException;
import java.util.Map;

/**
 * The commands that make an image (the five generating commands, Estimate Depth): the new image is the output
 * {@value #RESULT}, not shown, with the same pixels and {@code sdij.*} properties as the ImageJ 1 command's.
 */
abstract class GeneratingCommand extends SdijCommand<ImagePlus> {

    @Parameter(type = ItemIO.OUTPUT)
    private ImagePlus result;

    /** The image these values make, not shown. */
    abstract ImagePlus generate(Map<String, Object> values) throws IOException;

    @Override
    final ImagePlus make(Map<String, Object> values) throws IOException {
        return generate(values);
    }

    @Override
    final void setResult(ImagePlus image) {
        result = image;
    }
}
