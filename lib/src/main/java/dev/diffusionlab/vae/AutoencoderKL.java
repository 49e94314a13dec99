package dev.diffusionlab.vae;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.nn.Activations;
import dev.diffusionlab.nn.Attention;
import dev.diffusionlab.nn.ConfigJson;
import dev.diffusionlab.nn.Conv2d;
import dev.diffusionlab.nn.Downsample2D;
import dev.diffusionlab.nn.GroupNorm;
import dev.diffusionlab.nn.Model;
import dev.diffusionlab.nn.Module;
import dev.diffusionlab.nn.ModuleList;
import dev.diffusionlab.nn.Ops;
import dev.diffusionlab.nn.ResnetBlock2D;
import dev.diffusionlab.nn.Upsample2D;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * diffusers' AutoencoderKL: encoder → quant_conv → diagonal Gaussian; post_quant_conv → decoder.
 * The pipeline scales latents by {@link #scalingFactor()} (0.18215 for SD 1.x/2.x).
 *
 * <pre>{@code
 * try (AutoencoderKL vae = AutoencoderKL.fromPretrained(sd.resolve("vae"), Device.cpu(), DataType.FLOAT32);
 *      NDManager m = Engines.newManager()) {
 *     NDArray image = vae.decode(latents.div(vae.scalingFactor()));   // (1, 4, 64, 64) -> (1, 3, 512, 512)
 * }
 * }</pre>
 */
public final class AutoencoderKL extends Model<VaeConfig> {
    private final Coder encoder;
    private final Coder decoder;
    private final Conv2d quantConv;
    private final Conv2d postQuantConv;

    private AutoencoderKL(VaeConfig c) {
        super(c);
        encoder = child("encoder", new Coder(c, true));
        decoder = child("decoder", new Coder(c, false));
        quantConv = c.useQuantConv() ? child("quant_conv", new Conv2d(2 * c.latentChannels(), 2 * c.latentChannels(), 1, 1, 0)) : null;
        postQuantConv = c.usePostQuantConv() ? child("post_quant_conv", new Conv2d(c.latentChannels(), c.latentChannels(), 1, 1, 0)) : null;
        finishBuild();
    }

    /** Loads config.json and diffusion_pytorch_model(.fp16).safetensors from a {@code vae/} folder. */
    public static AutoencoderKL fromPretrained(Path dir, Device device, DataType dtype) {
        return load(dir, c -> new AutoencoderKL(VaeConfig.from(c)), device, dtype);
    }

    /** A seeded random-weight model of the given architecture. */
    public static AutoencoderKL random(VaeConfig config, Device device, DataType dtype, int seed) {
        return withRandomWeights(new AutoencoderKL(config), device, dtype, seed);
    }


    /** {@code scaling_factor} from the config. */
    public double scalingFactor() {
        return config.scalingFactor();
    }

    private boolean useTiling;
    private int tileSampleMinSize = -1;
    /** diffusers' tile_overlap_factor. */
    public static final double TILE_OVERLAP = 0.25;

    /**
     * diffusers' {@code enable_tiling}: images larger than {@link #tileSampleMinSize()} (the config's
     * sample_size) are encoded, and latents larger than its latent size decoded, tile by tile with
     * overlapping, linearly blended seams ({@link VaeTiling}); memory then follows the tile size.
     */
    public void enableTiling() {
        useTiling = true;
    }

    /** Turns tiling off (the default). */
    public void disableTiling() {
        useTiling = false;
    }

    /** Whether tiling is on. */
    public boolean tiling() {
        return useTiling;
    }

    /** The tile side in image pixels: diffusers' tile_sample_min_size (default: config sample_size). */
    public int tileSampleMinSize() {
        return tileSampleMinSize > 0 ? tileSampleMinSize : config.sampleSize();
    }

    /** Sets the tile side in image pixels (a multiple of the VAE's scale factor), as diffusers allows by assignment. */
    public void setTileSampleMinSize(int pixels) {
        int f = 1 << (config.blockOutChannels().length - 1);
        if (pixels < f || pixels % f != 0) {
            throw new IllegalArgumentException("VAE tile size " + pixels + " must be a positive multiple of the scale factor " + f);
        }
        tileSampleMinSize = pixels;
    }

    /** diffusers' tile_latent_min_size: the tile side in latent pixels. */
    public int tileLatentMinSize() {
        return (int) (tileSampleMinSize() / (double) (1 << (config.blockOutChannels().length - 1)));
    }

    /** The latent shape of images of {@code imageShape}: (B, 3, H, W) -> (B, latent_channels, H/f, W/f), f = 2^(blocks − 1). */
    public Shape latentShape(Shape imageShape) {
        int f = 1 << (config.blockOutChannels().length - 1);
        return new Shape(imageShape.get(0), config.latentChannels(), imageShape.get(2) / f, imageShape.get(3) / f);
    }

    /** Images (B, 3, H, W) in [-1, 1] -> the latent distribution (B, latent, H/8, W/8). */
    public DiagonalGaussian encode(NDArray x) {
        NDArray moments;
        int t = tileSampleMinSize();
        if (useTiling && (x.getShape().get(3) > t || x.getShape().get(2) > t)) {
            moments = VaeTiling.tiled(Ops.to(x, dtype()), t, tileLatentMinSize(), TILE_OVERLAP, this::moments);
        } else {
            moments = moments(Ops.to(x, dtype()));
        }
        NDList mv = moments.split(2, 1); // (B, 2·latent, h, w) -> 2 × (B, latent, h, w)
        NDArray logvar = mv.get(1).clip(-30.0, 20.0);
        return new DiagonalGaussian(mv.get(0), logvar, Ops.mul(logvar, 0.5).exp());
    }

    private NDArray moments(NDArray x) {
        NDArray h = encoder.forward(x);
        return quantConv != null ? quantConv.forward(h) : h;
    }

    /** Latents (B, latent, h, w) (already divided by the scaling factor) -> raw images (B, 3, 8h, 8w). */
    public NDArray decode(NDArray z) {
        int t = tileLatentMinSize();
        if (useTiling && (z.getShape().get(3) > t || z.getShape().get(2) > t)) {
            return VaeTiling.tiled(Ops.to(z, dtype()), t, tileSampleMinSize(), TILE_OVERLAP, this::decodeTile);
        }
        return decodeTile(z);
    }

    private NDArray decodeTile(NDArray z) {
        NDArray h = Ops.to(z, dtype());
        if (postQuantConv != null) {
            h = postQuantConv.forward(h);
        }
        return decoder.forward(h);
    }

    @Override
    public String configJson() {
        return config.json();
    }

    /** Builds from a config JSON string (e.g. a bundled one). */
    public static VaeConfig parseConfig(String json, String source) {
        return VaeConfig.from(ConfigJson.parse(json, source));
    }

    /** The VAE encoder or decoder (diffusers' Encoder / Decoder). */
    static final class Coder extends Module {
        private final boolean isEncoder;
        private final Conv2d convIn;
        private final ModuleList<Block> blocks;
        private final MidBlock mid;
        private final GroupNorm normOut;
        private final Conv2d convOut;
        private final UnaryOperator<NDArray> act;

        Coder(VaeConfig c, boolean isEncoder) {
            this.isEncoder = isEncoder;
            int[] boc = c.blockOutChannels();
            int n = boc.length;
            int g = c.normNumGroups();
            float eps = 1e-6f;
            act = Activations.byName(c.actFn(), "act_fn");
            if (isEncoder) {
                convIn = child("conv_in", new Conv2d(c.inChannels(), boc[0], 3, 1, 1));
                blocks = child("down_blocks", new ModuleList<>());
                int out = boc[0];
                for (int i = 0; i < n; i++) {
                    int in = out;
                    out = boc[i];
                    blocks.add(new Block(in, out, c.layersPerBlock(), g, eps, act, i < n - 1, true));
                }
                mid = child("mid_block", new MidBlock(boc[n - 1], g, eps, act, c.midBlockAddAttention()));
                normOut = child("conv_norm_out", new GroupNorm(g, boc[n - 1], eps));
                convOut = child("conv_out", new Conv2d(boc[n - 1], 2 * c.latentChannels(), 3, 1, 1));
            } else {
                convIn = child("conv_in", new Conv2d(c.latentChannels(), boc[n - 1], 3, 1, 1));
                mid = child("mid_block", new MidBlock(boc[n - 1], g, eps, act, c.midBlockAddAttention()));
                blocks = child("up_blocks", new ModuleList<>());
                int out = boc[n - 1];
                for (int i = 0; i < n; i++) {
                    int prev = out;
                    out = boc[n - 1 - i];
                    blocks.add(new Block(prev, out, c.layersPerBlock() + 1, g, eps, act, i < n - 1, false));
                }
                normOut = child("conv_norm_out", new GroupNorm(g, boc[0], eps));
                convOut = child("conv_out", new Conv2d(boc[0], c.outChannels(), 3, 1, 1));
            }
        }

        NDArray forward(NDArray x) {
            NDArray h = convIn.forward(x);
            if (isEncoder) {
                for (Block b : blocks.items()) {
                    h = b.forward(h);
                }
                h = mid.forward(h);
            } else {
                h = mid.forward(h);
                for (Block b : blocks.items()) {
                    h = b.forward(h);
                }
            }
            NDArray in = h;
            return Ops.scoped(in, t -> convOut.forward(act.apply(normOut.forward(t))));
        }
    }

    /** DownEncoderBlock2D / UpDecoderBlock2D: resnets then an optional down/up-sampler. */
    static final class Block extends Module {
        private final ModuleList<ResnetBlock2D> resnets;
        private final Downsample2D down;
        private final Upsample2D up;

        Block(int in, int out, int layers, int groups, float eps, UnaryOperator<NDArray> act, boolean resample, boolean encoder) {
            resnets = child("resnets", new ModuleList<>());
            for (int i = 0; i < layers; i++) {
                resnets.add(new ResnetBlock2D(i == 0 ? in : out, out, 0, groups, eps, act, 1f));
            }
            if (resample && encoder) {
                ModuleList<Downsample2D> l = child("downsamplers", new ModuleList<>());
                down = l.add(new Downsample2D(out, out, 0));
                up = null;
            } else if (resample) {
                ModuleList<Upsample2D> l = child("upsamplers", new ModuleList<>());
                up = l.add(new Upsample2D(out, out));
                down = null;
            } else {
                down = null;
                up = null;
            }
        }

        NDArray forward(NDArray x) {
            NDArray h = x;
            for (ResnetBlock2D r : resnets.items()) {
                h = r.forward(h, null);
            }
            if (down != null) {
                h = down.forward(h);
            }
            if (up != null) {
                h = up.forward(h);
            }
            return h;
        }
    }

    /** UNetMidBlock2D of the VAE: resnet, (attention, resnet). One head over all channels. */
    static final class MidBlock extends Module {
        private final ModuleList<ResnetBlock2D> resnets;
        private final Attention attention;

        MidBlock(int ch, int groups, float eps, UnaryOperator<NDArray> act, boolean addAttention) {
            ModuleList<Attention> attns = addAttention ? child("attentions", new ModuleList<>()) : null;
            resnets = child("resnets", new ModuleList<>());
            resnets.add(new ResnetBlock2D(ch, ch, 0, groups, eps, act, 1f));
            attention = attns != null ? attns.add(new Attention(ch, ch, 1, ch, true, false, true, false,
                    Attention.Naming.DIFFUSERS, groups, eps)) : null;
            resnets.add(new ResnetBlock2D(ch, ch, 0, groups, eps, act, 1f));
        }

        NDArray forward(NDArray x) {
            NDArray h = resnets.get(0).forward(x, null);
            if (attention != null) {
                h = attention.forwardSpatial(h);
            }
            return resnets.get(1).forward(h, null);
        }
    }
}
