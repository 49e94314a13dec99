package dev.diffusionlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.clip.TokenizedPrompt;
import dev.diffusionlab.nn.AttentionCall;
import dev.diffusionlab.unet.UNet2DConditionModel;
import java.util.Arrays;
import java.util.Locale;

/**
 * Prompt-to-prompt style attention re-weighting: during generation, the cross-attention that every image
 * patch gives to one word's tokens is multiplied by {@code factor} (in the conditional branch only), and,
 * by default, each row renormalised to sum to 1 (prompt-to-prompt itself does not renormalise; turn it off
 * with {@link #renormalize(boolean)} for that behaviour). Factor {@literal >} 1 strengthens the word, {@literal <} 1 weakens it,
 * 0 removes it.
 *
 * <pre>{@code
 * AttentionReweight more = AttentionReweight.of(sd.tokenizer().inspect(prompt), "red", 3.0);
 * Result r = AttentionRun.generate(sd, GenerationRequest.of(prompt).seed(1), m, more);
 * }</pre>
 */
public final class AttentionReweight implements StepAwareHook {
    private final TokenizedPrompt prompt;
    private final String word;
    private final int[] positions;
    private final float factor;
    private boolean renormalize = true;
    private LayerFilter filter = LayerFilter.all();
    private int stepFrom = 0;
    private int stepTo = Integer.MAX_VALUE;
    private boolean guidance = true;
    private int levels = -1;
    private int step;

    private AttentionReweight(TokenizedPrompt prompt, String word, int[] positions, double factor) {
        this.prompt = prompt;
        this.word = word;
        this.positions = positions;
        this.factor = (float) factor;
    }

    /** Scales the attention to {@code word} of {@code prompt}; a word not in the prompt is an error. */
    public static AttentionReweight of(TokenizedPrompt prompt, String word, double factor) {
        if (!(factor >= 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("re-weighting factor must be finite and ≥ 0, got " + factor);
        }
        String w = word.toLowerCase(Locale.ROOT).strip();
        int idx = prompt.words().indexOf(w);
        if (idx < 0) {
            throw new IllegalArgumentException("word '" + word + "' is not in the prompt \"" + prompt.prompt() + "\"; its words are "
                    + prompt.words());
        }
        int[] pos = prompt.positionsOfWord(idx);
        if (pos.length == 0) {
            throw new IllegalArgumentException("word '" + word + "' was truncated away (the prompt is longer than 77 tokens)");
        }
        return new AttentionReweight(prompt, w, pos, factor);
    }

    public AttentionReweight renormalize(boolean on) {
        this.renormalize = on;
        return this;
    }

    public AttentionReweight layers(LayerFilter f) {
        this.filter = f;
        return this;
    }

    /** Only loop iterations {@code from ≤ i < to}. */
    public AttentionReweight steps(int from, int to) {
        if (from < 0 || to <= from) {
            throw new IllegalArgumentException("step range [" + from + ", " + to + ") is empty or negative");
        }
        this.stepFrom = from;
        this.stepTo = to;
        return this;
    }

    /** The token positions scaled. */
    public int[] positions() {
        return positions.clone();
    }

    @Override
    public void prepare(UNet2DConditionModel unet, boolean guidance, int latentHeight, int latentWidth) {
        this.guidance = guidance;
        this.levels = unet.config().blockOutChannels().length;
        this.step = 0;
    }

    @Override
    public void endStep(int index, int count, double timestep) {
        if (index == 0 && stepTo != Integer.MAX_VALUE && stepTo > count) {
            throw new IllegalArgumentException("step range [" + stepFrom + ", " + stepTo + ") is outside the schedule of "
                    + count + " denoising iterations");
        }
        step = index + 1;
    }

    @Override
    public NDArray onAttention(AttentionCall call, NDArray probs) {
        if (!call.cross() || step < stepFrom || step >= stepTo) {
            return probs;
        }
        if (levels < 0) {
            throw new IllegalStateException("AttentionReweight is not prepared: run it through AttentionRun.generate");
        }
        if (!filter.matches(call.layer(), LayerFilter.factorOf(call.layer(), levels))) {
            return probs;
        }
        int rows = call.batch() * call.heads();
        int m = call.keyLength();
        int firstEdited = guidance ? (call.batch() / 2) * call.heads() : 0;
        float[] w = new float[rows * m];
        Arrays.fill(w, 1f);
        for (int r = firstEdited; r < rows; r++) {
            for (int p : positions) {
                w[r * m + p] = factor;
            }
        }
        NDArray weights = probs.getManager().create(w, new Shape(rows, 1, m)).toType(probs.getDataType(), false);
        NDArray out = probs.mul(weights); // (B·H, N, M) ⊙ (B·H, 1, M)
        if (renormalize) {
            out = out.div(out.sum(new int[] {-1}, true)); // rows sum to 1 again
        }
        return out;
    }

    @Override
    public String toString() {
        return "AttentionReweight['" + word + "' ×" + factor + " at " + Arrays.toString(positions) + " of \"" + prompt.prompt() + "\"]";
    }
}
