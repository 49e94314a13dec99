package dev.diffusionlab.shapes;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.training.util.ProgressBar;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusionlab.clip.CLIPTextConfig;
import dev.diffusionlab.clip.CLIPTextModel;
import dev.diffusionlab.clip.CLIPTokenizer;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.nn.ConfigJson;
import dev.diffusionlab.nn.Module;
import dev.diffusionlab.image.ImageTensors;
import dev.diffusionlab.nn.Ops;
import dev.diffusionlab.core.Gaussian;
import dev.diffusionlab.noise.ForwardProcess;
import dev.diffusionlab.noise.NoiseSchedule;
import dev.diffusionlab.pipeline.DiffusersFolder;
import dev.diffusionlab.unet.UNet2DConditionModel;
import dev.diffusionlab.vae.AutoencoderKL;
import dev.diffusionlab.vae.DiagonalGaussian;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Trains the shapes-world text-to-image model with the stage-3 classes and DJL autograd on CPU:
 * first the {@link AutoencoderKL} (reconstruction MSE + a small KL term), then the
 * {@link CLIPTextModel} and {@link UNet2DConditionModel} together on the frozen VAE's scaled latents
 * (epsilon prediction on SD's scaled-linear schedule, captions dropped to "" for classifier-free
 * guidance). Adam per phase; a checkpoint folder (the three models + {@code trainer_state.json}) is
 * written every {@code checkpointEvery} steps and a rerun resumes from it (Adam's moments restart,
 * which its bias correction handles). The result is a diffusers folder. A {@link ShapesRecipe} in the config
 * adds the v2 options (v2 world, warm-up + cosine learning rate, EMA weights, curriculum, re-ordered captions).
 *
 * <pre>{@code
 * ShapesTrainer.Result r = new ShapesTrainer(ShapesTrainer.Config.standard()).train(Path.of("shapes-model"));
 * try (StableDiffusionPipeline p = StableDiffusionPipeline.load(Path.of("shapes-model"))) { ... }
 * }</pre>
 */
public final class ShapesTrainer {
    /**
     * @param models architectures
     * @param world the data
     * @param vaeSteps VAE optimiser steps
     * @param unetSteps UNet + text encoder optimiser steps
     * @param batchSize images per step
     * @param vaeLr VAE learning rate
     * @param unetLr UNet and text encoder learning rate
     * @param klWeight weight of the per-element KL term
     * @param captionDropout probability of training on the empty caption
     * @param seed seed of the weights and of every random draw
     * @param checkpointEvery steps between checkpoints (0: only at the end of each phase)
     * @param maxSeconds wall-clock budget (≤ 0: none); the VAE gets a quarter of it
     * @param fp16 write the final weights as float16
     * @param progress show progress bars
     * @param recipe the v2 options: v2 world, LR schedule, EMA, curriculum, caption re-ordering ({@link ShapesRecipe#none()} for v1)
     */
    public record Config(ShapesModels models, ShapesWorld.Config world, int vaeSteps, int unetSteps, int batchSize, double vaeLr,
                         double unetLr, double klWeight, double captionDropout, long seed, int checkpointEvery, double maxSeconds,
                         boolean fp16, boolean progress, ShapesRecipe recipe) {
        public Config {
            if (vaeSteps < 0 || unetSteps < 0 || batchSize < 1) {
                throw new IllegalArgumentException("steps must be ≥ 0 and batch ≥ 1: vaeSteps " + vaeSteps + ", unetSteps " + unetSteps
                        + ", batchSize " + batchSize);
            }
            recipe = recipe == null ? ShapesRecipe.none() : recipe;
            int worldSize = recipe.isV2() ? recipe.world().size() : world.size();
            if (worldSize != models.imageSize()) {
                throw new IllegalArgumentException("world image size " + worldSize + " != model image size " + models.imageSize());
            }
        }

        /** The v1 recipe's fields ({@link ShapesRecipe#none()}). */
        public Config(ShapesModels models, ShapesWorld.Config world, int vaeSteps, int unetSteps, int batchSize, double vaeLr,
                      double unetLr, double klWeight, double captionDropout, long seed, int checkpointEvery, double maxSeconds,
                      boolean fp16, boolean progress) {
            this(models, world, vaeSteps, unetSteps, batchSize, vaeLr, unetLr, klWeight, captionDropout, seed, checkpointEvery,
                    maxSeconds, fp16, progress, ShapesRecipe.none());
        }

        /**
         * The v2 recipe (recorded in recipe.json): {@link ShapesModels#v2()} on {@link ShapesWorldV2}, 1 500 VAE steps, 7 000
         * UNet + text-encoder steps of batch 16 at 5·10⁻⁴ (warm-up 500, cosine to 10 %), EMA 0.999, curriculum
         * one → two → three objects, half the captions re-ordered, 10 % empty captions, seed 0, checkpoints every 250 steps.
         * The step counts are provisional: set them from a quiet-machine measurement so the run fits 2 hours
         * (docs/shapes-world.md, "v2: what to run next").
         */
        public static Config v2() {
            return new Config(ShapesModels.v2(), ShapesWorld.Config.defaults(), 1500, 7000, 16, 1e-3, 5e-4, 1e-3, 0.1, 0, 250, 0,
                    true, true, ShapesRecipe.v2());
        }

        /** A smoke-test v2 recipe: tiny v2 models, few steps, short warm-up, the whole v2 machinery (EMA, curriculum, re-ordering). */
        public static Config tinyV2(int vaeSteps, int unetSteps) {
            return new Config(ShapesModels.tinyV2(), ShapesWorld.Config.defaults(), vaeSteps, unetSteps, 8, 3e-3, 2e-3, 1e-3, 0.1, 0, 0,
                    0, false, false, ShapesRecipe.v2().withWarmup(Math.max(1, unetSteps / 10)).withEma(0.9));
        }

        public Config withRecipe(ShapesRecipe r) {
            return new Config(models, world, vaeSteps, unetSteps, batchSize, vaeLr, unetLr, klWeight, captionDropout, seed,
                    checkpointEvery, maxSeconds, fp16, progress, r);
        }

        /** The shipped model's recipe. */
        public static Config standard() {
            return new Config(ShapesModels.standard(), ShapesWorld.Config.defaults(), 1500, 24000, 16, 1e-3, 5e-4, 1e-3, 0.1, 0,
                    250, 0, true, true);
        }

        /** A smoke-test recipe: tiny models, few steps. */
        public static Config tiny(int vaeSteps, int unetSteps) {
            return new Config(ShapesModels.tiny(), ShapesWorld.Config.defaults(), vaeSteps, unetSteps, 8, 3e-3, 2e-3, 1e-3, 0.1, 0,
                    0, 0, false, false);
        }

        public Config withSteps(int vae, int unet) {
            return new Config(models, world, vae, unet, batchSize, vaeLr, unetLr, klWeight, captionDropout, seed, checkpointEvery,
                    maxSeconds, fp16, progress, recipe);
        }

        public Config withSeed(long s) {
            return new Config(models, world, vaeSteps, unetSteps, batchSize, vaeLr, unetLr, klWeight, captionDropout, s,
                    checkpointEvery, maxSeconds, fp16, progress, recipe);
        }

        public Config withBudget(double seconds, int every, boolean showProgress) {
            return new Config(models, world, vaeSteps, unetSteps, batchSize, vaeLr, unetLr, klWeight, captionDropout, seed, every,
                    seconds, fp16, showProgress, recipe);
        }

        /** Another world (e.g. other held-out pairs); its image size must stay the models'. */
        public Config withWorld(ShapesWorld.Config w) {
            return new Config(models, w, vaeSteps, unetSteps, batchSize, vaeLr, unetLr, klWeight, captionDropout, seed, checkpointEvery,
                    maxSeconds, fp16, progress, recipe);
        }

        public Config withFp16(boolean f) {
            return new Config(models, world, vaeSteps, unetSteps, batchSize, vaeLr, unetLr, klWeight, captionDropout, seed,
                    checkpointEvery, maxSeconds, f, progress, recipe);
        }
    }

    /** Loss per step of each phase (this run only), steps done in total, mean seconds per step and the VAE's scaling factor. */
    public record Result(List<Float> vaeLosses, List<Float> unetLosses, int vaeStepsDone, int unetStepsDone,
                         double vaeSecondsPerStep, double unetSecondsPerStep, double scalingFactor, Path folder) {}

    private static final String STATE = "trainer_state.json";
    /** Per-step log kept with the checkpoint and written into the model folder: phase,step,loss,grad_norm. */
    public static final String LOG = "training_log.csv";
    private static final String LOG_HEADER = "phase,step,loss,grad_norm";
    private final List<String> log = new ArrayList<>();
    private final Config config;
    private final ShapesWorld world;
    /** The v2 world (null for a v1 recipe). */
    private final ShapesWorldV2 worldV2;
    /** The learning rate of the current step (read by the optimiser's tracker). */
    private double lrNow;
    /** EMA of the UNet and text encoder during the UNet phase (null without EMA). */
    private EmaWeights emaUnet;
    private EmaWeights emaTe;
    /** SD 1.x/2.x training schedule (scaled_linear 0.00085 … 0.012, T = 1000) and its q(x_t | x_0). */
    private final ForwardProcess q = new ForwardProcess(NoiseSchedule.of("scaled_linear"));

    public ShapesTrainer(Config config) {
        this.config = config;
        this.world = new ShapesWorld(config.world());
        this.worldV2 = config.recipe().isV2() ? new ShapesWorldV2(config.recipe().world()) : null;
    }

    /** The checkpoint folder used for {@code out}: a sibling named {@code <out>-checkpoint}. */
    public static Path checkpointFor(Path out) {
        Path abs = out.toAbsolutePath().normalize();
        return abs.resolveSibling(abs.getFileName() + "-checkpoint");
    }

    /** Trains (resuming from {@link #checkpointFor}(out) when it exists) and writes the diffusers folder {@code out}. */
    public Result train(Path out) {
        Engines.start();
        Path ckpt = checkpointFor(out);
        JsonObject state = readState(ckpt);
        readLog(ckpt, state);
        int vaeDone = state == null ? 0 : state.get("vae_step").getAsInt();
        int unetDone = state == null ? 0 : state.get("unet_step").getAsInt();
        boolean vaeFinished = state != null && state.get("vae_finished").getAsBoolean();
        double scaling = state == null ? 1.0 : state.get("scaling_factor").getAsDouble();
        long start = System.nanoTime();
        double budget = config.maxSeconds();
        ShapesModels m = config.models();
        Path tokDir = ckpt.resolve("tokenizer");
        ShapesVocabulary.write(tokDir, m.maxLength());
        CLIPTokenizer tokenizer = CLIPTokenizer.fromFolder(tokDir);
        int seed = (int) config.seed();
        try (AutoencoderKL vae = state == null ? AutoencoderKL.random(AutoencoderKL.parseConfig(m.vaeJson(1.0), "shapes vae"), Device.cpu(),
                DataType.FLOAT32, seed) : AutoencoderKL.fromPretrained(ckpt.resolve("vae"), Device.cpu(), DataType.FLOAT32);
             CLIPTextModel te = state == null ? CLIPTextModel.random(CLIPTextConfig.from(ConfigJson.parse(m.textEncoderJson(), "shapes te")),
                     Device.cpu(), DataType.FLOAT32, seed + 1) : CLIPTextModel.fromPretrained(ckpt.resolve("text_encoder"), Device.cpu(), DataType.FLOAT32);
             UNet2DConditionModel unet = state == null ? UNet2DConditionModel.random(UNet2DConditionModel.parseConfig(m.unetJson(), "shapes unet"),
                     Device.cpu(), DataType.FLOAT32, seed + 2) : UNet2DConditionModel.fromPretrained(ckpt.resolve("unet"), Device.cpu(), DataType.FLOAT32);
             NDManager base = Engines.newCpuManager()) {
            List<Float> vaeLosses = new ArrayList<>();
            List<Float> unetLosses = new ArrayList<>();
            double vaeSec = 0;
            double unetSec = 0;
            if (!vaeFinished) {
                double vaeBudget = budget > 0 ? budget / 4 : 0;
                long t0 = System.nanoTime();
                int before = vaeDone;
                vaeDone = trainVae(vae, vaeDone, base, vaeLosses, start, vaeBudget, ckpt, te, unet, tokenizer);
                vaeSec = vaeDone > before ? (System.nanoTime() - t0) / 1e9 / (vaeDone - before) : 0;
                scaling = measureScaling(vae, base);
                vaeFinished = true;
                saveCheckpoint(ckpt, vae, te, unet, vaeDone, unetDone, true, scaling);
            }
            long t1 = System.nanoTime();
            int before = unetDone;
            unetDone = trainUnet(vae, te, unet, tokenizer, scaling, unetDone, vaeDone, base, unetLosses, start, budget, ckpt);
            unetSec = unetDone > before ? (System.nanoTime() - t1) / 1e9 / (unetDone - before) : 0;
            saveCheckpoint(ckpt, vae, te, unet, vaeDone, unetDone, true, scaling);
            writeFolder(out, vae, te, unet, scaling);
            return new Result(vaeLosses, unetLosses, vaeDone, unetDone, vaeSec, unetSec, scaling, out);
        }
    }

    // ---------------------------------------------------------------- VAE

    private int trainVae(AutoencoderKL vae, int done, NDManager base, List<Float> losses, long start, double budget, Path ckpt,
                         CLIPTextModel te, UNet2DConditionModel unet, CLIPTokenizer tok) {
        Optimizer adam = adam();
        vae.setRequiresGradient(true);
        ProgressBar bar = config.progress() ? new ProgressBar("VAE", config.vaeSteps()) : null;
        int step = done;
        while (step < config.vaeSteps() && !overBudget(start, budget)) {
            Random rnd = rng(1, step);
            try (NDManager sm = base.newSubManager()) {
                NDArray x = images(step, rnd, sm).images;
                lrNow = config.recipe().lr(config.vaeLr(), step, config.vaeSteps());
                float loss;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    DiagonalGaussian d = vae.encode(x);
                    NDArray z = d.sample(Gaussian.noise(sm, d.mean().getShape(), rnd));
                    NDArray rec = vae.decode(z);
                    NDArray mse = rec.sub(x).square().mean();
                    // KL(N(mean, var) || N(0, 1)) per latent element
                    NDArray kl = Ops.mul(d.mean().square().add(d.logvar().exp()).sub(1).sub(d.logvar()).mean(), 0.5);
                    NDArray total = mse.add(Ops.mul(kl, config.klWeight()));
                    gc.backward(total);
                    loss = mse.getFloat();
                }
                double norm = update(adam, List.of(Map.entry("vae.", vae)), sm);
                record(losses, "vae", step, loss, norm);
            }
            step++;
            int vaeStep = step;
            afterStep(bar, step, "mse", losses, () -> saveCheckpoint(ckpt, vae, te, unet, vaeStep, 0, false, 1.0));
        }
        vae.setRequiresGradient(false);
        return step;
    }

    /** 1 / std of the VAE's latents over a few batches (diffusers' scaling_factor convention). */
    private double measureScaling(AutoencoderKL vae, NDManager base) {
        double sum = 0;
        double sq = 0;
        long n = 0;
        for (int k = 0; k < 4; k++) {
            Random rnd = rng(3, k);
            try (NDManager sm = base.newSubManager()) {
                NDArray x = images(1_000_000 + k, rnd, sm).images;
                DiagonalGaussian d = vae.encode(x);
                float[] z = d.sample(Gaussian.noise(sm, d.mean().getShape(), rnd)).toFloatArray();
                for (float v : z) {
                    sum += v;
                    sq += v * v;
                }
                n += z.length;
            }
        }
        double mean = sum / n;
        double std = Math.sqrt(Math.max(sq / n - mean * mean, 1e-12));
        return 1.0 / std;
    }

    // ---------------------------------------------------------------- UNet + text encoder

    private int trainUnet(AutoencoderKL vae, CLIPTextModel te, UNet2DConditionModel unet, CLIPTokenizer tok, double scaling, int done,
                          int vaeDone, NDManager base, List<Float> losses, long start, double budget, Path ckpt) {
        Optimizer adam = adam();
        unet.setRequiresGradient(true);
        te.setRequiresGradient(true);
        startEma(unet, te, ckpt, base);
        int b = config.batchSize();
        ProgressBar bar = config.progress() ? new ProgressBar("UNet + text encoder", config.unetSteps()) : null;
        int step = done;
        while (step < config.unetSteps() && !overBudget(start, budget)) {
            Random rnd = rng(2, step);
            try (NDManager sm = base.newSubManager()) {
                Batch batch = images(5_000_000L + step, rnd, sm, step);
                lrNow = config.recipe().lr(config.unetLr(), step, config.unetSteps());
                NDArray x0;
                DiagonalGaussian d = vae.encode(batch.images);
                x0 = Ops.mul(d.sample(Gaussian.noise(sm, d.mean().getShape(), rnd)), scaling); // (B, 4, h, w)
                int[] t = new int[b];
                float[] ts = new float[b];
                List<String> captions = new ArrayList<>();
                for (int i = 0; i < b; i++) {
                    t[i] = rnd.nextInt(q.schedule().numTrainTimesteps());
                    ts[i] = t[i];
                    captions.add(rnd.nextDouble() < config.captionDropout() ? "" : batch.captions.get(i));
                }
                NDArray eps = Gaussian.noise(sm, x0.getShape(), rnd);
                NDArray xt = q.addNoise(x0, eps, t); // sqrt(ᾱ_t)x0 + sqrt(1-ᾱ_t)ε, one t per sample
                NDArray ids = tok.encodeBatch(captions, sm); // (B, maxLength)
                float loss;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray ctx = te.encode(ids).lastHiddenState(); // (B, L, D)
                    NDArray pred = unet.forward(xt, sm.create(ts), ctx);
                    NDArray mse = pred.sub(eps).square().mean();
                    gc.backward(mse);
                    loss = mse.getFloat();
                }
                double norm = update(adam, List.of(Map.entry("unet.", unet), Map.entry("text_encoder.", te)), sm);
                if (emaUnet != null) {
                    emaUnet.update(step);
                    emaTe.update(step);
                }
                record(losses, "unet", step, loss, norm);
            }
            step++;
            int unetStep = step;
            afterStep(bar, step, "loss", losses, () -> saveCheckpoint(ckpt, vae, te, unet, vaeDone, unetStep, true, scaling));
        }
        unet.setRequiresGradient(false);
        te.setRequiresGradient(false);
        return step;
    }

    /** Keeps step {@code step}'s loss and its log line (phase,step,loss,grad_norm). */
    private void record(List<Float> losses, String phase, int step, float loss, double gradNorm) {
        losses.add(loss);
        log.add(String.format(Locale.ROOT, "%s,%d,%.6f,%.5f", phase, step + 1, loss, gradNorm));
    }

    /** After step {@code step} (1-based): the progress bar, and a checkpoint every {@code checkpointEvery} steps. */
    private void afterStep(ProgressBar bar, int step, String lossName, List<Float> losses, Runnable checkpoint) {
        if (bar != null) {
            bar.update(step - 1, String.format(Locale.ROOT, "%s %.4f", lossName, losses.get(losses.size() - 1)));
        }
        if (config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0) {
            checkpoint.run();
        }
    }

    /** Largest global gradient norm before clipping (diffusers' training scripts use max_grad_norm = 1). */
    static final double MAX_GRAD_NORM = 1.0;

    /**
     * DJL's Adam without its own clipping: its {@code clipGrad} only clamps from above
     * ({@code clamp_max_}), which biases every update towards negative gradients. We clip by global
     * norm ourselves, as {@code torch.nn.utils.clip_grad_norm_} does.
     */
    private Optimizer adam() {
        // the rate of the current step (constant for v1, warm-up + cosine for v2), from the global step so a resumed run continues the schedule
        Tracker schedule = numUpdate -> (float) lrNow;
        return Optimizer.adam().optLearningRateTracker(schedule).build();
    }

    /** Starts the weight averages of the UNet phase, from the checkpoint's when resuming. */
    private void startEma(UNet2DConditionModel unet, CLIPTextModel te, Path ckpt, NDManager base) {
        if (config.recipe().emaDecay() <= 0) {
            return;
        }
        emaUnet = new EmaWeights(unet, config.recipe().emaDecay(), base);
        emaTe = new EmaWeights(te, config.recipe().emaDecay(), base);
        if (Files.isDirectory(ckpt.resolve("unet_ema"))) {
            try (UNet2DConditionModel u = UNet2DConditionModel.fromPretrained(ckpt.resolve("unet_ema"), Device.cpu(), DataType.FLOAT32);
                 CLIPTextModel t = CLIPTextModel.fromPretrained(ckpt.resolve("text_encoder_ema"), Device.cpu(), DataType.FLOAT32)) {
                emaUnet.load(u.namedParameters());
                emaTe.load(t.namedParameters());
            }
        }
    }

    /**
     * Clips the gradients of all {@code models} to one global L2 norm, then one Adam step per parameter
     * (DJL's update also zeroes each gradient: PyTorch accumulates them otherwise). Returns the norm
     * before clipping.
     */
    private static double update(Optimizer adam, List<Map.Entry<String, Module>> models, NDManager sm) {
        Map<String, NDArray[]> wg = new LinkedHashMap<>();
        double sq = 0;
        for (Map.Entry<String, Module> m : models) {
            for (Map.Entry<String, NDArray> e : m.getValue().namedParameters().entrySet()) {
                NDArray g = e.getValue().getGradient(); // a new handle on the gradient tensor: attach it to the step
                g.attach(sm);
                sq += g.square().sum().getFloat();
                wg.put(m.getKey() + e.getKey(), new NDArray[] {e.getValue(), g});
            }
        }
        double norm = Math.sqrt(sq);
        if (!Double.isFinite(norm)) {
            throw new IllegalStateException("gradient norm is " + norm + ": training diverged (lower the learning rate)");
        }
        if (norm > MAX_GRAD_NORM) {
            float f = (float) (MAX_GRAD_NORM / (norm + 1e-6));
            for (NDArray[] p : wg.values()) {
                try (NDArray c = sm.full(new Shape(), f, p[1].getDataType())) {
                    p[1].muli(c);
                }
            }
        }
        wg.forEach((k, p) -> adam.update(k, p[0], p[1]));
        return norm;
    }

    // ---------------------------------------------------------------- data

    private record Batch(NDArray images, List<String> captions) {}

    /** A batch of world images (B, 3, S, S) in [-1, 1] and their captions; sample indices come from the step. */
    private Batch images(long step, Random rnd, NDManager sm) {
        return images(step, rnd, sm, -1);
    }

    /** As {@link #images(long, Random, NDManager)}; a v2 recipe draws from the curriculum's world of UNet step {@code unetStep} (-1: the full world). */
    private Batch images(long step, Random rnd, NDManager sm, int unetStep) {
        List<BufferedImage> pictures = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        ShapesWorldV2 v2 = worldV2 == null || unetStep < 0 ? worldV2
                : new ShapesWorldV2(config.recipe().worldAt(unetStep, config.unetSteps()));
        for (int i = 0; i < config.batchSize(); i++) {
            ShapesSample sample = v2 != null ? v2Sample(v2, step * config.batchSize() + i, rnd)
                    : world.sample(step * config.batchSize() + i, ShapesWorld.Split.TRAIN);
            captions.add(sample.caption());
            pictures.add(sample.image());
        }
        return new Batch(ImageTensors.toBatch(sm, pictures), captions);
    }

    /** A v2 training picture; with the recipe's probability its caption names the objects in a new random order. */
    private ShapesSample v2Sample(ShapesWorldV2 v2, long index, Random rnd) {
        ShapesSample s = v2.sample(index, ShapesWorldV2.Split.TRAIN);
        if (s.objects().size() > 1 && rnd.nextDouble() < config.recipe().reorderProbability()) {
            List<Integer> order = new ArrayList<>(java.util.stream.IntStream.range(0, s.objects().size()).boxed().toList());
            java.util.Collections.shuffle(order, rnd);
            s = ShapesWorldV2.reorder(s, order.stream().mapToInt(Integer::intValue).toArray());
        }
        return s;
    }

    /** Every random draw of a step comes from (seed, phase, step), so a resumed run sees the same data. */
    private Random rng(int phase, long step) {
        return new Random(config.seed() * 1_000_003L + phase * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L);
    }

    private static boolean overBudget(long start, double budget) {
        return budget > 0 && (System.nanoTime() - start) / 1e9 >= budget;
    }

    // ---------------------------------------------------------------- checkpoints and output

    /** The log of a resumed run, cut to the checkpoint's steps (rows after it were never saved with weights). */
    private void readLog(Path ckpt, JsonObject state) {
        log.clear();
        Path f = ckpt.resolve(LOG);
        if (state == null || !Files.isRegularFile(f)) {
            return;
        }
        int vae = state.get("vae_step").getAsInt();
        int unet = state.get("unet_step").getAsInt();
        try {
            for (String row : Files.readAllLines(f)) {
                String[] c = row.split(",");
                if (c.length == 4 && !row.equals(LOG_HEADER)) {
                    int st = Integer.parseInt(c[1]);
                    if (c[0].equals("vae") ? st <= vae : st <= unet) {
                        log.add(row);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(f + ": cannot read the training log: " + e.getMessage(), e);
        }
    }

    private void writeLog(Path f) throws IOException {
        Files.writeString(f, LOG_HEADER + "\n" + String.join("\n", log) + (log.isEmpty() ? "" : "\n"));
    }

    private static JsonObject readState(Path ckpt) {
        Path f = ckpt.resolve(STATE);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            JsonObject o = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
            for (String k : List.of("vae_step", "unet_step", "vae_finished", "scaling_factor")) {
                if (!o.has(k)) {
                    throw new IllegalArgumentException(f + ": no '" + k + "' (not a shapes trainer checkpoint)");
                }
            }
            return o;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(f + ": cannot read the checkpoint state: " + e.getMessage(), e);
        }
    }

    /** Writes the models and the step counts into a fresh folder, then swaps it in (a crash never leaves half a checkpoint). */
    private void saveCheckpoint(Path ckpt, AutoencoderKL vae, CLIPTextModel te, UNet2DConditionModel unet, int vaeStep, int unetStep,
                                boolean vaeFinished, double scaling) {
        Path tmp = ckpt.resolveSibling(ckpt.getFileName() + ".tmp");
        try {
            deleteTree(tmp);
            writeModels(tmp, vae, te, unet, scaling, false);
            if (emaUnet != null) {
                emaUnet.withAverage(() -> DiffusersFolder.writeComponent(tmp, "unet_ema", unet, config.models().unetJson(), false));
                emaTe.withAverage(() -> DiffusersFolder.writeComponent(tmp, "text_encoder_ema", te, config.models().textEncoderJson(), false));
            }
            ShapesVocabulary.write(tmp.resolve("tokenizer"), config.models().maxLength());
            writeLog(tmp.resolve(LOG));
            Files.writeString(tmp.resolve(STATE), String.format(Locale.ROOT,
                    "{\"vae_step\": %d, \"unet_step\": %d, \"vae_finished\": %s, \"scaling_factor\": %s, \"seed\": %d}%n",
                    vaeStep, unetStep, vaeFinished, Double.toString(scaling), config.seed()));
            deleteTree(ckpt);
            Files.move(tmp, ckpt, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(ckpt + ": cannot write the checkpoint: " + e.getMessage(), e);
        }
    }

    private void writeFolder(Path out, AutoencoderKL vae, CLIPTextModel te, UNet2DConditionModel unet, double scaling) {
        try {
            for (String c : List.of("vae", "unet", "text_encoder", "tokenizer", "scheduler")) {
                deleteTree(out.resolve(c));
            }
            if (emaUnet != null) {
                // the folder ships the averaged UNet and text encoder
                emaUnet.withAverage(() -> emaTe.withAverage(() -> writeModels(out, vae, te, unet, scaling, config.fp16())));
            } else {
                writeModels(out, vae, te, unet, scaling, config.fp16());
            }
            if (config.recipe().isV2()) {
                Files.writeString(out.resolve("recipe.json"), config.recipe().json(config));
            }
            ShapesVocabulary.write(out.resolve("tokenizer"), config.models().maxLength());
            DiffusersFolder.writeScheduler(out, ShapesModels.schedulerJson());
            DiffusersFolder.writeModelIndex(out, ShapesModels.modelIndexJson());
            writeLog(out.resolve(LOG));
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot write the model folder: " + e.getMessage(), e);
        }
    }

    private void writeModels(Path dir, AutoencoderKL vae, CLIPTextModel te, UNet2DConditionModel unet, double scaling, boolean fp16) {
        ShapesModels m = config.models();
        DiffusersFolder.writeComponent(dir, "vae", vae, m.vaeJson(scaling), fp16);
        DiffusersFolder.writeComponent(dir, "unet", unet, m.unetJson(), fp16);
        DiffusersFolder.writeComponent(dir, "text_encoder", te, m.textEncoderJson().replace("\"float32\"", fp16 ? "\"float16\"" : "\"float32\""), fp16);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
