package dev.diffusionlab.attention;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.clip.TokenizedPrompt;
import dev.diffusionlab.nn.Attention;
import dev.diffusionlab.nn.AttentionCall;
import dev.diffusionlab.unet.UNet2DConditionModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Records the cross-attention probabilities of a UNet while it denoises and aggregates them as DAAM does:
 * each layer's map (rows of the conditional branch, summed over heads) is bilinearly upsampled to the
 * latent size and added to one accumulator per resolution level; {@link #maps()} turns the sums into
 * per-token maps. The default keeps only those accumulators (batch × 77 × h × w floats per level), so
 * memory does not grow with the number of steps.
 *
 * <p>Opt-in extras and their cost (SD 1.5 at 512×512, latent 64×64, one image):
 * <ul>
 *   <li>{@link Builder#keepPerStep()}: one map set per step, 77·h·w·4 bytes (1.26 MB) per step and image on the
 *       Java heap (63 MB for 50 steps); needed for step bands and the animation;</li>
 *   <li>{@link Builder#keepRaw()}: every selected call's raw probabilities (rows·H·W·77·4 bytes; 10 MB for the
 *       first 64×64 layer of the conditional half, 8 heads): for parity checks and small latents only.</li>
 * </ul>
 * {@link #estimatedBytes(int, int, int, int)} states the figure for a given run.
 *
 * <pre>{@code
 * try (AttentionCapture cap = AttentionCapture.builder().layers(LayerFilter.all().resolutions(2, 4)).build();
 *      NDManager m = Engines.newManager()) {
 *     StableDiffusionPipeline.Result r = AttentionRun.generate(sd, GenerationRequest.of("a cat and a dog"), m, cap);
 *     TokenHeatmaps hm = TokenHeatmaps.of(cap.maps(), 0);
 *     BufferedImage dog = hm.overlay(r.images().get(0), hm.word("dog"));
 * }
 * }</pre>
 */
public final class AttentionCapture implements StepAwareHook, AutoCloseable {
    private final LayerFilter filter;
    private final StepRange steps;
    private final boolean keepPerStep;
    private final boolean keepRaw;
    private final boolean allRows;
    private final NDManager manager;

    private int levels = -1;
    private boolean guidance = true;
    private int latentH = -1;
    private int latentW = -1;
    private int vaeScale = 8;
    private int step;
    private int stepCount = -1;
    private List<TokenizedPrompt> prompts = List.of();
    private final Map<Integer, NDArray> levelSums = new TreeMap<>();
    private final Map<Integer, Long> levelCounts = new TreeMap<>();
    private NDArray stepSum;
    private long stepContrib;
    private final List<AttentionMaps.StepMaps> perStep = new ArrayList<>();
    private final List<RawCall> raw = new ArrayList<>();
    private final Map<String, NDArray> interp = new HashMap<>();
    private final Set<String> layersSeen = new LinkedHashSet<>();
    private int batch = -1;
    private int keys = -1;

    /**
     * One cross-attention call kept by {@link Builder#keepRaw()}.
     *
     * @param probs (rows·heads, queryHeight·queryWidth, keys), owned by the capture
     */
    public record RawCall(int step, String layer, int heads, int queryHeight, int queryWidth, NDArray probs) {}

    private AttentionCapture(Builder b) {
        this.filter = b.filter;
        this.steps = b.steps;
        this.keepPerStep = b.keep.contains(Builder.Keep.PER_STEP);
        this.keepRaw = b.keep.contains(Builder.Keep.RAW);
        this.allRows = b.keep.contains(Builder.Keep.ALL_ROWS);
        this.manager = NDManager.newBaseManager(b.device);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures a capture; every option has a default (all layers, all steps, conditional branch, sums only). */
    public static final class Builder {
        private LayerFilter filter = LayerFilter.all();
        private StepRange steps = StepRange.ALL;
        /** What a capture keeps beyond the per-level sums of the conditional rows. */
        private enum Keep { PER_STEP, RAW, ALL_ROWS }

        private final java.util.EnumSet<Keep> keep = java.util.EnumSet.noneOf(Keep.class);
        private Device device;

        /** Only layers matching {@code f}. */
        public Builder layers(LayerFilter f) {
            this.filter = LayerFilter.required(f);
            return this;
        }

        /** Only loop iterations {@code from ≤ i < to} (checked against the schedule when the run starts). */
        public Builder steps(int from, int to) {
            this.steps = new StepRange(from, to);
            return this;
        }

        /** Also keep one map set per step (77·h·w·4 bytes per step and image, on the Java heap). */
        public Builder keepPerStep() {
            return keep(Keep.PER_STEP);
        }

        /** Also keep every selected call's raw probabilities (large: see {@link AttentionCapture}). */
        public Builder keepRaw() {
            return keep(Keep.RAW);
        }

        /** Keep every batch row, not only the conditional half (for a bare UNet call without guidance). */
        public Builder allRows() {
            return keep(Keep.ALL_ROWS);
        }

        private Builder keep(Keep k) {
            keep.add(k);
            return this;
        }

        /** Device of the accumulators (default: the engine's default device). */
        public Builder device(Device d) {
            this.device = d;
            return this;
        }

        public AttentionCapture build() {
            return new AttentionCapture(this);
        }
    }

    /**
     * Installs this capture on a bare UNet (without {@link AttentionRun}): every batch row counts when
     * {@link Builder#allRows()} was set, else the second half (the conditional branch of a CFG batch).
     * The latent size is that of the factor-1 level (the first call's size × its factor until then).
     */
    public AttentionCapture install(UNet2DConditionModel unet) {
        return install(unet, -1, -1);
    }

    /** As {@link #install(UNet2DConditionModel)} with the latent size given (needed for odd sizes without the factor-1 level). */
    public AttentionCapture install(UNet2DConditionModel unet, int latentHeight, int latentWidth) {
        prepare(unet, !allRows, latentHeight, latentWidth);
        unet.setAttentionHook(this);
        return this;
    }

    @Override
    public void prepare(UNet2DConditionModel unet, boolean guidance, int latentHeight, int latentWidth) {
        this.levels = unet.config().blockOutChannels().length;
        this.guidance = guidance;
        this.latentH = latentHeight;
        this.latentW = latentWidth;
        List<String> cross = crossLayers(unet);
        if (cross.stream().noneMatch(p -> filter.matches(p, LayerFilter.factorOf(p, levels)))) {
            throw new IllegalArgumentException("empty layer filter: " + filter + " selects none of the UNet's cross-attention layers "
                    + cross);
        }
    }

    /** The diffusers paths of the UNet's cross-attention layers. */
    public static List<String> crossLayers(UNet2DConditionModel unet) {
        List<String> out = new ArrayList<>();
        for (Attention a : unet.attentions()) {
            if (a.path().endsWith("attn2")) {
                out.add(a.path());
            }
        }
        return out;
    }

    /** The VAE's downscale (image pixels per latent pixel) used for image-size maps; set by {@link AttentionRun}. */
    public void setVaeScale(int s) {
        this.vaeScale = s;
    }

    /** The tokenized prompts of the batch rows (for word lookups); set by {@link AttentionRun}. */
    public void setPrompts(List<TokenizedPrompt> p) {
        this.prompts = List.copyOf(p);
    }

    @Override
    public NDArray onAttention(AttentionCall call, NDArray probs) {
        if (!call.cross()) {
            return probs;
        }
        if (levels < 0) {
            throw new IllegalStateException("AttentionCapture is not prepared: use AttentionRun.generate or install(unet)");
        }
        int factor = LayerFilter.factorOf(call.layer(), levels);
        if (!steps.contains(step) || !filter.matches(call.layer(), factor)) {
            return probs;
        }
        if (latentH < 0 || (factor == 1 && levelSums.isEmpty())) {
            latentH = call.queryHeight() * factor;
            latentW = call.queryWidth() * factor;
        }
        int heads = call.heads();
        int rows = allRows || !guidance ? call.batch() : call.batch() / 2;
        int first = call.batch() - rows;
        int m = call.keyLength();
        int qh = call.queryHeight();
        int qw = call.queryWidth();
        NDArray p = probs.toType(DataType.FLOAT32, false);
        if (first > 0) {
            p = p.get("{}:", first * heads); // (B·H, N, M) -> (B/2·H, N, M): the conditional half
        }
        if (keepRaw) {
            NDArray copy = p.duplicate();
            copy.attach(manager);
            raw.add(new RawCall(step, call.layer(), heads, qh, qw, copy));
        }
        layersSeen.add(call.layer());
        NDArray s = p.reshape(rows, heads, (long) qh * qw, m).sum(new int[] {1}); // (R·H, N, M) -> (R, H, N, M) -> (R, N, M)
        s = s.reshape(rows, qh, qw, m).transpose(0, 3, 1, 2); // (R, N, M) -> (R, M, qh, qw)
        if (qh != latentH || qw != latentW) {
            s = s.matMul(interp(qw, latentW, p)) // (R, M, qh, qw)·(qw, W) -> (R, M, qh, W)
                    .transpose(0, 1, 3, 2) // -> (R, M, W, qh)
                    .matMul(interp(qh, latentH, p)) // ·(qh, H) -> (R, M, W, H)
                    .transpose(0, 1, 3, 2); // -> (R, M, H, W)
        }
        if (batch < 0) {
            batch = rows;
            keys = m;
        }
        NDArray like = p;
        NDArray acc = levelSums.computeIfAbsent(factor, f -> zeros(like));
        acc.addi(s);
        levelCounts.merge(factor, (long) heads, Long::sum);
        if (keepPerStep) {
            if (stepSum == null) {
                stepSum = zeros(p);
            }
            stepSum.addi(s);
            stepContrib += heads;
        }
        return probs;
    }

    private NDArray zeros(NDArray like) {
        return manager.zeros(new Shape(batch, keys, latentH, latentW), DataType.FLOAT32, like.getDevice());
    }

    /** The transposed (in × out) interpolation matrix, cached in the capture's manager. */
    private NDArray interp(int in, int out, NDArray like) {
        return interp.computeIfAbsent(in + ">" + out, k -> {
            float[] r = Bilinear.matrix(in, out); // (out, in)
            return manager.create(r, new Shape(out, in)).toDevice(like.getDevice(), false).transpose(); // (out, in) -> (in, out)
        });
    }

    @Override
    public void endStep(int index, int count, double timestep) {
        if (stepCount < 0) {
            stepCount = count;
            steps.checkWithin(count);
        }
        if (keepPerStep && stepSum != null && stepContrib > 0) {
            perStep.add(new AttentionMaps.StepMaps(index, timestep, stepSum.toFloatArray(), stepContrib));
            stepSum.muli(0);
            stepContrib = 0;
        }
        step = index + 1;
    }

    /** Advances the step counter by hand (bare UNet use); {@link AttentionRun} does it for pipelines. */
    public void endStep() {
        endStep(step, Integer.MAX_VALUE, Double.NaN);
    }

    /** The aggregated maps so far (a copy on the Java heap). */
    public AttentionMaps maps() {
        if (levelSums.isEmpty()) {
            throw new IllegalStateException("no cross-attention was captured (filter " + filter + ", steps " + steps + ")");
        }
        Map<Integer, AttentionMaps.Part> parts = new TreeMap<>();
        for (Map.Entry<Integer, NDArray> e : levelSums.entrySet()) {
            parts.put(e.getKey(), new AttentionMaps.Part(e.getValue().toFloatArray(), levelCounts.get(e.getKey())));
        }
        return new AttentionMaps(batch, keys, latentH, latentW, vaeScale, prompts, parts, List.copyOf(perStep),
                List.copyOf(layersSeen));
    }

    /** The raw calls kept by {@link Builder#keepRaw()} (empty otherwise); the arrays belong to the capture. */
    public List<RawCall> raw() {
        return List.copyOf(raw);
    }

    /** Arrays the capture holds in its own manager (constant in the number of steps unless raw calls are kept). */
    public int retainedArrays() {
        return manager.getManagedArrays().size();
    }

    /** Bytes held: the capture's native arrays plus the per-step maps on the Java heap. */
    public long retainedBytes() {
        long b = 0;
        for (NDArray a : manager.getManagedArrays()) {
            b += a.size() * a.getDataType().getNumOfBytes();
        }
        for (AttentionMaps.StepMaps s : perStep) {
            b += 4L * s.sum().length;
        }
        return b;
    }

    /**
     * Memory this configuration needs for a run, in bytes: level sums (≤ levels·B·77·h·w·4), plus per-step maps
     * when kept. Raw calls are not included (they depend on the UNet's layers).
     */
    public long estimatedBytes(int images, int latentHeight, int latentWidth, int steps) {
        long map = 4L * images * 77 * latentHeight * latentWidth;
        int nLevels = levels > 0 ? levels : 4;
        return map * nLevels + (keepPerStep ? map * (steps + 1) : 0);
    }

    /** The current step index (iterations completed). */
    public int step() {
        return step;
    }

    @Override
    public void close() {
        manager.close();
    }
}
