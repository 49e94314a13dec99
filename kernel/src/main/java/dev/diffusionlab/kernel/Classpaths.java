package dev.diffusionlab.kernel;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Turns classpath strings into existing files: {@code a.jar:dir/classes:lib/*} (Java's "all jars in dir")
 * and globs such as {@code build/**}{@code /*.jar}. Relative paths resolve against the working directory.
 */
public final class Classpaths {
    private Classpaths() {}

    /** Every entry of a {@link File#pathSeparator}-separated string, in order; fails on an entry that matches nothing. */
    public static List<Path> resolve(String classpath) {
        List<Path> out = new ArrayList<>();
        for (String entry : classpath.split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                out.addAll(resolveEntry(entry.strip()));
            }
        }
        return out;
    }

    static List<Path> resolveEntry(String entry) {
        if (entry.startsWith("~/")) {
            entry = System.getProperty("user.home") + entry.substring(1);
        }
        if (entry.endsWith("/*") && !hasGlob(entry.substring(0, entry.length() - 2))) {
            return jarsIn(Path.of(entry.substring(0, entry.length() - 2)), entry);
        }
        if (!hasGlob(entry)) {
            Path p = Path.of(entry).toAbsolutePath().normalize();
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("Classpath entry does not exist: " + entry + " (resolved to " + p + ")");
            }
            return List.of(p);
        }
        return glob(entry);
    }

    private static boolean hasGlob(String s) {
        return s.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }

    private static List<Path> jarsIn(Path dir, String entry) {
        Path d = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(d)) {
            throw new IllegalArgumentException("Classpath entry " + entry + ": no such directory " + d);
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Listing " + d, e);
        }
    }

    private static List<Path> glob(String entry) {
        // Walk from the last folder before the first glob character; match the whole absolute path.
        int firstGlob = 0;
        while (!hasGlob(String.valueOf(entry.charAt(firstGlob)))) {
            firstGlob++;
        }
        int slash = entry.lastIndexOf('/', firstGlob);
        Path base = Path.of(slash < 0 ? "." : (slash == 0 ? "/" : entry.substring(0, slash))).toAbsolutePath().normalize();
        String pattern = base.resolve(entry.substring(slash + 1)).toString();
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        List<Path> found;
        try (Stream<Path> s = Files.isDirectory(base) ? Files.walk(base) : Stream.empty()) {
            found = s.filter(m::matches).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Resolving " + entry, e);
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException("Classpath glob matches nothing: " + entry);
        }
        return found;
    }
}
