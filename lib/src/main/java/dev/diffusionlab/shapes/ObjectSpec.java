package dev.diffusionlab.shapes;

import dev.diffusionlab.shapes.Vocab.Colour;
import dev.diffusionlab.shapes.Vocab.Position;
import dev.diffusionlab.shapes.Vocab.ShapeType;
import dev.diffusionlab.shapes.Vocab.Size;

/**
 * One object as a caption describes it: colour, shape, position, and a size that is null when the
 * caption does not say it ("a red circle on the left" vs "a small red circle on the left").
 */
public record ObjectSpec(Colour colour, ShapeType shape, Size size, Position position) {
    public ObjectSpec {
        if (colour == null || shape == null || position == null) {
            throw new IllegalArgumentException("an object needs a colour, a shape and a position: " + colour + " " + shape + " " + position);
        }
    }

    /** The colour–shape combination, e.g. "purple triangle" (the unit of held-out sets). */
    public String combo() {
        return colour.word() + " " + shape.word();
    }
}
