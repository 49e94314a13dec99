package dev.diffusionlab.shapes;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import dev.diffusionlab.clip.CLIPTextConfig;
import dev.diffusionlab.clip.CLIPTextModel;
import dev.diffusionlab.clip.CLIPTokenizer;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.nn.ConfigJson;
import dev.diffusionlab.nn.Module;
import dev.diffusionlab.image.ImageTensors;
import dev.diffusionlab.nn.BatchParallel;
import dev.diffusionlab.nn.Ops;
import dev.diffusionlab.core.Gaussian;
import dev.diffusionlab.noise.ForwardProcess;
import dev.diffusionlab.noise.NoiseSchedule;
import dev.diffusionlab.unet.UNet2DConditionModel;
import dev.diffusionlab.vae.AutoencoderKL;
import dev.diffusionlab.vae.DiagonalGaussian;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

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
         * The v2 recipe of the shipped model (recorded in its recipe.json): {@link ShapesModels#v2()} on {@link ShapesWorldV2}'s
         * default world (captions place first), 1 500 VAE steps, the text encoder trained CLIP's way (1 500 contrastive steps
         * against a convolutional image tower, half of each batch shape-changed twins), then 11 000 UNet steps of batch 16
         * at 5·10⁻⁴ (warm-up 500, cosine to 10 %) with the token-level attention loss (weight 0.2), EMA 0.999, curriculum
         * one → two → three objects, half the captions re-ordered, 10 % empty captions, seed 0, checkpoints every 250
         * steps, shape words at 1.75× the other content words in that loss on the rows with timestep below 500 (where the
         * picture already shows its layout); from 15 % of the UNet steps on the text encoder is fine-tuned through the
         * UNet's losses at 0.4× its learning rate (the size words). 101 minutes on two cores (docs/shapes-world.md, "The
         * nineteenth run").
         */
        public static Config v2() {
            return new Config(ShapesModels.v2(), ShapesWorld.Config.defaults(), 1500, 11000, 16, 1e-3, 5e-4, 1e-3, 0.1, 0, 250, 0,
                    true, true, ShapesRecipe.v2().withTextPretraining(TEXT_PRETRAIN_STEPS)
                            .withClipImages(dev.diffusionlab.clip.ContrastiveClip.ImageEncoder.CONV, true).withAttentionLoss(ATTENTION_LOSS_WEIGHT)
                            .withColourInvariance(COLOUR_INVARIANCE).withTextFinetuning(TEXT_FINETUNE_LR, TEXT_FINETUNE_FROM)
                            .withAttentionShapeWeight(ATTENTION_SHAPE_WEIGHT).withAttentionBoostBelow(ATTENTION_BOOST_BELOW));
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

        /**
         * The shipped v1 model's recipe: 1 500 VAE steps, then the text encoder trained CLIP's way for 1 500 contrastive
         * steps and frozen, then 24 000 UNet steps of batch 16 at 5·10⁻⁴ (docs/shapes-world.md: without the contrastive
         * text encoder the place words never steer the picture).
         */
        public static Config standard() {
            return new Config(ShapesModels.standard(), ShapesWorld.Config.defaults(), 1500, 24000, 16, 1e-3, 5e-4, 1e-3, 0.1, 0,
                    250, 0, true, true, ShapesRecipe.none().withTextPretraining(TEXT_PRETRAIN_STEPS));
        }

        /** Weight of the token-level attention loss in the v2 recipe ({@link ShapesRecipe#attentionLossWeight()}). */
        public static final double ATTENTION_LOSS_WEIGHT = 0.2;

        /**
         * Weight of the contrastive phase's colour-invariance term in the v2 recipe ({@link ShapesRecipe#colourInvariance()}): off,
         * since over every later position it left no token to bind a colour to its place (docs/shapes-world.md).
         */
        public static final double COLOUR_INVARIANCE = 0;

        /** The v2 recipe's text fine-tuning rate, a fraction of the UNet's ({@link ShapesRecipe#textFinetuneLr()}). */
        public static final double TEXT_FINETUNE_LR = 0.4;

        /** The fraction of the v2 recipe's UNet steps after which the text encoder is fine-tuned ({@link ShapesRecipe#textFinetuneFrom()}). */
        public static final double TEXT_FINETUNE_FROM = 0.15;

        /**
         * How much more the shape words count in the v2 recipe's attention loss ({@link ShapesRecipe#attentionShapeWeight()}),
         * so the first object's shape word points at its object at every seed (docs/shapes-world.md, the nineteenth run).
         */
        public static final double ATTENTION_SHAPE_WEIGHT = 1.75;

        /**
         * The timestep below which that extra weight applies ({@link ShapesRecipe#attentionBoostBelow()}): the less noisy half
         * of the rows, where the picture already shows its layout (docs/shapes-world.md, the seventeenth and nineteenth runs).
         */
        public static final int ATTENTION_BOOST_BELOW = 500;

        /** Contrastive text-encoder steps of the shipped recipes. */
        public static final int TEXT_PRETRAIN_STEPS = 1500;

        /** A smoke-test recipe: tiny models, few steps. */
        public static Config tiny(int vaeSteps, int unetSteps) {
            return new Config(ShapesModels.tiny(), ShapesWorld.Config.defaults(), vaeSteps, unetSteps, 8, 3e-3, 2e-3, 1e-3, 0.1, 0,
                    0, 0, false, false);
        }

        public Config withSteps(int vae, int unet) {
            return new Config(models, world, vae, unet, batchSize, vaeLr, unetLr, klWeight, captionDropout, seed, checkpointEvery,
                    maxSeconds, fp16, progress, recipe);
        }

        public Config withBatchSize(int b) {
            return new Config(models, world, vaeSteps, unetSteps, b, vaeLr, unetLr, klWeight, captionDropout, seed, checkpointEvery,
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

    /** Per-step log kept with the checkpoint and written into the model folder: phase,step,loss,grad_norm. */
    public static final String LOG = ShapesCheckpoint.LOG;
    private final Config config;
    private final ShapesWorld world;
    /** The v2 world (null for a v1 recipe). */
    private final ShapesWorldV2 worldV2;
    /** EMA of the UNet and text encoder during the UNet phase (null without EMA). */
    private EmaWeights emaUnet;
    private EmaWeights emaTe;
    /** SD 1.x/2.x training schedule (scaled_linear 0.00085 … 0.012, T = 1000) and its q(x_t | x_0). */
    private final ForwardProcess q = new ForwardProcess(NoiseSchedule.of("scaled_linear"));
    private final StepTimes vaeTimes = new StepTimes();
    private final StepTimes unetTimes = new StepTimes();

    /** Wall time of a phase's steps by part (this run only). */
    private static final class StepTimes {
        final long[] ns = new long[5];
        int steps;
        long cpuStart = -1;
        long cpu;

        void add(long... parts) {
            for (int i = 0; i < parts.length; i++) {
                ns[i] += parts[i];
            }
            long c = processCpuNanos();
            if (cpuStart >= 0 && c >= 0) {
                cpu += c - cpuStart;
            }
            cpuStart = c;
            steps++;
        }

        /** CPU time of the whole process (all threads): on a busy machine a steadier figure than wall time. */
        static long processCpuNanos() {
            java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            return os instanceof com.sun.management.OperatingSystemMXBean o ? o.getProcessCpuTime() : -1;
        }

        String format(String phase) {
            if (steps == 0) {
                return phase + ": no steps";
            }
            double total = 0;
            for (long v : ns) {
                total += v;
            }
            return String.format(Locale.ROOT, "%s: %.1f ms/step = data %.1f + inputs (frozen VAE encode, noising, tokens) %.1f + forward %.1f"
                    + " + backward %.1f + clip & Adam %.1f; process CPU %.1f ms/step", phase, total / steps / 1e6, ns[0] / 1e6 / steps,
                    ns[1] / 1e6 / steps, ns[2] / 1e6 / steps, ns[3] / 1e6 / steps, ns[4] / 1e6 / steps,
                    steps > 1 ? cpu / 1e6 / (steps - 1) : Double.NaN);
        }
    }

    /** Where the time of this run's steps went, one line per phase. */
    public String timingSummary() {
        String w = workers > 1 ? " (" + workers + " workers: a slice's backward overlaps another's forward, both booked as forward)" : "";
        return vaeTimes.format("VAE" + w) + "\n" + unetTimes.format("UNet + text encoder" + w);
    }

    public ShapesTrainer(Config config) {
        this.config = config;
        this.world = new ShapesWorld(config.world());
        this.worldV2 = config.recipe().isV2() ? new ShapesWorldV2(config.recipe().world()) : null;
    }

    /** Environment variable: intra-op threads while training (default 1). */
    public static final String THREADS_ENV = "DLAB_TRAIN_THREADS";
    private int threads = Engines.positiveEnv(THREADS_ENV, 1);

    /**
     * Intra-op threads while training (restored afterwards). Default 1 ({@value #THREADS_ENV}): the
     * shapes models' ops are small, so a second thread's hand-off costs more than it computes, and a
     * busy laptop makes it far worse (measured in docs/performance.md).
     */
    public ShapesTrainer threads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be ≥ 1, got " + n);
        }
        this.threads = n;
        return this;
    }

    /** Environment variable: data-parallel workers of the UNet step (default: 2 on a machine with two or more cores). */
    public static final String WORKERS_ENV = "DLAB_TRAIN_WORKERS";
    private int workers = Engines.positiveEnv(WORKERS_ENV, Math.min(2, Runtime.getRuntime().availableProcessors()));

    /**
     * Data-parallel workers of the UNet + text encoder step: each runs the forward and backward of a slice of the
     * batch on one intra-op thread, and the gradients add up to the whole batch's (the update is one Adam step as
     * before). Default 2 where there are two cores ({@value #WORKERS_ENV}); 1 runs the batch in one call. The
     * arithmetic differs from one call in the last bits only (the same losses, summed per slice).
     */
    public ShapesTrainer workers(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("workers must be ≥ 1, got " + n);
        }
        this.workers = n;
        return this;
    }

    /** The checkpoint folder used for {@code out}: a sibling named {@code <out>-checkpoint}. */
    public static Path checkpointFor(Path out) {
        Path abs = out.toAbsolutePath().normalize();
        return abs.resolveSibling(abs.getFileName() + "-checkpoint");
    }

    /** Trains (resuming from {@link #checkpointFor}(out) when it exists) and writes the diffusers folder {@code out}. */
    public Result train(Path out) {
        Engines.start();
        int before = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        try {
            return trainWithThreads(out);
        } finally {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(before);
        }
    }

    private Result trainWithThreads(Path out) {
        ShapesCheckpoint ckpt = new ShapesCheckpoint(checkpointFor(out), config.models(), config.seed());
        JsonObject state = ckpt.readState();
        ckpt.readLog(state);
        int vaeDone = state == null ? 0 : state.get("vae_step").getAsInt();
        int unetDone = state == null ? 0 : state.get("unet_step").getAsInt();
        boolean vaeFinished = state != null && state.get("vae_finished").getAsBoolean();
        double scaling = state == null ? 1.0 : state.get("scaling_factor").getAsDouble();
        long start = System.nanoTime();
        double budget = config.maxSeconds();
        ShapesModels m = config.models();
        Path tokDir = ckpt.dir().resolve("tokenizer");
        ShapesVocabulary.write(tokDir, m.maxLength());
        CLIPTokenizer tokenizer = CLIPTokenizer.fromFolder(tokDir);
        int seed = (int) config.seed();
        try (AutoencoderKL vae = state == null ? AutoencoderKL.random(AutoencoderKL.parseConfig(m.vaeJson(1.0), "shapes vae"), Device.cpu(),
                DataType.FLOAT32, seed) : AutoencoderKL.fromPretrained(ckpt.dir().resolve("vae"), Device.cpu(), DataType.FLOAT32);
             CLIPTextModel te = state == null ? CLIPTextModel.random(CLIPTextConfig.from(ConfigJson.parse(m.textEncoderJson(), "shapes te")),
                     Device.cpu(), DataType.FLOAT32, seed + 1) : CLIPTextModel.fromPretrained(ckpt.dir().resolve("text_encoder"), Device.cpu(), DataType.FLOAT32);
             UNet2DConditionModel unet = state == null ? UNet2DConditionModel.random(UNet2DConditionModel.parseConfig(m.unetJson(), "shapes unet"),
                     Device.cpu(), DataType.FLOAT32, seed + 2) : UNet2DConditionModel.fromPretrained(ckpt.dir().resolve("unet"), Device.cpu(), DataType.FLOAT32);
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
                ckpt.save(vae, te, unet, vaeDone, unetDone, true, scaling);
            }
            long t1 = System.nanoTime();
            int before = unetDone;
            unetDone = trainUnet(vae, te, unet, tokenizer, scaling, unetDone, vaeDone, base, unetLosses, start, budget, ckpt);
            unetSec = unetDone > before ? (System.nanoTime() - t1) / 1e9 / (unetDone - before) : 0;
            ckpt.save(vae, te, unet, vaeDone, unetDone, true, scaling);
            ckpt.writeFolder(out, vae, te, unet, scaling, config.fp16(), config.recipe().isV2() ? config.recipe().json(config) : null);
            return new Result(vaeLosses, unetLosses, vaeDone, unetDone, vaeSec, unetSec, scaling, out);
        }
    }

    // ---------------------------------------------------------------- VAE

    private int trainVae(AutoencoderKL vae, int done, NDManager base, List<Float> losses, long start, double budget, ShapesCheckpoint ckpt,
                         CLIPTextModel te, UNet2DConditionModel unet, CLIPTokenizer tok) {
        FusedAdam adam = new FusedAdam(config.vaeLr(), base, workers);
        List<Packed> trained = List.of(Packed.of("vae.", vae));
        vae.setRequiresGradient(true);
        dev.diffusionlab.core.Progress bar = config.progress() ? dev.diffusionlab.core.Progress.bar("VAE", config.vaeSteps()) : null;
        int step = done;
        while (step < config.vaeSteps() && !overBudget(start, budget)) {
            Random rnd = rng(1, step);
            try (NDManager sm = base.newSubManager()) {
                long t0 = System.nanoTime();
                NDArray x = images(step, sm, step + 1 < config.vaeSteps() ? step + 1 : -1).images;
                long t1 = System.nanoTime();
                adam.setLearningRate(config.recipe().lr(config.vaeLr(), step, config.vaeSteps()));
                float loss;
                long t2;
                long b = x.getShape().get(0);
                if (workers > 1 && b >= workers) {
                    // data-parallel: each worker a slice of the batch, its loss weighted by its share (both terms are means)
                    Shape latent = vae.latentShape(x.getShape());
                    NDArray noise = Gaussian.noise(sm, latent, rnd); // drawn for the whole batch, as one call draws it
                    List<Float> parts = BatchParallel.run(b, workers, true, (from, to) -> {
                        String rows = from + ":" + to;
                        NDArray xs = x.get(rows);
                        DiagonalGaussian d = vae.encode(xs);
                        NDArray rec = vae.decode(d.sample(noise.get(rows)));
                        NDArray mse = rec.sub(xs).square().mean();
                        NDArray kl = Ops.mul(d.mean().square().add(d.logvar().exp()).sub(1).sub(d.logvar()).mean(), 0.5);
                        double share = (double) (to - from) / b;
                        NDArray total = Ops.mul(mse.add(Ops.mul(kl, config.klWeight())), share);
                        backwardOnThisThread(total);
                        return (float) (mse.getFloat() * share);
                    });
                    t2 = System.nanoTime();
                    loss = (float) parts.stream().mapToDouble(Float::doubleValue).sum();
                } else {
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        DiagonalGaussian d = vae.encode(x);
                        NDArray z = d.sample(Gaussian.noise(sm, d.mean().getShape(), rnd));
                        NDArray rec = vae.decode(z);
                        NDArray mse = rec.sub(x).square().mean();
                        // KL(N(mean, var) || N(0, 1)) per latent element
                        NDArray kl = Ops.mul(d.mean().square().add(d.logvar().exp()).sub(1).sub(d.logvar()).mean(), 0.5);
                        NDArray total = mse.add(Ops.mul(kl, config.klWeight()));
                        t2 = System.nanoTime();
                        gc.backward(total);
                        loss = mse.getFloat();
                    }
                }
                long t3 = System.nanoTime();
                double norm = update(adam, trained, sm);
                vaeTimes.add(t1 - t0, 0, t2 - t1, t3 - t2, System.nanoTime() - t3);
                record(ckpt, losses, "vae", step, loss, norm);
            }
            step++;
            int vaeStep = step;
            afterStep(bar, step, "mse", losses, () -> ckpt.save(vae, te, unet, vaeStep, 0, false, 1.0));
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
                NDArray x = images(1_000_000 + k, sm, -1).images;
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
                          int vaeDone, NDManager base, List<Float> losses, long start, double budget, ShapesCheckpoint ckpt) {
        FusedAdam adam = new FusedAdam(config.unetLr(), base, workers);
        boolean frozenText = config.recipe().textPretrainSteps() > 0;
        if (frozenText && done == 0) {
            pretrainText(te, tok, base);
            ckpt.save(vae, te, unet, vaeDone, 0, true, scaling);
        }
        Packed unetP = Packed.of("unet.", unet);
        Packed teP = Packed.of("text_encoder.", te);
        unet.setRequiresGradient(true);
        te.setRequiresGradient(!frozenText);
        startEma(unetP, teP, ckpt, base);
        int b = config.batchSize();
        dev.diffusionlab.core.Progress bar = config.progress() ? dev.diffusionlab.core.Progress.bar("UNet + text encoder", config.unetSteps()) : null;
        int step = done;
        // a frozen (contrastive) text encoder may be fine-tuned from a fraction of the run on, with its own Adam at a fraction of the rate
        double tuneFraction = frozenText ? config.recipe().textFinetuneLr() : 0;
        int tuneFrom = (int) Math.round(config.recipe().textFinetuneFrom() * config.unetSteps());
        FusedAdam teAdam = tuneFraction > 0 ? new FusedAdam(config.unetLr() * tuneFraction, base, workers) : null;
        while (step < config.unetSteps() && !overBudget(start, budget)) {
            Random rnd = rng(2, step);
            boolean tuneText = teAdam != null && step >= tuneFrom;
            if (tuneText && step == Math.max(tuneFrom, done)) {
                te.setRequiresGradient(true);
            }
            try (NDManager sm = base.newSubManager()) {
                long t0 = System.nanoTime();
                // a v2 recipe draws from the curriculum's world of this UNet step
                Batch batch = images(5_000_000L + step, step, sm, step + 1 < config.unetSteps() ? 5_000_000L + step + 1 : -1);
                long t1 = System.nanoTime();
                // the rate of this step (constant for v1, warm-up + cosine for v2), from the global step so a resumed run continues the schedule
                adam.setLearningRate(config.recipe().lr(config.unetLr(), step, config.unetSteps()));
                NDArray x0;
                DiagonalGaussian d = encodeInputs(vae, batch.images);
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
                long t2 = System.nanoTime();
                long[] t3 = new long[1];
                float[] losses2 = workers > 1 && b >= workers
                        ? unetStepParallel(te, unet, tok, batch, captions, ids, xt, t, sm.create(ts), eps, t3)
                        : unetStep(te, unet, tok, batch.samples(), captions, ids, xt, t, sm.create(ts), eps, sm, t3);
                float loss = losses2[0];
                float attnLoss = losses2[1];
                long t4 = System.nanoTime();
                double norm = update(adam, frozenText ? List.of(unetP) : List.of(unetP, teP), sm);
                if (tuneText) {
                    teAdam.setLearningRate(tuneFraction * config.recipe().lr(config.unetLr(), step, config.unetSteps()));
                    update(teAdam, List.of(teP), sm);
                }
                if (emaUnet != null) {
                    emaUnet.update(step);
                    emaTe.update(step);
                }
                unetTimes.add(t1 - t0, t2 - t1, t3[0] - t2, t4 - t3[0], System.nanoTime() - t4);
                record(ckpt, losses, "unet", step, loss, norm);
                if (!Float.isNaN(attnLoss)) {
                    ckpt.log(String.format(Locale.ROOT, "attention,%d,%.6f,%.5f", step + 1, attnLoss, norm));
                }
            }
            step++;
            int unetStep = step;
            afterStep(bar, step, "loss", losses, () -> ckpt.save(vae, te, unet, vaeDone, unetStep, true, scaling));
        }
        unet.setRequiresGradient(false);
        te.setRequiresGradient(false);
        return step;
    }

    /**
     * Backward of a worker's slice loss on the worker's own thread (BatchParallel set its grad mode; DJL's collector is per caller);
     * the gradients add into the parameters' shared gradients.
     */
    private static void backwardOnThisThread(NDArray loss) {
        ai.djl.pytorch.jni.JniUtils.backward((ai.djl.pytorch.engine.PtNDArray) loss, (ai.djl.pytorch.engine.PtNDArray) loss.onesLike(), false, false);
    }

    /** The frozen VAE's posterior of the batch, its slices on the data-parallel workers. */
    private DiagonalGaussian encodeInputs(AutoencoderKL vae, NDArray images) {
        long b = images.getShape().get(0);
        if (workers <= 1 || b < workers) {
            return vae.encode(images);
        }
        List<DiagonalGaussian> parts = BatchParallel.run(b, workers, false, (from, to) -> vae.encode(images.get(from + ":" + to)));
        NDArray mean = NDArrays.concat(new NDList(parts.stream().map(DiagonalGaussian::mean).toList()), 0);
        NDArray logvar = NDArrays.concat(new NDList(parts.stream().map(DiagonalGaussian::logvar).toList()), 0);
        NDArray std = NDArrays.concat(new NDList(parts.stream().map(DiagonalGaussian::std).toList()), 0);
        return new DiagonalGaussian(mean, logvar, std);
    }

    /**
     * Forward and backward of one UNet step on the whole batch, on this thread: {mse, attention loss or NaN}; the
     * gradients accumulate in the parameters. {@code t3[0]} gets the time the backward started.
     */
    private float[] unetStep(CLIPTextModel te, UNet2DConditionModel unet, CLIPTokenizer tok, List<ShapesSample> samples, List<String> captions,
                             NDArray ids, NDArray xt, int[] t, NDArray ts, NDArray eps, NDManager sm, long[] t3) {
        double lambda = config.recipe().attentionLossWeight();
        AttentionSupervision sup = lambda > 0 ? new AttentionSupervision(samples, captions, tok, sm, attentionWeights(t, 0)) : null;
        unet.setAttentionHook(sup != null && sup.active() ? sup : null);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray ctx = te.encode(ids).lastHiddenState(); // (B, L, D)
            NDArray pred = unet.forward(xt, ts, ctx);
            NDArray mse = pred.sub(eps).square().mean();
            NDArray total = mse;
            float attnLoss = Float.NaN;
            if (sup != null && sup.active()) {
                NDArray attn = sup.loss();
                total = mse.add(Ops.mul(attn, lambda));
                attnLoss = attn.getFloat();
            }
            t3[0] = System.nanoTime();
            gc.backward(total);
            return new float[] {mse.getFloat(), attnLoss};
        } finally {
            unet.setAttentionHook(null);
        }
    }

    /** The attention loss's weight of each word of a slice whose rows start at batch row {@code first} (t: the batch's timesteps). */
    private java.util.function.ToDoubleBiFunction<Integer, Caption.WordKind> attentionWeights(int[] t, int first) {
        return (row, kind) -> config.recipe().attentionWeight(kind, t[first + row]);
    }

    /**
     * {@link #unetStep} data-parallel: each of {@link #workers} threads (one intra-op thread each) runs the forward and
     * backward of a slice of the batch, its losses weighted by its share (its rows for the mean squared error, its
     * supervised tokens for the attention loss), so the summed gradients are those of the whole batch. Each slice's
     * attention supervision is routed to it by thread.
     */
    private float[] unetStepParallel(CLIPTextModel te, UNet2DConditionModel unet, CLIPTokenizer tok, Batch batch, List<String> captions,
                                     NDArray ids, NDArray xt, int[] t, NDArray ts, NDArray eps, long[] t3) {
        int b = captions.size();
        double lambda = config.recipe().attentionLossWeight();
        NDManager sm = xt.getManager();
        List<AttentionSupervision> sups = new ArrayList<>();
        int supervised = 0;
        int[] bounds = BatchParallel.bounds(b, workers); // the rows of each slice
        for (int k = 0; k < workers && lambda > 0; k++) {
            AttentionSupervision s = new AttentionSupervision(batch.samples().subList(bounds[k], bounds[k + 1]),
                    captions.subList(bounds[k], bounds[k + 1]), tok, sm, attentionWeights(t, bounds[k]));
            sups.add(s);
            supervised += s.supervised();
        }
        Map<Thread, AttentionSupervision> byThread = new java.util.concurrent.ConcurrentHashMap<>();
        int allSupervised = supervised;
        unet.setAttentionHook(allSupervised > 0 ? (call, probs) -> {
            AttentionSupervision s = byThread.get(Thread.currentThread());
            return s == null ? probs : s.onAttention(call, probs);
        } : null);
        try {
            List<float[]> parts = BatchParallel.run(b, workers, true, (from, to) -> {
                int k = java.util.Arrays.binarySearch(bounds, from);
                AttentionSupervision s = sups.isEmpty() ? null : sups.get(k);
                if (s != null && s.active()) {
                    byThread.put(Thread.currentThread(), s);
                }
                try {
                    String rows = from + ":" + to;
                    NDArray ctx = te.encode(ids.get(rows)).lastHiddenState(); // (b_k, L, D)
                    NDArray pred = unet.forward(xt.get(rows), ts.get(rows), ctx);
                    double share = (double) (to - from) / b;
                    NDArray mse = pred.sub(eps.get(rows)).square().mean();
                    NDArray total = Ops.mul(mse, share);
                    float attn = 0;
                    if (s != null && s.active()) {
                        NDArray a = Ops.mul(s.loss(), (double) s.supervised() / allSupervised);
                        total = total.add(Ops.mul(a, lambda));
                        attn = a.getFloat();
                    }
                    backwardOnThisThread(total);
                    return new float[] {(float) (mse.getFloat() * share), attn};
                } finally {
                    byThread.remove(Thread.currentThread());
                }
            });
            t3[0] = System.nanoTime(); // forward and backward overlap across slices: the step's compute is booked as forward
            float mse = 0;
            float attn = 0;
            for (float[] p : parts) {
                mse += p[0];
                attn += p[1];
            }
            return new float[] {mse, allSupervised > 0 ? attn : Float.NaN};
        } finally {
            unet.setAttentionHook(null);
        }
    }

    /**
     * CLIP's recipe before the UNet sees the text encoder: InfoNCE between the text encoder's end-token vector (through a
     * projection) and a small image encoder, batches of 64 training pictures with their captions. A caption is then
     * told from its near misses by what the picture shows, so words that only matter through where an object is
     * ("left" against "right") get distinct vectors, which training through the UNet's loss alone never gave them
     * (docs/shapes-world.md). The image encoder and the projection are discarded.
     */
    private void pretrainText(CLIPTextModel te, CLIPTokenizer tok, NDManager base) {
        int steps = config.recipe().textPretrainSteps();
        dev.diffusionlab.clip.ContrastiveClip.Config cc = new dev.diffusionlab.clip.ContrastiveClip.Config(64, 256, 32, 16, 64, steps,
                1e-3, 0.1, (int) config.seed() + 7);
        try (NDManager cm = base.newSubManager()) {
            dev.diffusionlab.clip.ContrastiveClip clip = dev.diffusionlab.clip.ContrastiveClip.forTextModel(cc, config.models().imageSize(),
                    te, tok, config.recipe().clipImageEncoder(), cm).withContextInvariance(config.recipe().colourInvariance(), config.recipe().colourInvarianceSpan())
                    .withChangedWordMargin(config.recipe().colourWordMargin());
            double pairShiftBefore = config.recipe().colourInvariance() > 0 ? heldOutPairShift(clip, cm) : Double.NaN;
            long t0 = System.nanoTime();
            List<Float> losses = clip.train(step -> clipBatch(9_000_000L + (long) step * cc.batch(), cc.batch()), cm);
            dev.diffusionlab.clip.ContrastiveClip.Batch unseen = clipBatch(8_000_000L, 64);
            double acc = clip.retrievalAccuracy(unseen.images(), unseen.captions(), cm);
            if (config.progress()) {
                System.out.printf(Locale.ROOT, "text encoder, contrastive (CLIP's recipe, %s image tower%s): %d steps in %.1f s, InfoNCE %.3f -> %.3f"
                        + " (chance ln 64 = %.3f), caption retrieval on 64 unseen pictures %.0f %%%s; frozen from here%n",
                        config.recipe().clipImageEncoder().name().toLowerCase(Locale.ROOT),
                        config.recipe().shapeNegatives() ? (config.recipe().sizeNegatives() ? ", half the batch shape- or size-changed twins"
                                : ", half the batch shape-changed twins") : "", steps,
                        (System.nanoTime() - t0) / 1e9, losses.get(0), mean(losses.subList(Math.max(0, losses.size() - 20), losses.size())),
                        Math.log(64), 100 * acc, worldV2 == null ? ""
                                : String.format(Locale.ROOT, ", own caption above its %s twin's for %.0f %% of 64 unseen pictures (chance 50 %%)",
                                config.recipe().sizeNegatives() ? "shape- or size-changed" : "shape-changed", 100 * twinAccuracy(clip, cm)));
                if (config.recipe().colourInvariance() > 0) {
                    System.out.printf(Locale.ROOT, "colour invariance (weight %.2f, span %d, colour-word margin %.2f): last batch %.4f (margin shortfall %.4f);"
                            + " states after the colour word of held-out-pair captions against a trainable colour: mean squared change %.4f before,"
                            + " %.4f after%n", config.recipe().colourInvariance(), config.recipe().colourInvarianceSpan(), config.recipe().colourWordMargin(),
                            clip.lastContextInvariance(), clip.lastChangedWordShortfall(), pairShiftBefore, heldOutPairShift(clip, cm));
                }
            }
        }
    }

    /**
     * Training pictures {@code first}, {@code first + 1}, ... ({@code n} of them) with their captions; with the
     * recipe's shape negatives the second half are the first half's twins, one object's shape changed.
     */
    private dev.diffusionlab.clip.ContrastiveClip.Batch clipBatch(long first, int n) {
        return clipBatch(first, n, config.recipe().shapeNegatives() && worldV2 != null);
    }

    /**
     * For 32 held-out-pair captions: how far the text encoder's states after the held-out object's colour word move
     * when that colour becomes one the shape is trained with ({@link dev.diffusionlab.clip.ContrastiveClip#contextInvariance}).
     */
    private double heldOutPairShift(dev.diffusionlab.clip.ContrastiveClip clip, NDManager m) {
        List<String> caps = new ArrayList<>();
        List<String> twins = new ArrayList<>();
        for (long i = 0; caps.size() < 32 && i < 1000; i++) {
            ShapesSample s = worldV2.sample(6_500_000L + i, ShapesWorldV2.Split.HELD_OUT_PAIR);
            for (int o = 0; o < s.objects().size(); o++) {
                ObjectSpec sp = s.objects().get(o).spec();
                if (!worldV2.isTrainable(sp.colour(), sp.shape(), sp.position())) {
                    String twin = colourTwin(s, o, rng(8, i));
                    if (twin != null) {
                        caps.add(s.caption());
                        twins.add(twin);
                    }
                    break;
                }
            }
        }
        try (NDManager sm = m.newSubManager()) {
            return clip.contextInvariance(caps, twins, config.recipe().colourInvarianceSpan(), sm).getFloat();
        }
    }

    /**
     * The caption of {@code s} with object {@code o}'s colour word changed to another colour that is trainable with its
     * shape and place and not used by the other objects (null if none is): text only, no picture.
     */
    String colourTwin(ShapesSample s, int o, Random rnd) {
        List<ObjectSpec> specs = new ArrayList<>(s.objects().stream().map(ShapesSample.DrawnObject::spec).toList());
        ObjectSpec sp = specs.get(o);
        Vocab.Colour[] all = Vocab.Colour.values();
        int start = rnd.nextInt(all.length);
        for (int k = 0; k < all.length; k++) {
            Vocab.Colour c = all[(start + k) % all.length];
            boolean taken = specs.stream().anyMatch(x -> x.colour() == c);
            if (!taken && worldV2.isTrainable(c, sp.shape(), sp.position())) {
                specs.set(o, new ObjectSpec(c, sp.shape(), sp.size(), sp.position()));
                return Caption.format(specs, Caption.order(s.caption()));
            }
        }
        return null;
    }

    /** As {@link #clipBatch(long, int)}, the second half twins of the first when {@code twins}. */
    private dev.diffusionlab.clip.ContrastiveClip.Batch clipBatch(long first, int n, boolean twins) {
        List<BufferedImage> pics = new ArrayList<>();
        List<String> caps = new ArrayList<>();
        int originals = twins ? n / 2 : n;
        List<ShapesSample> drawn = new ArrayList<>();
        for (int i = 0; i < originals; i++) {
            ShapesSample sample = trainingSample(worldV2, first + i);
            drawn.add(sample);
            pics.add(sample.image());
            caps.add(sample.caption());
        }
        for (int i = 0; twins && pics.size() < n; i++) {
            ShapesSample original = drawn.get(i % originals);
            ShapesSample twin = config.recipe().sizeNegatives() && i % 2 == 1 ? sizeTwin(original, rng(6, first + i))
                    : shapeTwin(original, rng(6, first + i));
            pics.add(twin.image());
            caps.add(twin.caption());
        }
        List<String> contextTwins = null;
        if (config.recipe().colourInvariance() > 0) {
            contextTwins = new ArrayList<>();
            for (int i = 0; i < caps.size(); i++) {
                ShapesSample s = i < drawn.size() ? drawn.get(i) : null;
                Random rnd = rng(7, first + i);
                String twin = s == null ? null : colourTwin(s, rnd.nextInt(s.objects().size()), rnd);
                contextTwins.add(twin == null ? caps.get(i) : twin);
            }
        }
        return new dev.diffusionlab.clip.ContrastiveClip.Batch(pics, caps, contextTwins);
    }

    /**
     * How often a picture's own caption scores above the caption of its twin with one shape changed (and the
     * twin's above the picture's): 0.5 is a text encoder blind to shape.
     */
    private double twinAccuracy(dev.diffusionlab.clip.ContrastiveClip clip, NDManager m) {
        int n = 32;
        dev.diffusionlab.clip.ContrastiveClip.Batch b = clipBatch(7_000_000L, 2 * n, true); // picture i's twin is picture n + i
        try (NDManager sm = m.newSubManager()) {
            float[] sim = clip.similarity(clip.encodeImages(b.images(), sm), clip.encodeTexts(b.captions(), sm)).toFloatArray(); // (2n, 2n)
            int right = 0;
            for (int i = 0; i < 2 * n; i++) {
                int other = i < n ? i + n : i - n;
                right += sim[i * 2 * n + i] > sim[i * 2 * n + other] ? 1 : 0;
            }
            return right / (2.0 * n);
        }
    }

    /**
     * {@code s} with one object whose size the caption says drawn and said at the other size (colours, shapes and places
     * unchanged, so held-out combinations stay unseen); a shape twin when the caption says no size.
     */
    ShapesSample sizeTwin(ShapesSample s, Random rnd) {
        List<Integer> said = new ArrayList<>();
        for (int o = 0; o < s.objects().size(); o++) {
            if (s.objects().get(o).spec().size() != null) {
                said.add(o);
            }
        }
        if (said.isEmpty()) {
            return shapeTwin(s, rnd);
        }
        int o = said.get(rnd.nextInt(said.size()));
        Vocab.Size now = s.objects().get(o).spec().size();
        return worldV2.withSize(s, o, now == Vocab.Size.LARGE ? Vocab.Size.SMALL : Vocab.Size.LARGE, rnd);
    }

    /** {@code s} with one object's shape changed to another trainable one (held-out combinations stay unseen). */
    private ShapesSample shapeTwin(ShapesSample s, Random rnd) {
        for (int attempt = 0; attempt < 20; attempt++) {
            int o = rnd.nextInt(s.objects().size());
            ObjectSpec sp = s.objects().get(o).spec();
            Vocab.ShapeType[] all = Vocab.ShapeType.values();
            Vocab.ShapeType other = all[(sp.shape().ordinal() + 1 + rnd.nextInt(all.length - 1)) % all.length];
            if (worldV2.isTrainable(sp.colour(), other, sp.position())) {
                return worldV2.withShape(s, o, other, rnd);
            }
        }
        return s;
    }

    private static double mean(List<Float> v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return v.isEmpty() ? Double.NaN : s / v.size();
    }

    /** Keeps step {@code step}'s loss and its log line (phase,step,loss,grad_norm). */
    private static void record(ShapesCheckpoint ckpt, List<Float> losses, String phase, int step, float loss, double gradNorm) {
        losses.add(loss);
        ckpt.log(String.format(Locale.ROOT, "%s,%d,%.6f,%.5f", phase, step + 1, loss, gradNorm));
    }

    /** After step {@code step} (1-based): the progress bar, and a checkpoint every {@code checkpointEvery} steps. */
    private void afterStep(dev.diffusionlab.core.Progress bar, int step, String lossName, List<Float> losses, Runnable checkpoint) {
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
     * Adam over packed parameters ({@link Module#packParameters}): the moments are two flat buffers per module and a
     * step is a dozen native calls on the flat weights, gradients and moments, whatever the parameter count (a small
     * model's step is mostly the fixed cost of its native calls; one {@code adamUpdate} per parameter cost ~13 of
     * them each). The arithmetic is DJL's {@code adamUpdate} (β = (0.9, 0.999), ε = 1e-8, no weight decay, bias
     * correction folded into the rate) with the global-norm clip as a gradient rescale. DJL's own {@code clipGrad}
     * is not used: it only clamps from above ({@code clamp_max_}), which biases every update towards negative
     * gradients. With {@code workers} > 1 each worker updates its share of the flat elements.
     */
    static final class FusedAdam {
        private static final float BETA1 = 0.9f;
        private static final float BETA2 = 0.999f;
        private static final float EPS = 1e-8f;
        private float lr;
        private final Map<String, NDArray[]> moments = new LinkedHashMap<>();
        private final NDManager state;
        private final int workers;
        private int t;

        /** With {@code workers} > 1 the flat update is split over that many threads (one intra-op thread each). */
        FusedAdam(double lr, NDManager state, int workers) {
            this.lr = (float) lr;
            this.state = state;
            this.workers = workers;
        }

        /** The learning rate of the next steps (a schedule sets it before each step). */
        void setLearningRate(double lr) {
            this.lr = (float) lr;
        }

        /**
         * One step: {@code weightsAndGrads} maps a module's name to {flat weights (P), flat gradient (P)};
         * {@code rescale} multiplies every gradient first (the clip factor). The gradient arrays are overwritten.
         */
        void step(Map<String, NDArray[]> weightsAndGrads, float rescale) {
            t++;
            double coef1 = 1.0 - Math.pow(BETA1, t);
            double coef2 = 1.0 - Math.pow(BETA2, t);
            float lrCorrected = (float) (lr * Math.sqrt(coef2) / coef1);
            List<NDArray[]> all = new ArrayList<>(); // {weight, gradient, m, v}, each (P)
            weightsAndGrads.forEach((k, wg) -> {
                NDArray[] mv = moments.computeIfAbsent(k, key -> new NDArray[] {state.zeros(wg[0].getShape(), wg[0].getDataType()),
                        state.zeros(wg[0].getShape(), wg[0].getDataType())});
                all.add(new NDArray[] {wg[0], wg[1], mv[0], mv[1]});
            });
            long total = all.stream().mapToLong(a -> a[0].size()).max().orElse(0);
            if (workers <= 1 || total < workers) {
                for (NDArray[] a : all) {
                    update(a[0], a[1], a[2], a[3], lrCorrected, rescale);
                }
                return;
            }
            // elementwise, so each worker takes the same share of every module's flat buffers (views, updated in place)
            BatchParallel.run(total, workers, false, (from, to) -> {
                for (NDArray[] a : all) {
                    long p = a[0].size();
                    long lo = p * from / total;
                    long hi = p * to / total;
                    if (hi > lo) {
                        try (NDManager part = a[0].getManager().newSubManager()) {
                            NDArray[] s = new NDArray[4];
                            for (int i = 0; i < 4; i++) {
                                s[i] = a[i].get(new NDIndex().addSliceDim(lo, hi)); // (P) -> (hi - lo), a view
                                s[i].attach(part);
                            }
                            update(s[0], s[1], s[2], s[3], lrCorrected, rescale);
                        }
                    }
                }
                return null;
            });
        }

        /** In place: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², w ← w − lr'·m / (√v + ε), g rescaled first. */
        private static void update(NDArray w, NDArray g, NDArray m, NDArray v, float lrCorrected, float rescale) {
            if (rescale != 1f) {
                g.muli(rescale);
            }
            try (NDArray g1 = g.mul(1 - BETA1); NDArray g2 = g.square()) {
                m.muli(BETA1).addi(g1);
                g2.muli(1 - BETA2);
                v.muli(BETA2).addi(g2);
            }
            try (NDArray den = v.sqrt(); NDArray step = m.mul(lrCorrected)) {
                den.addi(EPS);
                step.divi(den);
                w.subi(step);
            }
        }
    }

    /** A module whose parameters are packed into one flat buffer ({@link Module#packParameters}), with the views in slot order. */
    record Packed(String name, Module module, NDArray flat, List<NDArray> params) {
        static Packed of(String name, Module module) {
            NDArray flat = module.packParameters();
            return new Packed(name, module, flat, new ArrayList<>(module.namedParameters().values()));
        }

        /**
         * Every parameter's gradient as one flat (P) array in {@code sm}, then the parameters' gradients zeroed (PyTorch's
         * zero_grad: the next backward accumulates into them).
         */
        NDArray takeGradient(NDManager sm) {
            NDList pieces = new NDList(params.size());
            for (NDArray p : params) {
                NDArray g = p.getGradient(); // a new handle on the gradient tensor
                g.attach(sm);
                NDArray flatG = g.reshape(-1); // (shape) -> (n), a view
                flatG.attach(sm);
                pieces.add(flatG);
            }
            NDArray out = NDArrays.concat(pieces); // (P), a copy
            out.attach(sm);
            for (NDArray p : params) {
                ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) p);
            }
            return out;
        }
    }

    /**
     * Starts the weight averages of the UNet phase (a recipe with EMA) and hands them to the checkpoint,
     * which loads a resumed run's saved averages, saves them with every checkpoint and ships them in the folder.
     */
    private void startEma(Packed unet, Packed te, ShapesCheckpoint ckpt, NDManager base) {
        if (config.recipe().emaDecay() <= 0) {
            return;
        }
        emaUnet = new EmaWeights(unet.module(), unet.flat(), config.recipe().emaDecay(), base);
        emaTe = new EmaWeights(te.module(), te.flat(), config.recipe().emaDecay(), base);
        ckpt.useAverages(emaUnet, emaTe);
    }

    /**
     * Clips the gradients of all {@code models} to one global L2 norm, then one Adam step on their flat
     * buffers. The norm costs one reduction per module and a single device sync. Returns the norm before clipping.
     */
    private static double update(FusedAdam adam, List<Packed> models, NDManager sm) {
        Map<String, NDArray[]> wg = new LinkedHashMap<>();
        double sq = 0;
        for (Packed m : models) {
            NDArray g = m.takeGradient(sm);
            double n = g.norm().getFloat();
            sq += n * n;
            wg.put(m.name(), new NDArray[] {m.flat(), g});
        }
        double norm = Math.sqrt(sq); // || (||g_1||, ..., ||g_k||) ||
        if (!Double.isFinite(norm)) {
            throw new IllegalStateException("gradient norm is " + norm + ": training diverged (lower the learning rate)");
        }
        float rescale = norm > MAX_GRAD_NORM ? (float) (MAX_GRAD_NORM / (norm + 1e-6)) : 1f;
        adam.step(wg, rescale);
        return norm;
    }

    // ---------------------------------------------------------------- data

    private record Batch(NDArray images, List<String> captions, List<ShapesSample> samples) {}

    private record Pictures(List<BufferedImage> images, List<String> captions, List<ShapesSample> samples) {}

    /** Renders the next batch's pictures on another core while torch computes this step (the world is a pure function of the index). */
    private final java.util.concurrent.ExecutorService prefetch = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "shapes-prefetch");
        t.setDaemon(true);
        return t;
    });
    private final Map<Long, java.util.concurrent.Future<Pictures>> pending = new java.util.HashMap<>();

    /**
     * The pictures and captions of batch {@code key}: a pure function of the key and {@code unetStep} (so
     * they can be rendered ahead on another thread). A v2 recipe draws from the curriculum's world of UNet
     * step {@code unetStep} (-1: the full world) and re-orders captions with draws seeded by the sample index.
     */
    private Pictures render(long key, int unetStep) {
        List<BufferedImage> pictures = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        List<ShapesSample> samples = new ArrayList<>();
        ShapesWorldV2 v2 = worldV2 == null || unetStep < 0 ? worldV2
                : new ShapesWorldV2(config.recipe().worldAt(unetStep, config.unetSteps()));
        for (int i = 0; i < config.batchSize(); i++) {
            long index = key * config.batchSize() + i;
            ShapesSample sample = trainingSample(v2, index);
            captions.add(sample.caption());
            pictures.add(sample.image());
            samples.add(sample);
        }
        return new Pictures(pictures, captions, samples);
    }

    /**
     * A batch of world images (B, 3, S, S) in [-1, 1] and their captions; sample indices come from
     * {@code key}. The pictures of {@code nextKey} (≥ 0) start rendering in the background.
     */
    private Batch images(long key, NDManager sm, long nextKey) {
        return images(key, -1, sm, nextKey);
    }

    /**
     * As {@link #images(long, NDManager, long)} for UNet step {@code unetStep} (-1: none) of a curriculum;
     * {@code nextKey} is rendered for the step after it.
     */
    private Batch images(long key, int unetStep, NDManager sm, long nextKey) {
        java.util.concurrent.Future<Pictures> f = pending.remove(key);
        pending.values().forEach(other -> other.cancel(false)); // a batch of another phase or run: not wanted any more
        pending.clear();
        Pictures p;
        try {
            p = f != null ? f.get() : render(key, unetStep);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rendering training pictures", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("rendering training pictures failed: " + e.getCause(), e.getCause());
        }
        if (nextKey >= 0) {
            int nextStep = unetStep < 0 ? -1 : unetStep + 1;
            pending.put(nextKey, prefetch.submit(() -> render(nextKey, nextStep)));
        }
        return new Batch(ImageTensors.toBatch(sm, p.images), p.captions, p.samples);
    }

    /** Training picture {@code index}: of {@code v2} (a v2 recipe's world at some step) when given, else of the v1 world. */
    private ShapesSample trainingSample(ShapesWorldV2 v2, long index) {
        return v2 != null ? v2Sample(v2, index) : world.sample(index, ShapesWorld.Split.TRAIN);
    }

    /**
     * A v2 training picture; with the recipe's probability its caption names the objects in a new random
     * order (drawn from the sample index, so the prefetch thread and a resumed run draw the same).
     */
    private ShapesSample v2Sample(ShapesWorldV2 v2, long index) {
        Random rnd = rng(4, index);
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
}
