package dev.diffusionlab.pipeline;

import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.core.UserInputException;
import dev.diffusionlab.unet.UNetConfig;
import dev.diffusionlab.vae.VaeConfig;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * A peak-memory estimate for one generation, checked before anything is allocated: the largest
 * attention score matrix (B·heads·N², N = latent pixels at the first attention level, or one slice of
 * heads with attention slicing), the UNet's skip activations, and the VAE decoder's full-resolution
 * activations and mid-block attention (one head, N² scores). It is an order-of-magnitude bound that
 * catches requests that can never fit (4096×4096 needs terabytes), not a precise meter.
 */
public final class MemoryBudget {
    private MemoryBudget() {}

    /** The estimate's parts in bytes. */
    public record Estimate(long attentionScores, long unetActivations, long vaeDecode, long weights) {
        public long total() {
            return add(add(attentionScores, unetActivations), add(vaeDecode, weights));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s (attention scores %s, UNet activations %s, VAE decode %s, weights %s)",
                    human(total()), human(attentionScores), human(unetActivations), human(vaeDecode), human(weights));
        }
    }

    /**
     * Estimates a generation of {@code batch} images of {@code height}×{@code width}.
     *
     * @param guidance true when classifier-free guidance doubles the UNet batch
     * @param headsPerSlice attention heads computed at once (attention slicing), or 0 for all heads
     * @param weightBytes bytes of the loaded weights (0 when unknown)
     */
    public static Estimate estimate(UNetConfig unet, VaeConfig vae, int batch, boolean guidance, int height, int width,
                                    DataType dtype, int headsPerSlice, long weightBytes) {
        long bytes = dtype.getNumOfBytes();
        int factor = 1 << (vae.blockOutChannels().length - 1);
        long h = height / factor;
        long w = width / factor;
        long beff = (long) batch * (guidance ? 2 : 1);
        long scores = 0;
        long acts = 0;
        int[] boc = unet.blockOutChannels();
        for (int i = 0; i < boc.length; i++) {
            long n = Math.max(1, h >> i) * Math.max(1, w >> i);
            if (unet.downBlockTypes().get(i).startsWith("CrossAttn")) {
                long heads = headsPerSlice > 0 ? Math.min(headsPerSlice, unet.heads()[i]) : unet.heads()[i];
                // self-attention scores and their softmax: (B_eff·heads, N, N), two live at once
                scores = Math.max(scores, sat(2, sat(sat(beff * heads, n), sat(n, bytes))));
            }
            // skip connections kept for the up path, plus the up path's concatenated inputs
            acts = add(acts, sat(beff * boc[i] * (unet.layersPerBlock()[i] + 2) * 3L, sat(n, bytes)));
        }
        long pixels = (long) height * width;
        long vaeBytes = sat((long) batch * vae.blockOutChannels()[0] * 4L, sat(pixels, 4));
        if (vae.midBlockAddAttention()) {
            long n = h * w;
            vaeBytes = add(vaeBytes, sat(2L * batch, sat(n, sat(n, 4))));
        }
        return new Estimate(scores, acts, vaeBytes, weightBytes);
    }

    /** The memory a generation may use: physical memory (tensors live outside the Java heap), or -Ddlab.memoryLimit. */
    public static long limitBytes() {
        String p = System.getProperty("dlab.memoryLimit");
        if (p != null) {
            return Long.parseLong(p.trim());
        }
        try {
            java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
                return sun.getTotalMemorySize();
            }
        } catch (RuntimeException | LinkageError ignored) {
            // fall through
        }
        return Runtime.getRuntime().maxMemory() * 4;
    }

    /** Refuses, naming the sizes and the estimate, when the estimate is above {@link #limitBytes()}. */
    public static Estimate check(UNetConfig unet, VaeConfig vae, int batch, boolean guidance, int height, int width,
                                 DataType dtype, int headsPerSlice, long weightBytes) {
        Estimate e = estimate(unet, vae, batch, guidance, height, width, dtype, headsPerSlice, weightBytes);
        // on the Java heap: the decoded images as float arrays and pictures (about 4 copies of B·3·H·W floats)
        long heap = sat(16L * batch * 3, (long) height * width);
        long maxHeap = Runtime.getRuntime().maxMemory();
        if (heap > maxHeap) {
            throw new UserInputException(String.format(Locale.ROOT, "%dx%d, batch %d needs about %s of Java heap for the pictures, "
                    + "above the %s maximum heap: use a smaller --height/--width or raise DLAB_XMX", width, height, batch,
                    human(heap), human(maxHeap)));
        }
        long limit = limitBytes();
        if (e.total() > limit) {
            throw new UserInputException(String.format(Locale.ROOT,
                    "%dx%d, batch %d%s needs about %s, above the %s this machine has: use a smaller --height/--width "
                            + "(the model's native size is %d) or batch", width, height, batch, guidance ? " with guidance" : "",
                    e, human(limit), unet.sampleSize() * (1 << (vae.blockOutChannels().length - 1))));
        }
        return e;
    }

    static long sat(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    static long add(long a, long b) {
        long s = a + b;
        return s < 0 ? Long.MAX_VALUE : s;
    }

    /** Bytes as B, KB, MB, GB, TB. */
    public static String human(long b) {
        if (b == Long.MAX_VALUE) {
            return "more than 9 EB";
        }
        String[] u = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
        double v = b;
        int i = 0;
        while (v >= 1000 && i < u.length - 1) {
            v /= 1000;
            i++;
        }
        return String.format(Locale.ROOT, i == 0 ? "%.0f %s" : "%.1f %s", v, u[i]);
    }
}
