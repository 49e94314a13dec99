package dev.diffusionlab.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.clip.TextualInversion;
import dev.diffusionlab.clip.TextualInversionFile;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.image.Images;
import dev.diffusionlab.pipeline.DefaultModel;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.schedulers.BetaSchedule;
import dev.diffusionlab.schedulers.Scheduler;
import dev.diffusionlab.shapes.MakeItYours;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code ./dlab textual-inversion}: teaches a model a new word from pictures (or from a shapes-world concept) and
 * writes the learned embedding as a diffusers-compatible safetensors file. Every check (options, token, pictures,
 * output path) runs before training; on error nothing is written.
 */
public final class TextualInversionCommand {
    private TextualInversionCommand() {}

    static final String USAGE = """
            usage: ./dlab textual-inversion --token "<zorp>" (--images DIR | --shapes "red circle") --out FILE.safetensors [options]
              --model DIR        diffusers folder (default: $DLAB_MODEL, else the shapes-world model)
              --token TEXT       the new word (must not exist in the tokenizer), e.g. "<zorp>"
              --images DIR       training pictures (.png/.jpg), fitted to the model's image size; captions "a <token>"
              --shapes PHRASE    shapes world only: pictures of one "<colour> <shape>" object, captioned in the world's
                                 grammar with the phrase replaced by the token ("a <zorp> on the left")
              --examples N       pictures drawn for --shapes (default 64)
              --steps N          optimiser steps (default 400)
              --batch B          pictures per step (default 8)
              --lr X             Adam learning rate (default 0.005)
              --vectors N        vectors per token: n > 1 makes <t>, <t>_1, ... (default 1)
              --init WORD        start from this word's embedding (default: the mean of the vocabulary)
              --seed S           seed (default 0)
              --out FILE         the .safetensors file to write ({token: (vectors, hidden) F32}, diffusers' format)
            Use it: ./dlab generate --embedding FILE --prompt "a <zorp> on the left" --out zorp.png
            """;

    record Options(Path model, String token, Path images, String shapes, int examples, int steps, int batch, double lr, int vectors,
                   String init, long seed, Path out) {}

    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                out.print(USAGE);
                return 0;
            }
        }
        try {
            Options o = parse(args);
            if (o.shapes != null) {
                MakeItYours.concept(o.shapes, dev.diffusionlab.shapes.Vocab.Position.CENTER); // a wrong phrase fails before loading
            }
            List<TextualInversion.Example> examples = null;
            Engines.start();
            try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(o.model, Device.cpu(), DataType.FLOAT32);
                 NDManager m = Engines.newCpuManager();
                 Scheduler sched = sd.newScheduler(null)) {
                if (sd.tokenizer().hasToken(o.token)) {
                    throw new IllegalArgumentException("--token '" + o.token + "' already exists in " + o.model
                            + "'s tokenizer (id " + sd.tokenizer().tokenId(o.token) + "); choose a new word, e.g. <" + o.token.replaceAll("[<>]", "") + "-new>");
                }
                int size = sd.unet().config().sampleSize() * sd.vaeScaleFactor();
                if (o.shapes != null) {
                    examples = MakeItYours.examples(o.shapes, o.token, o.examples, o.seed, size);
                }
                if (examples == null) {
                    examples = new ArrayList<>();
                    for (Path p : pictures(o.images)) {
                        examples.add(new TextualInversion.Example(Images.fit(Images.load(p), size), "a " + o.token));
                    }
                } else if (examples.get(0).image().getWidth() != size) {
                    throw new IllegalArgumentException("--shapes needs a shapes-world model (" + examples.get(0).image().getWidth()
                            + "-pixel pictures); " + o.model + " makes " + size + "-pixel images");
                }
                TextualInversion ti = new TextualInversion(new TextualInversion.Config(o.steps, o.batch, o.lr, o.vectors, o.init, o.seed, true));
                out.printf(Locale.ROOT, "teaching %s to %s: %d pictures (e.g. \"%s\"), %d steps of %d, lr %s%n", o.token, o.model,
                        examples.size(), examples.get(0).caption(), o.steps, o.batch, o.lr);
                BetaSchedule betas = sched.betaSchedule();
                TextualInversion.Result r = ti.train(o.token, examples, sd.tokenizer(), sd.textEncoder(), sd.unet(), sd.vae(), betas, m);
                double[] smooth = r.smoothed(Math.max(1, o.steps / 20));
                StringBuilder curve = new StringBuilder();
                for (int k = 1; k <= Math.min(10, smooth.length); k++) {
                    int i = Math.max(0, Math.min(smooth.length - 1, k * smooth.length / Math.min(10, smooth.length) - 1));
                    curve.append(String.format(Locale.ROOT, " %d:%.4f", i + 1, smooth[i]));
                }
                out.println("loss (moving average) at step:" + curve);
                out.println(r.summary() + " (" + Runtime.getRuntime().availableProcessors() + " cores)");
                TextualInversionFile.save(o.out, o.token, r.embedding());
                out.println("wrote " + o.out + " (" + r.tokens() + ", " + r.embedding().getShape() + ")");
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("dlab textual-inversion: " + e.getMessage());
            return 2;
        }
    }

    /** The .png/.jpg files of a folder, sorted; an empty folder is an error. */
    static List<Path> pictures(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return Files.isRegularFile(p) && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"));
            }).sorted().toList();
            if (files.isEmpty()) {
                throw new IllegalArgumentException("--images " + dir + " holds no .png or .jpg pictures");
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("--images " + dir + ": cannot list: " + e.getMessage(), e);
        }
    }

    static Options parse(String[] args) {
        Args.Options o = Args.options(args, java.util.Set.of("--model", "--token", "--images", "--shapes", "--examples", "--steps",
                "--batch", "--lr", "--vectors", "--init", "--seed", "--out"), java.util.Set.of());
        Path model = o.path("--model", null);
        String token = o.text("--token", null);
        Path images = o.path("--images", null);
        String shapes = o.text("--shapes", null);
        int examples = o.integer("--examples", 64);
        int steps = o.integer("--steps", 400);
        int batch = o.integer("--batch", 8);
        double lr = o.number("--lr", 5e-3);
        int vectors = o.integer("--vectors", 1);
        String init = o.text("--init", null);
        long seed = o.longValue("--seed", 0);
        Path out = o.path("--out", null);
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("--token is required (the new word, e.g. \"<zorp>\")");
        }
        if (token.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("--token must be one word without spaces, got '" + token + "'");
        }
        if ((images == null) == (shapes == null)) {
            throw new IllegalArgumentException("give exactly one of --images DIR and --shapes \"<colour> <shape>\"");
        }
        if (images != null && !Files.isDirectory(images)) {
            throw new IllegalArgumentException("--images " + images + ": no such folder");
        }
        if (out == null || !out.getFileName().toString().endsWith(".safetensors")) {
            throw new IllegalArgumentException("--out FILE.safetensors is required (embeddings are written as safetensors)");
        }
        if (steps < 1 || batch < 1 || vectors < 1 || examples < 1) {
            throw new IllegalArgumentException("--steps, --batch, --vectors and --examples must be >= 1");
        }
        if (!(lr > 0)) {
            throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        }
        if (shapes != null) {
            MakeItYours.concept(shapes, dev.diffusionlab.shapes.Vocab.Position.CENTER); // fails early on an unknown phrase
        }
        if (images != null) {
            pictures(images);
        }
        return new Options(model != null ? model : DefaultModel.folder(), token, images, shapes, examples, steps, batch, lr, vectors,
                init, seed, out);
    }
}
