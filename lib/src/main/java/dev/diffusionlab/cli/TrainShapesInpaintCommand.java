package dev.diffusionlab.cli;

import dev.diffusionlab.pipeline.DefaultModel;
import dev.diffusionlab.shapes.ShapesInpaintTrainer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./dlab train-shapes-inpaint --out DIR}: fine-tunes the shapes-world model into an inpainting model
 * (9-channel UNet, see {@link ShapesInpaintTrainer}) and writes a diffusers folder.
 */
public final class TrainShapesInpaintCommand {
    private TrainShapesInpaintCommand() {}

    static final String HELP = String.join("\n",
            "usage: ./dlab train-shapes-inpaint --out DIR [options]",
            "  --model DIR   the shapes-world model to start from (default: the embedded one)",
            "  --steps N     fine-tuning steps (default 2000)",
            "  --batch B     pictures per step (default 16)",
            "  --lr X        Adam learning rate (default 0.0002)",
            "  --seed S      seed (default 0)");

    public static int run(String[] args) {
        try {
            Path model = null;
            Path out = null;
            int steps = 2000;
            int batch = 16;
            double lr = 2e-4;
            long seed = 0;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--help", "-h" -> {
                        System.out.println(HELP);
                        return 0;
                    }
                    case "--model" -> model = Path.of(Args.value(args, i++, a));
                    case "--out" -> out = Path.of(Args.value(args, i++, a));
                    case "--steps" -> steps = Args.parseInt(Args.value(args, i++, a), a);
                    case "--batch" -> batch = Args.parseInt(Args.value(args, i++, a), a);
                    case "--lr" -> lr = Args.parseDouble(Args.value(args, i++, a), a);
                    case "--seed" -> seed = Args.parseLong(Args.value(args, i++, a), a);
                    default -> throw new IllegalArgumentException("unknown option '" + a + "' (see --help)");
                }
            }
            if (out == null) {
                throw new IllegalArgumentException("--out DIR is required");
            }
            ShapesInpaintTrainer.Result r = ShapesInpaintTrainer.train(model != null ? model : DefaultModel.folder(), out, steps, batch,
                    lr, seed, true);
            List<Float> l = r.losses();
            int k = Math.max(1, l.size() / 10);
            System.out.printf(Locale.ROOT, "%d steps in %.1f s, loss %.4f (first %d) -> %.4f (last %d); wrote %s%n", l.size(), r.seconds(),
                    l.subList(0, k).stream().mapToDouble(Float::doubleValue).average().orElse(0), k,
                    l.subList(l.size() - k, l.size()).stream().mapToDouble(Float::doubleValue).average().orElse(0), k, r.folder());
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("train-shapes-inpaint: " + e.getMessage());
            return 2;
        }
    }
}
