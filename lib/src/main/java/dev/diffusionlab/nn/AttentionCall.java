package dev.diffusionlab.nn;

/**
 * What an {@link AttentionHook} learns about one attention call.
 *
 * @param layer the attention module's diffusers path, e.g. "down_blocks.0.attentions.0.transformer_blocks.0.attn2"
 * @param cross true for cross-attention (keys from the text), false for self-attention
 * @param heads number of heads
 * @param batch batch size (rows of probs = batch·heads)
 * @param queryHeight height of the query feature map (1 for token sequences)
 * @param queryWidth width of the query feature map (sequence length for token sequences)
 * @param keyLength number of keys (77 for cross-attention on CLIP embeddings)
 */
public record AttentionCall(String layer, boolean cross, int heads, int batch, int queryHeight, int queryWidth, int keyLength) {}
