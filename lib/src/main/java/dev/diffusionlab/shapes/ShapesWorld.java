package dev.diffusionlab.shapes;

import dev.diffusionlab.shapes.ShapesSample.DrawnObject;
import dev.diffusionlab.shapes.ShapesSample.WordMask;
import dev.diffusionlab.shapes.Vocab.Colour;
import dev.diffusionlab.shapes.Vocab.Position;
import dev.diffusionlab.shapes.Vocab.ShapeType;
import dev.diffusionlab.shapes.Vocab.Size;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * A seeded generator of small captioned images: one or two flat shapes on a plain background, the
 * caption from {@link Caption}'s grammar and the ground-truth mask of every object and caption word.
 * Colour–shape combinations in {@link Config#heldOut()} never appear in the {@link Split#TRAIN} split;
 * the {@link Split#HELD_OUT} split always contains one, to test composition.
 *
 * <pre>{@code
 * ShapesWorld world = new ShapesWorld(ShapesWorld.Config.defaults());   // 32×32, "purple triangle" held out
 * ShapesSample s = world.sample(42, ShapesWorld.Split.TRAIN);
 * s.caption();          // e.g. "a small red circle on the left and a blue square on the right"
 * s.objects().get(0).mask();
 * }</pre>
 */
public final class ShapesWorld {
    /** Which captions a sample may have. */
    public enum Split { TRAIN, HELD_OUT }

    /**
     * @param size image side in pixels (≥ 16)
     * @param twoObjectProbability chance of a two-object image
     * @param sizeWordProbability chance that the caption says an object's size
     * @param heldOut colour–shape combinations such as "purple triangle" kept out of training
     */
    public record Config(int size, double twoObjectProbability, double sizeWordProbability, Set<String> heldOut) {
        public Config {
            if (size < 16) {
                throw new IllegalArgumentException("image size must be ≥ 16 pixels, got " + size);
            }
            if (!(twoObjectProbability >= 0 && twoObjectProbability <= 1) || !(sizeWordProbability >= 0 && sizeWordProbability <= 1)) {
                throw new IllegalArgumentException("probabilities must be in [0, 1]: twoObjectProbability " + twoObjectProbability
                        + ", sizeWordProbability " + sizeWordProbability);
            }
            heldOut = Set.copyOf(new TreeSet<>(heldOut));
            for (String combo : heldOut) {
                String[] w = combo.split(" ");
                if (w.length != 2 || Vocab.byWord(Colour.class, w[0]) == null || Vocab.byWord(ShapeType.class, w[1]) == null) {
                    throw new IllegalArgumentException("held-out combination '" + combo + "' is not '<colour> <shape>' (e.g. 'purple triangle')");
                }
            }
            Set<String> free = new TreeSet<>();
            for (Colour c : Colour.values()) {
                for (ShapeType t : ShapeType.values()) {
                    if (!heldOut.contains(c.word() + " " + t.word())) {
                        free.add(c.word());
                    }
                }
            }
            if (free.size() < 2) {
                throw new IllegalArgumentException("held-out set " + heldOut + " leaves fewer than 2 colours for training");
            }
        }

        /** 32×32, half the images with two objects, size said half the time, "purple triangle" held out. */
        public static Config defaults() {
            return new Config(32, 0.5, 0.5, Set.of("purple triangle"));
        }

        public Config withSize(int s) {
            return new Config(s, twoObjectProbability, sizeWordProbability, heldOut);
        }

        public Config withHeldOut(Set<String> h) {
            return new Config(size, twoObjectProbability, sizeWordProbability, h);
        }
    }

    /** Position pairs of two-object images: opposite anchors, so objects never overlap. */
    private static final Position[][] PAIRS = {{Position.LEFT, Position.RIGHT}, {Position.TOP, Position.BOTTOM}};

    private final Config config;

    public ShapesWorld(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /** Whether a combination ("purple triangle") is held out. */
    public boolean isHeldOut(Colour c, ShapeType s) {
        return config.heldOut().contains(c.word() + " " + s.word());
    }

    /** The sample of {@code index} in a split: the same index always gives the same sample. */
    public ShapesSample sample(long index, Split split) {
        if (split == Split.HELD_OUT && config.heldOut().isEmpty()) {
            throw new IllegalArgumentException("the HELD_OUT split needs at least one held-out combination (config.heldOut() is empty)");
        }
        Random rnd = new Random(mix(index, split));
        int n = rnd.nextDouble() < config.twoObjectProbability() ? 2 : 1;
        Position[] places;
        if (n == 2) {
            Position[] pair = PAIRS[rnd.nextInt(PAIRS.length)];
            places = rnd.nextBoolean() ? pair : new Position[] {pair[1], pair[0]};
        } else {
            places = new Position[] {Position.values()[rnd.nextInt(Position.values().length)]};
        }
        int heldOutSlot = split == Split.HELD_OUT ? rnd.nextInt(n) : -1;
        ObjectSpec[] specs = new ObjectSpec[n];
        Size[] sizes = new Size[n];
        // the held-out object is drawn first, so the other one can always avoid its colour
        int[] order = heldOutSlot == 1 ? new int[] {1, 0} : n == 2 ? new int[] {0, 1} : new int[] {0};
        Colour taken = null;
        for (int o : order) {
            Colour colour;
            ShapeType shape;
            do {
                colour = Colour.values()[rnd.nextInt(Colour.values().length)];
                shape = ShapeType.values()[rnd.nextInt(ShapeType.values().length)];
                // two objects never share a colour, so a colour word names exactly one object
            } while (colour == taken || (o == heldOutSlot ? !isHeldOut(colour, shape) : isHeldOut(colour, shape)));
            taken = colour;
            sizes[o] = Size.values()[rnd.nextInt(Size.values().length)];
            specs[o] = new ObjectSpec(colour, shape, rnd.nextDouble() < config.sizeWordProbability() ? sizes[o] : null, places[o]);
        }
        return draw(List.of(specs), List.of(sizes), rnd);
    }

    /** Draws objects as specified; an unsaid size is drawn at random from {@code rnd}. */
    public ShapesSample render(List<ObjectSpec> specs, Random rnd) {
        List<Size> sizes = new ArrayList<>();
        for (ObjectSpec s : specs) {
            sizes.add(s.size() != null ? s.size() : Size.values()[rnd.nextInt(Size.values().length)]);
        }
        return draw(specs, sizes, rnd);
    }

    private ShapesSample draw(List<ObjectSpec> specs, List<Size> sizes, Random rnd) {
        int side = config.size();
        BufferedImage img = blank(side);
        List<DrawnObject> objects = new ArrayList<>();
        double jitter = 0.04 * side;
        for (int o = 0; o < specs.size(); o++) {
            ObjectSpec s = specs.get(o);
            double cx = s.position().x * side + (rnd.nextDouble() * 2 - 1) * jitter;
            double cy = s.position().y * side + (rnd.nextDouble() * 2 - 1) * jitter;
            double r = sizes.get(o).radiusFraction * side;
            boolean[] mask = new boolean[side * side];
            int rgb = s.colour().rgb.getRGB();
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    if (inside(s.shape(), x + 0.5 - cx, y + 0.5 - cy, r)) {
                        mask[y * side + x] = true;
                        img.setRGB(x, y, rgb);
                    }
                }
            }
            objects.add(new DrawnObject(s, sizes.get(o), cx, cy, r, mask));
        }
        return new ShapesSample(img, Caption.format(specs), List.copyOf(objects), wordMasks(specs, objects));
    }

    /** A {@code side}² picture of the background colour (both worlds draw on it). */
    static BufferedImage blank(int side) {
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        int bg = Vocab.BACKGROUND.getRGB();
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                img.setRGB(x, y, bg);
            }
        }
        return img;
    }

    /** The mask of every content word (size, colour, shape, position): its object's mask. */
    static List<WordMask> wordMasks(List<ObjectSpec> specs, List<DrawnObject> objects) {
        return wordMasks(specs, objects, Caption.Order.COLOUR_FIRST);
    }

    /** As {@link #wordMasks(List, List)} for a caption in {@code order}. */
    static List<WordMask> wordMasks(List<ObjectSpec> specs, List<DrawnObject> objects, Caption.Order order) {
        List<WordMask> out = new ArrayList<>();
        for (Caption.Word w : Caption.words(specs, order)) {
            switch (w.kind()) {
                case SIZE, COLOUR, SHAPE, POSITION -> out.add(new WordMask(w, objects.get(w.object()).mask()));
                default -> { }
            }
        }
        return List.copyOf(out);
    }

    /** Pixel-centre inside test; shapes have comparable areas (square side 1.8r, triangle base 2r, height 2r). */
    static boolean inside(ShapeType shape, double dx, double dy, double r) {
        return switch (shape) {
            case CIRCLE -> dx * dx + dy * dy <= r * r;
            case SQUARE -> Math.abs(dx) <= 0.9 * r && Math.abs(dy) <= 0.9 * r;
            // apex up at dy = -r, base at dy = +r
            case TRIANGLE -> dy >= -r && dy <= r && Math.abs(dx) <= r * (dy + r) / (2 * r);
        };
    }

    private static long mix(long index, Split split) {
        long z = index * 0x9E3779B97F4A7C15L + (split == Split.TRAIN ? 0x1234567L : 0x7654321L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ShapesWorld(%dx%d, held out %s)", config.size(), config.size(), config.heldOut());
    }
}
