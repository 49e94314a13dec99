package dev.diffusionlab.exercises;

import static dev.diffusionlab.exercises.Exercises030405Test.accepts;
import static dev.diffusionlab.exercises.Exercises030405Test.rejects;

import org.junit.jupiter.api.Test;

/** The checks of notebook 06 accept the right answer and reject typical wrong ones, with a reason. */
class Exercises06Test {
    @Test
    void exercises06() {
        accepts(Exercises06.embeddingRows(580, 1, 581));
        accepts(Exercises06.embeddingRows(580, 2, 582));
        rejects(Exercises06.embeddingRows(580, 2, 581), "expanded");
        rejects(Exercises06.embeddingRows(580, 1, 580), "rows of its own");
        accepts(Exercises06.latentMaskCells(32, 16, 4, 32));      // 8×8 grid, 4 columns
        accepts(Exercises06.latentMaskCells(32, 13, 4, 32));      // columns 0, 4, 8, 12 sampled inside
        rejects(Exercises06.latentMaskCells(32, 16, 4, 512), "pixels");
        rejects(Exercises06.latentMaskCells(32, 13, 4, 26), "corner pixel");
        accepts(Exercises06.blended(0, 0.7, -0.2, -0.2));
        accepts(Exercises06.blended(1, 0.7, -0.2, 0.7));
        rejects(Exercises06.blended(0, 0.7, -0.2, 0.7), "swapped");
        rejects(Exercises06.blended(0.5, 0.7, -0.2, 0.1), "m·proposal");
    }
}
