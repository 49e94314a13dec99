package dev.diffusionlab.exercises;

import dev.diffusionlab.shapes.ShapesAnalyser;
import java.util.List;

/** Checks for the exercises of notebook 05 (the shapes world). */
public final class Exercises05 {
    private Exercises05() {}

    /** 05.1: the pointing game's chance level for a mask: the share of pixels inside it. */
    public static Check pointingChance(boolean[] mask, double answer) {
        String id = "05.1";
        int in = 0;
        for (boolean b : mask) {
            in += b ? 1 : 0;
        }
        double want = in / (double) mask.length;
        if (Check.close(answer, want, 1e-6)) {
            return Check.right(id, in + " of " + mask.length + " pixels: a map peaking at a random pixel hits the object "
                    + Check.fmt(100 * want) + " % of the time");
        }
        if (Check.close(answer, in, 1e-9)) {
            return Check.wrong(id, "that is the mask's pixel count; divide by the image's " + mask.length + " pixels");
        }
        return Check.wrong(id, "expected mask pixels / all pixels, you have " + Check.fmt(answer));
    }

    /** 05.2: the fraction of scores with every colour right (the eval's colour accuracy). */
    public static Check colourAccuracy(List<ShapesAnalyser.Score> scores, double answer) {
        String id = "05.2";
        if (scores.isEmpty()) {
            return Check.wrong(id, "no scores given");
        }
        double want = scores.stream().filter(ShapesAnalyser.Score::colour).count() / (double) scores.size();
        double all = scores.stream().filter(ShapesAnalyser.Score::all).count() / (double) scores.size();
        if (Check.close(answer, want, 1e-9)) {
            return Check.right(id, Check.fmt(want) + " of " + scores.size() + " images have every colour right");
        }
        if (Check.close(answer, all, 1e-9) && all != want) {
            return Check.wrong(id, "that is 'everything right'; colour accuracy only asks for the colours");
        }
        return Check.wrong(id, "count the scores whose colour() is true and divide by " + scores.size() + "; you have " + Check.fmt(answer));
    }

    /** 05.3: how many of {@code n} images of a split contain a purple triangle, counted with the world's own specs. */
    public static Check purpleTriangles(dev.diffusionlab.shapes.ShapesWorld world, dev.diffusionlab.shapes.ShapesWorld.Split split,
                                        int n, int answer) {
        return purpleTriangles(i -> world.sample(i, split), split.toString(), split == dev.diffusionlab.shapes.ShapesWorld.Split.TRAIN, n, answer);
    }

    /** 05.3 on the v2 world (a v2 model): the same count over its {@code TRAIN}, {@code HELD_OUT_PAIR} or {@code HELD_OUT_TRIPLE} split. */
    public static Check purpleTriangles(dev.diffusionlab.shapes.ShapesWorldV2 world, dev.diffusionlab.shapes.ShapesWorldV2.Split split,
                                        int n, int answer) {
        return purpleTriangles(i -> world.sample(i, split), split.toString(), split == dev.diffusionlab.shapes.ShapesWorldV2.Split.TRAIN, n,
                answer);
    }

    private static Check purpleTriangles(java.util.function.LongFunction<dev.diffusionlab.shapes.ShapesSample> sample, String split,
                                         boolean training, int n, int answer) {
        String id = "05.3";
        int want = 0;
        for (int i = 0; i < n; i++) {
            if (sample.apply(i).objects().stream().anyMatch(o -> o.spec().combo().equals("purple triangle"))) {
                want++;
            }
        }
        if (answer == want) {
            String why = want == 0 ? (training ? "training never shows the combination" : "this split never draws it")
                    : want == n ? "the held-out split always has one" : "some of them have one";
            return Check.right(id, want + " of " + n + " " + split + " images: " + why);
        }
        return Check.wrong(id, "count the images with an object whose spec().combo() is \"purple triangle\"; you have " + answer);
    }
}
