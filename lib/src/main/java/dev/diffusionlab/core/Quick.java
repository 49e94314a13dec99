package dev.diffusionlab.core;

/**
 * Quick mode: {@code DLAB_QUICK=1} (or {@code -Ddlab.quick=true}) shrinks steps and sizes so every
 * notebook finishes in CI; full mode is for class.
 *
 * <pre>{@code int steps = Quick.pick(8, 50); // 8 in CI, 50 in class}</pre>
 */
public final class Quick {
    private Quick() {}

    /** True in quick mode. */
    public static boolean isOn() {
        String p = System.getProperty("dlab.quick");
        if (p != null) {
            return p.equals("1") || p.equalsIgnoreCase("true");
        }
        String e = System.getenv("DLAB_QUICK");
        return e != null && (e.equals("1") || e.equalsIgnoreCase("true"));
    }

    /** {@code quick} in quick mode, else {@code full}. */
    public static int pick(int quick, int full) {
        return isOn() ? quick : full;
    }

    /** {@code quick} in quick mode, else {@code full}. */
    public static double pick(double quick, double full) {
        return isOn() ? quick : full;
    }
}
