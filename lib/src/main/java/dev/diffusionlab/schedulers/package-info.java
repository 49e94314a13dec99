/**
 * Stage 3, samplers. diffusers' schedulers (DDPM, DDIM, PNDM, LMS, Euler, Euler a, Heun, DPM-Solver++, UniPC) built
 * from a scheduler_config.json by {@link dev.diffusionlab.schedulers.Schedulers}; their float32 tables come from stage 1's
 * {@code NoiseSchedule} ({@link dev.diffusionlab.schedulers.BetaSchedule}); entry point
 * {@link dev.diffusionlab.schedulers.Scheduler}.
 */
package dev.diffusionlab.schedulers;
