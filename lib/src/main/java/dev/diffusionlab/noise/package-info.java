/**
 * Stage 1, noise. The single source of every noise schedule in the project ({@link dev.diffusionlab.noise.NoiseSchedule},
 * diffusers' definitions; the schedulers and the toy derive theirs from it) and the one forward process q(x_t | x_0)
 * ({@link dev.diffusionlab.noise.ForwardProcess#addNoise}, per-sample timesteps; used by the schedulers and both
 * trainers); per-t metrics and charts ({@link dev.diffusionlab.noise.NoiseMetrics}, {@link dev.diffusionlab.noise.NoiseCharts}).
 */
package dev.diffusionlab.noise;
