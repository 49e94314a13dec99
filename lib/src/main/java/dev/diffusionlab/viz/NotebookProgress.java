package dev.diffusionlab.viz;

import dev.diffusionlab.core.Progress;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;

import java.util.Locale;
import java.util.UUID;

/**
 * The notebook's {@link Progress}: an HTML bar shown once (display_data with a display id) and replaced in
 * place (update_display_data), at most every {@value #MIN_UPDATE_MS} ms and always at the end.
 */
public final class NotebookProgress extends Progress {
    /** Fewer updates than steps: each one is a Jupyter message. */
    public static final long MIN_UPDATE_MS = 200;

    private final BaseKernel kernel;
    private final String label;
    private final long total;
    private final String id = UUID.randomUUID().toString();
    private final long start = System.nanoTime();
    private long lastShown;

    public NotebookProgress(BaseKernel kernel, String label, long total) {
        this.kernel = kernel;
        this.label = label;
        this.total = Math.max(0, total);
        DisplayData first = data(0, "");
        first.setDisplayId(id);
        kernel.display(first);
        lastShown = System.nanoTime();
    }

    @Override
    public void update(long index, String message) {
        long done = Math.min(total, index + 1);
        long now = System.nanoTime();
        if (done < total && now - lastShown < MIN_UPDATE_MS * 1_000_000L) {
            return;
        }
        lastShown = now;
        kernel.getIO().display.updateDisplay(id, data(done, message == null ? "" : message));
    }

    /** The bar's HTML and text for {@code done} of the total steps. */
    DisplayData data(long done, String message) {
        double seconds = (System.nanoTime() - start) / 1e9;
        String status = String.format(Locale.ROOT, "%d/%d  %.1f s%s", done, total, seconds,
                message.isEmpty() ? "" : "  " + message);
        DisplayData d = new DisplayData(label + ": " + status);
        d.putHTML("<div style=\"font-family:monospace\">" + escape(label) + " <progress value=\"" + done + "\" max=\""
                + Math.max(1, total) + "\" style=\"width:40%;vertical-align:middle\"></progress> " + escape(status) + "</div>");
        return d;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
