package dev.diffusionlab.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A model folder shipped inside the library jar (under {@value #RESOURCE_ROOT}), made available as a real
 * folder: the build copies {@code toy-data/models/<name>} into the jar, and {@link #folder(String)} extracts it
 * once into a cache folder named after the hash of its content, so a project that depends on the library
 * gets {@link DefaultModel#folder()} with no checkout and no {@code DLAB_HOME}.
 *
 * <p>The cache root is {@code -Ddlab.cache}, else {@code $DLAB_CACHE}, else {@code $XDG_CACHE_HOME/diffusionlab},
 * else {@code ~/.cache/diffusionlab}. Extraction writes a temporary sibling folder and renames it into place, so
 * a reader never sees a half-written model, and two processes extracting at once both end with the same folder.
 */
public final class ShippedModel {
    /** Where model folders live on the classpath. */
    public static final String RESOURCE_ROOT = "dev/diffusionlab/models";

    private ShippedModel() {}

    /** True when the classpath holds the shipped folder {@code name} (e.g. {@code "shapes-world"}). */
    public static boolean available(String name) {
        return resource(name) != null;
    }

    /**
     * The shipped folder {@code name} as a directory on disk: the classpath folder itself when it is a plain
     * directory (e.g. {@code lib/target/classes}), else its extracted copy in the cache.
     *
     * @throws IllegalStateException when the classpath does not hold it
     */
    public static Path folder(String name) {
        URL url = resource(name);
        if (url == null) {
            throw new IllegalStateException("shipped model '" + name + "' not on the classpath (" + RESOURCE_ROOT + "/" + name
                    + "/model_index.json): is diffusionlab-lib's jar on the classpath?");
        }
        try {
            URI index = url.toURI();
            if ("file".equals(index.getScheme())) {
                return Path.of(index).getParent();
            }
            if (!"jar".equals(index.getScheme())) {
                throw new IllegalStateException("shipped model '" + name + "': unsupported classpath location " + url);
            }
            FileSystem fs;
            boolean close = false;
            try {
                fs = FileSystems.newFileSystem(index, Map.of());
                close = true;
            } catch (FileSystemAlreadyExistsException e) {
                fs = FileSystems.getFileSystem(index);
            }
            try {
                return extract(fs.provider().getPath(index).getParent(), name, cacheRoot());
            } finally {
                if (close) {
                    fs.close();
                }
            }
        } catch (URISyntaxException e) {
            throw new IllegalStateException("shipped model '" + name + "': bad classpath URL " + url, e);
        } catch (IOException e) {
            throw new UncheckedIOException("shipped model '" + name + "': cannot extract it to " + cacheRoot() + ": " + e.getMessage(), e);
        }
    }

    /** The cache root (see the class comment). */
    public static Path cacheRoot() {
        String p = System.getProperty("dlab.cache", System.getenv("DLAB_CACHE"));
        if (p != null && !p.isBlank()) {
            return Path.of(p).toAbsolutePath();
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "diffusionlab").toAbsolutePath();
        }
        return Path.of(System.getProperty("user.home"), ".cache", "diffusionlab");
    }

    /**
     * Copies the folder {@code src} (any file system, e.g. inside a jar) to {@code cache/<name>-<hash>} unless that
     * folder already exists; the hash covers every file's relative path and bytes, so a new library version
     * never reuses an old copy. Returns the folder.
     */
    static Path extract(Path src, String name, Path cache) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(src)) {
            files = s.filter(Files::isRegularFile).sorted(Comparator.comparing(p -> src.relativize(p).toString())).toList();
        }
        MessageDigest sha = sha256();
        for (Path f : files) {
            sha.update(src.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(Files.readAllBytes(f));
        }
        String hash = HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        Path target = cache.resolve(name + "-" + hash);
        if (Files.isDirectory(target)) {
            return target; // complete: it only ever appears through the rename below
        }
        Files.createDirectories(cache);
        Path tmp = Files.createTempDirectory(cache, "." + name + "-" + hash + "-");
        try {
            for (Path f : files) {
                Path out = tmp.resolve(src.relativize(f).toString());
                Files.createDirectories(out.getParent());
                Files.copy(f, out);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
        } catch (IOException e) {
            if (!Files.isDirectory(target)) {
                throw e;
            }
            // another process extracted the same content first (the rename found a non-empty folder): use its copy
        } finally {
            deleteTree(tmp);
        }
        if (!Files.isDirectory(target)) {
            throw new IOException(target + " missing after extraction");
        }
        return target;
    }

    private static URL resource(String name) {
        ClassLoader cl = ShippedModel.class.getClassLoader();
        return cl.getResource(RESOURCE_ROOT + "/" + name + "/model_index.json");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
