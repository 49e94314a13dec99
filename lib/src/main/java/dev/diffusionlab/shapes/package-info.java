/**
 * Stage 5, the shapes world. Seeded captioned images with per-word masks, its words (the clip toolkit builds the
 * tokenizer from them), the trainer of the embedded default model (stage 1's q(x_t | x_0), stage 3's classes and
 * folder writer), a rule-based analyser and the evaluation; entry points {@link dev.diffusionlab.shapes.ShapesWorld},
 * {@link dev.diffusionlab.shapes.ShapesTrainer}, {@link dev.diffusionlab.shapes.ShapesEval}.
 */
package dev.diffusionlab.shapes;
