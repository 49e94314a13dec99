package dev.diffusionlab.cli;

import dev.diffusionlab.pipeline.DefaultModel;
import dev.diffusionlab.shapes.ShapesInpaintTrainer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code ./dlab train-shapes-inpaint --out DIR}: fine-tunes the shapes-world model into an inpainting model
 * (9-channel UNet, see {@link ShapesInpaintTrainer}) and writes a diffusers folder.
 */
public final class TrainShapesInpaintCommand {
    private TrainShapesInpaintCommand() {}

    static final String HELP = """
            usage: ./dlab train-shapes-inpaint --out DIR [options]
              --model DIR   the shapes-world model to start from (default: the embedded one)
              --steps N     fine-tuning steps (default 2000)
              --batch B     pictures per step (default 16)
              --lr X        Adam learning rate (default 0.0002)
              --seed S      seed (default 0)""";

    public static int run(String[] args) {
        return Args.run("train-shapes-inpaint", HELP, args, TrainShapesInpaintCommand::execute);
    }

    private static int execute(String[] args) {
        Args.Options opts = Args.options(args, Set.of("--model", "--out", "--steps", "--batch", "--lr", "--seed"), Set.of());
        Path out = opts.path("--out", null);
        if (out == null) {
            throw new IllegalArgumentException("--out DIR is required");
        }
        Path model = opts.path("--model", null);
        ShapesInpaintTrainer.Result r = ShapesInpaintTrainer.train(model != null ? model : DefaultModel.folder(), out, opts.integer("--steps", 2000), opts.integer("--batch", 16),
                opts.number("--lr", 2e-4), opts.longValue("--seed", 0), true);
        List<Float> l = r.losses();
        int k = Math.max(1, l.size() / 10);
        System.out.printf(Locale.ROOT, "%d steps in %.1f s, loss %.4f (first %d) -> %.4f (last %d); wrote %s%n", l.size(), r.seconds(),
                l.subList(0, k).stream().mapToDouble(Float::doubleValue).average().orElse(0), k,
                l.subList(l.size() - k, l.size()).stream().mapToDouble(Float::doubleValue).average().orElse(0), k, r.folder());
        return 0;
    }
}
