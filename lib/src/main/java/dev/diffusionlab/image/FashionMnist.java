package dev.diffusionlab.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.Paths;
import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST (Zalando, MIT): 28×28 grayscale clothes in 10 classes, read from the original IDX files
 * (gzipped). The project ships a 1000-image subset of the test split (100 per class) in
 * {@code toy-data/fashion-mnist/}.
 *
 * <pre>{@code
 * FashionMnist fm = FashionMnist.toyData();
 * BufferedImage shoe = fm.image(fm.indicesOf(7).get(0));   // a sneaker
 * }</pre>
 */
public final class FashionMnist {
    /** Class names by label 0 … 9. */
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    public static final int SIZE = 28;

    private final byte[][] pixels;
    private final int[] labels;

    private FashionMnist(byte[][] pixels, int[] labels) {
        this.pixels = pixels;
        this.labels = labels;
    }

    /** The shipped subset, {@code toy-data/fashion-mnist/}. */
    public static FashionMnist toyData() {
        Path dir = Paths.toyData().resolve("fashion-mnist");
        return load(dir.resolve("images-idx3-ubyte.gz"), dir.resolve("labels-idx1-ubyte.gz"));
    }

    /** Reads a gzipped IDX image file (magic 2051) and its label file (magic 2049). */
    public static FashionMnist load(Path imagesGz, Path labelsGz) {
        byte[][] px;
        int[] lab;
        try (DataInputStream in = open(imagesGz)) {
            int magic = in.readInt();
            if (magic != 2051) {
                throw new IllegalArgumentException("not an IDX image file (magic " + magic + ", expected 2051): " + imagesGz);
            }
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (rows != SIZE || cols != SIZE) {
                throw new IllegalArgumentException("expected 28x28 images, got " + rows + "x" + cols + ": " + imagesGz);
            }
            px = new byte[n][SIZE * SIZE];
            for (byte[] p : px) {
                in.readFully(p);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read Fashion-MNIST images " + imagesGz + ": " + e.getMessage(), e);
        }
        try (DataInputStream in = open(labelsGz)) {
            int magic = in.readInt();
            if (magic != 2049) {
                throw new IllegalArgumentException("not an IDX label file (magic " + magic + ", expected 2049): " + labelsGz);
            }
            int n = in.readInt();
            if (n != px.length) {
                throw new IllegalArgumentException(n + " labels in " + labelsGz + " for " + px.length + " images in " + imagesGz);
            }
            lab = new int[n];
            for (int i = 0; i < n; i++) {
                lab[i] = in.readUnsignedByte();
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read Fashion-MNIST labels " + labelsGz + ": " + e.getMessage(), e);
        }
        return new FashionMnist(px, lab);
    }

    private static DataInputStream open(Path p) throws IOException {
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("Fashion-MNIST file not found: " + p.toAbsolutePath());
        }
        InputStream raw = Files.newInputStream(p);
        return new DataInputStream(new GZIPInputStream(raw));
    }

    /** Writes images {@code idx} (in that order) as gzipped IDX files, the format {@link #load} reads. */
    public void writeSubset(List<Integer> idx, Path imagesGz, Path labelsGz) throws IOException {
        Files.createDirectories(imagesGz.toAbsolutePath().getParent());
        try (var out = new java.io.DataOutputStream(new java.util.zip.GZIPOutputStream(Files.newOutputStream(imagesGz)))) {
            out.writeInt(2051);
            out.writeInt(idx.size());
            out.writeInt(SIZE);
            out.writeInt(SIZE);
            for (int i : idx) {
                out.write(pixels[i]);
            }
        }
        try (var out = new java.io.DataOutputStream(new java.util.zip.GZIPOutputStream(Files.newOutputStream(labelsGz)))) {
            out.writeInt(2049);
            out.writeInt(idx.size());
            for (int i : idx) {
                out.writeByte(labels[i]);
            }
        }
    }

    public int size() {
        return labels.length;
    }

    public int label(int i) {
        return labels[i];
    }

    /** Indices of every image with this label, in file order. */
    public List<Integer> indicesOf(int label) {
        if (label < 0 || label >= CLASSES.size()) {
            throw new IllegalArgumentException("Fashion-MNIST label must be in [0, 10), got " + label);
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == label) {
                out.add(i);
            }
        }
        return out;
    }

    /** Image i as an 8-bit RGB picture (gray copied to R = G = B; white clothes on black). */
    public BufferedImage image(int i) {
        BufferedImage out = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        byte[] p = pixels[i];
        for (int k = 0; k < p.length; k++) {
            int v = p[k] & 0xff;
            out.setRGB(k % SIZE, k / SIZE, (v << 16) | (v << 8) | v);
        }
        return out;
    }

    /** Image i as a (1, 28, 28) float32 tensor in [−1, 1]. */
    public NDArray tensor(NDManager manager, int i) {
        float[] v = new float[SIZE * SIZE];
        for (int k = 0; k < v.length; k++) {
            v[k] = (pixels[i][k] & 0xff) / 127.5f - 1f;
        }
        return manager.create(v, new Shape(1, SIZE, SIZE));
    }
}
