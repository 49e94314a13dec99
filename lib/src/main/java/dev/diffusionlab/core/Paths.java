package dev.diffusionlab.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the project's own data lives. The repository root is {@code -Ddlab.home}, else
 * {@code $DLAB_HOME}, else the first folder upwards from the working directory that holds
 * {@code toy-data/} (notebooks run from {@code notebooks/}, tests from {@code lib/}).
 */
public final class Paths {
    private Paths() {}

    /** The repository root. */
    public static Path home() {
        String p = System.getProperty("dlab.home", System.getenv("DLAB_HOME"));
        if (p != null && !p.isBlank()) {
            return Path.of(p).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("toy-data")) && Files.isRegularFile(d.resolve("pom.xml"))) {
                return d;
            }
        }
        throw new IllegalStateException("Diffusion Lab home not found from " + dir
                + ": set DLAB_HOME to the repository root (the folder with toy-data/ and pom.xml)");
    }

    /** {@code toy-data/} inside the repository. */
    public static Path toyData() {
        return home().resolve("toy-data");
    }

    /** {@code ../shared/data} beside the checkout, if present ({@code $DLAB_SHARED} overrides the shared root). */
    public static Optional<Path> sharedData() {
        return shared().map(s -> s.resolve("data")).filter(Files::isDirectory);
    }

    /**
     * The parity fixtures: {@code $DLAB_FIXTURES}, else {@code ../shared/fixtures} beside the checkout.
     * Empty when neither exists (tests then skip with a message; CI refuses to run without them).
     */
    public static Optional<Path> fixtures() {
        String env = System.getenv("DLAB_FIXTURES");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
        }
        return shared().map(s -> s.resolve("fixtures")).filter(Files::isDirectory);
    }

    private static Optional<Path> shared() {
        String env = System.getenv("DLAB_SHARED");
        if (env != null && !env.isBlank()) {
            return Optional.of(Path.of(env)).filter(Files::isDirectory);
        }
        try {
            Path p = home().resolveSibling("shared");
            return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
        } catch (IllegalStateException e) {
            return Optional.empty();
        }
    }
}
