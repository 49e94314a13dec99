package dev.diffusionlab.cli;

import dev.diffusionlab.core.Paths;
import dev.diffusionlab.pipeline.DefaultModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** {@code ./dlab make-default-model [--out DIR] [--seed S]}: writes the random-weight SD-shaped test folder. */
public final class MakeDefaultModelCommand {
    private MakeDefaultModelCommand() {}

    public static int run(String[] args) {
        Path out = null;
        long seed = DefaultModel.SEED;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--help", "-h" -> {
                        System.out.println("usage: ./dlab make-default-model [--out DIR] [--seed S]\n"
                                + "  writes the small random-weight Stable Diffusion-shaped folder (diffusers layout) that tests and\n"
                                + "  benches use (its images are noise; the default model of the notebooks and ./dlab generate is the\n"
                                + "  trained shapes world, " + DefaultModel.SHAPES_RELATIVE + "); default DIR " + DefaultModel.RELATIVE
                                + ", default seed " + DefaultModel.SEED);
                        return 0;
                    }
                    case "--out" -> out = Path.of(Args.value(args, i++, "--out"));
                    case "--seed" -> seed = Args.parseLong(Args.value(args, i++, "--seed"), "--seed");
                    default -> throw new IllegalArgumentException("unknown option '" + args[i] + "' (see --help)");
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("dlab make-default-model: " + e.getMessage());
            return 2;
        }
        if (out == null) {
            out = Paths.home().resolve(DefaultModel.RELATIVE);
        }
        dev.diffusionlab.core.Outputs.checkDir(out, "--out");
        long s0 = seed;
        // written to a temporary sibling folder, then moved into place: an interrupted run leaves no half model
        dev.diffusionlab.core.Outputs.writeDir(out, tmp -> DefaultModel.create(tmp, s0));
        long bytes;
        try (Stream<Path> s = Files.walk(out)) {
            bytes = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.printf("wrote %s (seed %d, %.2f MB)%n", out, seed, bytes / 1e6);
        return 0;
    }
}
