package dev.diffusionlab.pipeline;

import ai.djl.ndarray.NDArray;
import dev.diffusionlab.schedulers.NoiseSource;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Everything one call of {@link StableDiffusionPipeline#generate} needs; defaults follow diffusers.
 *
 * <pre>{@code
 * GenerationRequest r = GenerationRequest.of("a red circle above a blue square")
 *         .negative("blurry").steps(20).guidance(7.5).size(512, 512).seed(42).scheduler("dpmpp_2m_karras");
 * }</pre>
 */
public final class GenerationRequest {
    List<String> prompts;
    List<String> negatives;
    double guidanceScale = 7.5;
    int steps = 50;
    Integer height;
    Integer width;
    int imagesPerPrompt = 1;
    long seed = 0;
    NoiseSource noise;
    String scheduler;
    java.util.Map<String, ?> schedulerOverrides = java.util.Map.of();
    Integer clipSkip;
    NDArray latents;
    BufferedImage initImage;
    NDArray initImageTensor;
    double strength = 0.8;
    BufferedImage maskImage;
    NDArray maskTensor;
    boolean overlay;
    StepCallback callback;
    boolean progress;
    boolean decode = true;

    private GenerationRequest(List<String> prompts) {
        this.prompts = prompts;
    }

    /** One or more prompts (a batch). */
    public static GenerationRequest of(String... prompts) {
        if (prompts.length == 0) {
            throw new IllegalArgumentException("at least one prompt is needed");
        }
        return new GenerationRequest(List.of(prompts));
    }

    /** Negative prompt(s): one for all, or one per prompt. Default: the empty prompt. */
    public GenerationRequest negative(String... negatives) {
        this.negatives = List.of(negatives);
        return this;
    }

    /** Classifier-free guidance scale; ≤ 1 runs a single UNet branch, as diffusers. */
    public GenerationRequest guidance(double scale) {
        this.guidanceScale = scale;
        return this;
    }

    /** Number of inference steps (≥ 1). */
    public GenerationRequest steps(int steps) {
        this.steps = steps;
        return this;
    }

    /** Image size in pixels; multiples of 8. Default: the UNet's sample_size × the VAE's factor. */
    public GenerationRequest size(int height, int width) {
        this.height = height;
        this.width = width;
        return this;
    }

    public GenerationRequest imagesPerPrompt(int n) {
        this.imagesPerPrompt = n;
        return this;
    }

    /** Seed of every random draw (initial latents, stochastic schedulers, img2img). */
    public GenerationRequest seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** Replaces the seeded noise by an explicit source (e.g. recorded noise). */
    public GenerationRequest noise(NoiseSource noise) {
        this.noise = noise;
        return this;
    }

    /** Scheduler by name ("ddim", "euler_a", "dpmpp_2m_karras", ... or a diffusers class name); null = the folder's. */
    public GenerationRequest scheduler(String name) {
        this.scheduler = name;
        return this;
    }

    /** Scheduler by name plus config overrides (diffusers' {@code from_config(config, **overrides)}). */
    public GenerationRequest scheduler(String name, java.util.Map<String, ?> overrides) {
        this.scheduler = name;
        this.schedulerOverrides = overrides == null ? java.util.Map.of() : overrides;
        return this;
    }

    /** diffusers' clip_skip (1 = the penultimate layer); null = last layer. */
    public GenerationRequest clipSkip(Integer clipSkip) {
        this.clipSkip = clipSkip;
        return this;
    }

    /** Explicit initial latents (B, 4, h, w); the pipeline multiplies them by init_noise_sigma. */
    public GenerationRequest latents(NDArray latents) {
        this.latents = latents;
        return this;
    }

    /** img2img: start from this image, noised to {@code strength} ∈ (0, 1]. */
    public GenerationRequest initImage(BufferedImage image, double strength) {
        this.initImage = image;
        this.strength = strength;
        return this;
    }

    /** img2img from a tensor (1, 3, H, W) in [0, 1]. */
    public GenerationRequest initImage(NDArray image01, double strength) {
        this.initImageTensor = image01;
        this.strength = strength;
        return this;
    }

    /**
     * Inpainting ({@link StableDiffusionInpaintPipeline}): white (1) = repaint, black (0) = keep; used with
     * {@link #initImage} and its strength (diffusers' inpainting default is 1.0: the masked area starts from pure noise).
     */
    public GenerationRequest mask(BufferedImage mask) {
        this.maskImage = mask;
        return this;
    }

    /** Inpainting mask as a tensor (1, 1, H, W) in [0, 1], 1 = repaint. */
    public GenerationRequest mask(NDArray mask01) {
        this.maskTensor = mask01;
        return this;
    }

    /**
     * Inpainting: paste the init image back outside the mask after decoding (diffusers' {@code
     * VaeImageProcessor.apply_overlay}), so the kept area is the input's pixels exactly instead of its VAE round
     * trip, which the repainted half also shifts near the border (the decoder sees both). Off by default, as in
     * diffusers' pipeline without {@code padding_mask_crop}.
     */
    public GenerationRequest overlay(boolean on) {
        this.overlay = on;
        return this;
    }

    /** The denoising strength in (0, 1] of img2img and inpainting. */
    public GenerationRequest strength(double strength) {
        this.strength = strength;
        return this;
    }

    public GenerationRequest callback(StepCallback callback) {
        this.callback = callback;
        return this;
    }

    /** Prints a progress bar on stderr. */
    public GenerationRequest progress(boolean on) {
        this.progress = on;
        return this;
    }

    /** False: return latents only (diffusers' output_type="latent"). */
    public GenerationRequest decode(boolean on) {
        this.decode = on;
        return this;
    }

    /** The number of inference steps asked for (the schedule may run more iterations, e.g. PNDM, Heun). */
    public int stepCount() {
        return steps;
    }

    /** The classifier-free guidance scale; guidance is on (UNet batch [negative; positive]) when it is > 1. */
    public double guidanceScale() {
        return guidanceScale;
    }

    /** The requested image height, or null for the UNet's sample size × the VAE factor. */
    public Integer requestedHeight() {
        return height;
    }

    /** The requested image width, or null for the UNet's sample size × the VAE factor. */
    public Integer requestedWidth() {
        return width;
    }

    /** The step callback, or null. */
    public StepCallback stepCallback() {
        return callback;
    }

    /** The prompts, in order. */
    public List<String> promptList() {
        return List.copyOf(prompts);
    }

    /** Images generated per prompt. */
    public int imagesPerPromptCount() {
        return imagesPerPrompt;
    }
}
