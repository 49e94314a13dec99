package dev.diffusionlab.toy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.diffusionlab.core.Quick;
import dev.diffusionlab.noise.ForwardProcess;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

/**
 * Trains a {@link ToyModel} on a 2D point table with DJL's Trainer, autograd and Adam: random
 * timestep, forward-noised point {@code x_t = sqrt(abar) x0 + sqrt(1-abar) eps}, MSE on the target
 * (eps, x0 or v). Labels are dropped to the null label with probability {@code labelDropout} so
 * one network learns both the conditional and the unconditional field (classifier-free guidance).
 *
 * <pre>{@code
 * ToyTrainer.Result r = ToyTrainer.train(Datasets2D.moons(2000, 0), ToyTrainer.Config.auto());
 * display(ToyPlots.lossCurve(r.loss()));
 * }</pre>
 */
public final class ToyTrainer {
    private ToyTrainer() {}

    /** Training settings. */
    public record Config(int steps, int batchSize, double learningRate, double labelDropout, long seed,
            boolean conditional, boolean progress, ToyModel.Spec spec) {
        public Config {
            if (steps <= 0) {
                throw new IllegalArgumentException("training steps must be positive, got " + steps);
            }
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
            }
            if (labelDropout < 0 || labelDropout > 1) {
                throw new IllegalArgumentException("labelDropout must be in [0, 1], got " + labelDropout);
            }
        }

        /** Seconds on 2 cores: 1500 steps of batch 256. */
        public static Config quick() {
            return new Config(1500, 256, 3e-3, 0.15, 0, true, true, ToyModel.Spec.defaults());
        }

        /** To convergence: 8000 steps of batch 256. */
        public static Config full() {
            return new Config(8000, 256, 2e-3, 0.15, 0, true, true, ToyModel.Spec.defaults());
        }

        /** {@link #quick()} in quick mode, else {@link #full()}. */
        public static Config auto() {
            return Quick.isOn() ? quick() : full();
        }

        public Config withSteps(int s) {
            return new Config(s, batchSize, learningRate, labelDropout, seed, conditional, progress, spec);
        }

        public Config withSeed(long s) {
            return new Config(steps, batchSize, learningRate, labelDropout, s, conditional, progress, spec);
        }

        public Config withConditional(boolean c) {
            return new Config(steps, batchSize, learningRate, labelDropout, seed, c, progress, spec);
        }

        public Config withProgress(boolean p) {
            return new Config(steps, batchSize, learningRate, labelDropout, seed, conditional, p, spec);
        }

        public Config withSpec(ToyModel.Spec s) {
            return new Config(steps, batchSize, learningRate, labelDropout, seed, conditional, progress, s);
        }
    }

    /** The trained model and its loss curve (columns step, loss, ema). */
    public record Result(ToyModel model, Table loss, double seconds) {
        public double stepsPerSecond() {
            return loss.rowCount() / seconds;
        }
    }

    /** The labels a conditional model learns from this table: its distinct labels, in order of appearance. */
    public static List<String> labelsOf(Table data, Config config) {
        if (!config.conditional()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String l : Datasets2D.labels(data)) {
            if (!out.contains(l)) {
                out.add(l);
            }
        }
        return out;
    }

    /** The model exactly as training would start it: the untrained baseline. */
    public static ToyModel untrained(Table data, Config config) {
        float[][] pts = Datasets2D.xy(data);
        return ToyModel.create(config.spec(), labelsOf(data, config), Standardizer.fit(pts), config.seed());
    }

    /** Trains a new model on the table's (x, y[, label]) points. */
    public static Result train(Table data, Config config) {
        if (data.rowCount() == 0) {
            throw new IllegalArgumentException("cannot train on an empty table " + data.name());
        }
        ToyModel model = untrained(data, config);
        float[][] x0 = model.standardizer().normalize(Datasets2D.xy(data));
        int[] lab = new int[x0.length];
        String[] names = Datasets2D.labels(data);
        for (int i = 0; i < lab.length; i++) {
            lab[i] = config.conditional() ? model.labelIndex(names[i]) : model.labelIndex(null);
        }
        int nullLabel = model.labelIndex(null);
        int T = config.spec().numTrainTimesteps();
        int b = config.batchSize();
        Random r = new Random(config.seed() * 31 + 7);

        DefaultTrainingConfig tc = new DefaultTrainingConfig(Loss.l2Loss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.cosine().setBaseValue((float) config.learningRate())
                        .optFinalValue((float) (config.learningRate() / 20)).setMaxUpdates(config.steps()).build()).build())
                .optDevices(new Device[] {Device.cpu()});
        IntColumn stepCol = IntColumn.create("step");
        DoubleColumn lossCol = DoubleColumn.create("loss");
        DoubleColumn emaCol = DoubleColumn.create("ema");
        long start = System.nanoTime();
        try (Trainer trainer = new Trainer(model.djlModel(), tc)) {
            dev.diffusionlab.core.Progress bar = config.progress() ? dev.diffusionlab.core.Progress.bar("toy2d training", config.steps()) : null;
            ForwardProcess q = new ForwardProcess(model.schedule().noiseSchedule());
            float[] x0b = new float[2 * b];
            float[] epsb = new float[2 * b];
            float[] target = new float[2 * b];
            int[] t = new int[b];
            float[] ts = new float[b];
            int[] lb = new int[b];
            double ema = Double.NaN;
            for (int step = 0; step < config.steps(); step++) {
                for (int i = 0; i < b; i++) {
                    int k = r.nextInt(x0.length);
                    t[i] = r.nextInt(T);
                    double a = model.alphaCumprod(t[i]);
                    double sa = Math.sqrt(a);
                    double s1 = Math.sqrt(1 - a);
                    for (int d = 0; d < 2; d++) {
                        double eps = r.nextGaussian();
                        double x = x0[k][d];
                        x0b[2 * i + d] = (float) x;
                        epsb[2 * i + d] = (float) eps;
                        switch (config.spec().prediction()) {
                            case SAMPLE:
                                target[2 * i + d] = (float) x;
                                break;
                            case V_PREDICTION:
                                target[2 * i + d] = (float) (sa * eps - s1 * x);
                                break;
                            default:
                                target[2 * i + d] = (float) eps;
                        }
                    }
                    ts[i] = t[i];
                    lb[i] = r.nextDouble() < config.labelDropout() ? nullLabel : lab[k];
                }
                double lossValue;
                // a per-step sub-manager: every array of the step is freed when it closes
                try (NDManager m = trainer.getManager().newSubManager();
                        GradientCollector gc = trainer.newGradientCollector()) {
                    // stage 1's q(x_t | x_0) on the toy schedule, one timestep per point: (B, 2)
                    NDArray xt = q.addNoise(m.create(x0b, new Shape(b, 2)), m.create(epsb, new Shape(b, 2)), t);
                    NDArray pred = trainer.forward(new NDList(xt, m.create(ts), m.create(lb)))
                            .singletonOrThrow();
                    NDArray loss = pred.sub(m.create(target, new Shape(b, 2))).square().mean();
                    gc.backward(loss);
                    lossValue = loss.getFloat();
                }
                trainer.step();
                ema = Double.isNaN(ema) ? lossValue : 0.98 * ema + 0.02 * lossValue;
                stepCol.append(step + 1);
                lossCol.append(lossValue);
                emaCol.append(ema);
                if (bar != null && ((step + 1) % Math.max(1, config.steps() / 40) == 0 || step == config.steps() - 1)) {
                    bar.update(step + 1, String.format("loss %.4f", ema));
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Table loss = Table.create("toy2d loss", stepCol, lossCol, emaCol);
        return new Result(model, loss, seconds);
    }

    static int[] fill(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }
}
