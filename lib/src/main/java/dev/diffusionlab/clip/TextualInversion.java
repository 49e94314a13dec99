package dev.diffusionlab.clip;

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
import dev.diffusionlab.image.ImageTensors;
import dev.diffusionlab.core.Gaussian;
import dev.diffusionlab.nn.Ops;
import dev.diffusionlab.schedulers.BetaSchedule;
import dev.diffusionlab.unet.UNet2DConditionModel;
import dev.diffusionlab.vae.AutoencoderKL;
import dev.diffusionlab.vae.DiagonalGaussian;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Textual inversion (Gal et al. 2022, diffusers' {@code textual_inversion.py}) on our modules: a new token
 * gets {@code vectors} fresh rows in the text encoder's embedding matrix, and only those rows learn, by the
 * ordinary denoising loss on example pictures whose captions contain the token. The UNet, the VAE and every
 * other text-encoder weight stay frozen (not even handed to the optimiser).
 *
 * <pre>{@code
 * TextualInversion ti = new TextualInversion(TextualInversion.Config.defaults().withSteps(300));
 * TextualInversion.Result r = ti.train("<zorp>", examples, tokenizer, textEncoder, unet, vae, scheduler.betaSchedule(), m);
 * TextualInversionFile.save(Path.of("zorp.safetensors"), "<zorp>", r.embedding());
 * }</pre>
 */
public final class TextualInversion {
    /**
     * @param steps optimiser steps
     * @param batchSize examples per step
     * @param learningRate Adam's learning rate
     * @param vectors embedding vectors of the token (1, or n for {@code <t>, <t>_1, …})
     * @param initializer a word whose embedding starts every vector (diffusers' initializer_token), or null for
     *                    the mean of the vocabulary's rows
     * @param seed seed of every random draw
     * @param progress show a progress bar on stderr
     */
    public record Config(int steps, int batchSize, double learningRate, int vectors, String initializer, long seed, boolean progress) {
        public Config {
            if (steps < 1 || batchSize < 1 || vectors < 1 || !(learningRate > 0)) {
                throw new IllegalArgumentException("steps, batch size and vectors must be ≥ 1 and the learning rate > 0: steps " + steps
                        + ", batch " + batchSize + ", vectors " + vectors + ", lr " + learningRate);
            }
        }

        public static Config defaults() {
            return new Config(400, 8, 5e-3, 1, null, 0, true);
        }

        public Config withSteps(int s) {
            return new Config(s, batchSize, learningRate, vectors, initializer, seed, progress);
        }

        public Config withBatchSize(int b) {
            return new Config(steps, b, learningRate, vectors, initializer, seed, progress);
        }

        public Config withLearningRate(double lr) {
            return new Config(steps, batchSize, lr, vectors, initializer, seed, progress);
        }

        public Config withVectors(int n) {
            return new Config(steps, batchSize, learningRate, n, initializer, seed, progress);
        }

        public Config withInitializer(String word) {
            return new Config(steps, batchSize, learningRate, vectors, word, seed, progress);
        }

        public Config withSeed(long s) {
            return new Config(steps, batchSize, learningRate, vectors, initializer, s, progress);
        }

        public Config withProgress(boolean p) {
            return new Config(steps, batchSize, learningRate, vectors, initializer, seed, p);
        }
    }

    /** One training picture and its caption, which must contain the token. */
    public record Example(BufferedImage image, String caption) {}

    /**
     * The outcome.
     *
     * @param tokens the added tokens ({@code <t>}, {@code <t>_1}, …), now in the tokenizer and text encoder
     * @param embedding the learned rows (vectors, hidden), float32, owned by the caller's manager
     * @param losses the loss of every step
     * @param seconds wall time of the training loop
     */
    public record Result(List<String> tokens, NDArray embedding, List<Float> losses, double seconds) {
        /** Mean loss of the first and last tenth of the steps. */
        public String summary() {
            int k = Math.max(1, losses.size() / 10);
            return String.format(Locale.ROOT, "%d steps in %.1f s, loss %.4f (first %d) -> %.4f (last %d)", losses.size(), seconds,
                    mean(losses.subList(0, k)), k, mean(losses.subList(losses.size() - k, losses.size())), k);
        }

        /** Moving average of the losses over {@code window} steps (for a readable curve). */
        public double[] smoothed(int window) {
            double[] out = new double[losses.size()];
            double sum = 0;
            for (int i = 0; i < losses.size(); i++) {
                sum += losses.get(i);
                if (i >= window) {
                    sum -= losses.get(i - window);
                }
                out[i] = sum / Math.min(i + 1, window);
            }
            return out;
        }

        private static double mean(List<Float> v) {
            return v.stream().mapToDouble(Float::doubleValue).average().orElse(Double.NaN);
        }
    }

    private final Config config;

    public TextualInversion(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /**
     * Adds {@code token} (with {@code config.vectors()} vectors) to the tokenizer and text encoder and trains its
     * rows on {@code examples}. Checks first (nothing is added on error): the token is new, there are examples,
     * every caption contains the token, the pictures have one size. {@code betas} is the training schedule
     * (the scheduler config's). The returned embedding is in {@code manager}.
     */
    public Result train(String token, List<Example> examples, CLIPTokenizer tokenizer, CLIPTextModel textEncoder,
                        UNet2DConditionModel unet, AutoencoderKL vae, BetaSchedule betas, NDManager manager) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no training pictures for '" + token + "'");
        }
        for (Example e : examples) {
            if (!e.caption().contains(token)) {
                throw new IllegalArgumentException("caption '" + e.caption() + "' does not contain the token '" + token + "'");
            }
        }
        int w = examples.get(0).image().getWidth();
        int h = examples.get(0).image().getHeight();
        for (Example e : examples) {
            if (e.image().getWidth() != w || e.image().getHeight() != h) {
                throw new IllegalArgumentException("training pictures must share one size: " + w + "×" + h + " and "
                        + e.image().getWidth() + "×" + e.image().getHeight());
            }
        }
        if (tokenizer.hasToken(token) || tokenizer.hasToken(token + "_1")) {
            throw new IllegalArgumentException("token '" + token + "' already exists in the tokenizer; choose a new placeholder");
        }
        int hidden = textEncoder.config().hiddenSize();
        List<String> tokens;
        int firstRow;
        try (NDManager init = manager.newSubManager()) {
            NDArray start = initialRows(tokenizer, textEncoder, init);
            firstRow = textEncoder.tokenEmbeddingRows() - textEncoder.config().vocabSize();
            tokens = TextualInversionFile.add(token, start, tokenizer, textEncoder, "textual inversion");
        }
        NDArray rows = textEncoder.addedTokenEmbeddings(); // (k, D): the earlier added rows stay, with zero gradient
        float[] abar = betas.alphasCumprod();
        double scaling = vae.scalingFactor();
        List<Float> losses = new ArrayList<>();
        long t0 = System.nanoTime();
        try (NDManager base = manager.newSubManager()) {
            // the pictures' latent distributions, computed once (the VAE is frozen)
            List<DiagonalGaussian> dists = new ArrayList<>();
            for (Example e : examples) {
                NDArray x = ImageTensors.toTensor(base, e.image()).expandDims(0).toType(vae.dtype(), false); // (3,H,W) -> (1,3,H,W)
                dists.add(vae.encode(x));
            }
            Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) config.learningRate())).build();
            rows.setRequiresGradient(true);
            ProgressBar bar = config.progress() ? new ProgressBar("textual inversion " + token, config.steps()) : null;
            try {
                for (int step = 0; step < config.steps(); step++) {
                    Random rnd = new Random(config.seed() * 1_000_003L + step * 0x9E3779B97F4A7C15L);
                    try (NDManager sm = base.newSubManager()) {
                        int b = config.batchSize();
                        NDList x0s = new NDList();
                        List<String> captions = new ArrayList<>();
                        float[] ts = new float[b];
                        float[] ca = new float[b];
                        float[] cb = new float[b];
                        for (int i = 0; i < b; i++) {
                            int k = rnd.nextInt(examples.size());
                            DiagonalGaussian d = dists.get(k);
                            x0s.add(d.sample(Gaussian.noise(sm, d.mean().getShape(), rnd).toType(d.mean().getDataType(), false)));
                            captions.add(tokenizer.maybeConvertPrompt(examples.get(k).caption()));
                            int t = rnd.nextInt(abar.length);
                            ts[i] = t;
                            ca[i] = (float) Math.sqrt(abar[t]);
                            cb[i] = (float) Math.sqrt(1 - abar[t]);
                        }
                        NDArray x0 = Ops.mul(ai.djl.ndarray.NDArrays.concat(x0s, 0), scaling); // b × (1,4,h,w) -> (b,4,h,w)
                        NDArray eps = Gaussian.noise(sm, x0.getShape(), rnd).toType(x0.getDataType(), false);
                        Shape col = new Shape(b, 1, 1, 1);
                        NDArray xt = x0.mul(sm.create(ca, col).toType(x0.getDataType(), false))
                                .add(eps.mul(sm.create(cb, col).toType(x0.getDataType(), false))); // sqrt(ᾱ)x0 + sqrt(1-ᾱ)ε
                        NDArray ids = tokenizer.encodeBatch(captions, sm); // (b, L)
                        float loss;
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray ctx = textEncoder.encode(ids).lastHiddenState(); // (b, L, D)
                            NDArray pred = unet.forward(xt, sm.create(ts), ctx);
                            NDArray mse = pred.toType(DataType.FLOAT32, false).sub(eps.toType(DataType.FLOAT32, false)).square().mean();
                            gc.backward(mse);
                            loss = mse.getFloat();
                        }
                        if (!Float.isFinite(loss)) {
                            throw new IllegalStateException("loss is " + loss + " at step " + step + ": lower the learning rate");
                        }
                        NDArray g = rows.getGradient();
                        g.attach(sm);
                        adam.update("token_embedding.added", rows, g);
                        losses.add(loss);
                    }
                    if (bar != null) {
                        bar.update(step, String.format(Locale.ROOT, "loss %.4f", losses.get(losses.size() - 1)));
                    }
                }
            } finally {
                rows.setRequiresGradient(false);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        NDArray learned = rows.get(firstRow + ":" + (firstRow + config.vectors())).toType(DataType.FLOAT32, false).duplicate(); // (k, D) -> (n, D)
        learned.attach(manager);
        if (learned.getShape().get(1) != hidden) {
            throw new IllegalStateException("learned rows have shape " + learned.getShape());
        }
        return new Result(tokens, learned, losses, seconds);
    }

    /** The start of every vector: the initializer word's row, or the mean of the vocabulary rows. */
    private NDArray initialRows(CLIPTokenizer tokenizer, CLIPTextModel te, NDManager m) {
        NDArray table = te.namedParameters().get("text_model.embeddings.token_embedding.weight");
        NDArray row;
        if (config.initializer() != null) {
            List<String> pieces = tokenizer.tokenize(config.initializer());
            if (pieces.size() != 1) {
                throw new IllegalArgumentException("initializer '" + config.initializer() + "' must be a single token, it is " + pieces);
            }
            row = table.get(tokenizer.tokenId(pieces.get(0))); // (V, D) -> (D)
        } else {
            row = table.mean(new int[] {0}); // (V, D) -> (D)
        }
        row.attach(m); // out of the weights' manager at once
        row = row.toType(DataType.FLOAT32, false).duplicate();
        return row.expandDims(0).repeat(0, config.vectors()); // (D) -> (n, D)
    }
}
