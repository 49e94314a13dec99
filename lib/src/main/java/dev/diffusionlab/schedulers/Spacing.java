package dev.diffusionlab.schedulers;

/** numpy-exact helpers for timestep tables (np.linspace, np.round = round-half-even, np.interp). */
final class Spacing {
    private Spacing() {}

    /** np.linspace(start, stop, num) in float64 (endpoint exact). */
    static double[] linspace(double start, double stop, int num) {
        double[] r = new double[num];
        if (num == 1) {
            r[0] = start;
            return r;
        }
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) {
            r[i] = i * step + start;
        }
        r[num - 1] = stop;
        return r;
    }

    /** np.arange(start, stop, step) for float step (stop exclusive). */
    static double[] arange(double start, double stop, double step) {
        int n = (int) Math.max(0, Math.ceil((stop - start) / step));
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            r[i] = start + i * step;
        }
        return r;
    }

    static double[] reversed(double[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[a.length - 1 - i];
        }
        return r;
    }

    static double[] rint(double[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = Math.rint(a[i]);
        }
        return r;
    }

    static double[] toF32(double[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = (float) a[i];
        }
        return r;
    }

    /**
     * The timesteps of the three diffusers spacings, descending, before any integer/float cast:
     * linspace = linspace(0, N-1, n); leading = arange(n)·(N//n) + offset; trailing = round(arange(N, 0, -N/n)) - 1.
     */
    static double[] spacing(String spacing, int n, int numTrain, int stepsOffset) {
        switch (spacing) {
            case "linspace":
                return reversed(linspace(0, numTrain - 1, n));
            case "leading": {
                int ratio = numTrain / n;
                double[] r = new double[n];
                for (int i = 0; i < n; i++) {
                    r[i] = (double) (n - 1 - i) * ratio + stepsOffset;
                }
                return r;
            }
            case "trailing": {
                double[] r = rint(arange(numTrain, 0, -(double) numTrain / n));
                for (int i = 0; i < r.length; i++) {
                    r[i] -= 1;
                }
                return r;
            }
            default:
                throw new IllegalArgumentException("timestep_spacing '" + spacing + "' is not supported (one of linspace, leading, trailing)");
        }
    }

    /** np.interp(x, arange(len(fp)), fp). */
    static double interp(double x, double[] fp) {
        if (x <= 0) {
            return fp[0];
        }
        if (x >= fp.length - 1) {
            return fp[fp.length - 1];
        }
        int i = (int) Math.floor(x);
        double w = x - i;
        if (w == 0) {
            return fp[i];
        }
        return fp[i] + (fp[i + 1] - fp[i]) * w;
    }
}
