package dev.diffusionlab.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.attention.AttentionCapture;
import dev.diffusionlab.attention.AttentionMaps;
import dev.diffusionlab.attention.AttentionMapsWriter;
import dev.diffusionlab.attention.AttentionRun;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.core.Outputs;
import dev.diffusionlab.image.Images;
import dev.diffusionlab.pipeline.DefaultModel;
import dev.diffusionlab.pipeline.GenerationRequest;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.schedulers.Schedulers;
import dev.diffusionlab.shapes.Caption;
import dev.diffusionlab.shapes.ObjectSpec;
import dev.diffusionlab.shapes.ShapesWorldV2;
import dev.diffusionlab.shapes.ShapesWorlds;
import dev.diffusionlab.shapes.Vocab;
import java.awt.image.BufferedImage;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./dlab generate}: one image from a prompt (or an init image), written as PNG or JPEG (from the
 * extension), with the time per stage. Bad input gets one error line and exit status 2, before the engine
 * starts when it can be known then (see {@link GenerateChecks}); outputs are written under temporary names
 * and renamed at the end, so a failure leaves no partial picture or maps folder.
 *
 * <pre>{@code ./dlab generate --prompt "a red circle above a blue square" --steps 20 --seed 1 --out out.png}</pre>
 */
public final class GenerateCommand {
    private GenerateCommand() {}

    static final String USAGE = """
            usage: ./dlab generate --prompt TEXT --out FILE.png [options]
              --model DIR          diffusers Stable Diffusion folder (default: $DLAB_MODEL, else the embedded
                                   trained shapes-world model toy-data/models/shapes-world: 32×32 images from
                                   captions like "a red circle on the left and a small blue square at the bottom")
              --prompt TEXT        what to draw
              --negative TEXT      negative prompt (default "")
              --steps N            denoising steps, >= 1 (default 20)
              --cfg S              classifier-free guidance scale; <= 1 runs one UNet branch (default 7.5)
              --scheduler NAME     one of: %s (default: the folder's)
              --seed S             seed of every random draw (default 0)
              --height H --width W image size, multiples of 8 (default: the UNet's sample_size x 8)
              --init-image F       img2img: start from this image (resized to H x W when given; above 4 megapixels
                                   without them, resized to the model's native size with a notice)
              --strength X         img2img noise strength in (0, 1] (default 0.8; 1.0 with --mask)
              --mask M             inpainting: repaint where this black-and-white picture (the init image's size) is
                                   white, keep the rest (a 9-channel inpainting UNet, or blending for ordinary models)
              --overlay            with --mask: paste the init image back outside the mask after decoding
                                   (diffusers' apply_overlay: the kept area is exactly the input's pixels)
              --embedding FILE     load a textual-inversion embedding (safetensors {token: (n, hidden)}); repeatable
              --clip-skip K        use the text encoder's layer L-K (diffusers' clip_skip)
              --dtype fp32|fp16     weights and activations (bf16 is refused: DJL 0.36 aborts on it) (default: fp16 on CUDA, fp32 on CPU)
              --attention-maps DIR write per-word cross-attention overlays, grid.png, stats.json and stats.csv
              --attention-slicing auto|max|N  attention over batch×heads in slices (less memory, same image)
              --vae-tiling         decode (and encode) large images in overlapping blended tiles of the VAE's sample_size
              --out FILE           the image to write: .png, .jpg or .jpeg (checked before any compute)
            """;

    /** Parsed options. */
    record Options(Path model, String prompt, String negative, int steps, double cfg, String scheduler, long seed,
                   Integer height, Integer width, Path initImage, Double strength, Integer clipSkip, DataType dtype, Path out,
                   Path attentionMaps, Path mask, java.util.List<Path> embeddings, String attentionSlicing, boolean vaeTiling,
                   boolean overlay) {}

    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    /** Runs with explicit streams (tests); returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        String help = USAGE.formatted(String.join(", ", Schedulers.names())).stripTrailing();
        return Args.run("generate", help, args, out, err, a -> execute(a, out));
    }

    private static int execute(String[] args, PrintStream out) {
        Options o = parse(args);
        // everything that can be refused is refused here, before the engine starts or a weight is loaded
        GenerateChecks.Preflight pre = GenerateChecks.preflight(o, o.dtype != null ? o.dtype : DataType.FLOAT32, out);
        Engines.Choice engine = Engines.start();
        DataType dtype = o.dtype != null ? o.dtype : engine.dtype();
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(o.model, engine.device(), dtype);
             NDManager m = Engines.newManager()) {
            for (Path e : o.embeddings) {
                out.println("textual inversion: " + e + " -> " + dev.diffusionlab.clip.TextualInversionFile.load(e, null, sd.tokenizer(),
                        sd.textEncoder()));
            }
            if (o.attentionSlicing != null) {
                sd.enableAttentionSlicing(o.attentionSlicing);
            }
            if (o.vaeTiling) {
                sd.enableVaeTiling();
            }
            GenerationRequest r = GenerationRequest.of(o.prompt).steps(o.steps).guidance(o.cfg).seed(o.seed)
                    .scheduler(o.scheduler).clipSkip(o.clipSkip).progress(true);
            if (o.negative != null) {
                r.negative(o.negative);
            }
            if (o.initImage != null) {
                BufferedImage init = Images.load(o.initImage);
                if (o.height != null) {
                    init = Images.fit(init, o.width, o.height);
                } else if (pre.initResize() != null) {
                    init = Images.fit(init, pre.initResize()[1], pre.initResize()[0]);
                } else if (init.getWidth() % 8 != 0 || init.getHeight() % 8 != 0) {
                    throw new IllegalArgumentException("--init-image " + o.initImage + " is " + init.getWidth() + "x"
                            + init.getHeight() + ", not a multiple of 8: give --height and --width to resize it");
                }
                r.initImage(init, o.strength != null ? o.strength : o.mask != null ? 1.0 : 0.8);
                if (o.mask != null) {
                    BufferedImage mask = Images.load(o.mask);
                    if (o.height != null) {
                        mask = Images.fit(mask, o.width, o.height);
                    }
                    if (mask.getWidth() != init.getWidth() || mask.getHeight() != init.getHeight()) {
                        throw new IllegalArgumentException("--mask " + o.mask + " is " + mask.getWidth() + "x" + mask.getHeight()
                                + " but --init-image is " + init.getWidth() + "x" + init.getHeight() + ": they must be the same size");
                    }
                    try (NDManager tmp = m.newSubManager()) {
                        dev.diffusionlab.pipeline.MaskProcessor.maskTensor(mask, tmp, "--mask " + o.mask); // one channel, checked now
                    }
                    r.mask(mask).overlay(o.overlay());
                }
            } else if (o.height != null) {
                r.size(o.height, o.width);
            }
            boolean shapes = DefaultModel.isShapesWorld(o.model);
            Caption.Order order = shapes ? ShapesWorldV2.Config.forModel(o.model).captionOrder() : null;   // read once from its recipe
            out.println(engine.engine() + " " + engine.version() + " on " + engine.device() + ", " + dtypeName(dtype)
                    + (DefaultModel.isRandomDefault(o.model) ? " — model " + o.model + " has RANDOM weights: the image is noise" : shapes ?  " — shapes-world model " + o.model + " (" + (sd.unet().config().sampleSize() * sd.vaeScaleFactor()) + " px; it knows captions like \""
                    + Caption.format(List.of(new ObjectSpec(Vocab.Colour.RED, Vocab.ShapeType.CIRCLE, null, Vocab.Position.LEFT)), order)
                    + "\")" : " — model " + o.model));
            String orderHint = shapes ? ShapesWorlds.orderHint(order, o.prompt) : null;
            if (orderHint != null) {
                out.println("note: " + orderHint);
            }
            long t0 = System.nanoTime();
            StableDiffusionPipeline.Result res;
            double wallMs;
            BufferedImage img;
            try (AttentionCapture capture = o.attentionMaps != null ? AttentionCapture.builder().build() : null) {
                if (o.mask != null) {
                    var inpaint = dev.diffusionlab.pipeline.StableDiffusionInpaintPipeline.of(sd);
                    res = capture != null ? AttentionRun.generate(sd, r, () -> inpaint.generate(r, m), capture) : inpaint.generate(r, m);
                } else {
                    res = capture != null ? AttentionRun.generate(sd, r, m, capture) : sd.generate(r, m);
                }
                wallMs = (System.nanoTime() - t0) / 1e6;
                img = res.images().get(0);
                // the maps folder and the image are staged under temporary names and renamed at the end:
                // a failure leaves neither behind
                try (Outputs.Staged image = Outputs.stageFile(o.out);
                     Outputs.Staged mapsDir = capture != null ? Outputs.stageDir(o.attentionMaps) : null) {
                    Outputs.encodeImage(img, image.temp(), Outputs.extension(o.out));
                    List<String> mapLines = new java.util.ArrayList<>();
                    if (capture != null) {
                        AttentionMaps maps = capture.maps();
                        for (int b = 0; b < res.images().size(); b++) {
                            Path dir = res.images().size() == 1 ? mapsDir.temp() : mapsDir.temp().resolve("image-" + b);
                            Path shown = res.images().size() == 1 ? o.attentionMaps : o.attentionMaps.resolve("image-" + b);
                            mapLines.add("attention maps: " + AttentionMapsWriter.write(dir, maps, b, res.images().get(b)).size()
                                    + " files in " + shown);
                        }
                    }
                    image.commit();
                    if (mapsDir != null) {
                        mapsDir.commit();
                    }
                    mapLines.forEach(out::println);
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException("cannot write " + o.out + ": " + e.getMessage(), e);
                }
            }
            StableDiffusionPipeline.Timings t = sd.lastTimings();
            if (o.mask != null || t == null) {
                out.printf(Locale.ROOT, "inpainting     %9.1f ms wall (%s)%n", wallMs,
                        sd.unet().config().inChannels() == 4 ? "4-channel UNet: masked blending" : "inpainting UNet");
                out.println("wrote " + o.out + " (" + img.getWidth() + "x" + img.getHeight() + ")");
                return 0;
            }
            out.printf(Locale.ROOT, "text encoder   %9.1f ms%n", t.textEncodeMs());
            out.printf(Locale.ROOT, "UNet per step  %9.1f ms  (%d steps, %s guidance)%n", t.unetStepMs(), t.steps(),
                    o.cfg > 1 ? "2 branches:" : "1 branch: no", o.cfg);
            out.printf(Locale.ROOT, "VAE decode     %9.1f ms%n", t.vaeDecodeMs());
            out.printf(Locale.ROOT, "total          %9.1f ms  (generate() wall %.1f ms)%n", t.totalMs(), wallMs);
            out.println("wrote " + o.out + " (" + img.getWidth() + "x" + img.getHeight() + ")");
            return 0;
        }
    }

    private static String dtypeName(DataType t) {
        return switch (t) {
            case FLOAT16 -> "fp16";
            case BFLOAT16 -> "bf16";
            case FLOAT32 -> "fp32";
            default -> t.toString();
        };
    }

    static Options parse(String[] args) {
        Args.Options o = Args.options(args, java.util.Set.of("--model", "--prompt", "--negative", "--steps", "--cfg", "--scheduler", "--seed",
                "--height", "--width", "--init-image", "--strength", "--clip-skip", "--dtype", "--out", "--attention-maps", "--mask",
                "--embedding", "--attention-slicing"), java.util.Set.of("--vae-tiling", "--overlay"));
        Path model = o.path("--model", null);
        String prompt = o.text("--prompt", null);
        String negative = o.text("--negative", null);
        int steps = o.integer("--steps", 20);
        double cfg = o.number("--cfg", 7.5);
        String scheduler = o.text("--scheduler", null);
        long seed = o.longValue("--seed", 0);
        Integer height = o.integer("--height", null);
        Integer width = o.integer("--width", null);
        Path init = o.path("--init-image", null);
        Double strength = o.number("--strength", null);
        Integer clipSkip = o.integer("--clip-skip", null);
        DataType dtype = o.get("--dtype", GenerateCommand::parseDtype, null);
        Path out = o.path("--out", null);
        Path attentionMaps = o.path("--attention-maps", null);
        Path mask = o.path("--mask", null);
        java.util.List<Path> embeddings = o.all("--embedding").stream().map(Path::of).toList();
        String slicing = o.text("--attention-slicing", null);
        boolean tiling = o.has("--vae-tiling");
        boolean overlay = o.has("--overlay");
        if (prompt == null) {
            throw new IllegalArgumentException("--prompt is required");
        }
        if (out == null) {
            throw new IllegalArgumentException("--out FILE.png is required");
        }
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        }
        if ((height == null) != (width == null)) {
            throw new IllegalArgumentException("give both --height and --width, or neither");
        }
        if (height != null && (height <= 0 || width <= 0 || height % 8 != 0 || width % 8 != 0)) {
            throw new IllegalArgumentException("--height and --width must be positive multiples of 8, got " + height + "x" + width);
        }
        if (!Double.isFinite(cfg) || Math.abs(cfg) > 100) {
            throw new IllegalArgumentException("--cfg = " + cfg + ": expected a finite guidance scale in [-100, 100] (typical: 1..20)");
        }
        if (strength != null && init == null) {
            throw new IllegalArgumentException("--strength needs --init-image");
        }
        if (strength != null && !(strength > 0 && strength <= 1)) {
            throw new IllegalArgumentException("--strength must be in (0, 1], got " + strength);
        }
        if (init != null && !Files.isRegularFile(init)) {
            throw new IllegalArgumentException("--init-image " + init + ": no such file");
        }
        if (mask != null && init == null) {
            throw new IllegalArgumentException("--mask needs --init-image (the picture to inpaint)");
        }
        if (overlay && mask == null) {
            throw new IllegalArgumentException("--overlay needs --mask (it pastes the init image back outside the mask)");
        }
        if (mask != null && !Files.isRegularFile(mask)) {
            throw new IllegalArgumentException("--mask " + mask + ": no such file");
        }
        for (Path e : embeddings) {
            if (!Files.isRegularFile(e)) {
                throw new IllegalArgumentException("--embedding " + e + ": no such file");
            }
        }
        if (clipSkip != null && clipSkip < 0) {
            throw new IllegalArgumentException("--clip-skip must be >= 0, got " + clipSkip);
        }
        if (scheduler != null && Schedulers.names().stream().noneMatch(scheduler::equalsIgnoreCase)) {
            throw new IllegalArgumentException("unknown scheduler '" + scheduler + "'; known: " + String.join(", ", Schedulers.names()));
        }
        if (model == null) {
            model = DefaultModel.folder();
        }
        if (slicing != null && !slicing.matches("auto|max|off|[0-9]+")) {
            throw new IllegalArgumentException("--attention-slicing must be auto, max, off or a slice size, got '" + slicing + "'");
        }
        return new Options(model, prompt, negative, steps, cfg, scheduler, seed, height, width, init, strength, clipSkip, dtype, out, attentionMaps, mask,
                java.util.List.copyOf(embeddings), slicing, tiling, overlay);
    }

    private static DataType parseDtype(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "fp32", "float32" -> DataType.FLOAT32;
            case "fp16", "float16" -> DataType.FLOAT16;
            // DJL 0.36's PyTorch engine aborts the JVM on bfloat16 arrays: refuse before loading
            case "bf16", "bfloat16" -> throw new IllegalArgumentException(
                    "--dtype bf16 is not supported by DJL 0.36's PyTorch engine (it aborts on bfloat16 arrays); use fp16 or fp32");
            default -> throw new IllegalArgumentException("--dtype must be fp32, fp16 or bf16, got '" + s + "'");
        };
    }
}
