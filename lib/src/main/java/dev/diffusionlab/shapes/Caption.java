package dev.diffusionlab.shapes;

import dev.diffusionlab.shapes.Vocab.Colour;
import dev.diffusionlab.shapes.Vocab.Position;
import dev.diffusionlab.shapes.Vocab.ShapeType;
import dev.diffusionlab.shapes.Vocab.Size;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The caption grammar of the shapes world:
 * <pre>
 * caption  := object ( "and" object )*        (at most {@link #MAX_OBJECTS} objects; the v1 world draws 1–2)
 * object   := "a" size? colour shape place      (colour first, {@link Order#COLOUR_FIRST})
 *           | place "a" size? colour shape      (place first, {@link Order#PLACE_FIRST})
 * place    := "on the" (left | right) | "at the" (top | bottom) | "in the center"
 * </pre>
 * A causal text encoder reads the words in this order: with the place first, the colour word's vector already
 * knows where its object is (docs/shapes-world.md).
 * Every caption is lower case with single spaces, so word {@code i} of {@link #words} is word {@code i}
 * of the CLIP tokenizer's {@code inspect} (each grammar word is one token).
 *
 * <pre>{@code
 * String c = Caption.format(List.of(new ObjectSpec(Colour.RED, ShapeType.CIRCLE, null, Position.LEFT)));
 * // "a red circle on the left"
 * List<ObjectSpec> back = Caption.parse(c);
 * }</pre>
 */
public final class Caption {
    private Caption() {}

    /** Most objects one caption may name (the v2 world draws up to three). */
    public static final int MAX_OBJECTS = 3;

    /**
     * Where an object's place phrase goes: after its shape ("a red circle on the left", v1 and the first v2 runs)
     * or before its article ("on the left a red circle").
     */
    public enum Order {
        COLOUR_FIRST, PLACE_FIRST;

        /** The name used in recipe.json and on the command line: "colour-first" or "place-first". */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }

        /** The order of {@code key} ("colour-first" or "place-first"); anything else fails naming it. */
        public static Order of(String key) {
            for (Order o : values()) {
                if (o.key().equals(key)) {
                    return o;
                }
            }
            throw new IllegalArgumentException("caption order '" + key + "' is not colour-first or place-first");
        }
    }

    /** The kind of a caption word. */
    public enum WordKind { ARTICLE, SIZE, COLOUR, SHAPE, PREPOSITION, POSITION, AND }

    /** One word of a caption, the object it belongs to (-1 for "and") and its kind. */
    public record Word(int index, String text, WordKind kind, int object) {}

    /** Formats objects as a caption, colour first. */
    public static String format(List<ObjectSpec> objects) {
        return format(objects, Order.COLOUR_FIRST);
    }

    /** Formats objects as a caption in {@code order}. */
    public static String format(List<ObjectSpec> objects, Order order) {
        return String.join(" ", words(objects, order).stream().map(Word::text).toList());
    }

    /** The words of the colour-first caption of {@code objects}, with kinds and object indices. */
    public static List<Word> words(List<ObjectSpec> objects) {
        return words(objects, Order.COLOUR_FIRST);
    }

    /** The words of {@code caption} (either order), with kinds and object indices. */
    public static List<Word> words(String caption) {
        return words(parse(caption), order(caption));
    }

    /** The order of a caption of the grammar: place first when it starts with a preposition. */
    public static Order order(String caption) {
        String first = caption == null ? "" : caption.strip().toLowerCase(java.util.Locale.ROOT).split("\\s+")[0];
        return first.equals("a") ? Order.COLOUR_FIRST : Order.PLACE_FIRST;
    }

    /** The words of the caption of {@code objects} in {@code order}, with kinds and object indices. */
    public static List<Word> words(List<ObjectSpec> objects, Order order) {
        if (objects.isEmpty() || objects.size() > MAX_OBJECTS) {
            throw new IllegalArgumentException("a caption describes 1 to " + MAX_OBJECTS + " objects, got " + objects.size());
        }
        List<Word> out = new ArrayList<>();
        for (int o = 0; o < objects.size(); o++) {
            ObjectSpec s = objects.get(o);
            if (o > 0) {
                out.add(new Word(out.size(), "and", WordKind.AND, -1));
            }
            if (order == Order.PLACE_FIRST) {
                place(s, o, out);
            }
            out.add(new Word(out.size(), "a", WordKind.ARTICLE, o));
            if (s.size() != null) {
                out.add(new Word(out.size(), s.size().word(), WordKind.SIZE, o));
            }
            out.add(new Word(out.size(), s.colour().word(), WordKind.COLOUR, o));
            out.add(new Word(out.size(), s.shape().word(), WordKind.SHAPE, o));
            if (order == Order.COLOUR_FIRST) {
                place(s, o, out);
            }
        }
        return out;
    }

    private static void place(ObjectSpec s, int o, List<Word> out) {
        for (String p : s.position().preposition.split(" ")) {
            out.add(new Word(out.size(), p, WordKind.PREPOSITION, o));
        }
        out.add(new Word(out.size(), s.position().word(), WordKind.POSITION, o));
    }

    /** Parses a caption of the grammar; anything else fails naming the word and its index. */
    public static List<ObjectSpec> parse(String caption) {
        if (caption == null) {
            throw new IllegalArgumentException("caption is null");
        }
        String[] w = caption.strip().toLowerCase(java.util.Locale.ROOT).split("\\s+");
        List<ObjectSpec> out = new ArrayList<>();
        int i = 0;
        boolean placeFirst = !at(w, 0, caption).equals("a");
        while (true) {
            Position pos = null;
            if (placeFirst) {
                pos = place(w, i, caption);
                i += 3;
            }
            expect(w, i++, "a", caption);
            Size size = i < w.length ? Vocab.byWord(Size.class, w[i]) : null;
            if (size != null) {
                i++;
            }
            Colour colour = word(w, i++, Colour.class, caption);
            ShapeType shape = word(w, i++, ShapeType.class, caption);
            if (!placeFirst) {
                pos = place(w, i, caption);
                i += 3;
            }
            out.add(new ObjectSpec(colour, shape, size, pos));
            if (i == w.length) {
                break;
            }
            if (out.size() == MAX_OBJECTS) {
                throw new IllegalArgumentException("caption '" + caption + "': at most " + MAX_OBJECTS + " objects; unexpected word " + i
                        + " '" + w[i] + "'");
            }
            expect(w, i++, "and", caption);
        }
        return out;
    }

    /** The place phrase at words i..i+2 ("on the left"). */
    private static Position place(String[] w, int i, String caption) {
        String prep1 = at(w, i, caption);
        String prep2 = at(w, i + 1, caption);
        Position pos = word(w, i + 2, Position.class, caption);
        if (!pos.preposition.equals(prep1 + " " + prep2)) {
            throw new IllegalArgumentException("caption '" + caption + "': '" + prep1 + " " + prep2 + " " + pos.word()
                    + "' should be '" + pos.preposition + " " + pos.word() + "'");
        }
        return pos;
    }

    private static String at(String[] w, int i, String caption) {
        if (i >= w.length) {
            throw new IllegalArgumentException("caption '" + caption + "' ends early (word " + i + " missing)");
        }
        return w[i];
    }

    private static void expect(String[] w, int i, String word, String caption) {
        if (!at(w, i, caption).equals(word)) {
            throw new IllegalArgumentException("caption '" + caption + "': word " + i + " is '" + w[i] + "', expected '" + word + "'");
        }
    }

    private static <E extends Enum<E>> E word(String[] w, int i, Class<E> type, String caption) {
        E e = Vocab.byWord(type, at(w, i, caption));
        if (e == null) {
            throw new IllegalArgumentException("caption '" + caption + "': word " + i + " '" + w[i] + "' is not a "
                    + type.getSimpleName().toLowerCase(java.util.Locale.ROOT) + " (one of "
                    + Arrays.stream(type.getEnumConstants()).map(x -> x.name().toLowerCase(java.util.Locale.ROOT)).toList() + ")");
        }
        return e;
    }

    /** Every word the grammar can produce, sorted. */
    public static List<String> vocabulary() {
        java.util.TreeSet<String> s = new java.util.TreeSet<>(List.of("a", "and", "on", "at", "in", "the"));
        for (Colour c : Colour.values()) {
            s.add(c.word());
        }
        for (ShapeType t : ShapeType.values()) {
            s.add(t.word());
        }
        for (Size z : Size.values()) {
            s.add(z.word());
        }
        for (Position p : Position.values()) {
            s.add(p.word());
        }
        return List.copyOf(s);
    }
}
