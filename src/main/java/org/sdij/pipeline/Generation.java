package org.sdij.pipeline;

import java.util.List;

/** What a pipeline returns: the images in batch order, each with its metadata, and the final latents. */
public record Generation(List<RgbImage> images, List<GenerationMetadata> metadata, float[] latents) {}
