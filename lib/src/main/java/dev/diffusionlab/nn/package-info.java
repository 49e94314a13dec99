/**
 * Stage 3, building blocks. {@link dev.diffusionlab.nn.Module} with diffusers parameter names,
 * {@link dev.diffusionlab.nn.Model} (a component folder: {@code load}/{@code save} of config.json + safetensors),
 * layers (Linear, Conv2d, GroupNorm, LayerNorm, ResnetBlock2D, {@link dev.diffusionlab.nn.Attention} with its hook) and
 * {@link dev.diffusionlab.nn.ConfigJson} (typed reading of config.json files).
 */
package dev.diffusionlab.nn;
