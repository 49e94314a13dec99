package dev.diffusionlab.cli;

import dev.diffusionlab.shapes.Caption;
import dev.diffusionlab.shapes.ShapesModels;
import dev.diffusionlab.shapes.ShapesTrainer;
import java.nio.file.Path;
import dev.diffusionlab.clip.ContrastiveClip;
import java.util.Locale;
import java.util.Set;

/**
 * {@code ./dlab train-shapes [--minutes N] [--out DIR] [--seed S] ...}: trains the shapes-world
 * text-to-image model (VAE, then text encoder + UNet) on CPU and writes a diffusers folder; a rerun
 * with the same {@code --out} resumes from {@code <DIR>-checkpoint}.
 */
public final class TrainShapesCommand {
    private TrainShapesCommand() {}

    static final String HELP = """
            usage: ./dlab train-shapes [options]

            Trains the shapes-world model (AutoencoderKL, then CLIPTextModel + UNet2DConditionModel) with DJL autograd
            and writes a diffusers folder. A rerun with the same --out resumes from <out>-checkpoint.

              --world v1|v2      v1: 32×32, 1–2 objects, the small fast model (default); v2: 64×64, 1–3 anti-aliased objects,
                                 held-out pair + triple, with the v2 recipe (warm-up + cosine LR, EMA weights, curriculum
                                 one → two → three objects, captions in either order; recorded in <out>/recipe.json)
              --out DIR          output diffusers folder (default shapes-model)
              --minutes N        wall-clock budget; the VAE gets a quarter (default: none, run all steps)
              --seed S           seed of weights and data (default 0)
              --vae-steps N      VAE steps (default 1500, v2 too)
              --unet-steps N     text encoder + UNet steps (default 24000; v2 11000)
              --batch N          images per step (default 16)
              --checkpoint-every N  steps between checkpoints (default 250)
              --tiny             tiny architectures (smoke runs)
              --fp32             write float32 weights (default float16)
              --quiet            no progress bars
              --text-pretrain-steps N  train the text encoder first, contrastively (CLIP's recipe, batch 64), then keep
                     it frozen while the UNet learns (default 1500, the shipped recipes; 0: it learns jointly
                     through the UNet's loss, which never teaches it the place words)
              --clip-images conv|pool-mlp  image tower of that contrastive phase (default: v2 conv, v1 pool-mlp)
              --shape-negatives on|off     half of each contrastive batch: twins with one shape changed (v2 default on)
              --size-negatives on|off      every second of those twins changes a said size word instead (default off)
              --attention-loss W  weight of the token-level attention loss (TokenCompose): each content word's
                     cross-attention should fall on its object (default: v2 0.2, v1 0 = off)
              --attention-shape-weight K  shape words count K times the other content words in that loss (default: v2 1.75, v1 1)
              --attention-place-weight K  place words count K times the size and colour words in that loss (default 1)
              --attention-boost-below T  those two weights only on training rows with timestep < T; noisier rows
                     count every word once (default: v2 500, v1 0 = at every timestep)
              --colour-invariance W  v2: weight of the contrastive phase's colour-invariance term, the text
                     encoder's states after a colour word kept unchanged when that colour changes (default 0 = off)
              --colour-invariance-span N  positions after the colour word that term covers (default 0 = all; 1 = the shape word)
              --colour-word-margin M  with --colour-invariance: the changed colour word's own vector must move by at
                     least M of its size, so the colour stays in the colour word (default 0 = off)
              --text-finetune F[,FROM]  with a contrastive text encoder: fine-tune it through the UNet's losses at
                     F times the UNet's learning rate, from the fraction FROM of the UNet steps on (default: v2 0.4,0.15,
                     v1 0 = frozen; FROM default 0.3; 0 = keep the encoder frozen)
              --caption-order colour-first|place-first  v2: "a red circle on the left" or "on the left a red circle"
                     (default: the recipe's; v2 place-first)
  --threads N        torch intra-op threads while training (default: $DLAB_TRAIN_THREADS, else 1)
  --workers N        data-parallel workers: each step's batch split into N slices, each on its own thread
                     (default: $DLAB_TRAIN_WORKERS, else 2 on two or more cores; 1 = the whole batch in one call)""";

    /** Runs the command; returns the exit status. */
    public static int run(String[] args) {
        return Args.run("train-shapes", HELP, args, TrainShapesCommand::execute);
    }

    private static int execute(String[] args) {
        Args.Options opts = Args.options(args, Set.of("--world", "--out", "--minutes", "--seed", "--vae-steps", "--unet-steps", "--batch",
                "--checkpoint-every", "--threads", "--workers", "--text-pretrain-steps", "--clip-images", "--shape-negatives", "--attention-loss", "--attention-shape-weight", "--attention-place-weight", "--attention-boost-below", "--colour-invariance", "--colour-invariance-span",
                "--colour-word-margin", "--caption-order", "--size-negatives", "--text-finetune"), Set.of("--tiny", "--fp32", "--quiet"));
        String worldName = opts.text("--world", "v1");
        if (!worldName.equals("v1") && !worldName.equals("v2")) {
            throw new IllegalArgumentException("--world must be v1 or v2, got '" + worldName + "'");
        }
        boolean v2 = worldName.equals("v2");
        ShapesTrainer.Config c = v2 ? ShapesTrainer.Config.v2() : ShapesTrainer.Config.standard();
        Path out = opts.path("--out", Path.of("shapes-model"));
        double minutes = opts.number("--minutes", 0.0);
        long seed = opts.longValue("--seed", 0);
        Integer vaeSteps = opts.integer("--vae-steps", null);
        Integer unetSteps = opts.integer("--unet-steps", null);
        Integer batch = opts.integer("--batch", null);
        int every = opts.integer("--checkpoint-every", c.checkpointEvery());
        boolean tiny = opts.has("--tiny");
        boolean fp16 = !opts.has("--fp32");
        boolean progress = !opts.has("--quiet");
        Integer threads = opts.integer("--threads", null);
        Integer workers = opts.integer("--workers", null);
        if (workers != null && workers < 1) {
            throw new IllegalArgumentException("--workers must be ≥ 1, got " + workers);
        }
        Integer textPretrain = opts.integer("--text-pretrain-steps", null);
        if (!(minutes >= 0) || Double.isInfinite(minutes)) {
            throw new IllegalArgumentException("--minutes must be a finite number ≥ 0, got " + minutes);
        }
        for (Object[] o : new Object[][] {{"--vae-steps", vaeSteps, 0}, {"--unet-steps", unetSteps, 0}, {"--batch", batch, 1},
                {"--checkpoint-every", every, 1}, {"--text-pretrain-steps", textPretrain, 0}}) {
            if (o[1] != null && (int) o[1] < (int) o[2]) {
                throw new IllegalArgumentException(o[0] + " = " + o[1] + ": expected an integer >= " + o[2]);
            }
        }
        // refuse an unwritable --out before hours of training, not at the first checkpoint
        dev.diffusionlab.core.Outputs.checkDir(out, "--out");
        if (tiny) {
            c = v2 ? ShapesTrainer.Config.tinyV2(c.vaeSteps(), c.unetSteps()) : ShapesTrainer.Config.tiny(c.vaeSteps(), c.unetSteps());
        }
        c = c.withSteps(vaeSteps != null ? vaeSteps : c.vaeSteps(), unetSteps != null ? unetSteps : c.unetSteps())
                .withSeed(seed).withBudget(minutes * 60, every, progress).withFp16(fp16);
        if (batch != null) {
            c = new ShapesTrainer.Config(c.models(), c.world(), c.vaeSteps(), c.unetSteps(), batch, c.vaeLr(), c.unetLr(),
                    c.klWeight(), c.captionDropout(), c.seed(), c.checkpointEvery(), c.maxSeconds(), c.fp16(), c.progress(), c.recipe());
        }
        if (textPretrain != null) {
            c = c.withRecipe(c.recipe().withTextPretraining(textPretrain));
        }
        String clipImages = opts.text("--clip-images", null);
        String negatives = opts.text("--shape-negatives", null);
        if (clipImages != null || negatives != null) {
            if (clipImages != null && !clipImages.equals("conv") && !clipImages.equals("pool-mlp")) {
                throw new IllegalArgumentException("--clip-images must be conv or pool-mlp, got '" + clipImages + "'");
            }
            if (negatives != null && !negatives.equals("on") && !negatives.equals("off")) {
                throw new IllegalArgumentException("--shape-negatives must be on or off, got '" + negatives + "'");
            }
            ContrastiveClip.ImageEncoder enc = clipImages == null ? c.recipe().clipImageEncoder()
                    : clipImages.equals("conv") ? ContrastiveClip.ImageEncoder.CONV : ContrastiveClip.ImageEncoder.POOL_MLP;
            c = c.withRecipe(c.recipe().withClipImages(enc, negatives == null ? c.recipe().shapeNegatives() : negatives.equals("on")));
        }
        String finetune = opts.text("--text-finetune", null);
        if (finetune != null) {
            String[] f = finetune.split(",", -1);
            double lr;
            double from;
            try {
                lr = Double.parseDouble(f[0].trim());
                from = f.length > 1 ? Double.parseDouble(f[1].trim()) : 0.3;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--text-finetune must be F or F,FROM (numbers), got '" + finetune + "'");
            }
            if (f.length > 2 || !(lr >= 0) || Double.isInfinite(lr) || !(from >= 0 && from <= 1)) {
                throw new IllegalArgumentException("--text-finetune must be F or F,FROM with F ≥ 0 and FROM in 0..1, got '" + finetune + "'");
            }
            if (lr > 0 && c.recipe().textPretrainSteps() == 0) {
                throw new IllegalArgumentException("--text-finetune needs a contrastive text encoder (--text-pretrain-steps > 0)");
            }
            c = c.withRecipe(c.recipe().withTextFinetuning(lr, from));
        }
        String sizeNegatives = opts.text("--size-negatives", null);
        if (sizeNegatives != null) {
            if (!sizeNegatives.equals("on") && !sizeNegatives.equals("off")) {
                throw new IllegalArgumentException("--size-negatives must be on or off, got '" + sizeNegatives + "'");
            }
            if (sizeNegatives.equals("on") && !c.recipe().shapeNegatives()) {
                throw new IllegalArgumentException("--size-negatives on needs the shape twins (--world v2, --shape-negatives on)");
            }
            c = c.withRecipe(c.recipe().withSizeNegatives(sizeNegatives.equals("on")));
        }
        double attentionLoss = opts.number("--attention-loss", c.recipe().attentionLossWeight());
        if (!(attentionLoss >= 0) || Double.isInfinite(attentionLoss)) {
            throw new IllegalArgumentException("--attention-loss must be a finite number ≥ 0, got " + attentionLoss);
        }
        c = c.withRecipe(c.recipe().withAttentionLoss(attentionLoss));
        double shapeWeight = opts.number("--attention-shape-weight", c.recipe().attentionShapeWeight());
        if (!(shapeWeight >= 0) || Double.isInfinite(shapeWeight)) {
            throw new IllegalArgumentException("--attention-shape-weight must be a finite number ≥ 0, got " + shapeWeight);
        }
        c = c.withRecipe(c.recipe().withAttentionShapeWeight(shapeWeight));
        double placeWeight = opts.number("--attention-place-weight", c.recipe().attentionPlaceWeight());
        if (!(placeWeight >= 0) || Double.isInfinite(placeWeight)) {
            throw new IllegalArgumentException("--attention-place-weight must be a finite number ≥ 0, got " + placeWeight);
        }
        c = c.withRecipe(c.recipe().withAttentionPlaceWeight(placeWeight));
        int boostBelow = opts.integer("--attention-boost-below", c.recipe().attentionBoostBelow());
        if (boostBelow < 0 || boostBelow > ShapesModels.TRAIN_TIMESTEPS) {
            throw new IllegalArgumentException("--attention-boost-below must be a timestep 0.." + ShapesModels.TRAIN_TIMESTEPS + " (0: every timestep), got " + boostBelow);
        }
        c = c.withRecipe(c.recipe().withAttentionBoostBelow(boostBelow));
        double invariance = opts.number("--colour-invariance", c.recipe().colourInvariance());
        if (!(invariance >= 0) || Double.isInfinite(invariance) || (!v2 && invariance > 0)) {
            throw new IllegalArgumentException("--colour-invariance must be a finite number ≥ 0 (and 0 for the v1 world), got " + invariance);
        }
        int span = opts.integer("--colour-invariance-span", c.recipe().colourInvarianceSpan());
        if (span < 0) {
            throw new IllegalArgumentException("--colour-invariance-span must be an integer ≥ 0, got " + span);
        }
        c = c.withRecipe(c.recipe().withColourInvariance(invariance, span));
        double margin = opts.number("--colour-word-margin", c.recipe().colourWordMargin());
        if (!(margin >= 0) || Double.isInfinite(margin) || (margin > 0 && !(invariance > 0))) {
            throw new IllegalArgumentException("--colour-word-margin must be a finite number ≥ 0, and needs --colour-invariance > 0, got " + margin);
        }
        c = c.withRecipe(c.recipe().withColourWordMargin(margin));
        String order = opts.text("--caption-order", null);
        if (order != null) {
            if (!v2) {
                throw new IllegalArgumentException("--caption-order is a v2 option (the v1 world's captions are colour first)");
            }
            c = c.withRecipe(c.recipe().withWorld(c.recipe().world().withCaptionOrder(Caption.Order.of(order))));
        }
        if (!v2 && attentionLoss > 0) {
            System.out.println("v1 recipe with the token-level attention loss, weight " + attentionLoss);
        }
        if (v2) {
            System.out.println("v2 recipe: " + c.recipe().json(c).replaceAll("\\s+", " ").strip());
        }
        long t0 = System.nanoTime();
        ShapesTrainer trainer = new ShapesTrainer(c);
        if (threads != null) {
            trainer.threads(threads);
        }
        if (workers != null) {
            trainer.workers(workers);
        }
        ShapesTrainer.Result r = trainer.train(out);
        System.out.printf(Locale.ROOT, "VAE: %d/%d steps, %.3f s/step, last mse %s%n", r.vaeStepsDone(), c.vaeSteps(),
                r.vaeSecondsPerStep(), last(r.vaeLosses()));
        System.out.printf(Locale.ROOT, "UNet + text encoder: %d/%d steps, %.3f s/step, last loss %s%n", r.unetStepsDone(), c.unetSteps(),
                r.unetSecondsPerStep(), last(r.unetLosses()));
        System.out.println(trainer.timingSummary());
        System.out.println(dev.diffusionlab.core.Engines.mallocReport());
        if (r.unetSecondsPerStep() > 0) {
            System.out.printf(Locale.ROOT, "steps/s: VAE %.2f, UNet + text encoder %.2f%n", r.vaeSecondsPerStep() > 0 ? 1 / r.vaeSecondsPerStep() : 0,
                    1 / r.unetSecondsPerStep());
        }
        System.out.printf(Locale.ROOT, "scaling_factor %.5f; wrote %s (checkpoint %s) in %.1f s%n", r.scalingFactor(), out,
                ShapesTrainer.checkpointFor(out), (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    private static String last(java.util.List<Float> l) {
        if (l.isEmpty()) {
            return "-";
        }
        int k = Math.min(20, l.size());
        double m = l.subList(l.size() - k, l.size()).stream().mapToDouble(Float::doubleValue).average().orElse(Double.NaN);
        return String.format(Locale.ROOT, "%.4f (mean of last %d)", m, k);
    }
}
