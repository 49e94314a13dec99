package dev.diffusionlab.shapes;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.training.util.ProgressBar;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.image.ImageTensors;
import dev.diffusionlab.core.Gaussian;
import dev.diffusionlab.nn.Ops;
import dev.diffusionlab.pipeline.MaskProcessor;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.safetensors.SafetensorsWriter;
import dev.diffusionlab.schedulers.Scheduler;
import dev.diffusionlab.unet.UNet2DConditionModel;
import dev.diffusionlab.vae.DiagonalGaussian;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Turns a shapes-world model into an inpainting model as Stable Diffusion's inpainting checkpoints were made:
 * the UNet's first convolution gets 5 more input channels (the latent mask and the masked image's latents),
 * zero-initialised so training starts from the original model's behaviour, and the UNet is fine-tuned on world
 * pictures with random masks (halves and boxes; one caption in ten dropped for guidance). The text encoder and
 * the VAE stay frozen. The result is a diffusers folder whose {@code model_index.json} names
 * {@code StableDiffusionInpaintPipeline}.
 */
public final class ShapesInpaintTrainer {
    private ShapesInpaintTrainer() {}

    /** Per-step losses, seconds of training and the written folder. */
    public record Result(List<Float> losses, double seconds, Path folder) {}

    /** Fine-tunes {@code base} for {@code steps} steps of {@code batch} pictures and writes the folder {@code out}. */
    public static Result train(Path base, Path out, int steps, int batch, double lr, long seed, boolean progress) {
        if (steps < 1 || batch < 1) {
            throw new IllegalArgumentException("steps and batch must be >= 1");
        }
        Engines.start();
        ShapesWorld world = new ShapesWorld(ShapesWorld.Config.defaults());
        List<Float> losses = new ArrayList<>();
        long t0 = System.nanoTime();
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(base, Device.cpu(), DataType.FLOAT32);
             Scheduler sched = sd.newScheduler(null);
             NDManager root = Engines.newCpuManager()) {
            String unetJson = Files.readString(base.resolve("unet/config.json"));
            int latent = sd.vae().config().latentChannels();
            String json9 = unetJson.replaceFirst("\"in_channels\":\\s*" + latent, "\"in_channels\": " + (2 * latent + 1));
            if (json9.equals(unetJson)) {
                throw new IllegalArgumentException(base + ": unet/config.json has no \"in_channels\": " + latent);
            }
            try (UNet2DConditionModel unet = UNet2DConditionModel.random(UNet2DConditionModel.parseConfig(json9, "inpaint unet"),
                    Device.cpu(), DataType.FLOAT32, (int) seed)) {
                Map<String, NDArray> state = new LinkedHashMap<>(sd.unet().stateDict());
                NDArray w = state.get("conv_in.weight"); // (C, 4, 3, 3)
                Shape ws = w.getShape();
                NDArray extra = root.zeros(new Shape(ws.get(0), latent + 1, ws.get(2), ws.get(3)));
                state.put("conv_in.weight", NDArrayJoin.channels(w, extra)); // (C, 4, 3, 3) -> (C, 9, 3, 3)
                unet.loadStateDict(state, unet.weightsManager(), DataType.FLOAT32);
                float[] abar = sched.betaSchedule().alphasCumprod();
                double scaling = sd.vae().scalingFactor();
                int side = world.config().size();
                int factor = sd.vaeScaleFactor();
                Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) lr)).build();
                unet.setRequiresGradient(true);
                ProgressBar bar = progress ? new ProgressBar("inpainting UNet", steps) : null;
                for (int step = 0; step < steps; step++) {
                    Random rnd = new Random(seed * 1_000_003L + step * 0x9E3779B97F4A7C15L);
                    try (NDManager sm = root.newSubManager()) {
                        List<BufferedImage> pics = new ArrayList<>();
                        List<String> caps = new ArrayList<>();
                        float[] masks = new float[batch * side * side];
                        for (int i = 0; i < batch; i++) {
                            ShapesSample s = world.sample(9_000_000L + (long) step * batch + i, ShapesWorld.Split.TRAIN);
                            pics.add(s.image());
                            caps.add(rnd.nextDouble() < 0.1 ? "" : s.caption());
                            randomMask(rnd, side, masks, i * side * side);
                        }
                        NDArray img01 = ImageTensors.toBatch(sm, pics).add(1).div(2); // [-1,1] -> [0,1]
                        MaskProcessor.Prepared p = MaskProcessor.prepare(img01, sm.create(masks, new Shape(batch, 1, side, side)), side, side,
                                factor);
                        NDArray x0 = sample(sd, p.image(), rnd, sm).mul(scaling);
                        NDArray masked = sample(sd, p.maskedImage(), rnd, sm).mul(scaling);
                        float[] ts = new float[batch];
                        float[] ca = new float[batch];
                        float[] cb = new float[batch];
                        for (int i = 0; i < batch; i++) {
                            int t = rnd.nextInt(abar.length);
                            ts[i] = t;
                            ca[i] = (float) Math.sqrt(abar[t]);
                            cb[i] = (float) Math.sqrt(1 - abar[t]);
                        }
                        NDArray eps = Gaussian.noise(sm, x0.getShape(), rnd);
                        Shape col = new Shape(batch, 1, 1, 1);
                        NDArray xt = x0.mul(sm.create(ca, col)).add(eps.mul(sm.create(cb, col))); // sqrt(ᾱ)x0 + sqrt(1-ᾱ)ε
                        NDArray in = NDArrayJoin.channels(xt, p.maskLatent(), masked); // (B, 9, h, w)
                        NDArray ctx = sd.textEncoder().encode(sd.tokenizer().encodeBatch(caps, sm)).lastHiddenState();
                        float loss;
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray pred = unet.forward(in, sm.create(ts), ctx);
                            NDArray mse = pred.sub(eps).square().mean();
                            gc.backward(mse);
                            loss = mse.getFloat();
                        }
                        clipAndStep(adam, unet, sm);
                        losses.add(loss);
                    }
                    if (bar != null) {
                        bar.update(step, String.format(Locale.ROOT, "loss %.4f", losses.get(losses.size() - 1)));
                    }
                }
                unet.setRequiresGradient(false);
                write(base, out, unet, json9);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Result(losses, (System.nanoTime() - t0) / 1e9, out);
    }

    /** Half of the picture (left, right, top or bottom) or a random box of 8 to 24 pixels a side: 1 = repaint. */
    static void randomMask(Random rnd, int side, float[] out, int offset) {
        int kind = rnd.nextInt(3);
        int y0;
        int y1;
        int x0;
        int x1;
        if (kind < 2) {
            int half = rnd.nextInt(4);
            y0 = half == 3 ? side / 2 : 0;
            y1 = half == 2 ? side / 2 : side;
            x0 = half == 1 ? side / 2 : 0;
            x1 = half == 0 ? side / 2 : side;
            if (half >= 2) {
                x0 = 0;
                x1 = side;
            } else {
                y0 = 0;
                y1 = side;
            }
        } else {
            int h = 8 + rnd.nextInt(17);
            int w = 8 + rnd.nextInt(17);
            y0 = rnd.nextInt(side - h + 1);
            x0 = rnd.nextInt(side - w + 1);
            y1 = y0 + h;
            x1 = x0 + w;
        }
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                out[offset + y * side + x] = 1f;
            }
        }
    }

    private static NDArray sample(StableDiffusionPipeline sd, NDArray x, Random rnd, NDManager sm) {
        DiagonalGaussian d = sd.vae().encode(x);
        return d.sample(Gaussian.noise(sm, d.mean().getShape(), rnd));
    }

    /** Global-norm clipping at 1, then Adam on every UNet parameter (as the shapes trainer). */
    private static void clipAndStep(Optimizer adam, UNet2DConditionModel unet, NDManager sm) {
        Map<String, NDArray[]> wg = new LinkedHashMap<>();
        double sq = 0;
        for (Map.Entry<String, NDArray> e : unet.namedParameters().entrySet()) {
            NDArray g = e.getValue().getGradient();
            g.attach(sm);
            sq += g.square().sum().getFloat();
            wg.put(e.getKey(), new NDArray[] {e.getValue(), g});
        }
        double norm = Math.sqrt(sq);
        if (!Double.isFinite(norm)) {
            throw new IllegalStateException("gradient norm is " + norm + ": lower the learning rate");
        }
        if (norm > 1) {
            float f = (float) (1 / (norm + 1e-6));
            for (NDArray[] p : wg.values()) {
                try (NDArray c = sm.full(new Shape(), f, p[1].getDataType())) {
                    p[1].muli(c);
                }
            }
        }
        wg.forEach((k, p) -> adam.update(k, p[0], p[1]));
    }

    private static void write(Path base, Path out, UNet2DConditionModel unet, String unetJson) throws IOException {
        Path tmp = out.toAbsolutePath().resolveSibling(out.getFileName() + ".tmp");
        deleteTree(tmp);
        for (String c : List.of("text_encoder", "tokenizer", "vae", "scheduler")) {
            copyTree(base.resolve(c), tmp.resolve(c));
        }
        Files.createDirectories(tmp.resolve("unet"));
        Files.writeString(tmp.resolve("unet/config.json"), unetJson);
        try (NDManager half = Engines.newCpuManager()) {
            Map<String, NDArray> sd = new LinkedHashMap<>();
            unet.stateDict().forEach((k, v) -> {
                NDArray h = v.toType(DataType.FLOAT16, true);
                h.attach(half);
                sd.put(k, h);
            });
            SafetensorsWriter.write(tmp.resolve("unet/diffusion_pytorch_model.safetensors"), sd, Map.of("format", "pt"));
        }
        String index = Files.readString(base.resolve("model_index.json"))
                .replace("\"StableDiffusionPipeline\"", "\"StableDiffusionInpaintPipeline\"");
        Files.writeString(tmp.resolve("model_index.json"), index);
        deleteTree(out);
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    /** Channel concatenation. */
    private static final class NDArrayJoin {
        static NDArray channels(NDArray... parts) {
            return ai.djl.ndarray.NDArrays.concat(new NDList(parts), 1); // (N, c_i, ...) -> (N, Σc_i, ...)
        }
    }
}
