package dev.diffusionlab.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The tile loop of diffusers' {@code AutoencoderKL.tiled_decode} / {@code tiled_encode} (0.30.3):
 * overlapping tiles of {@code tileIn} input pixels every {@code tileIn·(1 − overlap)}, each mapped by
 * {@code f} to {@code tileOut}-sized outputs, then blended in place row by row (vertical then
 * horizontal linear ramps over {@code tileOut·overlap} pixels, in diffusers' order, so later blends see
 * earlier ones) and cropped to {@code tileOut − blend} before concatenation. Only one tile's
 * activations exist at a time, so peak memory follows the tile, not the image.
 *
 * <pre>{@code
 * NDArray img = VaeTiling.tiled(z, 64, 512, 0.25, tile -> decoder.forward(tile)); // (B,4,96,96) -> (B,3,768,768)
 * }</pre>
 */
public final class VaeTiling {
    private VaeTiling() {}

    /** One mapped tile, kept as fp32 host data for the blending. */
    private static final class Tile {
        final float[] v;
        final long b;
        final long c;
        final int h;
        final int w;

        Tile(NDArray t) {
            Shape s = t.getShape();
            this.b = s.get(0);
            this.c = s.get(1);
            this.h = (int) s.get(2);
            this.w = (int) s.get(3);
            this.v = t.getDataType() == DataType.FLOAT32 ? t.toFloatArray() : t.toType(DataType.FLOAT32, false).toFloatArray();
        }

        int idx(long plane, int y, int x) {
            return (int) ((plane * h + y) * w + x);
        }
    }

    /**
     * Tiled {@code f} over the last two axes of {@code x} (B, C, H, W).
     *
     * @param tileIn input tile side (diffusers' tile_latent_min_size for decode, tile_sample_min_size for encode)
     * @param tileOut output tile side
     * @param overlap overlap factor (diffusers: 0.25)
     */
    public static NDArray tiled(NDArray x, int tileIn, int tileOut, double overlap, UnaryOperator<NDArray> f) {
        if (tileIn < 1 || tileOut < 1 || !(overlap >= 0 && overlap < 1)) {
            throw new IllegalArgumentException("VAE tiling: tile sizes must be ≥ 1 and overlap in [0, 1), got " + tileIn + ", " + tileOut + ", " + overlap);
        }
        Shape s = x.getShape();
        long hIn = s.get(2);
        long wIn = s.get(3);
        int step = Math.max(1, (int) (tileIn * (1 - overlap))); // python int() truncates like the cast
        int blend = (int) (tileOut * overlap);
        int limit = tileOut - blend;
        DataType outType = null;
        List<List<Tile>> rows = new ArrayList<>();
        NDManager m = x.getManager();
        for (long i = 0; i < hIn; i += step) {
            List<Tile> row = new ArrayList<>();
            for (long j = 0; j < wIn; j += step) {
                try (NDManager tm = m.newSubManager()) {
                    NDArray in = x.get(":, :, " + i + ":" + Math.min(hIn, i + tileIn) + ", " + j + ":" + Math.min(wIn, j + tileIn));
                    in.attach(tm);
                    NDArray out = f.apply(in);
                    outType = out.getDataType();
                    row.add(new Tile(out));
                }
            }
            rows.add(row);
        }
        // blend in place, exactly in diffusers' order
        for (int i = 0; i < rows.size(); i++) {
            List<Tile> row = rows.get(i);
            for (int j = 0; j < row.size(); j++) {
                Tile t = row.get(j);
                if (i > 0) {
                    blendV(rows.get(i - 1).get(j), t, blend);
                }
                if (j > 0) {
                    blendH(row.get(j - 1), t, blend);
                }
            }
        }
        // crop every tile to [:limit, :limit] and concatenate
        Tile first = rows.get(0).get(0);
        long planes = first.b * first.c;
        int outH = 0;
        for (List<Tile> row : rows) {
            outH += Math.min(limit, row.get(0).h);
        }
        int outW = 0;
        for (Tile t : rows.get(0)) {
            outW += Math.min(limit, t.w);
        }
        float[] out = new float[(int) (planes * outH * outW)];
        int y0 = 0;
        for (List<Tile> row : rows) {
            int x0 = 0;
            int rh = Math.min(limit, row.get(0).h);
            for (Tile t : row) {
                int cw = Math.min(limit, t.w);
                for (long p = 0; p < planes; p++) {
                    for (int y = 0; y < rh; y++) {
                        System.arraycopy(t.v, t.idx(p, y, 0), out, (int) ((p * outH + y0 + y) * outW + x0), cw);
                    }
                }
                x0 += cw;
            }
            y0 += rh;
        }
        NDArray r = dev.diffusionlab.nn.Ops.constant(m, out, new Shape(first.b, first.c, outH, outW), DataType.FLOAT32);
        return outType == DataType.FLOAT32 ? r : r.toType(outType, false);
    }

    /** diffusers' blend_v: b's first rows fade in from a's last rows. */
    private static void blendV(Tile a, Tile b, int extent) {
        int e = Math.min(Math.min(a.h, b.h), extent);
        long planes = b.b * b.c;
        for (int y = 0; y < e; y++) {
            float wa = (float) (1 - (double) y / e);
            float wb = (float) ((double) y / e);
            for (long p = 0; p < planes; p++) {
                int ia = a.idx(p, a.h - e + y, 0);
                int ib = b.idx(p, y, 0);
                for (int x = 0; x < b.w; x++) {
                    b.v[ib + x] = a.v[ia + x] * wa + b.v[ib + x] * wb;
                }
            }
        }
    }

    /** diffusers' blend_h: b's first columns fade in from a's last columns. */
    private static void blendH(Tile a, Tile b, int extent) {
        int e = Math.min(Math.min(a.w, b.w), extent);
        long planes = b.b * b.c;
        for (long p = 0; p < planes; p++) {
            for (int y = 0; y < b.h; y++) {
                int ia = a.idx(p, y, a.w - e);
                int ib = b.idx(p, y, 0);
                for (int x = 0; x < e; x++) {
                    b.v[ib + x] = a.v[ia + x] * (float) (1 - (double) x / e) + b.v[ib + x] * (float) ((double) x / e);
                }
            }
        }
    }
}
