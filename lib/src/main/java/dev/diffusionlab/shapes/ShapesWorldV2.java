package dev.diffusionlab.shapes;

import dev.diffusionlab.shapes.ShapesSample.DrawnObject;
import dev.diffusionlab.shapes.Vocab.Colour;
import dev.diffusionlab.shapes.Vocab.Position;
import dev.diffusionlab.shapes.Vocab.ShapeType;
import dev.diffusionlab.shapes.Vocab.Size;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * The v2 shapes world: 64×64 images, one to three anti-aliased objects (4×4 supersampling; squares
 * snapped to the pixel grid so their edges and corners stay sharp), each at its own one of the five
 * positions, captions of {@link Caption}'s grammar naming the objects in a random order. Its palette
 * keeps orange far from yellow and red ({@link #rgb}). Two compositions are held out of training: a
 * colour–shape pair (never drawn anywhere) and a colour–shape–position triple (the pair is seen, never
 * at that position); {@link Split#HELD_OUT_PAIR} / {@link Split#HELD_OUT_TRIPLE} captions always contain
 * one. The v1 world ({@link ShapesWorld}, 32×32) is unchanged.
 *
 * <p>Masks: an object's mask is the pixels it covers at least half (the same rule
 * {@link ShapesAnalyserV2} reads back); every content word (size, colour, shape, position) of an
 * object has that object's mask.
 *
 * <pre>{@code
 * ShapesWorldV2 world = new ShapesWorldV2(ShapesWorldV2.Config.defaults());
 * ShapesSample s = world.sample(7, ShapesWorldV2.Split.TRAIN);
 * s.caption();   // e.g. "a blue square at the top and a small orange circle on the left and a red triangle on the right"
 * ShapesSample swapped = ShapesWorldV2.reorder(s, new int[] {2, 0, 1});   // same picture, other word order
 * }</pre>
 */
public final class ShapesWorldV2 {
    /** Which captions a sample may have. */
    public enum Split {
        TRAIN("held-in"), HELD_OUT_PAIR("held-out pair"), HELD_OUT_TRIPLE("held-out triple");

        /** The name printed in reports. */
        public final String label;

        Split(String label) {
            this.label = label;
        }
    }

    /** Sub-pixel samples per side when rasterising (16 per pixel). */
    static final int SUPERSAMPLE = 4;
    /** Object radius (fraction of the side) of each size word. */
    static final double SMALL_RADIUS = 0.08;
    static final double LARGE_RADIUS = 0.125;
    /** Anchors of left/right (x) and top/bottom (y), as a fraction of the side; the others sit at 0.5. */
    static final double NEAR = 0.2;
    static final double FAR = 0.8;
    /** Random shift of an object's centre (fraction of the side, each axis). */
    static final double JITTER = 0.03;
    /** Smallest gap in pixels between the bounding boxes of two objects of one picture. */
    static final int MIN_GAP = 2;

    /**
     * @param size image side in pixels (≥ 32)
     * @param objectCounts probabilities of 1, 2 and 3 objects (sum 1)
     * @param sizeWordProbability chance that the caption says an object's size
     * @param heldOutPairs colour–shape pairs never drawn in training, e.g. "purple triangle"
     * @param heldOutTriples colour–shape–position triples never drawn in training, e.g. "red square top"
     * @param captionOrder where each object's place phrase goes in the captions (null: colour first)
     */
    public record Config(int size, double[] objectCounts, double sizeWordProbability, Set<String> heldOutPairs,
                         Set<String> heldOutTriples, Caption.Order captionOrder) {
        public Config(int size, double[] objectCounts, double sizeWordProbability, Set<String> heldOutPairs, Set<String> heldOutTriples) {
            this(size, objectCounts, sizeWordProbability, heldOutPairs, heldOutTriples, Caption.Order.COLOUR_FIRST);
        }

        public Config {
            captionOrder = captionOrder == null ? Caption.Order.COLOUR_FIRST : captionOrder;
            if (size < 32) {
                throw new IllegalArgumentException("v2 image size must be ≥ 32 pixels, got " + size);
            }
            if (objectCounts == null || objectCounts.length != 3 || Arrays.stream(objectCounts).anyMatch(p -> !(p >= 0))
                    || Math.abs(Arrays.stream(objectCounts).sum() - 1) > 1e-9) {
                throw new IllegalArgumentException("objectCounts must be 3 probabilities (1, 2, 3 objects) summing to 1, got "
                        + Arrays.toString(objectCounts));
            }
            objectCounts = objectCounts.clone();
            if (!(sizeWordProbability >= 0 && sizeWordProbability <= 1)) {
                throw new IllegalArgumentException("sizeWordProbability must be in [0, 1], got " + sizeWordProbability);
            }
            heldOutPairs = Set.copyOf(new TreeSet<>(heldOutPairs));
            heldOutTriples = Set.copyOf(new TreeSet<>(heldOutTriples));
            for (String p : heldOutPairs) {
                String[] w = p.split(" ");
                if (w.length != 2 || Vocab.byWord(Colour.class, w[0]) == null || Vocab.byWord(ShapeType.class, w[1]) == null) {
                    throw new IllegalArgumentException("held-out pair '" + p + "' is not '<colour> <shape>' (e.g. 'purple triangle')");
                }
            }
            for (String t : heldOutTriples) {
                String[] w = t.split(" ");
                if (w.length != 3 || Vocab.byWord(Colour.class, w[0]) == null || Vocab.byWord(ShapeType.class, w[1]) == null
                        || Vocab.byWord(Position.class, w[2]) == null) {
                    throw new IllegalArgumentException("held-out triple '" + t + "' is not '<colour> <shape> <position>' (e.g. 'red square top')");
                }
                if (heldOutPairs.contains(w[0] + " " + w[1])) {
                    throw new IllegalArgumentException("held-out triple '" + t + "' uses the held-out pair '" + w[0] + " " + w[1]
                            + "': a triple's pair must be seen in training");
                }
            }
        }

        /**
         * 64×64; 1, 2, 3 objects with probabilities 0.2, 0.4, 0.4; size said half the time; "purple triangle" and "red
         * square top" held out; captioned place first, "on the left a red circle" (docs/shapes-world.md: with a causal
         * text encoder only this order lets the colour and shape words read their place).
         */
        public static Config defaults() {
            return new Config(64, new double[] {0.2, 0.4, 0.4}, 0.5, Set.of("purple triangle"), Set.of("red square top"),
                    Caption.Order.PLACE_FIRST);
        }

        /** The same world with other object-count probabilities (the training curriculum's stages). */
        public Config withObjectCounts(double one, double two, double three) {
            return new Config(size, new double[] {one, two, three}, sizeWordProbability, heldOutPairs, heldOutTriples, captionOrder);
        }

        public Config withSize(int s) {
            return new Config(s, objectCounts, sizeWordProbability, heldOutPairs, heldOutTriples, captionOrder);
        }

        /**
         * The default world captioned as the model in {@code dir} was trained: the {@code world.caption_order} of its
         * recipe.json, colour first when the folder has no recipe or the recipe no such key (runs before the key).
         */
        public static Config forModel(java.nio.file.Path dir) {
            java.nio.file.Path recipe = dir.resolve("recipe.json");
            if (!java.nio.file.Files.isRegularFile(recipe)) {
                return defaults().withCaptionOrder(Caption.Order.COLOUR_FIRST);
            }
            dev.diffusionlab.nn.ConfigJson json = dev.diffusionlab.nn.ConfigJson.read(recipe);
            String order = json.has("world")
                    ? new dev.diffusionlab.nn.ConfigJson(json.json().getAsJsonObject("world"), recipe + " world").getString("caption_order", null)
                    : null;
            try {
                return defaults().withCaptionOrder(order == null ? Caption.Order.COLOUR_FIRST : Caption.Order.of(order));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(recipe + ": world.caption_order: " + e.getMessage(), e);
            }
        }

        /** The same world captioned in {@code order} (the pictures do not change). */
        public Config withCaptionOrder(Caption.Order order) {
            return new Config(size, objectCounts, sizeWordProbability, heldOutPairs, heldOutTriples, order);
        }
    }

    private final Config config;

    public ShapesWorldV2(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /** The v2 palette: saturated, far apart in RGB; orange sits ≥ 100 away from both yellow and red. */
    public static Color rgb(Colour c) {
        return switch (c) {
            case RED -> new Color(200, 25, 35);
            case GREEN -> new Color(30, 160, 60);
            case BLUE -> new Color(35, 75, 220);
            case YELLOW -> new Color(240, 215, 10);
            case PURPLE -> new Color(135, 45, 185);
            case ORANGE -> new Color(250, 110, 0);
        };
    }

    /** The anchor of a position word, as fractions (x, y) of the side. */
    public static double[] anchor(Position p) {
        return switch (p) {
            case LEFT -> new double[] {NEAR, 0.5};
            case RIGHT -> new double[] {FAR, 0.5};
            case TOP -> new double[] {0.5, NEAR};
            case BOTTOM -> new double[] {0.5, FAR};
            case CENTER -> new double[] {0.5, 0.5};
        };
    }

    /** The nearest v2 anchor to a point given in fractions of the image. */
    public static Position nearest(double fx, double fy) {
        Position best = Position.CENTER;
        double bd = Double.MAX_VALUE;
        for (Position p : Position.values()) {
            double[] a = anchor(p);
            double d = (a[0] - fx) * (a[0] - fx) + (a[1] - fy) * (a[1] - fy);
            if (d < bd) {
                bd = d;
                best = p;
            }
        }
        return best;
    }

    /** An object's radius (fraction of the side) for a size word. */
    public static double radius(Size s) {
        return s == Size.SMALL ? SMALL_RADIUS : LARGE_RADIUS;
    }

    public boolean isHeldOutPair(Colour c, ShapeType s) {
        return config.heldOutPairs().contains(c.word() + " " + s.word());
    }

    public boolean isHeldOutTriple(Colour c, ShapeType s, Position p) {
        return config.heldOutTriples().contains(c.word() + " " + s.word() + " " + p.word());
    }

    /** Whether training may show this object: neither its pair nor its triple is held out. */
    public boolean isTrainable(Colour c, ShapeType s, Position p) {
        return !isHeldOutPair(c, s) && !isHeldOutTriple(c, s, p);
    }

    /** The sample of {@code index} in a split: the same index always gives the same sample. */
    public ShapesSample sample(long index, Split split) {
        if (split == Split.HELD_OUT_PAIR && config.heldOutPairs().isEmpty()
                || split == Split.HELD_OUT_TRIPLE && config.heldOutTriples().isEmpty()) {
            throw new IllegalArgumentException("the " + split + " split needs a held-out " + (split == Split.HELD_OUT_PAIR ? "pair" : "triple")
                    + " in the world config");
        }
        Random rnd = new Random(mix(index, split));
        double u = rnd.nextDouble();
        double[] pc = config.objectCounts();
        int n = u < pc[0] ? 1 : u < pc[0] + pc[1] ? 2 : 3;
        List<Position> free = new ArrayList<>(List.of(Position.values()));
        Collections.shuffle(free, rnd);
        Position[] places = free.subList(0, n).toArray(Position[]::new);
        int special = split == Split.TRAIN ? -1 : rnd.nextInt(n);
        ObjectSpec[] specs = new ObjectSpec[n];
        Size[] sizes = new Size[n];
        List<Colour> taken = new ArrayList<>();
        if (special >= 0) {
            // the held-out object first, so the others can always avoid its colour
            String[] w = pick(split == Split.HELD_OUT_PAIR ? config.heldOutPairs() : config.heldOutTriples(), rnd).split(" ");
            Colour c = Vocab.byWord(Colour.class, w[0]);
            ShapeType s = Vocab.byWord(ShapeType.class, w[1]);
            if (split == Split.HELD_OUT_TRIPLE) {
                Position p = Vocab.byWord(Position.class, w[2]);
                int at = Arrays.asList(places).indexOf(p);
                if (at >= 0) {
                    places[at] = places[special]; // another object stood there: it takes the special object's place
                }
                places[special] = p;
            }
            sizes[special] = Size.values()[rnd.nextInt(2)];
            specs[special] = new ObjectSpec(c, s, rnd.nextDouble() < config.sizeWordProbability() ? sizes[special] : null, places[special]);
            taken.add(c);
        }
        for (int o = 0; o < n; o++) {
            if (o == special) {
                continue;
            }
            Colour colour;
            ShapeType shape;
            do {
                colour = Colour.values()[rnd.nextInt(Colour.values().length)];
                shape = ShapeType.values()[rnd.nextInt(ShapeType.values().length)];
                // objects never share a colour, so a colour word names exactly one object
            } while (taken.contains(colour) || !isTrainable(colour, shape, places[o]));
            taken.add(colour);
            sizes[o] = Size.values()[rnd.nextInt(2)];
            specs[o] = new ObjectSpec(colour, shape, rnd.nextDouble() < config.sizeWordProbability() ? sizes[o] : null, places[o]);
        }
        return draw(List.of(specs), List.of(sizes), rnd, config.captionOrder());
    }

    private static String pick(Set<String> set, Random rnd) {
        List<String> l = new ArrayList<>(new TreeSet<>(set));
        return l.get(rnd.nextInt(l.size()));
    }

    /** Draws objects as specified (positions must differ); an unsaid size is drawn at random from {@code rnd}. */
    public ShapesSample render(List<ObjectSpec> specs, Random rnd) {
        if (specs.stream().map(ObjectSpec::position).distinct().count() != specs.size()) {
            throw new IllegalArgumentException("two objects share a position: " + Caption.format(specs));
        }
        List<Size> sizes = new ArrayList<>();
        for (ObjectSpec s : specs) {
            sizes.add(s.size() != null ? s.size() : Size.values()[rnd.nextInt(2)]);
        }
        return draw(specs, sizes, rnd, config.captionOrder());
    }

    /**
     * The scene of {@code s} redrawn with object {@code object}'s shape replaced by {@code shape} (same colours,
     * sizes, places and caption order; centres re-jittered from {@code rnd}): a contrastive near miss that differs
     * from {@code s} by one shape word.
     */
    public ShapesSample withShape(ShapesSample s, int object, ShapeType shape, Random rnd) {
        ObjectSpec sp = s.objects().get(object).spec();
        return redrawn(s, object, new ObjectSpec(sp.colour(), shape, sp.size(), sp.position()), s.objects().get(object).actualSize(), rnd);
    }

    /**
     * The scene of {@code s} redrawn with object {@code object} at size {@code size}, said in the caption (same colours,
     * shapes, places and caption order; centres re-jittered from {@code rnd}): a contrastive near miss that differs from
     * {@code s} by one size word when {@code s} says that object's size.
     */
    public ShapesSample withSize(ShapesSample s, int object, Size size, Random rnd) {
        ObjectSpec sp = s.objects().get(object).spec();
        return redrawn(s, object, new ObjectSpec(sp.colour(), sp.shape(), size, sp.position()), size, rnd);
    }

    /** {@code s} redrawn in its own caption order with object {@code object} replaced by {@code spec}, drawn at {@code drawnSize}. */
    private ShapesSample redrawn(ShapesSample s, int object, ObjectSpec spec, Size drawnSize, Random rnd) {
        List<ObjectSpec> specs = new ArrayList<>();
        List<Size> sizes = new ArrayList<>();
        for (int o = 0; o < s.objects().size(); o++) {
            specs.add(o == object ? spec : s.objects().get(o).spec());
            sizes.add(o == object ? drawnSize : s.objects().get(o).actualSize());
        }
        return draw(specs, sizes, rnd, Caption.order(s.caption()));
    }

    /**
     * The same picture with its objects named in another order: object {@code order[k]} of {@code s} becomes
     * the caption's k-th object (caption, objects and word masks follow).
     */
    public static ShapesSample reorder(ShapesSample s, int[] order) {
        int n = s.objects().size();
        if (order.length != n || !Arrays.equals(Arrays.stream(order).sorted().toArray(), java.util.stream.IntStream.range(0, n).toArray())) {
            throw new IllegalArgumentException("order " + Arrays.toString(order) + " is not a permutation of the " + n + " objects");
        }
        List<DrawnObject> objects = new ArrayList<>();
        for (int k : order) {
            objects.add(s.objects().get(k));
        }
        List<ObjectSpec> specs = objects.stream().map(DrawnObject::spec).toList();
        Caption.Order said = Caption.order(s.caption());
        return new ShapesSample(s.image(), Caption.format(specs, said), List.copyOf(objects), ShapesWorld.wordMasks(specs, objects, said));
    }

    private ShapesSample draw(List<ObjectSpec> specs, List<Size> sizes, Random rnd, Caption.Order order) {
        int side = config.size();
        int n = specs.size();
        double[][] boxes = new double[n][];
        double[] cx = new double[n];
        double[] cy = new double[n];
        double[] r = new double[n];
        // jittered centres, redrawn until every pair of bounding boxes is MIN_GAP apart (the anchors alone always are)
        for (int attempt = 0; ; attempt++) {
            double j = attempt < 50 ? JITTER * side : 0;
            for (int o = 0; o < n; o++) {
                double[] a = anchor(specs.get(o).position());
                r[o] = radius(sizes.get(o)) * side;
                cx[o] = a[0] * side + (rnd.nextDouble() * 2 - 1) * j;
                cy[o] = a[1] * side + (rnd.nextDouble() * 2 - 1) * j;
                if (specs.get(o).shape() == ShapeType.SQUARE) {
                    // a square on whole pixels: its edges and corners stay sharp
                    int sideSq = (int) Math.round(1.8 * r[o]);
                    double x0 = Math.round(cx[o] - sideSq / 2.0);
                    double y0 = Math.round(cy[o] - sideSq / 2.0);
                    cx[o] = x0 + sideSq / 2.0;
                    cy[o] = y0 + sideSq / 2.0;
                    r[o] = sideSq / 1.8;
                }
                boxes[o] = new double[] {cx[o] - r[o], cy[o] - r[o], cx[o] + r[o], cy[o] + r[o]};
            }
            if (separated(boxes) || j == 0) {
                break;
            }
        }
        BufferedImage img = ShapesWorld.blank(side);
        List<DrawnObject> objects = new ArrayList<>();
        int ss = SUPERSAMPLE;
        for (int o = 0; o < n; o++) {
            ObjectSpec s = specs.get(o);
            boolean[] mask = new boolean[side * side];
            Color c = rgb(s.colour());
            int x0 = Math.max(0, (int) Math.floor(boxes[o][0]) - 1);
            int x1 = Math.min(side - 1, (int) Math.ceil(boxes[o][2]) + 1);
            int y0 = Math.max(0, (int) Math.floor(boxes[o][1]) - 1);
            int y1 = Math.min(side - 1, (int) Math.ceil(boxes[o][3]) + 1);
            for (int y = y0; y <= y1; y++) {
                for (int x = x0; x <= x1; x++) {
                    int hit = 0;
                    for (int sy = 0; sy < ss; sy++) {
                        for (int sx = 0; sx < ss; sx++) {
                            if (inside(s.shape(), x + (sx + 0.5) / ss - cx[o], y + (sy + 0.5) / ss - cy[o], r[o])) {
                                hit++;
                            }
                        }
                    }
                    if (hit == 0) {
                        continue;
                    }
                    double a = hit / (double) (ss * ss);
                    mask[y * side + x] = a >= 0.5;
                    img.setRGB(x, y, blend(Vocab.BACKGROUND, c, a));
                }
            }
            objects.add(new DrawnObject(s, sizes.get(o), cx[o], cy[o], r[o], mask));
        }
        return new ShapesSample(img, Caption.format(specs, order), List.copyOf(objects), ShapesWorld.wordMasks(specs, objects, order));
    }

    private static boolean separated(double[][] boxes) {
        for (int i = 0; i < boxes.length; i++) {
            for (int k = i + 1; k < boxes.length; k++) {
                double gx = Math.max(boxes[k][0] - boxes[i][2], boxes[i][0] - boxes[k][2]);
                double gy = Math.max(boxes[k][1] - boxes[i][3], boxes[i][1] - boxes[k][3]);
                if (Math.max(gx, gy) < MIN_GAP) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The colour a fraction {@code a} of the way from {@code from} to {@code to} (linear in sRGB, as the reader assumes). */
    static int blend(Color from, Color to, double a) {
        int r = (int) Math.round(from.getRed() + a * (to.getRed() - from.getRed()));
        int g = (int) Math.round(from.getGreen() + a * (to.getGreen() - from.getGreen()));
        int b = (int) Math.round(from.getBlue() + a * (to.getBlue() - from.getBlue()));
        return (r << 16) | (g << 8) | b;
    }

    /** Inside test relative to the centre; every shape fits the box ±r (square side 1.8r, triangle apex up, base 2r). */
    static boolean inside(ShapeType shape, double dx, double dy, double r) {
        return ShapesWorld.inside(shape, dx, dy, r);
    }

    private static long mix(long index, Split split) {
        long z = index * 0x9E3779B97F4A7C15L + 0x2545F4914F6CDD1DL * (split.ordinal() + 11);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ShapesWorldV2(%dx%d, 1/2/3 objects %s, held out %s and %s)", config.size(), config.size(),
                Arrays.toString(config.objectCounts()), config.heldOutPairs(), config.heldOutTriples());
    }
}
