package dev.diffusionlab.toy;

import java.util.ArrayList;
import java.util.List;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * "Pure chance and proximity": which cluster a sample ends in against which cluster its starting
 * noise was nearest to. Clusters are the labels of a labelled dataset; a point belongs to the
 * cluster whose centre (mean of its points) is nearest.
 *
 * <pre>{@code
 * Proximity p = Proximity.of(data);
 * Trajectories tr = ToySampler.sample(model, ToySampler.Kind.DDIM, 500, 50, 1, null, 0);
 * display(p.confusion(tr));            // rows: nearest at start, columns: cluster at the end
 * double agree = p.agreement(tr);      // fraction ending in the cluster nearest their start
 * }</pre>
 */
public final class Proximity {
    private final List<String> names;
    private final float[][] centres; // data coordinates

    private Proximity(List<String> names, float[][] centres) {
        this.names = names;
        this.centres = centres;
    }

    /** Cluster centres from a labelled table (x, y, label). */
    public static Proximity of(tech.tablesaw.api.Table data) {
        String[] labels = Datasets2D.labels(data);
        float[][] pts = Datasets2D.xy(data);
        List<String> names = new ArrayList<>();
        for (String l : labels) {
            if (!names.contains(l)) {
                names.add(l);
            }
        }
        double[][] sum = new double[names.size()][3];
        for (int i = 0; i < pts.length; i++) {
            int k = names.indexOf(labels[i]);
            sum[k][0] += pts[i][0];
            sum[k][1] += pts[i][1];
            sum[k][2]++;
        }
        float[][] c = new float[names.size()][2];
        for (int k = 0; k < c.length; k++) {
            c[k][0] = (float) (sum[k][0] / sum[k][2]);
            c[k][1] = (float) (sum[k][1] / sum[k][2]);
        }
        return new Proximity(List.copyOf(names), c);
    }

    public List<String> names() {
        return names;
    }

    /** The cluster centres in data coordinates. */
    public float[][] centres() {
        return centres;
    }

    /** Index of the nearest centre for each point. */
    public int[] nearest(float[][] pts, float[][] cs) {
        int[] out = new int[pts.length];
        for (int i = 0; i < pts.length; i++) {
            double best = Double.MAX_VALUE;
            for (int k = 0; k < cs.length; k++) {
                double d = Math.hypot(pts[i][0] - cs[k][0], pts[i][1] - cs[k][1]);
                if (d < best) {
                    best = d;
                    out[i] = k;
                }
            }
        }
        return out;
    }

    /** The cluster each final sample ends in. */
    public int[] endClusters(Trajectories tr) {
        return nearest(tr.samples(), centres);
    }

    /**
     * The cluster nearest each starting point, measured where the noise lives: in standardised
     * coordinates, against the standardised centres (the prior N(0, I) is centred on the data).
     */
    public int[] startClusters(Trajectories tr) {
        return nearest(tr.start(), tr.standardizer().normalize(centres));
    }

    /** Fraction of samples that end in the named cluster. */
    public double hitRate(Trajectories tr, String label) {
        int k = names.indexOf(label);
        if (k < 0) {
            throw new IllegalArgumentException("no cluster '" + label + "' (clusters: " + String.join(", ", names) + ")");
        }
        int hits = 0;
        for (int e : endClusters(tr)) {
            hits += e == k ? 1 : 0;
        }
        return hits / (double) tr.size();
    }

    /** Fraction of samples that end in the cluster nearest their start. */
    public double agreement(Trajectories tr) {
        int[] s = startClusters(tr);
        int[] e = endClusters(tr);
        int same = 0;
        for (int i = 0; i < s.length; i++) {
            same += s[i] == e[i] ? 1 : 0;
        }
        return same / (double) s.length;
    }

    /** Counts: a row per cluster nearest the start, a column per cluster at the end. */
    public Table confusion(Trajectories tr) {
        int[] s = startClusters(tr);
        int[] e = endClusters(tr);
        int k = names.size();
        int[][] c = new int[k][k];
        for (int i = 0; i < s.length; i++) {
            c[s[i]][e[i]]++;
        }
        String title = tr.label() == null || tr.guidance() == 0 ? "unguided"
                : "guided to " + tr.label() + " (scale " + tr.guidance() + ")";
        Table t = Table.create("start nearest vs end cluster, " + title, StringColumn.create("start \\ end", names));
        for (int j = 0; j < k; j++) {
            int[] col = new int[k];
            for (int i = 0; i < k; i++) {
                col[i] = c[i][j];
            }
            t.addColumns(IntColumn.create(names.get(j), col));
        }
        return t;
    }
}
