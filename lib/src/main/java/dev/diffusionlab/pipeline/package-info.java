/**
 * Stage 3, the whole text-to-image path. {@link dev.diffusionlab.pipeline.StableDiffusionPipeline} (generate in
 * phases: encode prompt, prepare timesteps, prepare latents, denoise, decode), {@link dev.diffusionlab.pipeline.GenerationRequest},
 * {@link dev.diffusionlab.pipeline.ModelFolder} (reads a diffusers folder), {@link dev.diffusionlab.pipeline.DiffusersFolder}
 * (writes one) and the embedded {@link dev.diffusionlab.pipeline.DefaultModel}.
 */
package dev.diffusionlab.pipeline;
