package dev.diffusionlab.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.attention.AttentionCapture;
import dev.diffusionlab.attention.AttentionRun;
import dev.diffusionlab.core.Args;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.core.Paths;
import dev.diffusionlab.pipeline.GenerationRequest;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.unet.UNet2DConditionModel;
import dev.diffusionlab.unet.UNetConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code ./dlab bench attention}: time with and without attention capture.
 * <ul>
 *   <li>{@code --model DIR} (default: the sd-tiny-v1 fixture): the whole txt2img pipeline (no decode);</li>
 *   <li>{@code --config sd15|sd21}: random-weight UNet of that size, the CFG denoising loop alone (batch 2),
 *       which is where capture adds work.</li>
 * </ul>
 * Each configuration runs once to warm up, then {@code --runs} times interleaved; medians are printed.
 */
public final class AttentionBench {
    private AttentionBench() {}

    public static int run(String[] args) {
        if (BenchSupport.help(args, """
                usage: ./dlab bench attention [--model DIR | --config sd15|sd21] [--steps 8] [--height H --width W] [--runs 3]
                  prints median ms without capture, with the default capture (sums per level) and with keepPerStep, \
                and the overhead in %""")) {
            return 0;
        }
        Map<String, String> o = BenchSupport.options(args, "model", "config", "steps", "height", "width", "runs");
        int steps = BenchSupport.intOption(o, "steps", 8);
        int runs = BenchSupport.intOption(o, "runs", 3);
        Engines.Choice ch = Engines.startAndReport();
        if (o.containsKey("config")) {
            return unetLoop(o.get("config"), ch, steps, runs, BenchSupport.intOption(o, "height", 256),
                    BenchSupport.intOption(o, "width", 256));
        }
        Path dir = o.containsKey("model") ? Path.of(o.get("model"))
                : Paths.fixtures().map(f -> f.resolve("sd-tiny-v1")).filter(Files::isDirectory).orElseThrow(() ->
                new IllegalArgumentException("no --model given and the sd-tiny-v1 fixture was not found (set DLAB_FIXTURES)"));
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(dir, ch.device(), ch.dtype())) {
            Supplier<GenerationRequest> req = () -> {
                GenerationRequest r = GenerationRequest.of("a red circle above a blue square").steps(steps).seed(1).decode(false);
                if (o.containsKey("height")) {
                    r.size(Args.parseInt(o.get("height"), "--height"), Args.parseInt(o.getOrDefault("width", o.get("height")), "--width"));
                }
                return r;
            };
            Runnable plain = () -> {
                try (NDManager m = Engines.newManager()) {
                    sd.generate(req.get(), m);
                }
            };
            Runnable capture = () -> {
                try (NDManager m = Engines.newManager(); AttentionCapture c = AttentionCapture.builder().build()) {
                    AttentionRun.generate(sd, req.get(), m, c);
                    c.maps();
                }
            };
            Runnable perStep = () -> {
                try (NDManager m = Engines.newManager(); AttentionCapture c = AttentionCapture.builder().keepPerStep().build()) {
                    AttentionRun.generate(sd, req.get(), m, c);
                    c.maps();
                }
            };
            report("pipeline " + dir.getFileName() + ", " + steps + " steps, CFG", runs, plain, capture, perStep);
        }
        return 0;
    }

    private static int unetLoop(String spec, Engines.Choice ch, int steps, int runs, int height, int width) {
        UNetConfig cfg = UNetConfig.from(BenchSupport.config(spec, "unet"));
        int lh = height / 8;
        int lw = width / 8;
        try (UNet2DConditionModel unet = UNet2DConditionModel.random(cfg, ch.device(), ch.dtype(), 0)) {
            System.out.printf(Locale.ROOT, "unet %s: %.1f M parameters; latent %dx%d, CFG batch 2, %d steps%n", spec,
                    unet.numParameters() / 1e6, lh, lw, steps);
            java.util.function.Consumer<AttentionCapture> loop = cap -> {
                if (cap != null) {
                    cap.prepare(unet, true, lh, lw);
                    unet.setAttentionHook(cap);
                }
                try (NDManager m = NDManager.newBaseManager(ch.device())) {
                    NDArray ctx = m.randomNormal(new Shape(2, 77, cfg.crossAttentionDim())).toType(ch.dtype(), false);
                    NDArray x = m.randomNormal(new Shape(1, cfg.inChannels(), lh, lw)).toType(ch.dtype(), false);
                    for (int i = 0; i < steps; i++) {
                        try (NDManager s = m.newSubManager()) {
                            x.attach(s);
                            NDArray out = unet.forward(x.concat(x, 0), s.create(999f - i), ctx); // (1,4,h,w) -> (2,4,h,w)
                            NDArray next = out.get("0:1").mul(0.1).add(x);
                            next.attach(m);
                            x = next;
                        }
                        if (cap != null) {
                            cap.endStep(i, steps, 999 - i);
                        }
                    }
                    x.toType(DataType.FLOAT32, false).sum().getFloat();
                } finally {
                    unet.setAttentionHook(null);
                }
            };
            Runnable plain = () -> loop.accept(null);
            Runnable capture = () -> {
                try (AttentionCapture c = AttentionCapture.builder().build()) {
                    loop.accept(c);
                    c.maps();
                }
            };
            Runnable perStep = () -> {
                try (AttentionCapture c = AttentionCapture.builder().keepPerStep().build()) {
                    loop.accept(c);
                    c.maps();
                }
            };
            report("denoising loop, random " + spec + " UNet, " + height + "x" + width, runs, plain, capture, perStep);
        }
        return 0;
    }

    private static void report(String what, int runs, Runnable plain, Runnable capture, Runnable perStep) {
        Runnable[] all = {plain, capture, perStep};
        for (Runnable r : all) {
            r.run(); // warm-up
        }
        double[][] ms = new double[3][runs];
        for (int k = 0; k < runs; k++) {
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                all[i].run();
                ms[i][k] = (System.nanoTime() - t0) / 1e6;
            }
        }
        double p = median(ms[0]);
        double c = median(ms[1]);
        double s = median(ms[2]);
        System.out.printf(Locale.ROOT, "%s, median of %d runs%n", what, runs);
        System.out.printf(Locale.ROOT, "  without capture        %10.1f ms%n", p);
        System.out.printf(Locale.ROOT, "  capture (default sums) %10.1f ms  overhead %+.1f %%%n", c, 100 * (c - p) / p);
        System.out.printf(Locale.ROOT, "  capture + keepPerStep  %10.1f ms  overhead %+.1f %%%n", s, 100 * (s - p) / p);
        System.out.printf(Locale.ROOT, "  peak RSS %.0f MiB%n", BenchSupport.peakRssMiB());
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
