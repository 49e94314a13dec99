package dev.diffusionlab.shapes;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Reads a shapes-world picture back into objects and scores it against a caption; {@link #of} picks the
 * analyser of the picture's world by its size (32 px: {@link ShapesAnalyser}, 64 px: {@link ShapesAnalyserV2}).
 *
 * <pre>{@code
 * ShapesAnalyser.Score s = ShapesReader.of(image).score(image, "a red circle on the left");
 * }</pre>
 */
public interface ShapesReader {
    /** The objects (blobs) the picture shows. */
    List<ShapesAnalyser.Blob> read(BufferedImage img);

    /** The picture against a caption: each object matched with the largest blob of its colour. */
    ShapesAnalyser.Score score(BufferedImage img, String caption);

    /** The reader of a world of {@code side}-pixel pictures: v2's for 64 px and more, else v1's. */
    static ShapesReader forSide(int side) {
        return ShapesWorlds.isV2(side) ? new ShapesAnalyserV2() : new ShapesAnalyser();
    }

    /** The reader of the world {@code img} comes from (by its width). */
    static ShapesReader of(BufferedImage img) {
        return forSide(img.getWidth());
    }
}
