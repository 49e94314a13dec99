package dev.diffusionlab.shapes;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * One generated image with its caption, the drawn objects (each with its pixel mask) and, for every
 * caption word that names an object (size, colour, shape, position), the mask of the pixels it refers to.
 */
public record ShapesSample(BufferedImage image, String caption, List<DrawnObject> objects, List<WordMask> wordMasks) {

    /** An object as drawn: its caption spec, its actual size, centre and radius in pixels, and its mask (row-major, H·W). */
    public record DrawnObject(ObjectSpec spec, Vocab.Size actualSize, double cx, double cy, double radius, boolean[] mask) {
        public int area() {
            int n = 0;
            for (boolean b : mask) {
                n += b ? 1 : 0;
            }
            return n;
        }
    }

    /** A caption word (its index among the caption's words) and the pixels it refers to. */
    public record WordMask(Caption.Word word, boolean[] mask) {}

    /** A mask (row-major, {@code width}·H) as a black image with the masked pixels white, to show beside a heat map. */
    public static BufferedImage maskImage(boolean[] mask, int width) {
        if (width <= 0 || mask.length % width != 0) {
            throw new IllegalArgumentException("mask of " + mask.length + " pixels is not rows of width " + width);
        }
        BufferedImage img = new BufferedImage(width, mask.length / width, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < mask.length; i++) {
            img.setRGB(i % width, i / width, mask[i] ? 0xFFFFFF : 0x000000);
        }
        return img;
    }

    public int width() {
        return image.getWidth();
    }

    public int height() {
        return image.getHeight();
    }
}
