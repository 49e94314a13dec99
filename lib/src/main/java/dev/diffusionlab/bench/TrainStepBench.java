package dev.diffusionlab.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.diffusionlab.clip.CLIPTextConfig;
import dev.diffusionlab.core.Args;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.nn.Model;
import dev.diffusionlab.pipeline.DefaultModel;
import dev.diffusionlab.unet.UNet2DConditionModel;
import dev.diffusionlab.unet.UNetConfig;
import dev.diffusionlab.vae.AutoencoderKL;
import dev.diffusionlab.vae.DiagonalGaussian;
import dev.diffusionlab.vae.VaeConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./dlab bench train-step}: one training step's forward and backward (no optimizer) of a random-weight UNet or
 * VAE built from a config, on one intra-op thread (what each data-parallel worker of {@code ./dlab train-shapes}
 * runs), at several batch sizes; prints the median ms per step of each and the least-squares fit
 * {@code fixed + per sample · B}. The fixed part is what every worker pays again, so it bounds what a second core
 * can buy (docs/performance.md).
 *
 * <pre>
 * ./dlab bench train-step --config toy-data/models/shapes-world --network unet --batches 1,8,16
 * </pre>
 */
public final class TrainStepBench {
    private TrainStepBench() {}

    public static int run(String[] args) {
        Map<String, String> o = BenchSupport.options(args, "config", "network", "batches", "size", "runs");
        String spec = o.getOrDefault("config", DefaultModel.shapesV1Folder().toString());
        String network = o.getOrDefault("network", "unet");
        if (!network.equals("unet") && !network.equals("vae")) {
            throw new IllegalArgumentException("--network must be unet or vae, got '" + network + "'");
        }
        int runs = BenchSupport.intOption(o, "runs", 20);
        if (runs < 1) {
            throw new IllegalArgumentException("--runs must be ≥ 1, got " + runs);
        }
        List<Integer> batches = new ArrayList<>();
        for (String b : o.getOrDefault("batches", "1,8,16").split(",")) {
            int v = Args.parseInt(b.trim(), "--batches");
            if (v < 1) {
                throw new IllegalArgumentException("--batches must list sizes ≥ 1, got " + v);
            }
            batches.add(v);
        }
        if (batches.stream().distinct().count() < 2) {
            throw new IllegalArgumentException("--batches needs two different sizes for the fit, got " + batches);
        }
        VaeConfig vae = VaeConfig.from(BenchSupport.config(spec, "vae"));
        int size = BenchSupport.intOption(o, "size", vae.sampleSize());
        int factor = 1 << (vae.blockOutChannels().length - 1); // one downsampler between consecutive blocks
        if (size % factor != 0) {
            throw new IllegalArgumentException("--size " + size + " is not a multiple of the VAE's downsampling factor " + factor);
        }
        Engines.startAndReport();
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
        try (NDManager base = Engines.newCpuManager(); Model<?> model = network.equals("unet")
                ? UNet2DConditionModel.random(UNetConfig.from(BenchSupport.config(spec, "unet")), base.getDevice(), DataType.FLOAT32, 0)
                : AutoencoderKL.random(vae, base.getDevice(), DataType.FLOAT32, 0)) {
            Step step;
            if (model instanceof UNet2DConditionModel unet) {
                UNetConfig cfg = unet.config();
                int tokens = contextLength(spec);
                int side = size / factor;
                System.out.printf(Locale.ROOT, "train-step unet %s: latent %dx%d, context %d tokens%n", spec, side, side, tokens);
                step = (b, m) -> unet.forward(m.randomNormal(new Shape(b, cfg.inChannels(), side, side)), m.full(new Shape(b), 500f),
                        m.randomNormal(new Shape(b, tokens, cfg.crossAttentionDim()))).square().mean();
            } else {
                AutoencoderKL ae = (AutoencoderKL) model;
                System.out.printf(Locale.ROOT, "train-step vae %s: %dx%d images, encode + sample + decode%n", spec, size, size);
                step = (b, m) -> {
                    NDArray x = m.randomUniform(-1, 1, new Shape(b, vae.inChannels(), size, size));
                    DiagonalGaussian d = ae.encode(x);
                    return ae.decode(d.sample(m.randomNormal(d.mean().getShape()))).sub(x).square().mean();
                };
            }
            model.setRequiresGradient(true);
            double[] ms = new double[batches.size()];
            for (int i = 0; i < batches.size(); i++) {
                int b = batches.get(i);
                ms[i] = BenchSupport.medianMs(runs, k -> {
                    try (NDManager m = base.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        gc.backward(step.loss(b, m));
                    }
                });
                System.out.printf(Locale.ROOT, "  batch %3d: %8.2f ms per forward + backward (median of %d, one thread)%n", b, ms[i], runs);
            }
            double[] fit = fit(batches, ms);
            System.out.printf(Locale.ROOT, "  fit: %.1f ms fixed + %.2f ms per sample; two workers on half of batch B pay the fixed part twice%n",
                    fit[0], fit[1]);
        } finally {
            JniUtils.setNumThreads(threads);
        }
        return 0;
    }

    /** Least squares {@code ms ≈ fixed + perSample · batch}: {fixed, perSample}. */
    static double[] fit(List<Integer> batches, double[] ms) {
        int n = batches.size();
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += batches.get(i) / (double) n;
            my += ms[i] / n;
        }
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            sxy += (batches.get(i) - mx) * (ms[i] - my);
            sxx += (batches.get(i) - mx) * (batches.get(i) - mx);
        }
        if (sxx == 0) {
            throw new IllegalArgumentException("--batches needs two different sizes for the fit, got " + batches);
        }
        double slope = sxy / sxx;
        return new double[] {my - slope * mx, slope};
    }

    /** The text encoder's context length (max_position_embeddings) when the folder has one, else CLIP's 77. */
    private static int contextLength(String spec) {
        try {
            return CLIPTextConfig.from(BenchSupport.config(spec, "text_encoder")).maxPositionEmbeddings();
        } catch (RuntimeException e) {
            return 77;
        }
    }

    @FunctionalInterface
    private interface Step {
        NDArray loss(int batch, NDManager m);
    }
}
