/**
 * Tooling, benchmarks. The {@code ./dlab bench} cases (UNet, text encoder, VAE decode, pipeline, attention
 * capture, toy) and their option/timing/memory helpers ({@link dev.diffusionlab.bench.BenchSupport}); they print figures,
 * they never assert. Model packages never depend on it.
 */
package dev.diffusionlab.bench;
