package dev.diffusionlab.core;

import ai.djl.training.util.ProgressBar;

import java.util.Objects;
import java.util.function.BiFunction;

/**
 * The progress bar of long loops (training, denoising): DJL's text bar in a terminal; in a notebook, the
 * kernel's extension ({@code viz.NotebookDisplay}) installs an HTML bar updated in place.
 * <pre>{@code
 * Progress bar = Progress.bar("denoising", steps);
 * for (int i = 0; i < steps; i++) { ...; bar.update(i, "t=" + t); }
 * }</pre>
 */
public abstract class Progress {
    private static volatile BiFunction<String, Long, Progress> factory = Text::new;

    /**
     * Shows that step {@code index} (0-based, as DJL's {@code ProgressBar.update}) has finished, so
     * {@code index + 1} of the total are done; {@code message} is a short status such as the loss.
     */
    public abstract void update(long index, String message);

    /** A new bar for {@code total} steps labelled {@code label}, from the installed factory. */
    public static Progress bar(String label, long total) {
        return factory.apply(label, total);
    }

    /** Replaces how bars are made (a notebook kernel installs its HTML bar); {@code null} restores the text bar. */
    public static void setFactory(BiFunction<String, Long, Progress> f) {
        factory = f == null ? Text::new : f;
    }

    private static final class Text extends Progress {
        private final ProgressBar bar;

        Text(String label, Long total) {
            bar = new ProgressBar(Objects.requireNonNull(label), total);
        }

        @Override
        public void update(long index, String message) {
            bar.update(index, message);
        }
    }
}
