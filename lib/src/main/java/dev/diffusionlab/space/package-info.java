/**
 * Stage 1, image space. An image as a point in R^n: distances, nearest neighbours, PCA, interpolation; entry point
 * {@link dev.diffusionlab.space.ImageSpace}.
 */
package dev.diffusionlab.space;
