package org.sdij.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Only-masked inpainting: a box around the mask, grown by the padding and snapped to multiples of the VAE
 * factor ({@link CropBox#around}), is scaled (torch's bicubic, the mask by nearest neighbour) so its longer
 * side is the model's native size, inpainted there, scaled back and pasted into the input: through the
 * feathered mask with paste-back, as the whole box without. A small region of a large image costs one run
 * at the model's resolution, and nothing outside the box can change.
 */
final class OnlyMasked {
    private OnlyMasked() {}

    static Generation run(StableDiffusion model, GenerationRequest request, Inpaint.Settings settings,
                          float[] binaryMask, boolean nineChannels, Map<String, String> extra,
                          StepListener listener) {
        RgbImage image = request.initImage();
        int factor = model.vaeScale();
        CropBox box = CropBox.around(binaryMask, settings.paddingPx(), factor, image.width(), image.height());
        int[] target = targetSize(box, model.nativeSize(), factor);
        int targetWidth = target[0];
        int targetHeight = target[1];
        boolean sameSize = targetWidth == box.width() && targetHeight == box.height();

        RgbImage crop = crop(image, box);
        float[] cropMask = crop(binaryMask, image.width(), box);
        RgbImage input = sameSize ? crop : resize(crop, targetWidth, targetHeight, false);
        float[] inputMask = sameSize ? cropMask
                : InpaintMasks.nearest(cropMask, 1, box.height(), box.width(), targetHeight, targetWidth);
        if (InpaintMasks.isEmpty(inputMask)) {
            throw new IllegalArgumentException("The mask vanishes when its " + box.width() + "x" + box.height()
                    + " box is scaled to " + targetWidth + "x" + targetHeight + ": use a smaller padding or inpaint"
                    + " the whole image");
        }
        extra.put("Only masked", "padding " + settings.paddingPx() + " px; box " + box.width() + "x" + box.height()
                + "+" + box.x() + "+" + box.y() + " at " + targetWidth + "x" + targetHeight);

        GenerationRequest inner = new GenerationRequest(request.prompt(), request.negativePrompt(), request.seed(),
                request.steps(), request.guidance(), request.sampler(), null, null, request.numImages(), input,
                request.strength(), request.promptSyntax());
        Generation raw = Inpaint.whole(model, inner, input, inputMask, nineChannels, null, extra, image.width(),
                image.height(), listener);
        List<RgbImage> out = new ArrayList<>();
        for (RgbImage result : raw.images()) {
            RgbImage back = sameSize ? result : resize(result, box.width(), box.height(), true);
            RgbImage piece = settings.pasteBack() ? InpaintMasks.composite(back, crop, cropMask, settings.featherPx())
                    : back;
            out.add(box.pasteInto(image, piece));
        }
        return new Generation(out, raw.metadata(), raw.latents());
    }

    /** The box scaled so its longer side is {@code nativeSize}, each side snapped to a multiple of {@code factor}. */
    static int[] targetSize(CropBox box, int nativeSize, int factor) {
        double scale = (double) nativeSize / Math.max(box.width(), box.height());
        return new int[] {snap(box.width() * scale, factor), snap(box.height() * scale, factor)};
    }

    private static int snap(double size, int factor) {
        return Math.max(factor, (int) Math.round(size / factor) * factor);
    }

    private static RgbImage crop(RgbImage image, CropBox box) {
        float[][] planes = new float[3][];
        for (int c = 0; c < 3; c++) planes[c] = crop(image.planes()[c], image.width(), box);
        return new RgbImage(box.width(), box.height(), planes);
    }

    private static float[] crop(float[] plane, int width, CropBox box) {
        float[] out = new float[box.width() * box.height()];
        for (int row = 0; row < box.height(); row++) {
            System.arraycopy(plane, (box.y() + row) * width + box.x(), out, row * box.width(), box.width());
        }
        return out;
    }

    /** torch's bicubic resize of the three planes; {@code clamp} keeps results in [0, 1] (cubic overshoot). */
    private static RgbImage resize(RgbImage image, int width, int height, boolean clamp) {
        int n = image.width() * image.height();
        float[] stacked = new float[3 * n];
        for (int c = 0; c < 3; c++) System.arraycopy(image.planes()[c], 0, stacked, c * n, n);
        float[] resized = BicubicResize.resize(stacked, 1, 3, image.height(), image.width(), height, width);
        float[][] planes = new float[3][width * height];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < width * height; i++) {
                float v = resized[c * width * height + i];
                planes[c][i] = clamp ? Math.max(0f, Math.min(1f, v)) : v;
            }
        }
        return new RgbImage(width, height, planes);
    }
}
