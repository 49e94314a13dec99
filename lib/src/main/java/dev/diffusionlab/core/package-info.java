/**
 * All stages. What every stage needs and nothing more: {@link dev.diffusionlab.core.Engines} (offline DJL PyTorch,
 * CUDA or CPU), {@link dev.diffusionlab.core.Paths} (repository, toy-data, {@code ../shared}), {@link dev.diffusionlab.core.Quick}
 * (quick mode), {@link dev.diffusionlab.core.Gaussian} (seeded N(0, 1) noise used by stages 1–5) and
 * {@link dev.diffusionlab.core.Args} (the command-line wrapper shared by {@code cli} and {@code bench}).
 */
package dev.diffusionlab.core;
