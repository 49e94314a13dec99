package dev.diffusionlab.image;

import dev.diffusionlab.core.Paths;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/**
 * The photos shipped in {@code toy-data/photos/} (CC0 / public domain, see toy-data/ATTRIBUTION.md):
 * 128×128 centre crops of skimage's cat ("Chelsea"), coffee, astronaut (Eileen Collins, NASA) and rocket
 * (SpaceX).
 *
 * <pre>{@code BufferedImage cat = ToyData.photo("cat", 64); // 64x64}</pre>
 */
public final class ToyData {
    /** Photo names, in the order notebooks show them. */
    public static final List<String> PHOTOS = List.of("cat", "coffee", "astronaut", "rocket");

    private ToyData() {}

    /** {@code toy-data/photos/<name>.png}. */
    public static Path photoPath(String name) {
        if (!PHOTOS.contains(name)) {
            throw new IllegalArgumentException("unknown toy-data photo '" + name + "': available are " + PHOTOS);
        }
        return Paths.toyData().resolve("photos").resolve(name + ".png");
    }

    /** A shipped photo at its stored size (128×128). */
    public static BufferedImage photo(String name) {
        return Images.load(photoPath(name));
    }

    /** A shipped photo resized to size×size. */
    public static BufferedImage photo(String name, int size) {
        return Images.fit(photo(name), size);
    }
}
