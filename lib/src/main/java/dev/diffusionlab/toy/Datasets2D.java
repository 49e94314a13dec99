package dev.diffusionlab.toy;

import dev.diffusionlab.core.Paths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.io.csv.CsvReadOptions;

/**
 * Seeded 2D point sets as Tablesaw tables with columns {@code x}, {@code y}, {@code label}, all made
 * by our own code, plus a loader for any CSV/TSV with columns x and y.
 *
 * <pre>{@code
 * Table moons = Datasets2D.moons(2000, 42);
 * Table named = Datasets2D.clusters(2000, 42);            // labels cat, dog, banana, tree, car
 * Table dino  = Datasets2D.dino().orElse(Datasets2D.cat(2000, 42));
 * }</pre>
 */
public final class Datasets2D {
    /** The built-in datasets, by the names {@link #byName} accepts. */
    public static final List<String> NAMES =
            List.of("moons", "swissroll", "spirals", "circle", "line", "cat", "clusters");

    /** The labels of {@link #clusters(int, long)}, one Gaussian blob each on a ring. */
    public static final List<String> CLUSTER_NAMES = List.of("cat", "dog", "banana", "tree", "car");

    private Datasets2D() {}

    /** A built-in dataset by name (see {@link #NAMES}). */
    public static Table byName(String name, int n, long seed) {
        checkN(n);
        switch (name.toLowerCase(Locale.ROOT)) {
            case "moons":
                return moons(n, seed);
            case "swissroll":
            case "swiss-roll":
                return swissRoll(n, seed);
            case "spirals":
                return spirals(n, seed);
            case "circle":
                return circle(n, seed);
            case "line":
                return line(n, seed);
            case "cat":
                return cat(n, seed);
            case "clusters":
                return clusters(n, seed);
            default:
                throw new IllegalArgumentException("unknown dataset '" + name + "' (known: "
                        + String.join(", ", NAMES) + ")");
        }
    }

    /** Two interleaving half circles (as scikit-learn's make_moons), labels upper/lower, noise 0.06. */
    public static Table moons(int n, long seed) {
        checkN(n);
        Random r = new Random(seed);
        Builder b = new Builder("moons", n);
        for (int i = 0; i < n; i++) {
            double th = Math.PI * r.nextDouble();
            if (i % 2 == 0) {
                b.add(Math.cos(th) + 0.06 * r.nextGaussian(), Math.sin(th) + 0.06 * r.nextGaussian(), "upper");
            } else {
                b.add(1 - Math.cos(th) + 0.06 * r.nextGaussian(), 0.5 - Math.sin(th) + 0.06 * r.nextGaussian(), "lower");
            }
        }
        return b.table();
    }

    /** The 2D swiss roll: radius grows with the angle; labels inner/outer half of the roll. */
    public static Table swissRoll(int n, long seed) {
        checkN(n);
        Random r = new Random(seed);
        Builder b = new Builder("swissroll", n);
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble();
            double t = 1.5 * Math.PI * (1 + 2 * u);
            b.add(t * Math.cos(t) / 10 + 0.03 * r.nextGaussian(), t * Math.sin(t) / 10 + 0.03 * r.nextGaussian(),
                    u < 0.5 ? "inner" : "outer");
        }
        return b.table();
    }

    /** Two interleaved spiral arms, labels arm0/arm1. */
    public static Table spirals(int n, long seed) {
        checkN(n);
        Random r = new Random(seed);
        Builder b = new Builder("spirals", n);
        for (int i = 0; i < n; i++) {
            double t = Math.sqrt(r.nextDouble()) * 3 * Math.PI;
            double s = i % 2 == 0 ? 1 : -1;
            b.add(s * t * Math.cos(t) / 3 + 0.05 * r.nextGaussian(), s * t * Math.sin(t) / 3 + 0.05 * r.nextGaussian(),
                    i % 2 == 0 ? "arm0" : "arm1");
        }
        return b.table();
    }

    /** The unit circle with noise 0.03, label circle. */
    public static Table circle(int n, long seed) {
        checkN(n);
        Random r = new Random(seed);
        Builder b = new Builder("circle", n);
        for (int i = 0; i < n; i++) {
            double th = 2 * Math.PI * r.nextDouble();
            b.add(Math.cos(th) + 0.03 * r.nextGaussian(), Math.sin(th) + 0.03 * r.nextGaussian(), "circle");
        }
        return b.table();
    }

    /** The segment from (-1,-0.5) to (1,0.5) with noise 0.02, label line. */
    public static Table line(int n, long seed) {
        checkN(n);
        Random r = new Random(seed);
        Builder b = new Builder("line", n);
        for (int i = 0; i < n; i++) {
            double u = 2 * r.nextDouble() - 1;
            b.add(u + 0.02 * r.nextGaussian(), 0.5 * u + 0.02 * r.nextGaussian(), "line");
        }
        return b.table();
    }

    // The cat's head: outline with two pointed ears, eyes, and whiskers, as polylines.
    private static final double[][] CAT_OUTLINE = {
        {-1.0, 0.0}, {-0.9, 0.6}, {-1.0, 1.5}, {-0.45, 0.95}, {0.45, 0.95}, {1.0, 1.5}, {0.9, 0.6},
        {1.0, 0.0}, {0.8, -0.6}, {0.4, -0.95}, {0.0, -1.05}, {-0.4, -0.95}, {-0.8, -0.6}, {-1.0, 0.0}
    };
    private static final double[][][] CAT_WHISKERS = {
        {{0.3, -0.25}, {1.3, -0.05}}, {{0.3, -0.3}, {1.3, -0.35}}, {{0.3, -0.35}, {1.2, -0.65}},
        {{-0.3, -0.25}, {-1.3, -0.05}}, {{-0.3, -0.3}, {-1.3, -0.35}}, {{-0.3, -0.35}, {-1.2, -0.65}}
    };

    /** A point outline of a cat's head (the seed's favourite): labels outline, eyes, whiskers. */
    public static Table cat(int n, long seed) {
        checkN(n);
        Random r = new Random(seed);
        Builder b = new Builder("cat", n);
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble();
            double[] p;
            String label;
            if (u < 0.6) {
                p = alongPolyline(CAT_OUTLINE, r.nextDouble());
                label = "outline";
            } else if (u < 0.72) {
                double th = 2 * Math.PI * r.nextDouble();
                double cx = r.nextBoolean() ? 0.4 : -0.4;
                p = new double[] {cx + 0.13 * Math.cos(th), 0.35 + 0.13 * Math.sin(th)};
                label = "eyes";
            } else {
                double[][] w = CAT_WHISKERS[r.nextInt(CAT_WHISKERS.length)];
                p = alongPolyline(w, r.nextDouble());
                label = "whiskers";
            }
            b.add(p[0] + 0.015 * r.nextGaussian(), p[1] + 0.015 * r.nextGaussian(), label);
        }
        return b.table();
    }

    /**
     * A labelled mixture of named Gaussian clusters (std 0.35) on a ring of radius 3, one per name
     * in {@link #CLUSTER_NAMES}: the guidance dataset.
     */
    public static Table clusters(int n, long seed) {
        return clusters(n, seed, CLUSTER_NAMES);
    }

    /** Like {@link #clusters(int, long)} with your own cluster names (at least one). */
    public static Table clusters(int n, long seed, List<String> names) {
        checkN(n);
        if (names.isEmpty()) {
            throw new IllegalArgumentException("clusters needs at least one cluster name");
        }
        Random r = new Random(seed);
        Builder b = new Builder("clusters", n);
        for (int i = 0; i < n; i++) {
            int k = i % names.size();
            double th = Math.PI / 2 + 2 * Math.PI * k / names.size();
            b.add(3 * Math.cos(th) + 0.35 * r.nextGaussian(), 3 * Math.sin(th) + 0.35 * r.nextGaussian(), names.get(k));
        }
        return b.table();
    }

    /**
     * Any CSV or TSV (by extension: .tsv/.tab are tab-separated) with numeric columns {@code x} and
     * {@code y} and an optional {@code label} column; other columns are ignored.
     */
    public static Table load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("data file not found: " + file);
        }
        ToyDataChecks.size(file);
        String fn = file.getFileName().toString().toLowerCase(Locale.ROOT);
        char sep = fn.endsWith(".tsv") || fn.endsWith(".tab") ? '\t' : ',';
        Table raw;
        try {
            raw = Table.read().csv(CsvReadOptions.builder(file.toFile()).separator(sep).build());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot read " + file + " as " + (sep == '\t' ? "TSV" : "CSV")
                    + ": " + e.getMessage(), e);
        }
        ToyDataChecks.rows(file, raw.rowCount());
        double[] x = numeric(raw, "x", file);
        double[] y = numeric(raw, "y", file);
        Column<?> labels = raw.columnNames().contains("label") ? raw.column("label") : null;
        Builder b = new Builder(file.getFileName().toString(), x.length);
        for (int i = 0; i < x.length; i++) {
            if (Double.isNaN(x[i]) || Double.isNaN(y[i])) {
                throw new IllegalArgumentException(file + ": row " + (i + 1) + " has a missing x or y");
            }
            ToyDataChecks.value(file, i, x[i], y[i]);
            b.add(x[i], y[i], labels == null ? "data" : labels.getString(i));
        }
        if (x.length == 0) {
            throw new IllegalArgumentException(file + " has no rows");
        }
        return b.table();
    }

    /** One dataset of the Datasaurus Dozen (e.g. "dino") from ../shared/data/c-points, read in place. */
    public static Optional<Table> datasaurus(String name) {
        Optional<Path> file = Paths.sharedData().map(d -> d.resolve("c-points/DatasaurusDozen-Long.tsv"))
                .filter(Files::isRegularFile);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        Table raw;
        try {
            raw = Table.read().csv(CsvReadOptions.builder(file.get().toFile()).separator('\t').build());
        } catch (RuntimeException e) {
            throw new UncheckedIOException(new IOException("cannot read " + file.get(), e));
        }
        Table t = raw.where(raw.stringColumn("dataset").isEqualTo(name));
        if (t.rowCount() == 0) {
            throw new IllegalArgumentException("no dataset '" + name + "' in " + file.get());
        }
        double[] x = numeric(t, "x", file.get());
        double[] y = numeric(t, "y", file.get());
        Builder b = new Builder(name, x.length);
        for (int i = 0; i < x.length; i++) {
            b.add(x[i], y[i], name);
        }
        return Optional.of(b.table());
    }

    /** The Datasaurus "dino" (142 points) when ../shared/data is present. */
    public static Optional<Table> dino() {
        return datasaurus("dino");
    }

    /** The table's (x, y) columns as float[n][2]. */
    public static float[][] xy(Table t) {
        double[] x = numeric(t, "x", null);
        double[] y = numeric(t, "y", null);
        float[][] p = new float[x.length][2];
        for (int i = 0; i < x.length; i++) {
            p[i][0] = (float) x[i];
            p[i][1] = (float) y[i];
        }
        return p;
    }

    /** The table's labels (column {@code label}), or "data" for every row when it has none. */
    public static String[] labels(Table t) {
        String[] l = new String[t.rowCount()];
        boolean has = t.columnNames().contains("label");
        for (int i = 0; i < l.length; i++) {
            l[i] = has ? t.column("label").getString(i) : "data";
        }
        return l;
    }

    /** Points as a table with columns x, y (and label when labels is not null). */
    public static Table toTable(String name, float[][] points, String[] labels) {
        Table t = Table.create(name, DoubleColumn.create("x"), DoubleColumn.create("y"));
        for (float[] p : points) {
            t.doubleColumn("x").append(p[0]);
            t.doubleColumn("y").append(p[1]);
        }
        if (labels != null) {
            t.addColumns(StringColumn.create("label", labels));
        }
        return t;
    }

    private static double[] numeric(Table t, String col, Path file) {
        String where = file == null ? "table " + t.name() : file.toString();
        if (!t.columnNames().contains(col)) {
            throw new IllegalArgumentException(where + " has no column '" + col + "' (columns: " + t.columnNames() + ")");
        }
        Column<?> c = t.column(col);
        if (!(c instanceof NumericColumn)) {
            throw new IllegalArgumentException(where + ": column '" + col + "' is not numeric (" + c.type() + ")");
        }
        return ((NumericColumn<?>) c).asDoubleArray();
    }

    private static double[] alongPolyline(double[][] pts, double u) {
        double total = 0;
        for (int i = 1; i < pts.length; i++) {
            total += Math.hypot(pts[i][0] - pts[i - 1][0], pts[i][1] - pts[i - 1][1]);
        }
        double d = u * total;
        for (int i = 1; i < pts.length; i++) {
            double len = Math.hypot(pts[i][0] - pts[i - 1][0], pts[i][1] - pts[i - 1][1]);
            if (d <= len || i == pts.length - 1) {
                double f = Math.min(1, d / len);
                return new double[] {pts[i - 1][0] + f * (pts[i][0] - pts[i - 1][0]),
                    pts[i - 1][1] + f * (pts[i][1] - pts[i - 1][1])};
            }
            d -= len;
        }
        throw new AssertionError();
    }

    private static void checkN(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("number of points must be positive, got " + n);
        }
    }

    private static final class Builder {
        final String name;
        final List<Double> x = new ArrayList<>();
        final List<Double> y = new ArrayList<>();
        final List<String> label = new ArrayList<>();

        Builder(String name, int n) {
            this.name = name;
        }

        void add(double px, double py, String l) {
            x.add(px);
            y.add(py);
            label.add(l);
        }

        Table table() {
            return Table.create(name, DoubleColumn.create("x", x), DoubleColumn.create("y", y),
                    StringColumn.create("label", label));
        }
    }
}
