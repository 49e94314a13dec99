/**
 * Stage 2, toy 2D diffusion. Datasets, the MLP denoiser, training, DDPM/DDIM samplers, vector fields and guidance on
 * points in the plane, with stage 1's schedule and q(x_t | x_0); entry points {@link dev.diffusionlab.toy.ToyTrainer},
 * {@link dev.diffusionlab.toy.ToyModel}, {@link dev.diffusionlab.toy.ToySampler}, {@link dev.diffusionlab.toy.Datasets2D}.
 */
package dev.diffusionlab.toy;
