package dev.diffusionlab.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.clip.TextualInversion;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.image.ImageGrid;
import dev.diffusionlab.image.Images;
import dev.diffusionlab.pipeline.DefaultModel;
import dev.diffusionlab.pipeline.StableDiffusionInpaintPipeline;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.schedulers.Scheduler;
import dev.diffusionlab.shapes.MakeItYours;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * {@code ./dlab eval-make-it-yours}: the stage-5 figures on a shapes-world model. Trains a new word for a
 * "colour shape" concept (timed), generates it {@code --samples} times and reads the pictures with the analyser;
 * then inpaints {@code --samples} two-object scenes (one half masked, re-captioned) and reports how often the
 * masked object became the captioned one, whether the other stayed, and the pixel change outside the mask.
 * Ends with "N passed, M failed" over the two 80 % targets (exit status 1 when one is missed).
 */
public final class EvalMakeItYoursCommand {
    private EvalMakeItYoursCommand() {}

    static final String HELP = """
            usage: ./dlab eval-make-it-yours [options]
              --model DIR        shapes-world diffusers folder (default: the embedded model)
              --concept PHRASE   the concept the new word learns (default "green triangle")
              --token TEXT       the new word (default <zorp>)
              --ti-steps N       textual-inversion steps (default 400)
              --samples N        generations / inpainting runs (default 50)
              --steps N          denoising steps (default 25)
              --guidance G       guidance scale of the word's generations (default 7.5)
              --inpaint-steps N --inpaint-guidance G   the inpainting runs' (default 50 and 3)
              --skip-ti / --skip-inpaint   run one half only
              --no-overlay       keep the decoded picture outside the mask too (default: the input pasted back outside
                                 the mask after decoding, diffusers' apply_overlay, so the kept object is the input's)
              --object-prompt    inpaint with the new object's caption alone as the prompt (default: the whole new caption)
              --inpaint-model DIR  inpaint with this folder (e.g. from ./dlab train-shapes-inpaint) instead of --model
              --out DIR          also write ti-grid.png and inpaint-grid.png there""";

    public static int run(String[] args) {
        return Args.run("eval-make-it-yours", HELP, args, EvalMakeItYoursCommand::execute);
    }

    private static int execute(String[] args) {
        Args.Options opts = Args.options(args, Set.of("--model", "--concept", "--token", "--ti-steps", "--samples", "--steps", "--guidance",
                "--inpaint-steps", "--inpaint-guidance", "--out", "--inpaint-model"), Set.of("--skip-ti", "--skip-inpaint", "--object-prompt", "--no-overlay"));
        Path model = opts.path("--model", null);
        String concept = opts.text("--concept", "green triangle");
        String token = opts.text("--token", "<zorp>");
        int tiSteps = opts.integer("--ti-steps", 400);
        int samples = opts.integer("--samples", 50);
        int steps = opts.integer("--steps", 25);
        double guidance = opts.number("--guidance", 7.5);
        int inpaintSteps = opts.integer("--inpaint-steps", 50);
        double inpaintGuidance = opts.number("--inpaint-guidance", 3.0);
        boolean overlay = !opts.has("--no-overlay");
        boolean ti = !opts.has("--skip-ti");
        boolean inpaint = !opts.has("--skip-inpaint");
        boolean wholeCaption = !opts.has("--object-prompt");
        Path out = opts.path("--out", null);
        Path inpaintModel = opts.path("--inpaint-model", null);
        MakeItYours.concept(concept, dev.diffusionlab.shapes.Vocab.Position.CENTER);
        Path dir = model != null ? model : DefaultModel.folder();
        Engines.startAndReport();
        int passed = 0;
        int failed = 0;
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(dir, Device.cpu(), DataType.FLOAT32);
             NDManager m = Engines.newCpuManager()) {
            if (ti) {
                // baseline: the same word before training (its start embedding, the vocabulary's mean row)
                try (NDManager b = m.newSubManager()) {
                    String untrained = token.replace(">", "-untrained>");
                    dev.diffusionlab.clip.TextualInversionFile.add(untrained,
                            sd.textEncoder().namedParameters().get("text_model.embeddings.token_embedding.weight").mean(new int[] {0}),
                            sd.tokenizer(), sd.textEncoder(), "baseline");
                    MakeItYours.TiReport base = MakeItYours.evaluateWord(sd, untrained, concept, samples, steps, guidance, b);
                    System.out.println("before training (" + untrained + ", the start embedding): " + base.text());
                }
                TextualInversion t = new TextualInversion(TextualInversion.Config.defaults().withSteps(tiSteps));
                TextualInversion.Result r;
                try (Scheduler s = sd.newScheduler(null)) {
                    r = t.train(token, MakeItYours.examples(concept, token, 64, 0, MakeItYours.side(sd)), sd.tokenizer(), sd.textEncoder(), sd.unet(), sd.vae(),
                            s.betaSchedule(), m);
                }
                System.out.printf(Locale.ROOT, "textual inversion of \"%s\" as %s: %s (%d cores available, machine shared)%n", concept, token,
                        r.summary(), Runtime.getRuntime().availableProcessors());
                MakeItYours.TiReport rep = MakeItYours.evaluateWord(sd, token, concept, samples, steps, guidance, m);
                System.out.println(rep.text());
                boolean ok = rep.wordDrawn() >= 0.8;
                System.out.printf(Locale.ROOT, "target: learned word drawn >= 80 %%: %.0f %% %s%n", 100 * rep.wordDrawn(), ok ? "PASS" : "FAIL");
                passed += ok ? 1 : 0;
                failed += ok ? 0 : 1;
                if (out != null) {
                    Images.savePng(ImageGrid.of(rep.samples().stream().map(MakeItYours.WordSample::image).toList(), rep.samples().stream().map(s -> s.wordDrawn() ? "yes" : "no").toList(), 10, 3), out.resolve("ti-grid.png"));
                }
            }
            if (inpaint) {
                StableDiffusionInpaintPipeline ip = inpaintModel != null
                        ? StableDiffusionInpaintPipeline.load(inpaintModel, Device.cpu(), DataType.FLOAT32) : StableDiffusionInpaintPipeline.of(sd);
                long t0 = System.nanoTime();
                MakeItYours.InpaintReport rep = MakeItYours.evaluateInpainting(ip, samples, inpaintSteps, inpaintGuidance, wholeCaption, overlay, m);
                System.out.printf(Locale.ROOT, "inpainting (%s, %s), %d runs in %.1f s%n", ip.hasInpaintingUnet() ? "inpainting UNet"
                        : "4-channel UNet, masked blending", overlay ? "input pasted back outside the mask" : "no overlay", samples, (System.nanoTime() - t0) / 1e9);
                System.out.println(rep.text());
                boolean ok = rep.both() >= 0.8;
                System.out.printf(Locale.ROOT, "target: masked object replaced AND unmasked object unchanged >= 80 %%: %.0f %% %s%n",
                        100 * rep.both(), ok ? "PASS" : "FAIL");
                passed += ok ? 1 : 0;
                failed += ok ? 0 : 1;
                if (inpaintModel != null) {
                    ip.close();
                }
                if (out != null) {
                    Images.savePng(ImageGrid.of(rep.samples().stream().map(MakeItYours.InpaintSample::image).toList(), rep.samples().stream().map(s -> s.replaced() && s.keptUnchanged() ? "yes" : "no").toList(), 10, 3),
                            out.resolve("inpaint-grid.png"));
                }
            }
        }
        System.out.println(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
