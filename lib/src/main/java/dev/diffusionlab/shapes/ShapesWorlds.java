package dev.diffusionlab.shapes;

import java.util.List;
import java.util.Random;

/**
 * The shapes world a model was trained on, told by its picture side: {@link ShapesWorld} (v1, 32 px) or
 * {@link ShapesWorldV2} (64 px). Notebooks and stage 5 use it so one code path serves either model.
 *
 * <pre>{@code
 * int side = MakeItYours.side(sd);                    // 32 or 64
 * ShapesSample s = ShapesWorlds.sample(side, 2);       // a training picture of the model's world
 * }</pre>
 */
public final class ShapesWorlds {
    private ShapesWorlds() {}

    /** True for the v2 world's pictures (64 px and more). */
    public static boolean isV2(int side) {
        return side >= ShapesWorldV2.Config.defaults().size();
    }

    /** The caption order of the world of {@code side}-pixel pictures (v1: colour first; v2: its default world's). */
    public static Caption.Order order(int side) {
        return isV2(side) ? ShapesWorldV2.Config.defaults().captionOrder() : Caption.Order.COLOUR_FIRST;
    }

    /**
     * A hint when {@code prompt} is a caption of the grammar said in the other word order than the shapes-world model in
     * {@code modelDir} was trained on (its recipe's {@code world.caption_order}; colour first without one, as v1):
     * the same caption in the model's order; null when the order is the model's or the prompt is no caption.
     * {@code orderHint(v2Dir, "a red circle on the left")} names "on the left a red circle".
     */
    public static String orderHint(java.nio.file.Path modelDir, String prompt) {
        return orderHint(ShapesWorldV2.Config.forModel(modelDir).captionOrder(), prompt);
    }

    /** As above, for a model trained on captions in {@code want} order. */
    public static String orderHint(Caption.Order want, String prompt) {
        List<ObjectSpec> specs;
        try {
            specs = Caption.parse(prompt);
        } catch (IllegalArgumentException notACaption) {
            return null;
        }
        if (Caption.order(prompt) == want) {
            return null;
        }
        return "this model was trained on captions that say " + (want == Caption.Order.PLACE_FIRST ? "the place first" : "the colour first")
                + "; in its order the prompt reads \"" + Caption.format(specs, want) + "\"";
    }

    /** The caption of {@code specs} in the grammar order of the world of {@code side}-pixel pictures. */
    public static String caption(int side, List<ObjectSpec> specs) {
        return Caption.format(specs, order(side));
    }

    /**
     * {@code caption} (either grammar order) said in the order of the world of {@code side}-pixel pictures, the one its
     * model was trained on: {@code inOrder(side, "a red circle on the left")} is "on the left a red circle" when that
     * world is captioned place first, and the caption itself for v1.
     */
    public static String inOrder(int side, String caption) {
        return Caption.format(Caption.parse(caption), order(side));
    }

    /** Training sample {@code index} of the world of {@code side}-pixel pictures. */
    public static ShapesSample sample(int side, long index) {
        return isV2(side) ? new ShapesWorldV2(ShapesWorldV2.Config.defaults()).sample(index, ShapesWorldV2.Split.TRAIN)
                : new ShapesWorld(ShapesWorld.Config.defaults()).sample(index, ShapesWorld.Split.TRAIN);
    }

    /** Draws the objects as specified in that world (an unsaid size is drawn from {@code rnd}). */
    public static ShapesSample render(int side, List<ObjectSpec> specs, Random rnd) {
        return isV2(side) ? new ShapesWorldV2(ShapesWorldV2.Config.defaults()).render(specs, rnd)
                : new ShapesWorld(ShapesWorld.Config.defaults()).render(specs, rnd);
    }

    /** Whether training showed such an object: v1 holds out a colour–shape pair, v2 a pair and a triple with a place. */
    public static boolean trainable(int side, ObjectSpec s) {
        return isV2(side) ? new ShapesWorldV2(ShapesWorldV2.Config.defaults()).isTrainable(s.colour(), s.shape(), s.position())
                : !new ShapesWorld(ShapesWorld.Config.defaults()).isHeldOut(s.colour(), s.shape());
    }
}
