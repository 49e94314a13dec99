package dev.diffusionlab.unet;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.nn.Activations;
import dev.diffusionlab.nn.Attention;
import dev.diffusionlab.nn.AttentionHook;
import dev.diffusionlab.nn.BatchParallel;
import dev.diffusionlab.nn.ConfigJson;
import dev.diffusionlab.nn.Conv2d;
import dev.diffusionlab.nn.Downsample2D;
import dev.diffusionlab.nn.GroupNorm;
import dev.diffusionlab.nn.Linear;
import dev.diffusionlab.nn.Model;
import dev.diffusionlab.nn.Module;
import dev.diffusionlab.nn.ModuleList;
import dev.diffusionlab.nn.Ops;
import dev.diffusionlab.nn.ResnetBlock2D;
import dev.diffusionlab.nn.Upsample2D;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * diffusers' UNet2DConditionModel for SD 1.x/2.x, built from its config: sinusoidal timestep
 * embedding, conv_in, down blocks (ResNets + Transformer2D + downsampler) whose outputs are kept as
 * skip connections, the cross-attention mid block, up blocks that concatenate the skips, and the
 * output head. Any latent size works; sizes that are not multiples of 2^(downsamplers) upsample to
 * the skip connection's size, as diffusers does.
 *
 * <pre>{@code
 * try (UNet2DConditionModel unet = UNet2DConditionModel.fromPretrained(sd.resolve("unet"), Device.cpu(), DataType.FLOAT32);
 *      NDManager m = Engines.newManager()) {
 *     NDArray eps = unet.forward(latents, m.create(999L), promptEmbeds);   // (2, 4, 64, 64)
 * }
 * }</pre>
 */
public final class UNet2DConditionModel extends Model<UNetConfig> {
    private final Conv2d convIn;
    private final Linear timeLinear1;
    private final Linear timeLinear2;
    private final ModuleList<DownBlock> downBlocks;
    private final MidBlock midBlock;
    private AttentionHook attentionHook;
    private final ModuleList<UpBlock> upBlocks;
    private final GroupNorm convNormOut;
    private final Conv2d convOut;
    private final UnaryOperator<NDArray> act;

    private UNet2DConditionModel(UNetConfig c) {
        super(c);
        act = Activations.byName(c.actFn(), "act_fn");
        int[] boc = c.blockOutChannels();
        int n = boc.length;
        int temb = boc[0] * 4;
        convIn = child("conv_in", new Conv2d(c.inChannels(), boc[0], 3, 1, 1));
        TimeEmbedding te = child("time_embedding", new TimeEmbedding(boc[0], temb));
        timeLinear1 = te.linear1;
        timeLinear2 = te.linear2;
        downBlocks = child("down_blocks", new ModuleList<>());
        int out = boc[0];
        for (int i = 0; i < n; i++) {
            int in = out;
            out = boc[i];
            boolean attn = c.downBlockTypes().get(i).equals("CrossAttnDownBlock2D");
            downBlocks.add(new DownBlock(c, in, out, temb, c.layersPerBlock()[i], attn ? c.heads()[i] : 0,
                    c.transformerLayersPerBlock()[i], i < n - 1, act));
        }
        midBlock = child("mid_block", new MidBlock(c, boc[n - 1], temb, c.heads()[n - 1], c.transformerLayersPerBlock()[n - 1], act));
        upBlocks = child("up_blocks", new ModuleList<>());
        out = boc[n - 1];
        for (int i = 0; i < n; i++) {
            int prev = out;
            out = boc[n - 1 - i];
            int in = boc[Math.max(n - 2 - i, 0)];
            boolean attn = c.upBlockTypes().get(i).equals("CrossAttnUpBlock2D");
            int r = n - 1 - i;
            upBlocks.add(new UpBlock(c, in, out, prev, temb, c.layersPerBlock()[r] + 1, attn ? c.heads()[r] : 0,
                    c.transformerLayersPerBlock()[r], i < n - 1, act));
        }
        convNormOut = child("conv_norm_out", new GroupNorm(c.normNumGroups(), boc[0], c.normEps()));
        convOut = child("conv_out", new Conv2d(boc[0], c.outChannels(), 3, 1, 1));
        finishBuild();
    }

    /** Loads config.json and diffusion_pytorch_model(.fp16).safetensors from a {@code unet/} folder. */
    public static UNet2DConditionModel fromPretrained(Path dir, Device device, DataType dtype) {
        return load(dir, c -> new UNet2DConditionModel(UNetConfig.from(c)), device, dtype);
    }

    /** A seeded random-weight UNet of the given architecture (bench, training from scratch). */
    public static UNet2DConditionModel random(UNetConfig config, Device device, DataType dtype, int seed) {
        return withRandomWeights(new UNet2DConditionModel(config), device, dtype, seed);
    }

    /** Parses a config JSON string (e.g. a bundled one). */
    public static UNetConfig parseConfig(String json, String source) {
        return UNetConfig.from(ConfigJson.parse(json, source));
    }


    @Override
    public String configJson() {
        return config.json();
    }

    /** Every attention module of the UNet (self and cross), in module order. */
    public List<Attention> attentions() {
        List<Attention> out = new ArrayList<>();
        for (Module m : modules()) {
            if (m instanceof Attention a) {
                out.add(a);
            }
        }
        return out;
    }

    /**
     * diffusers' {@code set_attention_slice}: computes attention over the (batch·heads) axis in slices,
     * so a 512² image never holds its full 16×4096×4096 score tensor. {@code "auto"}: half the heads of
     * each layer; {@code "max"}: one at a time; a number: that slice size for every layer (at most each
     * layer's heads); {@code null}, {@code "off"} or {@code "0"}: no slicing. Same numbers.
     */
    public void setAttentionSlicing(String sliceSize) {
        List<Attention> as = attentions();
        String spec = sliceSize == null ? "off" : sliceSize.trim();
        Integer fixed = null;
        if (!spec.equals("off") && !spec.equals("auto") && !spec.equals("max")) {
            try {
                fixed = Integer.parseInt(spec);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("attention slicing '" + sliceSize + "' (expected auto, max, off or a slice size)");
            }
            if (fixed < 0) {
                throw new IllegalArgumentException("attention slice size must be ≥ 0, got " + fixed);
            }
            for (Attention a : as) {
                if (fixed > a.heads) {
                    throw new IllegalArgumentException("attention slice size " + fixed + " > " + a.heads + " heads of " + a.path());
                }
            }
        }
        for (Attention a : as) {
            a.setSliceSize(switch (spec) {
                case "off" -> 0;
                case "auto" -> Math.max(1, a.heads / 2);
                case "max" -> 1;
                default -> fixed;
            });
        }
    }

    /** Installs {@code hook} on every attention (null removes it). A hooked forward runs the batch in one call. */
    public void setAttentionHook(AttentionHook hook) {
        this.attentionHook = hook;
        for (Attention a : attentions()) {
            a.setHook(hook);
        }
    }

    /**
     * One denoising call.
     *
     * @param sample noisy latents (B, in_channels, h, w), h and w multiples of 8 (SD)
     * @param timestep a scalar or (B) vector, integer or fractional, any numeric dtype
     * @param encoderHiddenStates text embeddings (B, L, cross_attention_dim)
     * @return the prediction (B, out_channels, h, w) in the model dtype, in the sample's manager
     */
    public NDArray forward(NDArray sample, NDArray timestep, NDArray encoderHiddenStates) {
        Shape s = sample.getShape();
        if (s.dimension() != 4 || s.get(1) != config.inChannels()) {
            throw new IllegalArgumentException("sample must be (B, " + config.inChannels() + ", h, w); got " + s);
        }
        Shape es = encoderHiddenStates.getShape();
        if (es.dimension() != 3 || es.get(0) != s.get(0) || es.get(2) != config.crossAttentionDim()) {
            throw new IllegalArgumentException("encoder_hidden_states must be (" + s.get(0) + ", L, " + config.crossAttentionDim()
                    + "); got " + es);
        }
        long b = s.get(0);
        int parts = attentionHook == null ? BatchParallel.parts(b) : 1;
        if (parts > 1) {
            boolean perSample = timestep.getShape().dimension() == 1 && timestep.getShape().get(0) == b;
            return BatchParallel.map(b, parts, (from, to) -> forwardBatch(sample.get(from + ":" + to),
                    perSample ? timestep.get(from + ":" + to) : timestep, encoderHiddenStates.get(from + ":" + to)));
        }
        return forwardBatch(sample, timestep, encoderHiddenStates);
    }

    /** {@link #forward} of the whole batch in one call. */
    private NDArray forwardBatch(NDArray sample, NDArray timestep, NDArray encoderHiddenStates) {
        Shape s = sample.getShape();
        DataType dt = dtype();
        NDArray x = Ops.to(sample, dt);
        NDArray ctx = Ops.to(encoderHiddenStates, dt);
        NDArray emb = timeEmbedding(timestep, s.get(0), sample.getManager());
        NDArray h = convIn.forward(x);
        Deque<NDArray> skips = new ArrayDeque<>();
        skips.push(h);
        for (DownBlock b : downBlocks.items()) {
            h = b.forward(h, emb, ctx, skips);
        }
        h = midBlock.forward(h, emb, ctx);
        for (UpBlock b : upBlocks.items()) {
            h = b.forward(h, emb, ctx, skips);
        }
        NDArray last = h;
        return Ops.scoped(last, t -> convOut.forward(act.apply(convNormOut.forward(t))));
    }

    /** Sinusoidal embedding (diffusers' get_timestep_embedding, fp32) then linear_1, act, linear_2: (B, 4·C0). */
    private NDArray timeEmbedding(NDArray timestep, long batch, NDManager m) {
        NDArray t = Ops.copy(timestep, DataType.FLOAT32); // a copy, so the caller's array stays where it is
        t.attach(m);
        if (t.getShape().dimension() == 0 || t.size() == 1) {
            t = t.reshape(1).broadcast(batch); // () -> (B)
        } else if (t.getShape().dimension() != 1 || t.size() != batch) {
            throw new IllegalArgumentException("timestep must be a scalar or (" + batch + "), got " + timestep.getShape());
        }
        int dim = config.blockOutChannels()[0];
        int half = dim / 2;
        NDArray exponent = m.arange(0, half, 1, DataType.FLOAT32).mul(-Math.log(10000)).div(half - config.freqShift());
        NDArray freqs = exponent.exp();
        NDArray args = t.reshape(batch, 1).mul(freqs.reshape(1, half)); // (B, 1)·(1, half) -> (B, half)
        NDArray sin = args.sin();
        NDArray cos = args.cos();
        NDArray e = config.flipSinToCos() ? cos.concat(sin, 1) : sin.concat(cos, 1); // (B, dim)
        e = Ops.to(e, dtype());
        return timeLinear2.forward(act.apply(timeLinear1.forward(e)));
    }

    /** time_embedding: linear_1 and linear_2. */
    static final class TimeEmbedding extends Module {
        final Linear linear1;
        final Linear linear2;

        TimeEmbedding(int in, int dim) {
            linear1 = child("linear_1", new Linear(in, dim, true));
            linear2 = child("linear_2", new Linear(dim, dim, true));
        }
    }

    private static ModuleList<Transformer2DModel> attentions(Module parent, UNetConfig c, int heads, int ch, int count, int tl,
                                                             java.util.function.Function<String, ModuleList<Transformer2DModel>> reg) {
        if (heads <= 0) {
            return null;
        }
        if (ch % heads != 0) {
            throw new IllegalArgumentException("attention_head_dim (heads) " + heads + " does not divide block channels " + ch);
        }
        ModuleList<Transformer2DModel> l = reg.apply("attentions");
        for (int i = 0; i < count; i++) {
            l.add(new Transformer2DModel(heads, ch / heads, ch, tl, c.crossAttentionDim(), c.normNumGroups(),
                    c.useLinearProjection(), c.upcastAttention()));
        }
        return l;
    }

    /** CrossAttnDownBlock2D (heads > 0) or DownBlock2D. */
    static final class DownBlock extends Module {
        private final ModuleList<ResnetBlock2D> resnets;
        private final ModuleList<Transformer2DModel> attentions;
        private final Downsample2D down;

        DownBlock(UNetConfig c, int in, int out, int temb, int layers, int heads, int tl, boolean downsample, UnaryOperator<NDArray> act) {
            attentions = attentions(this, c, heads, out, layers, tl, name -> child(name, new ModuleList<>()));
            resnets = child("resnets", new ModuleList<>());
            for (int i = 0; i < layers; i++) {
                resnets.add(new ResnetBlock2D(i == 0 ? in : out, out, temb, c.normNumGroups(), c.normEps(), act, 1f));
            }
            down = downsample ? child("downsamplers", new ModuleList<Downsample2D>()).add(new Downsample2D(out, out, c.downsamplePadding())) : null;
        }

        NDArray forward(NDArray x, NDArray emb, NDArray ctx, Deque<NDArray> skips) {
            NDArray h = x;
            for (int i = 0; i < resnets.size(); i++) {
                h = resnets.get(i).forward(h, emb);
                if (attentions != null) {
                    h = attentions.get(i).forward(h, ctx);
                }
                skips.push(h);
            }
            if (down != null) {
                h = down.forward(h);
                skips.push(h);
            }
            return h;
        }
    }

    /** UNetMidBlock2DCrossAttn: resnet, then (transformer, resnet) per layer. */
    static final class MidBlock extends Module {
        private final ModuleList<ResnetBlock2D> resnets;
        private final ModuleList<Transformer2DModel> attentions;

        MidBlock(UNetConfig c, int ch, int temb, int heads, int tl, UnaryOperator<NDArray> act) {
            attentions = attentions(this, c, heads, ch, 1, tl, name -> child(name, new ModuleList<>()));
            resnets = child("resnets", new ModuleList<>());
            for (int i = 0; i < 2; i++) {
                resnets.add(new ResnetBlock2D(ch, ch, temb, c.normNumGroups(), c.normEps(), act, c.midBlockScaleFactor()));
            }
        }

        NDArray forward(NDArray x, NDArray emb, NDArray ctx) {
            NDArray h = resnets.get(0).forward(x, emb);
            h = attentions.get(0).forward(h, ctx);
            return resnets.get(1).forward(h, emb);
        }
    }

    /** CrossAttnUpBlock2D (heads > 0) or UpBlock2D: each resnet takes the concatenated skip. */
    static final class UpBlock extends Module {
        private final ModuleList<ResnetBlock2D> resnets;
        private final ModuleList<Transformer2DModel> attentions;
        private final Upsample2D up;

        UpBlock(UNetConfig c, int in, int out, int prev, int temb, int layers, int heads, int tl, boolean upsample,
                UnaryOperator<NDArray> act) {
            attentions = attentions(this, c, heads, out, layers, tl, name -> child(name, new ModuleList<>()));
            resnets = child("resnets", new ModuleList<>());
            for (int i = 0; i < layers; i++) {
                int skip = i == layers - 1 ? in : out;
                int rin = i == 0 ? prev : out;
                resnets.add(new ResnetBlock2D(rin + skip, out, temb, c.normNumGroups(), c.normEps(), act, 1f));
            }
            up = upsample ? child("upsamplers", new ModuleList<Upsample2D>()).add(new Upsample2D(out, out)) : null;
        }

        NDArray forward(NDArray x, NDArray emb, NDArray ctx, Deque<NDArray> skips) {
            NDArray h = x;
            for (int i = 0; i < resnets.size(); i++) {
                NDArray skip = skips.pop();
                h = h.concat(skip, 1); // (B, C, h, w) ++ (B, S, h, w) -> (B, C+S, h, w)
                h = resnets.get(i).forward(h, emb);
                if (attentions != null) {
                    h = attentions.get(i).forward(h, ctx);
                }
            }
            if (up != null) {
                // the next block's skip fixes the size (odd sizes round up when downsampling)
                Shape target = skips.peek().getShape();
                h = up.forward(h, target.get(2), target.get(3));
            }
            return h;
        }
    }
}
