package dev.diffusionlab.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** RGB images to (1, 3, H, W) tensors in [0, 1] and back, as diffusers' VaeImageProcessor (round half up on output). */
final class ImageTensors {
    private ImageTensors() {}

    static NDArray toTensor01(BufferedImage img, NDManager manager) {
        int h = img.getHeight();
        int w = img.getWidth();
        float[] v = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                v[y * w + x] = ((rgb >> 16) & 0xff) / 255f;
                v[h * w + y * w + x] = ((rgb >> 8) & 0xff) / 255f;
                v[2 * h * w + y * w + x] = (rgb & 0xff) / 255f;
            }
        }
        return manager.create(v, new Shape(1, 3, h, w));
    }

    static List<BufferedImage> fromTensor01(NDArray images) {
        Shape s = images.getShape();
        int b = (int) s.get(0);
        int h = (int) s.get(2);
        int w = (int) s.get(3);
        float[] v = images.toType(DataType.FLOAT32, false).toFloatArray();
        List<BufferedImage> out = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            int base = i * 3 * h * w;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int r = Math.round(v[base + y * w + x] * 255f);
                    int g = Math.round(v[base + h * w + y * w + x] * 255f);
                    int bl = Math.round(v[base + 2 * h * w + y * w + x] * 255f);
                    img.setRGB(x, y, (r << 16) | (g << 8) | bl);
                }
            }
            out.add(img);
        }
        return out;
    }
}
