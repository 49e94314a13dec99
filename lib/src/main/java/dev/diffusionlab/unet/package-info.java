/**
 * Stage 3, the denoiser. {@link dev.diffusionlab.unet.UNet2DConditionModel} and its blocks, built from
 * {@link dev.diffusionlab.unet.UNetConfig}.
 */
package dev.diffusionlab.unet;
