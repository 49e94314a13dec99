package dev.diffusionlab.kernel;

import java.util.Objects;

/**
 * What notebook code calls, through the top-level JShell methods the kernel defines at start
 * ({@code display(obj)}, {@code display(obj, "text/html")}, {@code updateDisplay(id, obj)}).
 * <pre>{@code
 * String id = display(chart);          // shows it, returns a display id
 * updateDisplay(id, nextFrame);        // replaces that output in place (animations)
 * }</pre>
 * Outside a Jupyter session (tests, plain JShell use of the engine) objects are printed as text.
 */
public final class Notebook {
    private Notebook() {}

    /** Where display calls go; the Jupyter kernel installs one that renders to MIME bundles. */
    public interface Sink {
        String display(Object value, String... mimeTypes);

        void updateDisplay(String id, Object value, String... mimeTypes);
    }

    private static final Sink PRINTING = new Sink() {
        private int next;

        @Override
        public synchronized String display(Object value, String... mimeTypes) {
            System.out.println(value);
            return "display-" + (++next);
        }

        @Override
        public void updateDisplay(String id, Object value, String... mimeTypes) {
            System.out.println(value);
        }
    };

    private static volatile Sink sink = PRINTING;

    static void install(Sink s) {
        sink = Objects.requireNonNull(s);
    }

    static void uninstall() {
        sink = PRINTING;
    }

    /** Shows {@code value} as a rich output and returns its display id. */
    public static String display(Object value, String... mimeTypes) {
        return sink.display(value, mimeTypes);
    }

    /** Replaces the output shown under {@code id} by {@code value}. */
    public static void updateDisplay(String id, Object value, String... mimeTypes) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("updateDisplay: display id is empty; pass the id returned by display(...)");
        }
        sink.updateDisplay(id, value, mimeTypes);
    }
}
