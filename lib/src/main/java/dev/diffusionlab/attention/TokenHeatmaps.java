package dev.diffusionlab.attention;

import dev.diffusionlab.clip.TokenizedPrompt;
import dev.diffusionlab.image.ImageGrid;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Per-token and per-word heat maps of one image of an {@link AttentionMaps}, aligned with the tokenizer's
 * inspection API: one map per BPE token, and per word the mean of its tokens' maps (as DAAM merges
 * "sunflowers" = "sun" + "flowers"). Start/end/padding tokens are hidden unless {@link #showSpecial}.
 *
 * <pre>{@code
 * TokenHeatmaps hm = TokenHeatmaps.of(capture.maps(), 0).normalization(TokenHeatmaps.Normalization.SHARED);
 * BufferedImage grid = hm.grid(result.images().get(0));         // every word, captioned
 * BufferedImage dog = hm.overlay(result.images().get(0), hm.word("dog"));
 * }</pre>
 */
public final class TokenHeatmaps {
    /** How map values become colours. */
    public enum Normalization {
        /** Each map from 0 to its own maximum (where does this word look, whatever its strength). */
        PER_TOKEN,
        /** One scale for every shown map (which words get the most attention). */
        SHARED,
        /** DAAM's: each pixel's share of attention among the prompt's tokens (start/end excluded), 0 to 1. */
        PER_PIXEL
    }

    /**
     * One heat map at image resolution.
     *
     * @param label the word or token text ({@code "<bos>"}, {@code "<eos>"}, {@code "<pad>"} for special positions)
     * @param wordIndex the prompt word index, -1 for special tokens
     * @param positions the token positions merged into this map
     * @param raw mean attention probability per pixel (image size, row-major)
     * @param values the values coloured ({@code raw}, or the per-pixel share for {@link Normalization#PER_PIXEL})
     * @param vmax the value shown at the top of the colour bar
     */
    public record Heatmap(String label, int wordIndex, int[] positions, int width, int height, float[] raw, float[] values, float vmax) {}

    private final AttentionMaps maps;
    private final int b;
    private final TokenizedPrompt prompt;
    private Normalization normalization = Normalization.PER_TOKEN;
    private boolean showSpecial;
    private Colormap colormap = Colormap.INFERNO;

    private TokenHeatmaps(AttentionMaps maps, int b) {
        this.maps = maps;
        this.b = b;
        this.prompt = maps.prompt(b);
    }

    /** The heat maps of batch row {@code b}. */
    public static TokenHeatmaps of(AttentionMaps maps, int b) {
        return new TokenHeatmaps(maps, b);
    }

    public TokenHeatmaps normalization(Normalization n) {
        this.normalization = n;
        return this;
    }

    /** Also list the start, end and (merged) padding tokens. */
    public TokenHeatmaps showSpecial(boolean on) {
        this.showSpecial = on;
        return this;
    }

    public TokenHeatmaps colormap(Colormap c) {
        this.colormap = c;
        return this;
    }

    public TokenizedPrompt prompt() {
        return prompt;
    }

    /** One map per BPE token of the prompt (plus special tokens when shown). */
    public List<Heatmap> tokens() {
        List<int[]> groups = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<Integer> words = new ArrayList<>();
        for (TokenizedPrompt.Token t : prompt.tokens()) {
            if (t.isPromptToken()) {
                groups.add(new int[] {t.position()});
                labels.add(t.text().replace("</w>", ""));
                words.add(t.wordIndex());
            }
        }
        addSpecial(groups, labels, words);
        return build(groups, labels, words);
    }

    /** One map per prompt word (its tokens' maps averaged), plus special tokens when shown. */
    public List<Heatmap> words() {
        List<int[]> groups = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<Integer> words = new ArrayList<>();
        for (int w = 0; w < prompt.words().size(); w++) {
            int[] pos = prompt.positionsOfWord(w);
            if (pos.length > 0) { // words cut off by truncation have no position
                groups.add(pos);
                labels.add(prompt.words().get(w));
                words.add(w);
            }
        }
        addSpecial(groups, labels, words);
        return build(groups, labels, words);
    }

    /** The map of the prompt's word number {@code wordIndex} (into {@code prompt().words()}); use it when a word occurs twice. */
    public Heatmap wordAt(int wordIndex) {
        for (Heatmap h : words()) {
            if (h.wordIndex() == wordIndex) {
                return h;
            }
        }
        throw new IllegalArgumentException("word index " + wordIndex + " has no map in \"" + prompt.prompt() + "\" (words "
                + prompt.words() + "; words cut off by truncation have none)");
    }

    /** The map of one word of the prompt (case-insensitive; its first occurrence); a word not in the prompt is an error. */
    public Heatmap word(String word) {
        String w = word.toLowerCase(Locale.ROOT).strip();
        for (Heatmap h : words()) {
            if (h.wordIndex() >= 0 && h.label().equals(w)) {
                return h;
            }
        }
        throw new IllegalArgumentException("word '" + word + "' is not in the prompt \"" + prompt.prompt() + "\"; its words are "
                + prompt.words());
    }

    private void addSpecial(List<int[]> groups, List<String> labels, List<Integer> words) {
        if (!showSpecial) {
            return;
        }
        List<Integer> pad = new ArrayList<>();
        for (TokenizedPrompt.Token t : prompt.tokens()) {
            if (t.bos()) {
                groups.add(new int[] {t.position()});
                labels.add("<bos>");
                words.add(-1);
            } else if (t.eos()) {
                groups.add(new int[] {t.position()});
                labels.add("<eos>");
                words.add(-1);
            } else if (t.padding()) {
                pad.add(t.position());
            }
        }
        if (!pad.isEmpty()) {
            groups.add(pad.stream().mapToInt(Integer::intValue).toArray());
            labels.add("<pad>");
            words.add(-1);
        }
    }

    private List<Heatmap> build(List<int[]> groups, List<String> labels, List<Integer> words) {
        int h = maps.height();
        int w = maps.width();
        int s = maps.vaeScale();
        float[] promptSum = null;
        if (normalization == Normalization.PER_PIXEL) {
            promptSum = new float[h * w];
            for (TokenizedPrompt.Token t : prompt.tokens()) {
                if (t.isPromptToken()) {
                    add(promptSum, maps.tokenMap(b, t.position()));
                }
            }
        }
        List<float[]> raws = new ArrayList<>();
        List<float[]> vals = new ArrayList<>();
        float shared = 0;
        for (int[] g : groups) {
            float[] m = new float[h * w];
            for (int p : g) {
                add(m, maps.tokenMap(b, p));
            }
            for (int i = 0; i < m.length; i++) {
                m[i] /= g.length;
            }
            float[] v = m;
            if (promptSum != null) {
                v = new float[m.length];
                for (int i = 0; i < m.length; i++) {
                    v[i] = m[i] / (promptSum[i] + 1e-6f);
                }
            }
            float[] rawUp = Bilinear.resize(m, h, w, h * s, w * s);
            float[] valUp = v == m ? rawUp : Bilinear.resize(v, h, w, h * s, w * s);
            raws.add(rawUp);
            vals.add(valUp);
            shared = Math.max(shared, max(valUp));
        }
        List<Heatmap> out = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            float vmax = switch (normalization) {
                case PER_TOKEN -> max(vals.get(i));
                case SHARED -> shared;
                case PER_PIXEL -> 1f;
            };
            out.add(new Heatmap(labels.get(i), words.get(i), groups.get(i), w * s, h * s, raws.get(i), vals.get(i), vmax));
        }
        return out;
    }

    /** The heat map over {@code image} (scaled to the map size) with a colour bar on the right. */
    public BufferedImage overlay(BufferedImage image, Heatmap m) {
        BufferedImage base = scaled(image, m.width(), m.height());
        BufferedImage out = new BufferedImage(m.width() + BAR, m.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < m.height(); y++) {
            for (int x = 0; x < m.width(); x++) {
                int p = base.getRGB(x, y);
                int c = colormap.rgb(m.vmax() > 0 ? m.values()[y * m.width() + x] / m.vmax() : 0);
                out.setRGB(x, y, blend(p, c, 0.6));
            }
        }
        drawBar(out, m.width(), m.height(), m.vmax());
        return out;
    }

    /** The heat map alone (coloured) with its colour bar. */
    public BufferedImage image(Heatmap m) {
        BufferedImage out = new BufferedImage(m.width() + BAR, m.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < m.height(); y++) {
            for (int x = 0; x < m.width(); x++) {
                out.setRGB(x, y, colormap.rgb(m.vmax() > 0 ? m.values()[y * m.width() + x] / m.vmax() : 0));
            }
        }
        drawBar(out, m.width(), m.height(), m.vmax());
        return out;
    }

    /** Every word's overlay in a grid, captioned with the word. */
    public BufferedImage grid(BufferedImage image) {
        return grid(image, words());
    }

    /** The given maps' overlays in a grid, captioned with their labels. */
    public BufferedImage grid(BufferedImage image, List<Heatmap> list) {
        if (list.isEmpty()) {
            throw new IllegalArgumentException("no heat maps to show (the prompt has no words; use showSpecial(true))");
        }
        List<BufferedImage> tiles = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (Heatmap m : list) {
            tiles.add(overlay(image, m));
            captions.add(m.label());
        }
        return ImageGrid.of(tiles, captions, Math.min(4, tiles.size()), 1);
    }

    /** Statistics of every word's map (and special tokens when shown). */
    public List<HeatmapStats> stats() {
        List<HeatmapStats> out = new ArrayList<>();
        for (Heatmap m : words()) {
            out.add(HeatmapStats.of(m.label(), m.raw(), m.width(), m.height()));
        }
        return out;
    }

    /**
     * Frames of how one word's map changes over the steps (needs per-step maps): each frame shows the map of
     * steps {@code 0..i} when {@code cumulative}, else of step {@code i} alone, with a per-frame scale.
     */
    public static List<BufferedImage> animation(AttentionMaps maps, int b, String word, BufferedImage image, boolean cumulative) {
        List<AttentionMaps.StepMaps> steps = maps.steps();
        if (steps.isEmpty()) {
            throw new IllegalStateException("per-step maps were not kept: build the capture with keepPerStep()");
        }
        List<BufferedImage> frames = new ArrayList<>();
        int first = steps.get(0).index();
        for (AttentionMaps.StepMaps s : steps) {
            AttentionMaps view = cumulative ? maps.atSteps(first, s.index() + 1) : maps.atStep(s.index());
            TokenHeatmaps hm = of(view, b);
            BufferedImage f = hm.overlay(image, hm.word(word));
            Graphics2D g = f.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
            String cap = String.format(Locale.ROOT, "%s  step %d  t=%.0f", word, s.index(), s.timestep());
            g.setColor(Color.BLACK);
            g.drawString(cap, 4, 13);
            g.setColor(Color.WHITE);
            g.drawString(cap, 3, 12);
            g.dispose();
            frames.add(f);
        }
        return frames;
    }

    private static final int BAR = 48;

    private void drawBar(BufferedImage out, int x0, int h, float vmax) {
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(x0, 0, BAR, h);
        int top = 6;
        int bottom = h - 6;
        for (int y = top; y <= bottom; y++) {
            double t = (double) (bottom - y) / Math.max(1, bottom - top);
            g.setColor(new Color(colormap.rgb(t)));
            g.fillRect(x0 + 4, y, 10, 1);
        }
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
        g.setColor(Color.BLACK);
        g.drawString(fmt(vmax), x0 + 16, top + 8);
        g.drawString(fmt(vmax / 2), x0 + 16, (top + bottom) / 2 + 3);
        g.drawString("0", x0 + 16, bottom);
        g.dispose();
    }

    private static String fmt(float v) {
        return v >= 0.01f ? String.format(Locale.ROOT, "%.2f", v) : String.format(Locale.ROOT, "%.0e", v);
    }

    private static BufferedImage scaled(BufferedImage im, int w, int h) {
        if (im.getWidth() == w && im.getHeight() == h) {
            return im;
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(im, 0, 0, w, h, null);
        g.dispose();
        return out;
    }

    private static int blend(int base, int color, double a) {
        int r = (int) Math.round((1 - a) * ((base >> 16) & 255) + a * ((color >> 16) & 255));
        int gg = (int) Math.round((1 - a) * ((base >> 8) & 255) + a * ((color >> 8) & 255));
        int bb = (int) Math.round((1 - a) * (base & 255) + a * (color & 255));
        return (r << 16) | (gg << 8) | bb;
    }

    private static void add(float[] acc, float[] v) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += v[i];
        }
    }

    static float max(float[] v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }

    @Override
    public String toString() {
        return "TokenHeatmaps[" + prompt.prompt() + ", words " + Arrays.toString(prompt.words().toArray()) + ", " + normalization + "]";
    }
}
