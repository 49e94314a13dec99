package dev.diffusionlab.image;

import com.madgag.gif.fmsware.AnimatedGifEncoder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Animated GIFs of image sequences (e.g. a picture dissolving into noise), written with the
 * AnimatedGifEncoder that XChart bundles.
 *
 * <pre>{@code Gifs.write(Path.of("out/noising.gif"), frames, 80); // 80 ms per frame, loops forever}</pre>
 */
public final class Gifs {
    private Gifs() {}

    /** Writes the frames (all of one size) as a looping GIF, {@code delayMs} per frame; returns the file. */
    public static Path write(Path file, List<BufferedImage> frames, int delayMs) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("a GIF needs at least one frame: " + file);
        }
        int w = frames.get(0).getWidth();
        int h = frames.get(0).getHeight();
        for (int i = 0; i < frames.size(); i++) {
            if (frames.get(i).getWidth() != w || frames.get(i).getHeight() != h) {
                throw new IllegalArgumentException("GIF frame " + i + " is " + frames.get(i).getWidth() + "x"
                        + frames.get(i).getHeight() + ", frame 0 is " + w + "x" + h + ": " + file);
            }
        }
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create the folder of " + file + ": " + e.getMessage(), e);
        }
        AnimatedGifEncoder enc = new AnimatedGifEncoder();
        if (!enc.start(file.toString())) {
            throw new IllegalArgumentException("cannot open " + file + " for writing");
        }
        enc.setRepeat(0);
        enc.setDelay(delayMs);
        enc.setQuality(5);
        for (BufferedImage f : frames) {
            enc.addFrame(f);
        }
        if (!enc.finish()) {
            throw new IllegalArgumentException("writing the GIF " + file + " failed");
        }
        return file;
    }
}
