/**
 * Stage 5, the shapes world. Seeded captioned images with per-word masks, its words (the clip toolkit builds the
 * tokenizer from them), the trainer of the embedded default model (stage 1's q(x_t | x_0), stage 3's classes and
 * folder writer), a rule-based analyser and the evaluation; entry points {@link dev.diffusionlab.shapes.ShapesWorld},
 * {@link dev.diffusionlab.shapes.ShapesTrainer}, {@link dev.diffusionlab.shapes.ShapesEval}. The v2 world (64 px, up to
 * three anti-aliased objects, held-out pair and triple) has its own world, reader and evaluation
 * ({@link dev.diffusionlab.shapes.ShapesWorldV2}, {@link dev.diffusionlab.shapes.ShapesAnalyserV2},
 * {@link dev.diffusionlab.shapes.ShapesEvalV2}) and trains through the same trainer with a
 * {@link dev.diffusionlab.shapes.ShapesRecipe}.
 */
package dev.diffusionlab.shapes;
