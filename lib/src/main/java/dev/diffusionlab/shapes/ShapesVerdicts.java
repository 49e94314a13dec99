package dev.diffusionlab.shapes;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The analyser's verdict under every generated picture of a notebook, and the notebook's own exam: the
 * pictures it {@link #label labels} are tallied, and {@link #requireTargets} throws (failing the headless
 * run) when their colour or place accuracy falls below the model's eval targets (v1:
 * {@link ShapesEval#COLOUR_TARGET}, {@link ShapesEval#POSITION_TARGET}; v2, 64 px pictures: {@link ShapesEvalV2}'s held-in
 * targets). Pictures are read by the analyser of their world ({@link ShapesReader#of}).
 *
 * <pre>{@code
 * ShapesVerdicts v = new ShapesVerdicts();
 * String cap = v.label(image, "a red circle on the left");   // "ok", or e.g. "x shp,pos"; counted
 * String probe = v.peek(image, caption);                        // same verdict, not counted (deliberate failures)
 * v.requireTargets("03");                                       // last cell of the notebook
 * }</pre>
 * A verdict reads: {@code ok} when everything is right, else what is wrong: {@code col} colour, {@code shp}
 * shape, {@code pos} place, {@code size}, {@code cnt} number of objects.
 */
public final class ShapesVerdicts {
    private final List<ShapesAnalyser.Score> counted = new ArrayList<>();
    private boolean v2;

    /** The short verdict of one score: "ok" or "x " followed by what is wrong. */
    public static String verdict(ShapesAnalyser.Score s) {
        List<String> wrong = new ArrayList<>();
        if (!s.colour()) {
            wrong.add("col");
        }
        if (!s.shape()) {
            wrong.add("shp");
        }
        if (!s.position()) {
            wrong.add("pos");
        }
        if (s.objects().stream().anyMatch(o -> Boolean.FALSE.equals(o.size()))) {
            wrong.add("size");
        }
        if (!s.count()) {
            wrong.add("cnt");
        }
        return wrong.isEmpty() ? "ok" : "x " + String.join(",", wrong);
    }

    /** Scores the picture against its caption, counts it towards the notebook's exam and returns the verdict. */
    public String label(BufferedImage img, String caption) {
        ShapesAnalyser.Score s = ShapesReader.of(img).score(img, caption);
        v2 |= ShapesWorlds.isV2(img.getWidth());
        counted.add(s);
        return verdict(s);
    }

    /** The verdict without counting it: for pictures that are meant to fail (too few steps, a negative prompt...). */
    public String peek(BufferedImage img, String caption) {
        return verdict(ShapesReader.of(img).score(img, caption));
    }

    /** Number of counted pictures. */
    public int count() {
        return counted.size();
    }

    /** Fraction of counted pictures with every colour right. */
    public double colour() {
        return counted.stream().filter(ShapesAnalyser.Score::colour).count() / (double) Math.max(1, counted.size());
    }

    /** Fraction of counted pictures with every place right. */
    public double position() {
        return counted.stream().filter(ShapesAnalyser.Score::position).count() / (double) Math.max(1, counted.size());
    }

    /** Fraction of counted pictures with everything right. */
    public double all() {
        return counted.stream().filter(ShapesAnalyser.Score::all).count() / (double) Math.max(1, counted.size());
    }

    /** The colour target of the counted pictures' world: {@link ShapesEval#COLOUR_TARGET}, or v2's {@link ShapesEvalV2#HELD_IN_COLOUR}. */
    public double colourTarget() {
        return v2 ? ShapesEvalV2.HELD_IN_COLOUR : ShapesEval.COLOUR_TARGET;
    }

    /** The place target of the counted pictures' world (v1 {@link ShapesEval#POSITION_TARGET}, v2 {@link ShapesEvalV2#HELD_IN_POSITION}). */
    public double positionTarget() {
        return v2 ? ShapesEvalV2.HELD_IN_POSITION : ShapesEval.POSITION_TARGET;
    }

    /** One line: n, colour, place and all-right fractions against the targets. */
    public String summary() {
        return String.format(Locale.ROOT, "%d counted pictures: colour right %.3f (target %.2f), place right %.3f (target %.2f), all right %.3f",
                count(), colour(), colourTarget(), position(), positionTarget(), all());
    }

    /**
     * Throws an {@link IllegalStateException} naming the notebook and the figures when no picture was counted or
     * the colour or place accuracy is below the eval targets; returns the summary otherwise.
     */
    public String requireTargets(String notebook) {
        if (counted.isEmpty()) {
            throw new IllegalStateException("notebook " + notebook + ": no generated picture was checked");
        }
        if (colour() < colourTarget() || position() < positionTarget()) {
            throw new IllegalStateException("notebook " + notebook + " generates below the model's eval targets: " + summary());
        }
        return "notebook " + notebook + " meets the eval targets: " + summary();
    }
}
