/**
 * Stage 3, latents. {@link dev.diffusionlab.vae.AutoencoderKL} (encode to a {@link dev.diffusionlab.vae.DiagonalGaussian},
 * decode), built from {@link dev.diffusionlab.vae.VaeConfig}.
 */
package dev.diffusionlab.vae;
