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
 * object   := "a" size? colour shape place
 * place    := "on the" (left | right) | "at the" (top | bottom) | "in the center"
 * </pre>
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

    /** The kind of a caption word. */
    public enum WordKind { ARTICLE, SIZE, COLOUR, SHAPE, PREPOSITION, POSITION, AND }

    /** One word of a caption, the object it belongs to (-1 for "and") and its kind. */
    public record Word(int index, String text, WordKind kind, int object) {}

    /** Formats objects as a caption. */
    public static String format(List<ObjectSpec> objects) {
        return String.join(" ", words(objects).stream().map(Word::text).toList());
    }

    /** The words of the caption of {@code objects}, with kinds and object indices. */
    public static List<Word> words(List<ObjectSpec> objects) {
        if (objects.isEmpty() || objects.size() > MAX_OBJECTS) {
            throw new IllegalArgumentException("a caption describes 1 to " + MAX_OBJECTS + " objects, got " + objects.size());
        }
        List<Word> out = new ArrayList<>();
        for (int o = 0; o < objects.size(); o++) {
            ObjectSpec s = objects.get(o);
            if (o > 0) {
                out.add(new Word(out.size(), "and", WordKind.AND, -1));
            }
            out.add(new Word(out.size(), "a", WordKind.ARTICLE, o));
            if (s.size() != null) {
                out.add(new Word(out.size(), s.size().word(), WordKind.SIZE, o));
            }
            out.add(new Word(out.size(), s.colour().word(), WordKind.COLOUR, o));
            out.add(new Word(out.size(), s.shape().word(), WordKind.SHAPE, o));
            for (String p : s.position().preposition.split(" ")) {
                out.add(new Word(out.size(), p, WordKind.PREPOSITION, o));
            }
            out.add(new Word(out.size(), s.position().word(), WordKind.POSITION, o));
        }
        return out;
    }

    /** Parses a caption of the grammar; anything else fails naming the word and its index. */
    public static List<ObjectSpec> parse(String caption) {
        if (caption == null) {
            throw new IllegalArgumentException("caption is null");
        }
        String[] w = caption.strip().toLowerCase(java.util.Locale.ROOT).split("\\s+");
        List<ObjectSpec> out = new ArrayList<>();
        int i = 0;
        while (true) {
            expect(w, i++, "a", caption);
            Size size = i < w.length ? Vocab.byWord(Size.class, w[i]) : null;
            if (size != null) {
                i++;
            }
            Colour colour = word(w, i++, Colour.class, caption);
            ShapeType shape = word(w, i++, ShapeType.class, caption);
            String prep1 = at(w, i++, caption);
            String prep2 = at(w, i++, caption);
            Position pos = word(w, i++, Position.class, caption);
            if (!pos.preposition.equals(prep1 + " " + prep2)) {
                throw new IllegalArgumentException("caption '" + caption + "': '" + prep1 + " " + prep2 + " " + pos.word()
                        + "' should be '" + pos.preposition + " " + pos.word() + "'");
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
