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

    static final String HELP = "usage: ./dlab make-default-model [--out DIR] [--seed S]\n"
            + "  writes the small random-weight Stable Diffusion-shaped folder (diffusers layout) that tests and\n"
            + "  benches use (its images are noise; the default model of the notebooks and ./dlab generate is the\n"
            + "  trained shapes world, " + DefaultModel.SHAPES_RELATIVE + "); default DIR " + DefaultModel.RELATIVE
            + ", default seed " + DefaultModel.SEED;

    public static int run(String[] args) {
        return Args.run("make-default-model", HELP, args, MakeDefaultModelCommand::execute);
    }

    private static int execute(String[] args) {
        Args.Options opts = Args.options(args, java.util.Set.of("--out", "--seed"), java.util.Set.of());
        Path out = opts.path("--out", null);
        long seed = opts.longValue("--seed", DefaultModel.SEED);
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
