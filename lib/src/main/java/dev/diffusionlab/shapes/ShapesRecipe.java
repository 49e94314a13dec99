package dev.diffusionlab.shapes;

import dev.diffusionlab.clip.ContrastiveClip;
import dev.diffusionlab.nn.ConfigJson;
import dev.diffusionlab.pipeline.DiffusersFolder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The training-recipe options added for the v2 world, on top of {@link ShapesTrainer.Config}: the data
 * (a {@link ShapesWorldV2} config, or null for the v1 world), the learning-rate schedule (linear warm-up
 * then cosine decay to {@code minLrFraction} of the base rate), EMA weights, the object-count curriculum
 * and caption-order augmentation. {@link #none()} is the v1 recipe (constant rate, no EMA, v1 data).
 *
 * @param world the v2 world (null: the trainer's v1 world)
 * @param warmupSteps steps of linear warm-up from 0 to the base rate
 * @param minLrFraction where the cosine decay ends, as a fraction of the base rate (1: constant rate)
 * @param emaDecay decay of the exponential moving average of the UNet and text-encoder weights (0: none);
 *                 the written folder then holds the averaged weights
 * @param oneObjectUntil fraction of the UNet steps trained on one-object pictures only
 * @param twoObjectsUntil fraction of the UNet steps (from the start) before three-object pictures appear;
 *                        in between, 30 % one and 70 % two objects
 * @param reorderProbability chance that a training caption names its objects in a new random order
 *                           (the same picture is then seen with either order)
 * @param textPretrainSteps contrastive steps that train the text encoder before the UNet phase (0: none, the text
 *                          encoder then learns jointly with the UNet)
 * @param clipImageEncoder the image tower of that contrastive phase (discarded afterwards)
 * @param shapeNegatives whether half of each contrastive batch are twins of the other half with one object's shape
 *                       changed (v2 worlds), so a caption is told from its twin by shape alone
 * @param attentionLossWeight weight of the token-level attention loss (TokenCompose, Wang et al. 2024) added to the
 *                            denoising loss: each content word's cross-attention should fall inside its object (0: none)
 * @param colourInvariance weight of the contrastive phase's colour-invariance term: the text encoder's states after a
 *                         colour word (end token excepted) should not change when that colour word does (0: none), so
 *                         "triangle" after an unseen colour ("purple") is the "triangle" the UNet learnt
 * @param colourInvarianceSpan how many positions after the colour word that term covers (0: all up to the end token;
 *                             1: the shape word only). All of them leaves no token that binds a colour to its place,
 *                             since the colour word comes before the place word (docs/shapes-world.md, the fourth run)
 * @param colourWordMargin how far (a fraction of its size) a changed colour word's own vector must move in that term (0: no
 *                         such part), so the colour is kept in the colour word and not only in the end token
 * @param sizeNegatives whether every second of those twins changes one object's said size word instead of its shape
 * @param textFinetuneLr with a contrastive (frozen) text encoder: the fraction of the UNet's learning rate at which the
 *                       denoising and attention losses fine-tune it from {@code textFinetuneFrom} on (0: frozen throughout)
 * @param textFinetuneFrom the fraction of the UNet steps after which that fine-tuning starts
 * @param attentionShapeWeight how much more the shape words count in the attention loss than the other content words
 *                             (1: all alike); the loss keeps its denominator (the supervised tokens), so 1.75 with
 *                             {@code attentionLossWeight} 0.2 gives shape words an effective 0.35 and the rest 0.2
 * @param attentionPlaceWeight the same for the place words ("left", "top", "middle"...): how much more they count in the
 *                             attention loss than the size and colour words (1: alike)
 * @param attentionBoostBelow the shape and place weights apply to the training rows whose timestep is below this; rows
 *                            noisier than that count every content word once (0: the weights apply at every timestep).
 *                            Alone it did not keep size (docs/shapes-world.md, the seventeenth run); with the text
 *                            encoder fine-tuned at 0.4× it is part of the shipped v2 recipe (the nineteenth run)
 */
public record ShapesRecipe(ShapesWorldV2.Config world, int warmupSteps, double minLrFraction, double emaDecay,
                           double oneObjectUntil, double twoObjectsUntil, double reorderProbability, int textPretrainSteps,
                           ContrastiveClip.ImageEncoder clipImageEncoder, boolean shapeNegatives, double attentionLossWeight,
                           double colourInvariance, int colourInvarianceSpan, double colourWordMargin, boolean sizeNegatives,
                           double textFinetuneLr, double textFinetuneFrom, double attentionShapeWeight,
                           double attentionPlaceWeight, int attentionBoostBelow) {
    /** A recipe without the changed-word margin. */
    public ShapesRecipe(ShapesWorldV2.Config world, int warmupSteps, double minLrFraction, double emaDecay, double oneObjectUntil,
                        double twoObjectsUntil, double reorderProbability, int textPretrainSteps, ContrastiveClip.ImageEncoder clipImageEncoder,
                        boolean shapeNegatives, double attentionLossWeight, double colourInvariance, int colourInvarianceSpan) {
        this(world, warmupSteps, minLrFraction, emaDecay, oneObjectUntil, twoObjectsUntil, reorderProbability, textPretrainSteps, clipImageEncoder,
                shapeNegatives, attentionLossWeight, colourInvariance, colourInvarianceSpan, 0, false, 0, 0, 1, 1, 0);
    }

    public ShapesRecipe {
        if (!(textFinetuneLr >= 0) || Double.isInfinite(textFinetuneLr) || (textFinetuneLr > 0 && textPretrainSteps == 0)) {
            throw new IllegalArgumentException("bad recipe: textFinetuneLr " + textFinetuneLr
                    + " (finite, ≥ 0; it fine-tunes the contrastive text encoder, so it needs textPretrainSteps > 0)");
        }
        if (!(textFinetuneFrom >= 0 && textFinetuneFrom <= 1)) {
            throw new IllegalArgumentException("bad recipe: textFinetuneFrom " + textFinetuneFrom + " (a fraction of the UNet steps, 0..1)");
        }
        if (sizeNegatives && !shapeNegatives) {
            throw new IllegalArgumentException("bad recipe: sizeNegatives turns half of the shape twins into size twins, so it needs shapeNegatives");
        }
        if (!(colourWordMargin >= 0) || Double.isInfinite(colourWordMargin) || (colourWordMargin > 0 && !(colourInvariance > 0))) {
            throw new IllegalArgumentException("bad recipe: colourWordMargin " + colourWordMargin
                    + " (finite, ≥ 0; it is part of the colour-invariance term, so it needs colourInvariance > 0)");
        }
        if (colourInvarianceSpan < 0) {
            throw new IllegalArgumentException("bad recipe: colourInvarianceSpan " + colourInvarianceSpan + " (≥ 0; 0: every position)");
        }
        if (!(colourInvariance >= 0) || Double.isInfinite(colourInvariance)) {
            throw new IllegalArgumentException("bad recipe: colourInvariance " + colourInvariance + " (finite, ≥ 0)");
        }
        if (colourInvariance > 0 && world == null) {
            throw new IllegalArgumentException("bad recipe: colourInvariance needs a v2 world (its colour twins keep held-out pairs unseen)");
        }
        if (!(attentionShapeWeight >= 0) || Double.isInfinite(attentionShapeWeight)) {
            throw new IllegalArgumentException("bad recipe: attentionShapeWeight " + attentionShapeWeight + " (finite, ≥ 0; 1: shape words like the others)");
        }
        if (!(attentionPlaceWeight >= 0) || Double.isInfinite(attentionPlaceWeight)) {
            throw new IllegalArgumentException("bad recipe: attentionPlaceWeight " + attentionPlaceWeight + " (finite, ≥ 0; 1: place words like the others)");
        }
        if (attentionBoostBelow < 0) {
            throw new IllegalArgumentException("bad recipe: attentionBoostBelow " + attentionBoostBelow + " (a timestep ≥ 0; 0: every timestep)");
        }
        clipImageEncoder = clipImageEncoder == null ? ContrastiveClip.ImageEncoder.POOL_MLP : clipImageEncoder;
        if (!(attentionLossWeight >= 0) || Double.isInfinite(attentionLossWeight)) {
            throw new IllegalArgumentException("bad recipe: attentionLossWeight " + attentionLossWeight + " (finite, ≥ 0)");
        }
        if (shapeNegatives && world == null) {
            throw new IllegalArgumentException("bad recipe: shapeNegatives needs a v2 world (the v1 world has no re-rendering of a scene)");
        }
        if (textPretrainSteps < 0) {
            throw new IllegalArgumentException("bad recipe: textPretrainSteps " + textPretrainSteps + " (≥ 0)");
        }
        if (warmupSteps < 0 || !(minLrFraction >= 0 && minLrFraction <= 1) || !(emaDecay >= 0 && emaDecay < 1)
                || !(oneObjectUntil >= 0 && oneObjectUntil <= twoObjectsUntil && twoObjectsUntil <= 1)
                || !(reorderProbability >= 0 && reorderProbability <= 1)) {
            throw new IllegalArgumentException("bad recipe: warmupSteps " + warmupSteps + " (≥ 0), minLrFraction " + minLrFraction
                    + " (0..1), emaDecay " + emaDecay + " (0..<1), curriculum " + oneObjectUntil + " ≤ " + twoObjectsUntil
                    + " (0..1), reorderProbability " + reorderProbability + " (0..1)");
        }
    }

    /** The v1 recipe: the trainer's own world, constant learning rate, no EMA, no curriculum. */
    public static ShapesRecipe none() {
        return new ShapesRecipe(null, 0, 1, 0, 0, 0, 0, 0, null, false, 0, 0, 0);
    }

    /**
     * The v2 recipe: the default v2 world, 500 warm-up steps, cosine to 10 % of the rate, EMA 0.999,
     * one object for the first 10 % of the steps, up to two until 35 %, then up to three; half of the
     * captions re-ordered.
     */
    public static ShapesRecipe v2() {
        return new ShapesRecipe(ShapesWorldV2.Config.defaults(), 500, 0.1, 0.999, 0.1, 0.35, 0.5, 0, null, false, 0, 0, 0);
    }

    public boolean isV2() {
        return world != null;
    }

    public ShapesRecipe withWarmup(int steps) {
        return new ShapesRecipe(world, steps, minLrFraction, emaDecay, oneObjectUntil, twoObjectsUntil, reorderProbability, textPretrainSteps,
                clipImageEncoder, shapeNegatives, attentionLossWeight, colourInvariance, colourInvarianceSpan, colourWordMargin, sizeNegatives, textFinetuneLr, textFinetuneFrom, attentionShapeWeight, attentionPlaceWeight, attentionBoostBelow);
    }

    public ShapesRecipe withEma(double decay) {
        return new ShapesRecipe(world, warmupSteps, minLrFraction, decay, oneObjectUntil, twoObjectsUntil, reorderProbability, textPretrainSteps,
                clipImageEncoder, shapeNegatives, attentionLossWeight, colourInvariance, colourInvarianceSpan, colourWordMargin, sizeNegatives, textFinetuneLr, textFinetuneFrom, attentionShapeWeight, attentionPlaceWeight, attentionBoostBelow);
    }

    /**
     * CLIP first: {@code steps} contrastive steps ({@link dev.diffusionlab.clip.ContrastiveClip#forTextModel}, batch 64
     * pictures of the training world) train the text encoder before the UNet phase, which then keeps it frozen,
     * as Stable Diffusion keeps its pretrained CLIP text encoder frozen (0: the text encoder learns jointly with the
     * UNet through the denoising loss from the first step, so a text fine-tuning rate has nothing left to do and is
     * dropped; the v2 recipe's ablation {@code --text-pretrain-steps 0} stays a one-flag change).
     */
    public ShapesRecipe withTextPretraining(int steps) {
        return new ShapesRecipe(world, warmupSteps, minLrFraction, emaDecay, oneObjectUntil, twoObjectsUntil, reorderProbability, steps,
                clipImageEncoder, shapeNegatives, attentionLossWeight, colourInvariance, colourInvarianceSpan, colourWordMargin, sizeNegatives,
                steps == 0 ? 0 : textFinetuneLr, textFinetuneFrom, attentionShapeWeight, attentionPlaceWeight, attentionBoostBelow);
    }

    /**
     * The contrastive phase's image tower ({@code CONV} sees shape, which a pooled MLP barely does) and whether its
     * batches hold shape-changed twins (docs/shapes-world.md: with neither, "circle" and "square" stay close).
     */
    public ShapesRecipe withClipImages(ContrastiveClip.ImageEncoder encoder, boolean negatives) {
        return new ShapesRecipe(world, warmupSteps, minLrFraction, emaDecay, oneObjectUntil, twoObjectsUntil, reorderProbability, textPretrainSteps,
                encoder, negatives, attentionLossWeight, colourInvariance, colourInvarianceSpan, colourWordMargin, sizeNegatives, textFinetuneLr, textFinetuneFrom, attentionShapeWeight, attentionPlaceWeight, attentionBoostBelow);
    }

    /** Token-level attention supervision of weight {@code w} (0: off), see {@link #attentionLossWeight()}. */
    public ShapesRecipe withAttentionLoss(double w) {
        return new ShapesRecipe(world, warmupSteps, minLrFraction, emaDecay, oneObjectUntil, twoObjectsUntil, reorderProbability, textPretrainSteps,
                clipImageEncoder, shapeNegatives, w, colourInvariance, colourInvarianceSpan, colourWordMargin, sizeNegatives, textFinetuneLr, textFinetuneFrom, attentionShapeWeight, attentionPlaceWeight, attentionBoostBelow);
    }

    /** The contrastive phase's colour-invariance term of weight {@code w} (0: off), see {@link #colourInvariance()}. */
    public ShapesRecipe withColourInvariance(double w) {
        return withColourInvariance(w, colourInvarianceSpan);
    }

    /** As {@link #withColourInvariance(double)}, on the {@code span} positions after the colour word only (0: all). */
    public ShapesRecipe withColourInvariance(double w, int span) {
        return new ShapesRecipe(world, warmupSteps, minLrFraction, emaDecay, oneObjectUntil, twoObjectsUntil, reorderProbability, textPretrainSteps,
                clipImageEncoder, shapeNegatives, attentionLossWeight, w, span, colourWordMargin, sizeNegatives, textFinetuneLr, textFinetuneFrom, attentionShapeWeight, attentionPlaceWeight, attentionBoostBelow);
    }

    /**
     * The colour-invariance term's second part: a changed colour word's own vector must move by at least {@code margin}
     * of its size, so the colour stays in the colour word (0: off; needs {@link #colourInvariance()} > 0).
     */
    public ShapesRecipe withColourWordMargin(double margin) {
        return new ShapesRecipe(world, warmupSteps, minLrFraction, emaDecay, oneObjectUntil, twoObjectsUntil, reorderProbability, textPretrainSteps,
                clipImageEncoder, shapeNegatives, attentionLossWeight, colourInvariance, colourInvarianceSpan, margin, sizeNegatives, textFinetuneLr, textFinetuneFrom, attentionShapeWeight, attentionPlaceWeight, attentionBoostBelow);
    }

    /**
     * Whether every second contrastive twin changes one object's said size word instead of its shape (needs
     * {@link #shapeNegatives()}): without such twins InfoNCE can tell captions apart without the size words.
     */
    public ShapesRecipe withSizeNegatives(boolean on) {
        return new ShapesRecipe(world, warmupSteps, minLrFraction, emaDecay, oneObjectUntil, twoObjectsUntil, reorderProbability, textPretrainSteps,
                clipImageEncoder, shapeNegatives, attentionLossWeight, colourInvariance, colourInvarianceSpan, colourWordMargin, on, textFinetuneLr, textFinetuneFrom, attentionShapeWeight, attentionPlaceWeight, attentionBoostBelow);
    }

    /**
     * Fine-tunes the contrastive text encoder through the UNet's losses at {@code lrFraction} of the UNet's learning rate
     * (same schedule), from {@code from} of the UNet steps on (0: kept frozen, as Stable Diffusion keeps CLIP): words the
     * contrastive phase left weak (the size words) then get what the denoiser needs.
     */
    public ShapesRecipe withTextFinetuning(double lrFraction, double from) {
        return new ShapesRecipe(world, warmupSteps, minLrFraction, emaDecay, oneObjectUntil, twoObjectsUntil, reorderProbability, textPretrainSteps,
                clipImageEncoder, shapeNegatives, attentionLossWeight, colourInvariance, colourInvarianceSpan, colourWordMargin, sizeNegatives,
                lrFraction, from, attentionShapeWeight, attentionPlaceWeight, attentionBoostBelow);
    }

    /** Shape words weighted {@code w} times the other content words in the attention loss, see {@link #attentionShapeWeight()}. */
    public ShapesRecipe withAttentionShapeWeight(double w) {
        return new ShapesRecipe(world, warmupSteps, minLrFraction, emaDecay, oneObjectUntil, twoObjectsUntil, reorderProbability, textPretrainSteps,
                clipImageEncoder, shapeNegatives, attentionLossWeight, colourInvariance, colourInvarianceSpan, colourWordMargin, sizeNegatives,
                textFinetuneLr, textFinetuneFrom, w, attentionPlaceWeight, attentionBoostBelow);
    }

    /** Place words weighted {@code w} times the size and colour words in the attention loss, see {@link #attentionPlaceWeight()}. */
    public ShapesRecipe withAttentionPlaceWeight(double w) {
        return new ShapesRecipe(world, warmupSteps, minLrFraction, emaDecay, oneObjectUntil, twoObjectsUntil, reorderProbability, textPretrainSteps,
                clipImageEncoder, shapeNegatives, attentionLossWeight, colourInvariance, colourInvarianceSpan, colourWordMargin, sizeNegatives,
                textFinetuneLr, textFinetuneFrom, attentionShapeWeight, w, attentionBoostBelow);
    }

    /** The shape and place weights only on rows with a timestep below {@code t} (0: every row), see {@link #attentionBoostBelow()}. */
    public ShapesRecipe withAttentionBoostBelow(int t) {
        return new ShapesRecipe(world, warmupSteps, minLrFraction, emaDecay, oneObjectUntil, twoObjectsUntil, reorderProbability, textPretrainSteps,
                clipImageEncoder, shapeNegatives, attentionLossWeight, colourInvariance, colourInvarianceSpan, colourWordMargin, sizeNegatives,
                textFinetuneLr, textFinetuneFrom, attentionShapeWeight, attentionPlaceWeight, t);
    }

    /** The weight of a shape ({@code kind} SHAPE) or place word's attention term in a row at timestep {@code t}; other words 1. */
    double attentionWeight(Caption.WordKind kind, int t) {
        boolean boosted = attentionBoostBelow == 0 || t < attentionBoostBelow;
        return boosted ? AttentionSupervision.kindWeight(kind, attentionShapeWeight, attentionPlaceWeight) : 1;
    }

    public ShapesRecipe withWorld(ShapesWorldV2.Config w) {
        return new ShapesRecipe(w, warmupSteps, minLrFraction, emaDecay, oneObjectUntil, twoObjectsUntil, reorderProbability, textPretrainSteps,
                clipImageEncoder, shapeNegatives, attentionLossWeight, colourInvariance, colourInvarianceSpan, colourWordMargin, sizeNegatives, textFinetuneLr, textFinetuneFrom, attentionShapeWeight, attentionPlaceWeight, attentionBoostBelow);
    }

    /** The learning rate of 0-based step {@code step} of {@code total}: linear warm-up, then cosine from {@code base} to minLrFraction·base. */
    public double lr(double base, int step, int total) {
        double warm = warmupSteps > 0 && step < warmupSteps ? (step + 1) / (double) warmupSteps : 1;
        if (minLrFraction >= 1 || total <= warmupSteps) {
            return base * warm;
        }
        double p = Math.min(1, Math.max(0, (step - warmupSteps) / (double) (total - warmupSteps)));
        return base * warm * (minLrFraction + (1 - minLrFraction) * 0.5 * (1 + Math.cos(Math.PI * p)));
    }

    /** The world of UNet step {@code step} of {@code total} under the curriculum (one → two → three objects). */
    public ShapesWorldV2.Config worldAt(int step, int total) {
        double p = total <= 0 ? 1 : step / (double) total;
        if (p < oneObjectUntil) {
            return world.withObjectCounts(1, 0, 0);
        }
        if (p < twoObjectsUntil) {
            return world.withObjectCounts(0.3, 0.7, 0);
        }
        return world;
    }

    /** The recipe as JSON (written as recipe.json beside the weights of a v2 run). */
    public String json(ShapesTrainer.Config c) {
        ShapesModels m = c.models();
        Map<String, Object> json = ConfigJson.map(
                "world", ConfigJson.map("size", world.size(), "object_counts", Arrays.stream(world.objectCounts()).boxed().toList(),
                        "size_word_probability", world.sizeWordProbability(), "held_out_pairs", sorted(world.heldOutPairs()),
                        "held_out_triples", sorted(world.heldOutTriples()), "caption_order", world.captionOrder().key()),
                "models", ConfigJson.map("image_size", m.imageSize(), "vae_channels", boxed(m.vaeChannels()), "text_hidden", m.textHidden(),
                        "text_layers", m.textLayers(), "unet_channels", boxed(m.unetChannels()), "unet_heads", boxed(m.unetHeads()),
                        "unet_layers_per_block", m.unetLayersPerBlock()),
                "seed", c.seed(), "batch_size", c.batchSize(), "vae_steps", c.vaeSteps(), "unet_steps", c.unetSteps(), "vae_lr", c.vaeLr(),
                "unet_lr", c.unetLr(), "kl_weight", c.klWeight(), "caption_dropout", c.captionDropout(), "warmup_steps", warmupSteps,
                "min_lr_fraction", minLrFraction, "ema_decay", emaDecay,
                "curriculum", ConfigJson.map("one_object_until", oneObjectUntil, "two_objects_until", twoObjectsUntil),
                "reorder_probability", reorderProbability, "text_pretrain_steps", textPretrainSteps,
                "clip_image_encoder", clipImageEncoder.name().toLowerCase(java.util.Locale.ROOT), "shape_negatives", shapeNegatives,
                "attention_loss_weight", attentionLossWeight, "colour_invariance", colourInvariance,
                "colour_invariance_span", colourInvarianceSpan, "colour_word_margin", colourWordMargin, "size_negatives", sizeNegatives,
                "text_finetune_lr", textFinetuneLr, "text_finetune_from", textFinetuneFrom);
        if (attentionShapeWeight != 1) {  // written only when used, so recipes from before it read the same
            json.put("attention_shape_weight", attentionShapeWeight);
        }
        if (attentionPlaceWeight != 1) {
            json.put("attention_place_weight", attentionPlaceWeight);
        }
        if (attentionBoostBelow != 0) {
            json.put("attention_boost_below", attentionBoostBelow);
        }
        return DiffusersFolder.toJson(json);
    }

    private static List<String> sorted(java.util.Set<String> s) {
        return s.stream().sorted().toList();
    }

    private static List<Integer> boxed(int[] a) {
        return Arrays.stream(a).boxed().toList();
    }
}
