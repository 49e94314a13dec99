package dev.diffusionlab.attention;

import dev.diffusionlab.clip.TokenizedPrompt;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Aggregated cross-attention of one run, on the Java heap: for every image of the batch and every one of
 * the 77 token positions a map at latent size, the mean attention probability that the image patches gave
 * that token (over the heads, layers and steps that were captured). At every pixel the 77 values sum to 1.
 * Views select resolution levels ({@link #atLevels}) or a step band ({@link #atSteps}, when per-step maps
 * were kept).
 *
 * @param batch images in the batch
 * @param keys number of key positions (77)
 * @param height latent height of the maps
 * @param width latent width of the maps
 * @param vaeScale image pixels per latent pixel (8 for Stable Diffusion)
 * @param prompts the tokenized prompt of each batch row (may be empty for a bare UNet capture)
 * @param parts the summed maps per resolution level (downscale factor)
 * @param steps the per-step maps (empty unless the capture kept them)
 * @param layers the layers that contributed, in call order
 */
public record AttentionMaps(int batch, int keys, int height, int width, int vaeScale, List<TokenizedPrompt> prompts,
                            Map<Integer, AttentionMaps.Part> parts, List<AttentionMaps.StepMaps> steps, List<String> layers) {
    /** Summed maps (batch × keys × h × w, row-major) and how many head-maps went into them. */
    public record Part(float[] sum, long count) {}

    /** The maps of one step (all selected layers), {@link Part}-like. */
    public record StepMaps(int index, double timestep, float[] sum, long count) {}

    /** The resolution levels (downscale factors) in this view. */
    public Set<Integer> levels() {
        return parts.keySet();
    }

    /** The tokenized prompt of batch row {@code b}. */
    public TokenizedPrompt prompt(int b) {
        checkBatch(b);
        if (b >= prompts.size()) {
            throw new IllegalStateException("no tokenized prompt for batch row " + b + " (run through AttentionRun, or give one)");
        }
        return prompts.get(b);
    }

    /** The same maps with the tokenized prompts given (for a capture installed on a bare UNet). */
    public AttentionMaps withPrompts(List<TokenizedPrompt> p) {
        return new AttentionMaps(batch, keys, height, width, vaeScale, List.copyOf(p), parts, steps, layers);
    }

    /** The mean map of token {@code position} for batch row {@code b}: h·w values, row-major. */
    public float[] tokenMap(int b, int position) {
        checkBatch(b);
        if (position < 0 || position >= keys) {
            throw new IllegalArgumentException("token position " + position + " outside 0.." + (keys - 1));
        }
        int hw = height * width;
        float[] out = new float[hw];
        long count = 0;
        int off = (b * keys + position) * hw;
        for (Part p : parts.values()) {
            for (int i = 0; i < hw; i++) {
                out[i] += p.sum()[off + i];
            }
            count += p.count();
        }
        for (int i = 0; i < hw; i++) {
            out[i] /= count;
        }
        return out;
    }

    /** Only the given resolution levels (downscale factors 1, 2, 4, 8 …). */
    public AttentionMaps atLevels(int... factors) {
        if (factors.length == 0) {
            throw new IllegalArgumentException("empty layer filter: atLevels() needs at least one level; captured " + parts.keySet());
        }
        Map<Integer, Part> sel = new TreeMap<>();
        for (int f : factors) {
            Part p = parts.get(f);
            if (p == null) {
                throw new IllegalArgumentException("resolution level " + f + " was not captured; captured levels: " + parts.keySet());
            }
            sel.put(f, p);
        }
        return new AttentionMaps(batch, keys, height, width, vaeScale, prompts, sel, steps, layers);
    }

    /** The maps of loop iterations {@code from ≤ i < to} (all captured levels); needs per-step maps. */
    public AttentionMaps atSteps(int from, int to) {
        if (steps.isEmpty()) {
            throw new IllegalStateException("per-step maps were not kept: build the capture with keepPerStep()");
        }
        int first = steps.get(0).index();
        int last = steps.get(steps.size() - 1).index();
        if (from < first || to > last + 1 || to <= from) {
            throw new IllegalArgumentException("step range [" + from + ", " + to + ") is outside the captured steps "
                    + first + ".." + last);
        }
        float[] sum = new float[steps.get(0).sum().length];
        long count = 0;
        List<StepMaps> sel = new ArrayList<>();
        for (StepMaps s : steps) {
            if (s.index() >= from && s.index() < to) {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += s.sum()[i];
                }
                count += s.count();
                sel.add(s);
            }
        }
        return new AttentionMaps(batch, keys, height, width, vaeScale, prompts, Map.of(0, new Part(sum, count)), sel, layers);
    }

    /** The maps of one loop iteration. */
    public AttentionMaps atStep(int index) {
        return atSteps(index, index + 1);
    }

    private void checkBatch(int b) {
        if (b < 0 || b >= batch) {
            throw new IllegalArgumentException("batch row " + b + " outside 0.." + (batch - 1));
        }
    }
}
