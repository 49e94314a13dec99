package dev.diffusionlab.attention;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which cross-attention layers of a UNet count: by block ("down", "mid", "up", or any path prefix such as
 * "up_blocks.1") and by resolution level (the layer's downscale relative to the latent: 1 = full latent
 * size, 2, 4, 8 = the deepest level of SD 1.x). Both lists empty-free; null = any.
 *
 * <pre>{@code LayerFilter f = LayerFilter.all().blocks("up").resolutions(2, 4); // the 32×32 and 16×16 up layers of SD at 512}</pre>
 */
public record LayerFilter(List<String> blockNames, Set<Integer> factors) {
    private static final Pattern BLOCK = Pattern.compile("^(down_blocks|up_blocks)\\.(\\d+)\\.");

    public LayerFilter {
        blockNames = blockNames == null ? null : List.copyOf(blockNames);
        factors = factors == null ? null : Set.copyOf(factors);
    }

    /** Every cross-attention layer. */
    public static LayerFilter all() {
        return new LayerFilter(null, null);
    }

    /** {@code f} itself; a null filter is refused (the caller meant {@link #all()}). */
    static LayerFilter required(LayerFilter f) {
        if (f == null) {
            throw new IllegalArgumentException("layer filter is null (use LayerFilter.all())");
        }
        return f;
    }

    /** Only layers in these blocks ("down", "mid", "up" or a path prefix like "down_blocks.0"). */
    public LayerFilter blocks(String... names) {
        if (names == null || names.length == 0) {
            throw new IllegalArgumentException("empty layer filter: blocks() needs at least one name (down, mid, up or a path prefix)");
        }
        for (String n : names) {
            if (n == null || n.isBlank()) {
                throw new IllegalArgumentException("empty layer filter: blank block name in " + Arrays.toString(names));
            }
        }
        return new LayerFilter(Arrays.asList(names), factors);
    }

    /** Only layers whose feature map is the latent size divided by one of {@code factors} (1, 2, 4, 8, …). */
    public LayerFilter resolutions(int... levels) {
        if (levels == null || levels.length == 0) {
            throw new IllegalArgumentException("empty layer filter: resolutions() needs at least one downscale factor (1, 2, 4, 8)");
        }
        Set<Integer> s = new TreeSet<>();
        for (int f : levels) {
            if (f < 1 || Integer.bitCount(f) != 1) {
                throw new IllegalArgumentException("resolution factor must be a power of two ≥ 1, got " + f);
            }
            s.add(f);
        }
        return new LayerFilter(blockNames, s);
    }

    /** True when the layer at {@code path} with downscale {@code factor} is selected. */
    public boolean matches(String path, int factor) {
        if (factors != null && !factors.contains(factor)) {
            return false;
        }
        if (blockNames == null) {
            return true;
        }
        String kind = blockKind(path);
        for (String b : blockNames) {
            if (b.equals(kind) || path.startsWith(b)) {
                return true;
            }
        }
        return false;
    }

    /** "down", "mid" or "up" for a UNet attention path. */
    public static String blockKind(String path) {
        if (path.startsWith("down_blocks.")) {
            return "down";
        }
        if (path.startsWith("up_blocks.")) {
            return "up";
        }
        if (path.startsWith("mid_block")) {
            return "mid";
        }
        throw new IllegalArgumentException("not a UNet block attention path: " + path);
    }

    /** The downscale factor of a layer relative to the latent, for a UNet with {@code levels} down blocks. */
    public static int factorOf(String path, int levels) {
        Matcher m = BLOCK.matcher(path);
        if (m.find()) {
            int i = Integer.parseInt(m.group(2));
            return 1 << (m.group(1).equals("down_blocks") ? i : levels - 1 - i);
        }
        if (path.startsWith("mid_block")) {
            return 1 << (levels - 1);
        }
        throw new IllegalArgumentException("not a UNet block attention path: " + path);
    }

    @Override
    public String toString() {
        return "LayerFilter[blocks=" + (blockNames == null ? "any" : blockNames) + ", resolutions=" + (factors == null ? "any" : factors) + "]";
    }
}
