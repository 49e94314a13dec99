package dev.diffusionlab.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Pictures as tensors the way Stable Diffusion sees them: CHW float32 with values in [−1, 1]
 * (0 → −1, 255 → 1), batched as NCHW; and back to 8-bit RGB pictures (values clamped to [−1, 1]).
 *
 * <pre>{@code
 * try (NDManager m = Engines.newCpuManager()) {
 *     NDArray x = ImageTensors.toTensor(m, cat);    // (3, 64, 64)
 *     BufferedImage back = ImageTensors.toImage(x); // same picture
 * }
 * }</pre>
 */
public final class ImageTensors {
    private ImageTensors() {}

    /** An RGB picture as a (3, H, W) float32 tensor in [−1, 1]. */
    public static NDArray toTensor(NDManager manager, BufferedImage img) {
        BufferedImage rgb = img.getType() == BufferedImage.TYPE_INT_RGB ? img : Images.toRgb8(img, "image");
        return manager.create(planes(rgb, 127.5f, -1f), new Shape(3, rgb.getHeight(), rgb.getWidth()));
    }

    /**
     * The R, G and B bytes of a picture as three planes, C·H·W order (3·H·W values), each byte {@code b}
     * as {@code b / divisor + offset}: (255, 0) gives [0, 1], (127.5, −1) gives [−1, 1].
     */
    public static float[] planes(BufferedImage img, float divisor, float offset) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        float[] v = new float[3 * w * h];
        int plane = w * h;
        for (int i = 0; i < plane; i++) {
            int p = argb[i];
            v[i] = ((p >> 16) & 0xff) / divisor + offset;
            v[plane + i] = ((p >> 8) & 0xff) / divisor + offset;
            v[2 * plane + i] = (p & 0xff) / divisor + offset;
        }
        return v;
    }

    /** Pictures of one size as an (N, 3, H, W) batch. */
    public static NDArray toBatch(NDManager manager, List<BufferedImage> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to batch");
        }
        int w = images.get(0).getWidth();
        int h = images.get(0).getHeight();
        NDList list = new NDList();
        try (NDManager sub = manager.newSubManager()) {
            for (int i = 0; i < images.size(); i++) {
                BufferedImage im = images.get(i);
                if (im.getWidth() != w || im.getHeight() != h) {
                    throw new IllegalArgumentException("image " + i + " is " + im.getWidth() + "x" + im.getHeight()
                            + ", expected " + w + "x" + h + " like image 0");
                }
                list.add(toTensor(sub, im));
            }
            NDArray batch = ai.djl.ndarray.NDArrays.stack(list); // N x (3, H, W) -> (N, 3, H, W)
            batch.attach(manager);
            return batch;
        }
    }

    /**
     * A tensor back to a picture: (3, H, W), (1, 3, H, W), or grayscale (1, H, W) / (H, W), values in
     * [−1, 1] (clamped).
     */
    public static BufferedImage toImage(NDArray x) {
        Shape s = x.getShape();
        int c;
        int h;
        int w;
        if (s.dimension() == 4 && s.get(0) == 1) {
            c = (int) s.get(1);
            h = (int) s.get(2);
            w = (int) s.get(3);
        } else if (s.dimension() == 3) {
            c = (int) s.get(0);
            h = (int) s.get(1);
            w = (int) s.get(2);
        } else if (s.dimension() == 2) {
            c = 1;
            h = (int) s.get(0);
            w = (int) s.get(1);
        } else {
            throw new IllegalArgumentException("cannot show a tensor of shape " + s
                    + " as one picture: expected (3,H,W), (1,3,H,W), (1,H,W) or (H,W)");
        }
        if (c != 1 && c != 3) {
            throw new IllegalArgumentException("cannot show a tensor of shape " + s + ": " + c + " channels, expected 1 or 3");
        }
        float[] v = x.toType(DataType.FLOAT32, false).toFloatArray();
        int plane = w * h;
        int[] argb = new int[plane];
        for (int i = 0; i < plane; i++) {
            int r = to8(v[i]);
            int g = c == 3 ? to8(v[plane + i]) : r;
            int b = c == 3 ? to8(v[2 * plane + i]) : r;
            argb[i] = (r << 16) | (g << 8) | b;
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, w, h, argb, 0, w);
        return out;
    }

    private static int to8(float v) {
        float c = Math.max(-1f, Math.min(1f, v));
        return Math.round((c + 1f) * 127.5f);
    }
}
