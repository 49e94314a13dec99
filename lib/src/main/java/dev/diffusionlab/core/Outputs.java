package dev.diffusionlab.core;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Output files and folders written so that a failure never leaves a partial result: everything is
 * written under a temporary sibling name and renamed into place at the end ({@link Staged#commit()}).
 * The {@code check*} methods run before any compute, so an unwritable {@code --out} is refused at once.
 *
 * <pre>{@code
 * Outputs.checkFile(out, "--out", Outputs.IMAGE_EXTENSIONS);        // before loading anything
 * ...
 * Outputs.writeImage(img, out);                                     // temp file + rename
 * }</pre>
 */
public final class Outputs {
    private Outputs() {}

    /** Image extensions {@link #writeImage} understands. */
    public static final List<String> IMAGE_EXTENSIONS = List.of("png", "jpg", "jpeg");

    /** Writes the content of a staged (temporary) path. */
    @FunctionalInterface
    public interface Writer {
        void write(Path temp) throws IOException;
    }

    /**
     * Checks that {@code out} can be written as a file: a non-empty path, not an existing folder, one of
     * {@code extensions} (lower case, none = any), and a writable parent folder (created later if missing).
     */
    public static Path checkFile(Path out, String option, List<String> extensions) {
        if (out == null || out.toString().isBlank()) {
            throw new UserInputException(option + " is empty: expected a file name");
        }
        if (Files.isDirectory(out)) {
            throw new UserInputException(option + " " + out + " is an existing folder: expected a file name (folders are never replaced)");
        }
        if (Files.exists(out) && !Files.isRegularFile(out)) {
            throw new UserInputException(option + " " + out + " exists and is not a regular file");
        }
        if (!extensions.isEmpty() && !extensions.contains(extension(out))) {
            throw new UserInputException(option + " " + out + ": " + (extension(out).isEmpty() ? "no file extension"
                    : "unsupported extension '." + extension(out) + "'") + ": expected one of ." + String.join(", .", extensions));
        }
        probeParent(out, option);
        if (Files.exists(out) && !Files.isWritable(out)) {
            throw new UserInputException(option + " " + out + ": the file exists and is not writable");
        }
        return out;
    }

    /** Checks that {@code dir} can be written as a folder: absent (creatable) or an existing writable folder. */
    public static Path checkDir(Path dir, String option) {
        if (dir == null || dir.toString().isBlank()) {
            throw new UserInputException(option + " is empty: expected a folder name");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UserInputException(option + " " + dir + " is an existing file: expected a folder");
        }
        probeParent(dir, option);
        if (Files.isDirectory(dir) && !Files.isWritable(dir)) {
            throw new UserInputException(option + " " + dir + ": the folder is not writable");
        }
        return dir;
    }

    /** The lower-case extension of a file name, "" when none. */
    public static String extension(Path p) {
        Path f = p.getFileName();
        String n = f == null ? "" : f.toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** Writes a file through a temporary sibling and a rename; nothing is left behind on failure. */
    public static Path writeFile(Path out, Writer w) {
        try (Staged s = stageFile(out)) {
            try {
                w.write(s.temp());
            } catch (IOException e) {
                throw new UserInputException("cannot write " + out + ": " + e.getMessage(), e);
            }
            s.commit();
        }
        return out;
    }

    /** Writes a folder through a temporary sibling folder; on failure the temporary folder is removed. */
    public static Path writeDir(Path dir, Writer w) {
        try (Staged s = stageDir(dir)) {
            try {
                w.write(s.temp());
            } catch (IOException e) {
                throw new UserInputException("cannot write " + dir + ": " + e.getMessage(), e);
            }
            s.commit();
        }
        return dir;
    }

    /** Writes an image with the format its extension names (png, jpg, jpeg), atomically. */
    public static Path writeImage(BufferedImage img, Path out) {
        String ext = extension(out);
        if (!IMAGE_EXTENSIONS.contains(ext)) {
            throw new UserInputException(out + ": unsupported image extension '." + ext + "': expected .png, .jpg or .jpeg");
        }
        return writeFile(out, tmp -> encodeImage(img, tmp, ext));
    }

    /** Encodes an image to {@code file} (not atomic: use on a staged path) in the format of extension {@code ext}. */
    public static void encodeImage(BufferedImage img, Path file, String ext) throws IOException {
        String format = switch (ext) {
            case "png" -> "png";
            case "jpg", "jpeg" -> "jpeg";
            default -> throw new UserInputException(file + ": unsupported image format '" + ext + "': expected png, jpg or jpeg");
        };
        // JPEG has no alpha: ImageIO refuses (or writes garbage for) ARGB images
        BufferedImage src = format.equals("jpeg") && img.getColorModel().hasAlpha() ? toRgb(img) : img;
        if (!ImageIO.write(src, format, file.toFile())) {
            throw new IOException("no " + format + " writer for image type " + src.getType());
        }
    }

    private static BufferedImage toRgb(BufferedImage img) {
        BufferedImage rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        g.drawImage(img, 0, 0, null);
        g.dispose();
        return rgb;
    }

    /** A file staged under a temporary sibling name; {@code commit()} renames it into place. */
    public static Staged stageFile(Path out) {
        if (Files.isDirectory(out)) {
            throw new UserInputException(out + " is an existing folder: expected a file name (folders are never replaced)");
        }
        Path parent = createParent(out);
        return new Staged(parent.resolve(tempName(out)), out, false);
    }

    /** A folder staged as a temporary sibling folder; {@code commit()} moves it (or its entries) into place. */
    public static Staged stageDir(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UserInputException(dir + " is an existing file: expected a folder");
        }
        Path parent = createParent(dir);
        Path tmp = parent.resolve(tempName(dir));
        try {
            Files.createDirectory(tmp);
        } catch (IOException e) {
            throw new UserInputException("cannot write " + dir + ": " + e.getMessage(), e);
        }
        return new Staged(tmp, dir, true);
    }

    /** A staged output; closing an uncommitted one deletes what was written. */
    public static final class Staged implements AutoCloseable {
        private final Path temp;
        private final Path target;
        private final boolean dir;
        private boolean committed;

        private Staged(Path temp, Path target, boolean dir) {
            this.temp = temp;
            this.target = target;
            this.dir = dir;
        }

        /** Where to write. */
        public Path temp() {
            return temp;
        }

        public Path target() {
            return target;
        }

        /** Moves the staged output into place: a file replaces a file; a folder's entries replace same-named entries. */
        public Path commit() {
            try {
                if (!dir || !Files.exists(target)) {
                    move(temp, target);
                } else {
                    try (DirectoryStream<Path> ds = Files.newDirectoryStream(temp)) {
                        for (Path p : ds) {
                            Path t = target.resolve(p.getFileName().toString());
                            if (Files.isDirectory(t) && !Files.isSymbolicLink(t)) {
                                deleteTree(t);
                            }
                            move(p, t);
                        }
                    }
                    deleteTree(temp);
                }
                committed = true;
                return target;
            } catch (IOException e) {
                throw new UserInputException("cannot write " + target + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            if (!committed) {
                deleteTree(temp);
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes a file or folder tree, quietly (best effort: used for clean-up after a failure). */
    public static void deleteTree(Path p) {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(q -> {
                try {
                    Files.deleteIfExists(q);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static String tempName(Path out) {
        return "." + out.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt());
    }

    private static Path createParent(Path out) {
        Path parent = out.toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
        } catch (FileAlreadyExistsException e) {
            throw new UserInputException("cannot write " + out + ": " + parent + " is a file, not a folder");
        } catch (IOException e) {
            throw new UserInputException("cannot write " + out + ": cannot create folder " + parent + " (" + e.getMessage() + ")");
        }
        return parent;
    }

    /** Finds the nearest existing ancestor and checks a file can be created there (probes with a temp file). */
    private static void probeParent(Path out, String option) {
        Path parent = out.toAbsolutePath().getParent();
        Path existing = parent;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw new UserInputException(option + " " + out + ": " + (existing == null ? parent : existing) + " is not a folder");
        }
        try {
            Path probe = Files.createTempFile(existing, ".dlab-probe", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new UserInputException(option + " " + out + ": cannot write in " + existing + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() != null ? ": " + e.getMessage() : "") + ")");
        }
    }
}
