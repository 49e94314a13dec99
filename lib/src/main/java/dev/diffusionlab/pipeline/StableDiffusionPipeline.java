package dev.diffusionlab.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.clip.CLIPTextModel;
import dev.diffusionlab.clip.CLIPTokenizer;
import dev.diffusionlab.clip.TokenizedPrompt;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.image.ImageTensors;
import dev.diffusionlab.schedulers.NoiseSource;
import dev.diffusionlab.schedulers.Scheduler;
import dev.diffusionlab.schedulers.Schedulers;
import dev.diffusionlab.schedulers.StepOutput;
import dev.diffusionlab.unet.UNet2DConditionModel;
import dev.diffusionlab.vae.AutoencoderKL;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Text-to-image and image-to-image with a Stable Diffusion folder, step for step as diffusers'
 * {@code StableDiffusionPipeline} / {@code StableDiffusionImg2ImgPipeline}: prompt → CLIP → text
 * embeddings → latent noise → UNet steps with classifier-free guidance → VAE decoder → image.
 *
 * <pre>{@code
 * try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(Path.of("stable-diffusion-v1-5"));
 *      NDManager m = Engines.newManager()) {
 *     Result r = sd.generate(GenerationRequest.of("a photo of a cat").steps(25).seed(1), m);
 *     ImageIO.write(r.images().get(0), "png", new File("cat.png"));
 * }
 * }</pre>
 */
public class StableDiffusionPipeline implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StableDiffusionPipeline.class);

    private final ModelFolder folder;
    private final CLIPTokenizer tokenizer;
    private final CLIPTextModel textEncoder;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;
    private final DataType dtype;

    protected StableDiffusionPipeline(ModelFolder folder, CLIPTokenizer tokenizer, CLIPTextModel textEncoder,
                                    UNet2DConditionModel unet, AutoencoderKL vae, DataType dtype) {
        this.folder = folder;
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.vae = vae;
        this.dtype = dtype;
    }

    /** Loads a folder on the default device and dtype ({@link Engines#start()}: CUDA fp16 or CPU fp32). */
    public static StableDiffusionPipeline load(java.nio.file.Path folder) {
        Engines.Choice c = Engines.start();
        return load(folder, c.device(), c.dtype());
    }

    /** Loads a folder on {@code device} as {@code dtype}; the error names a missing component. */
    public static StableDiffusionPipeline load(java.nio.file.Path dir, Device device, DataType dtype) {
        ModelFolder f = ModelFolder.open(dir).requirePipeline();
        CLIPTokenizer tok = CLIPTokenizer.fromFolder(f.tokenizer());
        CLIPTextModel te = null;
        UNet2DConditionModel unet = null;
        try {
            te = CLIPTextModel.fromPretrained(f.textEncoder(), device, dtype);
            unet = UNet2DConditionModel.fromPretrained(f.unet(), device, dtype);
            AutoencoderKL vae = AutoencoderKL.fromPretrained(f.vae(), device, dtype);
            RequestChecks.tokenizerFitsEmbedding(tok, te.config(), f.tokenizer());
            RequestChecks.componentsFit(te.config(), unet.config(), vae.config(), dir);
            return new StableDiffusionPipeline(f, tok, te, unet, vae, dtype);
        } catch (RuntimeException e) {
            if (te != null) {
                te.close();
            }
            if (unet != null) {
                unet.close();
            }
            throw e;
        }
    }

    /**
     * A pipeline from components already built (e.g. random weights for a bench); {@code folder} gives
     * the scheduler config. The pipeline closes the models when it is closed.
     */
    public static StableDiffusionPipeline assemble(ModelFolder folder, CLIPTokenizer tokenizer, CLIPTextModel textEncoder,
                                                   UNet2DConditionModel unet, AutoencoderKL vae) {
        if (unet.dtype() != vae.dtype() || unet.dtype() != textEncoder.dtype()) {
            throw new IllegalArgumentException("components have different dtypes: text encoder " + textEncoder.dtype()
                    + ", unet " + unet.dtype() + ", vae " + vae.dtype());
        }
        return new StableDiffusionPipeline(folder, tokenizer, textEncoder, unet, vae, unet.dtype());
    }

    public ModelFolder folder() {
        return folder;
    }

    public CLIPTokenizer tokenizer() {
        return tokenizer;
    }

    public CLIPTextModel textEncoder() {
        return textEncoder;
    }

    public UNet2DConditionModel unet() {
        return unet;
    }

    public AutoencoderKL vae() {
        return vae;
    }

    /**
     * diffusers' {@code enable_attention_slicing}: the UNet's attention runs over the batch×heads axis in
     * slices ("auto": half the heads, "max": one, or a number), cutting the 512² score memory; same images.
     */
    public StableDiffusionPipeline enableAttentionSlicing(String sliceSize) {
        unet.setAttentionSlicing(sliceSize == null ? "auto" : sliceSize);
        return this;
    }

    /** diffusers' {@code disable_attention_slicing}. */
    public StableDiffusionPipeline disableAttentionSlicing() {
        unet.setAttentionSlicing("off");
        return this;
    }

    /** diffusers' {@code enable_vae_tiling}: images larger than the VAE's sample_size are decoded/encoded in blended tiles. */
    public StableDiffusionPipeline enableVaeTiling() {
        vae.enableTiling();
        return this;
    }

    /** diffusers' {@code disable_vae_tiling}. */
    public StableDiffusionPipeline disableVaeTiling() {
        vae.disableTiling();
        return this;
    }

    /** The VAE's spatial downscale factor, 2^(levels−1) (8 for Stable Diffusion). */
    public int vaeScaleFactor() {
        return 1 << (vae.config().blockOutChannels().length - 1);
    }

    /** A scheduler for this model: by name, or the folder's own when {@code name} is null. */
    public Scheduler newScheduler(String name) {
        return newScheduler(name, Map.of());
    }

    /** A scheduler by name (null = the folder's class) with config overrides. */
    public Scheduler newScheduler(String name, Map<String, ?> overrides) {
        return name == null ? Schedulers.fromConfig(folder.schedulerConfig(), overrides)
                : Schedulers.create(name, folder.schedulerConfig(), overrides);
    }

    /**
     * The outcome of {@link #generate}: images (when decoded) and the final latents, which live in the
     * caller's manager.
     *
     * @param images decoded images (empty with {@code decode(false)})
     * @param latents final latents (B, 4, h, w), float32
     * @param imageTensor images as (B, 3, H, W) in [0, 1], or null
     * @param prompts the tokenizer's view of every prompt (tokens, words, truncation)
     * @param warnings what diffusers would warn about (e.g. the words cut by the 77-token limit)
     * @param timings time per stage of this generation, or null
     */
    public record Result(List<BufferedImage> images, NDArray latents, NDArray imageTensor, List<TokenizedPrompt> prompts,
                         List<String> warnings, Timings timings) {
        /** A result without timings. */
        public Result(List<BufferedImage> images, NDArray latents, NDArray imageTensor, List<TokenizedPrompt> prompts,
                      List<String> warnings) {
            this(images, latents, imageTensor, prompts, warnings, null);
        }
    }

    /**
     * Encodes prompts as diffusers' {@code encode_prompt}: (B, 77, D), with clip skip applied to the
     * prompts only (diffusers encodes negative prompts with the last layer). With guidance the result
     * is {@code [negative; positive]} (2B, 77, D).
     */
    public NDArray encodePrompt(List<String> prompts, List<String> negatives, boolean guidance, Integer clipSkip,
                                NDManager manager, List<TokenizedPrompt> inspected) {
        // textual inversion: multi-vector tokens expand to "<t> <t>_1 ..." as diffusers' maybe_convert_prompt
        prompts = prompts.stream().map(tokenizer::maybeConvertPrompt).toList();
        negatives = negatives == null ? null : negatives.stream().map(tokenizer::maybeConvertPrompt).toList();
        for (String p : prompts) {
            TokenizedPrompt tp = tokenizer.inspect(p);
            if (tp.truncated()) {
                LOG.warn(truncationWarning(tp));
            }
            vocabularyWarnings(tp).forEach(LOG::warn);
            if (inspected != null) {
                inspected.add(tp);
            }
        }
        NDArray ids = tokenizer.encodeBatch(prompts, manager); // (B, 77)
        CLIPTextModel.Output out = textEncoder.encode(ids);
        NDArray cond = clipSkip == null ? out.lastHiddenState() : out.hiddenState(clipSkip);
        if (!guidance) {
            return cond;
        }
        if (negatives != null && negatives.size() != 1 && negatives.size() != prompts.size()) {
            throw new IllegalArgumentException("negative prompts: " + negatives.size() + " given for " + prompts.size()
                    + " prompts (give one for all, or one per prompt)");
        }
        List<String> neg = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            neg.add(negatives == null || negatives.isEmpty() ? "" : negatives.size() == 1 ? negatives.get(0) : negatives.get(i));
        }
        NDArray uncond = textEncoder.encode(tokenizer.encodeBatch(neg, manager)).lastHiddenState();
        return uncond.concat(cond, 0); // (B, 77, D) + (B, 77, D) -> (2B, 77, D)
    }

    /** Prompt words the model cannot know ({@link PromptVocabulary}): unknown-token words, words outside a closed vocabulary. */
    public List<String> vocabularyWarnings(TokenizedPrompt tp) {
        return PromptVocabulary.warnings(tp, tokenizer, PromptVocabulary.closedVocabulary(folder));
    }

    /** diffusers' warning for a prompt longer than the tokenizer's limit, naming the dropped words. */
    private String truncationWarning(TokenizedPrompt tp) {
        return "The following part of your input was truncated because CLIP can only handle sequences up to "
                + tokenizer.modelMaxLength() + " tokens: " + tp.droppedText();
    }

    /**
     * Runs a generation; every array it returns lives in {@code manager}. The phases follow diffusers'
     * {@code StableDiffusionPipeline.__call__} and are methods of their own, so that a variant (img2img is
     * built in; an inpainting pipeline, say) can reuse them: {@link #encodePrompt}, {@link #prepareTimesteps},
     * {@link #prepareLatents}, {@link #denoise}, {@link #decode}.
     */
    public Result generate(GenerationRequest r, NDManager manager) {
        // 0. Default height and width to the UNet's sample size
        int factor = vaeScaleFactor();
        int height = r.height != null ? r.height : unet.config().sampleSize() * factor;
        int width = r.width != null ? r.width : unet.config().sampleSize() * factor;
        // 1. Check inputs
        validate(r);
        if (height % 8 != 0 || width % 8 != 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("height and width must be positive multiples of 8, got " + height + "×" + width);
        }
        // refuse before allocating: 4096×4096 would need terabytes of attention scores
        MemoryBudget.check(unet.config(), vae.config(), r.prompts.size() * r.imagesPerPrompt, r.guidanceScale > 1.0, height, width,
                dtype, 0, 0);
        // 2. Define call parameters: one batch row per image, classifier-free guidance when scale > 1
        List<String> prompts = repeatEach(r.prompts, r.imagesPerPrompt);
        List<String> negatives = r.negatives != null && r.negatives.size() > 1 && r.imagesPerPrompt > 1
                ? repeatEach(r.negatives, r.imagesPerPrompt) : r.negatives;
        boolean cfg = r.guidanceScale > 1.0;
        NoiseSource noise = r.noise != null ? r.noise : NoiseSource.seeded(r.seed);
        List<TokenizedPrompt> inspected = new ArrayList<>();
        try (Scheduler scheduler = newScheduler(r.scheduler, r.schedulerOverrides);
             NDManager work = manager.newSubManager()) {
            scheduler.setNoiseSource(noise);
            // 3. Encode input prompt
            long t0 = System.nanoTime();
            NDArray embeds = encodePrompt(prompts, negatives, cfg, r.clipSkip, work, inspected); // (B or 2B, 77, D)
            FiniteGuard.checkEmbeddings(embeds);
            double textMs = (System.nanoTime() - t0) / 1e6;
            // 4. Prepare timesteps
            double[] timesteps = prepareTimesteps(scheduler, r);
            // 5. Prepare latent variables
            Shape shape = new Shape(prompts.size(), unet.config().inChannels(), height / factor, width / factor);
            NDArray latents = prepareLatents(r, scheduler, timesteps, shape, noise, work);
            // 6. Denoising loop
            long tLoop = System.nanoTime();
            latents = denoise(r, scheduler, timesteps, latents, embeds, cfg, work);
            double loopMs = (System.nanoTime() - tLoop) / 1e6;
            NDArray finalLatents = latents.toType(DataType.FLOAT32, false);
            finalLatents.attach(manager);
            // 7. Decode the latents with the VAE
            long td = System.nanoTime();
            NDArray imageTensor = r.decode ? decode(latents, manager) : null;
            List<BufferedImage> images = imageTensor != null ? toImages(imageTensor) : Collections.emptyList();
            double decodeMs = r.decode ? (System.nanoTime() - td) / 1e6 : 0;
            Timings timings = new Timings(textMs, timesteps.length == 0 ? 0 : loopMs / timesteps.length, timesteps.length, decodeMs);
            lastTimings = timings;
            List<String> warnings = new ArrayList<>();
            for (TokenizedPrompt tp : inspected) {
                if (tp.truncated()) {
                    warnings.add(truncationWarning(tp));
                }
                warnings.addAll(vocabularyWarnings(tp));
            }
            return new Result(images, finalLatents, imageTensor, inspected, List.copyOf(new java.util.LinkedHashSet<>(warnings)), timings);
        }
    }

    /** Each element {@code n} times in a row (diffusers' repeat_interleave over num_images_per_prompt). */
    private static List<String> repeatEach(List<String> items, int n) {
        List<String> out = new ArrayList<>();
        for (String s : items) {
            for (int i = 0; i < n; i++) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * Sets the scheduler's timesteps for {@code r.steps} steps and returns the ones the loop runs: all of
     * them for txt2img; with an init image, the last {@code strength} share (diffusers' {@code get_timesteps}).
     */
    protected double[] prepareTimesteps(Scheduler scheduler, GenerationRequest r) {
        scheduler.setTimesteps(r.steps);
        double[] timesteps = scheduler.timesteps();
        if (!isImg2Img(r)) {
            return timesteps;
        }
        int init = Math.min((int) (r.steps * r.strength), r.steps);
        int start = Math.max(r.steps - init, 0) * scheduler.order();
        double[] ts = new double[timesteps.length - start];
        System.arraycopy(timesteps, start, ts, 0, ts.length);
        if (ts.length == 0) {
            throw new IllegalArgumentException("strength " + r.strength + " with " + r.steps + " steps runs no step");
        }
        return ts;
    }

    /**
     * The starting latents (B, C, h, w) in the model dtype: the request's latents or seeded noise, times the
     * scheduler's initial sigma (txt2img); or the init image's VAE latents noised to the first timestep
     * (img2img).
     */
    protected NDArray prepareLatents(GenerationRequest r, Scheduler scheduler, double[] timesteps, Shape shape, NoiseSource noise,
                                     NDManager work) {
        if (isImg2Img(r)) {
            return prepareImageLatents(r, scheduler, timesteps[0], shape, noise, work);
        }
        NDArray init = r.latents != null ? r.latents.duplicate() : noise.randn(shape, work);
        init.attach(work);
        if (!init.getShape().equals(shape)) {
            throw new IllegalArgumentException("latents have shape " + init.getShape() + ", expected " + shape);
        }
        return init.toType(dtype, false).mul(scheduler.initNoiseSigma());
    }

    /** img2img: encode the init image, scale, repeat to the batch, add noise at timestep {@code t0}. */
    protected NDArray prepareImageLatents(GenerationRequest r, Scheduler scheduler, double t0, Shape shape, NoiseSource noise,
                                          NDManager work) {
        int factor = vaeScaleFactor();
        long batch = shape.get(0);
        NDArray x = r.initImageTensor != null
                ? r.initImageTensor.toType(DataType.FLOAT32, false).mul(2).sub(1) // [0,1] -> [-1,1]
                : ImageTensors.toTensor(work, r.initImage).expandDims(0); // (3,H,W) -> (1,3,H,W) in [-1,1]
        x = x.toType(dtype, false);
        NDArray sample = vae.encode(x).sample(noise.randn(new Shape(x.getShape().get(0), shape.get(1),
                x.getShape().get(2) / factor, x.getShape().get(3) / factor), work).toType(dtype, false));
        NDArray imageLatents = sample.mul(vae.scalingFactor());
        if (imageLatents.getShape().get(0) != batch) {
            imageLatents = imageLatents.repeat(0, batch / imageLatents.getShape().get(0)); // (1,4,h,w) -> (B,4,h,w)
        }
        NDArray n = noise.randn(imageLatents.getShape(), work).toType(dtype, false);
        return scheduler.addNoise(imageLatents, n, t0);
    }

    /**
     * The denoising loop: per timestep, the UNet's noise prediction (on [uncond; cond] with guidance),
     * classifier-free guidance ε = ε_u + s·(ε_c − ε_u), the scheduler step, and the request's callback.
     * Each step's arrays are freed with the step; the returned latents live in {@code work}.
     */
    protected NDArray denoise(GenerationRequest r, Scheduler scheduler, double[] timesteps, NDArray latents, NDArray embeds,
                              boolean cfg, NDManager work) {
        dev.diffusionlab.core.Progress bar = r.progress ? dev.diffusionlab.core.Progress.bar("denoising", timesteps.length) : null;
        long tLoop = System.nanoTime();
        for (int i = 0; i < timesteps.length; i++) {
            double t = timesteps[i];
            try (NDManager step = work.newSubManager()) {
                latents.attach(step); // the previous latents are freed with this step
                NDArray in = cfg ? latents.concat(latents, 0) : latents; // (B,4,h,w) -> (2B,4,h,w)
                NDArray scaled = scheduler.scaleModelInput(in, t);
                NDArray tArr = step.create((float) t);
                NDArray pred = unet.forward(scaled, tArr, embeds);
                NDArray uncond = null;
                NDArray text = pred;
                if (cfg) {
                    NDList halves = pred.split(2, 0); // (2B,4,h,w) -> 2 × (B,4,h,w)
                    uncond = halves.get(0);
                    text = halves.get(1);
                    pred = uncond.add(text.sub(uncond).mul(r.guidanceScale));
                }
                StepOutput out = scheduler.step(pred, t, latents);
                NDArray next = out.prevSample();
                FiniteGuard.checkStep(next, i, timesteps.length, t, r.guidanceScale);
                if (r.callback != null && !r.callback.onStep(new StepCallback.Step(i, timesteps.length, t, next, pred,
                        uncond, text, out.predOriginalSample()))) {
                    throw new StepCallback.CancelledException(i);
                }
                next.attach(work);
                latents = next;
            }
            if (bar != null) {
                bar.update(i, String.format(java.util.Locale.ROOT, "t=%.0f %.0f ms/step", t,
                        (System.nanoTime() - tLoop) / 1e6 / (i + 1)));
            }
        }
        return latents;
    }

    /** VAE decode of latents (B, 4, h, w) in the model dtype to images (B, 3, H, W) in [0, 1], float32, in {@code manager}. */
    protected NDArray decode(NDArray latents, NDManager manager) {
        NDArray decoded = vae.decode(latents.div(vae.scalingFactor())); // (B,4,h,w) -> (B,3,H,W)
        FiniteGuard.checkDecoded(decoded);
        NDArray imageTensor = decoded.toType(DataType.FLOAT32, false).div(2).add(0.5).clip(0, 1);
        imageTensor.attach(manager);
        return imageTensor;
    }

    private static boolean isImg2Img(GenerationRequest r) {
        return r.initImage != null || r.initImageTensor != null;
    }

    /** Decodes latents (B, 4, h, w) to images (B, 3, H, W) in [0, 1], as the pipeline's output_type="pt". */
    public NDArray generateDecodedTensor(NDArray latents) {
        NDArray decoded = vae.decode(latents.toType(dtype, false).div(vae.scalingFactor())); // (B,4,h,w) -> (B,3,8h,8w)
        return decoded.toType(DataType.FLOAT32, false).div(2).add(0.5).clip(0, 1);
    }

    /** Images (B, 3, H, W) in [0, 1] as pictures, rounded as diffusers' image processor does. */
    static List<BufferedImage> toImages(NDArray images01) {
        List<BufferedImage> out = new ArrayList<>();
        try (NDManager tmp = images01.getManager().newSubManager()) {
            for (int b = 0; b < images01.getShape().get(0); b++) {
                NDArray one = images01.get(b); // (B,3,H,W) -> (3,H,W)
                one.attach(tmp);
                NDArray signed = one.mul(2).sub(1); // [0,1] -> [-1,1], the stage-1 convention
                out.add(ImageTensors.toImage(signed));
            }
        }
        return out;
    }

    /** Time per stage of a generation (ms). */
    public record Timings(double textEncodeMs, double unetStepMs, int steps, double vaeDecodeMs) {
        public double totalMs() {
            return textEncodeMs + unetStepMs * steps + vaeDecodeMs;
        }

        @Override
        public String toString() {
            return String.format("text encoder %.1f ms, denoising %d steps × %.1f ms, VAE decode %.1f ms, total %.1f ms",
                    textEncodeMs, steps, unetStepMs, vaeDecodeMs, totalMs());
        }
    }

    // kept only for lastTimings(), the pre-Result.timings() API that notebook 03 and older callers use
    private volatile Timings lastTimings;

    /** Timings of the last {@link #generate} call, or null; prefer {@link Result#timings()}. */
    public Timings lastTimings() {
        return lastTimings;
    }

    private static void validate(GenerationRequest r) {
        RequestChecks.check(r);
        if (r.steps < 1) {
            throw new IllegalArgumentException("steps must be ≥ 1, got " + r.steps);
        }
        if (r.imagesPerPrompt < 1) {
            throw new IllegalArgumentException("imagesPerPrompt must be ≥ 1, got " + r.imagesPerPrompt);
        }
        boolean img2img = r.initImage != null || r.initImageTensor != null;
        if (img2img && !(r.strength > 0 && r.strength <= 1)) {
            throw new IllegalArgumentException("strength must be in (0, 1], got " + r.strength);
        }
        if (r.negatives != null && r.negatives.size() > 1 && r.negatives.size() != r.prompts.size()) {
            throw new IllegalArgumentException("negative prompts: " + r.negatives.size() + " given for " + r.prompts.size()
                    + " prompts (give one for all, or one per prompt)");
        }
        if (img2img && r.latents != null) {
            throw new IllegalArgumentException("give either initial latents or an init image, not both");
        }
    }

    @Override
    public void close() {
        textEncoder.close();
        unet.close();
        vae.close();
    }

}
