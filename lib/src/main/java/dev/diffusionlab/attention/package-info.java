/**
 * Stage 4, cross-attention. Capture through the attention hook, DAAM-style aggregation, per-word heat maps and
 * prompt-to-prompt re-weighting; entry points {@link dev.diffusionlab.attention.AttentionCapture},
 * {@link dev.diffusionlab.attention.TokenHeatmaps}, {@link dev.diffusionlab.attention.AttentionReweight}.
 */
package dev.diffusionlab.attention;
