package dev.diffusionlab.nn;

import ai.djl.ndarray.NDArray;

/**
 * Observes, and optionally replaces, the attention probabilities of every attention call — like a
 * diffusers attention processor. {@code probs} has shape (batch·heads, Hq·Wq, keyLength), row
 * {@code b*heads + head}, query index {@code y*Wq + x}. Return {@code probs} itself to only observe;
 * return another array of the same shape to edit the attention (prompt-to-prompt style). An array
 * kept beyond the call must be copied ({@code probs.duplicate()}) and attached to the caller's own
 * manager: {@code probs} is freed when the attention call ends.
 *
 * <pre>{@code
 * unet.setAttentionHook((call, probs) -> {
 *     if (call.cross() && call.layer().startsWith("mid_block")) maps.add(probs.duplicate());
 *     return probs;
 * });
 * }</pre>
 */
@FunctionalInterface
public interface AttentionHook {
    NDArray onAttention(AttentionCall call, NDArray probs);
}
