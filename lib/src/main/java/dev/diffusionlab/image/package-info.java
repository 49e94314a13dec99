/**
 * Stage 1, images. Load, resize and crop photos, CHW tensors in [-1, 1] and back, grids and GIFs; entry points
 * {@link dev.diffusionlab.image.Images}, {@link dev.diffusionlab.image.ImageTensors}, {@link dev.diffusionlab.image.ImageGrid}.
 */
package dev.diffusionlab.image;
