package dev.diffusionlab.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.util.ProgressBar;
import dev.diffusionlab.clip.TokenizedPrompt;
import dev.diffusionlab.schedulers.MultistepScheduler;
import dev.diffusionlab.schedulers.NoiseSource;
import dev.diffusionlab.schedulers.Scheduler;
import dev.diffusionlab.schedulers.SigmaScheduler;
import dev.diffusionlab.schedulers.StepOutput;
import dev.diffusionlab.unet.UNet2DConditionModel;
import dev.diffusionlab.vae.AutoencoderKL;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Inpainting as diffusers' {@code StableDiffusionInpaintPipeline}: repaint the white part of a mask, keep the
 * rest. Two model kinds:
 * <ul>
 *   <li>an inpainting UNet ({@code in_channels} 9): every step it sees the (scaled) noisy latents, the mask on
 *       the latent grid and the VAE latents of the masked image, concatenated along channels;</li>
 *   <li>an ordinary UNet (4 channels): after every scheduler step the kept area is overwritten by the original
 *       image's latents noised to the next timestep ("blending"), so only the masked area is generated.</li>
 * </ul>
 * Strength, classifier-free guidance, negative prompts, callbacks and attention hooks work as in
 * {@link StableDiffusionPipeline#generate}; the components are the wrapped pipeline's. With
 * {@link GenerationRequest#overlay} the input's pixels are pasted back outside the mask after decoding.
 *
 * <pre>{@code
 * try (StableDiffusionInpaintPipeline p = StableDiffusionInpaintPipeline.load(Path.of("sd-inpaint"))) {
 *     Result r = p.generate(GenerationRequest.of("a green triangle").initImage(img, 1.0).mask(maskImg).seed(3), m);
 * }
 * }</pre>
 */
public final class StableDiffusionInpaintPipeline implements AutoCloseable {
    private final StableDiffusionPipeline sd;
    private final boolean owns;

    private StableDiffusionInpaintPipeline(StableDiffusionPipeline sd, boolean owns) {
        this.sd = sd;
        this.owns = owns;
    }

    /** Loads a folder (inpainting or ordinary model) on the default device and dtype. */
    public static StableDiffusionInpaintPipeline load(Path folder) {
        return new StableDiffusionInpaintPipeline(StableDiffusionPipeline.load(folder), true);
    }

    /** Loads a folder on {@code device} as {@code dtype}. */
    public static StableDiffusionInpaintPipeline load(Path folder, Device device, DataType dtype) {
        return new StableDiffusionInpaintPipeline(StableDiffusionPipeline.load(folder, device, dtype), true);
    }

    /** Inpainting with the components of an open pipeline (closing this one leaves {@code sd} open). */
    public static StableDiffusionInpaintPipeline of(StableDiffusionPipeline sd) {
        return new StableDiffusionInpaintPipeline(sd, false);
    }

    /** The pipeline whose components this one uses (tokenizer, text encoder, UNet, VAE, scheduler config). */
    public StableDiffusionPipeline pipeline() {
        return sd;
    }

    /** True for an inpainting UNet (9 input channels), false for masked blending with a 4-channel UNet. */
    public boolean hasInpaintingUnet() {
        return sd.unet().config().inChannels() != latentChannels();
    }

    private int latentChannels() {
        return sd.vae().config().latentChannels();
    }

    /**
     * What one run computed, for inspection and parity checks (arrays live in the caller's manager).
     * Per-step lists are filled only when {@link #keepSteps} was asked for.
     */
    public static final class Trace {
        private final boolean keepSteps;
        NDArray maskCondition;
        NDArray maskedImage;
        NDArray maskLatent;
        NDArray maskedImageLatents;
        NDArray imageLatents;
        NDArray startLatents;
        NDArray unetInputFirst;
        double[] loopTimesteps;
        final List<NDArray> schedulerPrevSamples = new ArrayList<>();
        final List<NDArray> initLatentsProper = new ArrayList<>();
        final List<NDArray> unetOutputs = new ArrayList<>();

        private Trace(boolean keepSteps) {
            this.keepSteps = keepSteps;
        }

        /** A trace of the prepared inputs only. */
        public static Trace inputs() {
            return new Trace(false);
        }

        /** A trace that also keeps every step's scheduler output, blend target and raw UNet output. */
        public static Trace keepSteps() {
            return new Trace(true);
        }

        /** The binary mask at pixel size (B, 1, H, W). */
        public NDArray maskCondition() {
            return maskCondition;
        }

        /** The image in [−1, 1] with the repainted area set to 0 (B, 3, H, W). */
        public NDArray maskedImage() {
            return maskedImage;
        }

        /** The mask on the latent grid (1, 1, h, w): what the UNet sees or what the blend uses. */
        public NDArray maskLatent() {
            return maskLatent;
        }

        /** {@code scaling · (mean + std · noise)} of the masked image (1, 4, h, w). */
        public NDArray maskedImageLatents() {
            return maskedImageLatents;
        }

        /** The init image's latents (B, 4, h, w), or null where they are not computed (9 channels, strength 1). */
        public NDArray imageLatents() {
            return imageLatents;
        }

        /** The latents entering the loop. */
        public NDArray startLatents() {
            return startLatents;
        }

        /** The input of the first UNet call (2B or B, 9 or 4, h, w). */
        public NDArray unetInputFirst() {
            return unetInputFirst;
        }

        /** The timesteps the loop ran. */
        public double[] loopTimesteps() {
            return loopTimesteps.clone();
        }

        /** Per step (blending only): the scheduler output before the blend. */
        public List<NDArray> schedulerPrevSamples() {
            return Collections.unmodifiableList(schedulerPrevSamples);
        }

        /** Per step (blending only): the noised image latents written into the kept area. */
        public List<NDArray> initLatentsProper() {
            return Collections.unmodifiableList(initLatentsProper);
        }

        /** Per UNet call: the raw output (2B or B, 4, h, w). */
        public List<NDArray> unetOutputs() {
            return Collections.unmodifiableList(unetOutputs);
        }
    }

    /** Runs an inpainting request (needs {@code initImage} and {@code mask}); arrays of the result live in {@code manager}. */
    public StableDiffusionPipeline.Result generate(GenerationRequest r, NDManager manager) {
        return generate(r, manager, null);
    }

    /** {@link #generate(GenerationRequest, NDManager)} recording into {@code trace} (may be null). */
    public StableDiffusionPipeline.Result generate(GenerationRequest r, NDManager manager, Trace trace) {
        validate(r);
        UNet2DConditionModel unet = sd.unet();
        AutoencoderKL vae = sd.vae();
        DataType dtype = unet.dtype();
        int factor = sd.vaeScaleFactor();
        int latentCh = latentChannels();
        long unetIn = unet.config().inChannels();
        boolean nine = unetIn != latentCh;
        if (nine && unetIn != 2L * latentCh + 1) {
            throw new IllegalArgumentException("UNet has " + unetIn + " input channels: inpainting needs " + latentCh
                    + " (masked blending) or " + (2 * latentCh + 1) + " (latents + mask + masked-image latents)");
        }
        boolean cfg = r.guidanceScale > 1.0;
        NoiseSource noise = r.noise != null ? r.noise : NoiseSource.seeded(r.seed);
        List<String> prompts = new ArrayList<>();
        for (String p : r.prompts) {
            for (int i = 0; i < r.imagesPerPrompt; i++) {
                prompts.add(p);
            }
        }
        List<String> negatives = r.negatives;
        if (negatives != null && negatives.size() > 1 && r.imagesPerPrompt > 1) {
            List<String> n = new ArrayList<>();
            for (String s : negatives) {
                for (int i = 0; i < r.imagesPerPrompt; i++) {
                    n.add(s);
                }
            }
            negatives = n;
        }
        int batch = prompts.size();
        List<TokenizedPrompt> inspected = new ArrayList<>();
        try (Scheduler scheduler = sd.newScheduler(r.scheduler, r.schedulerOverrides);
             NDManager work = manager.newSubManager()) {
            scheduler.setNoiseSource(noise);
            NDArray image01 = r.initImageTensor != null ? r.initImageTensor : MaskProcessor.imageTensor(r.initImage, work);
            NDArray mask01 = r.maskTensor != null ? r.maskTensor : MaskProcessor.maskTensor(r.maskImage, work, "mask");
            int height = r.height != null ? r.height : (int) image01.getShape().get(2);
            int width = r.width != null ? r.width : (int) image01.getShape().get(3);
            if (height % factor != 0 || width % factor != 0 || height <= 0 || width <= 0) {
                throw new IllegalArgumentException("height and width must be positive multiples of " + factor + ", got "
                        + height + "×" + width + " (the init image's size unless given)");
            }
            checkMaskSize(image01, mask01, r);
            NDArray embeds = sd.encodePrompt(prompts, negatives, cfg, r.clipSkip, work, inspected);
            scheduler.setTimesteps(r.steps);
            double[] all = scheduler.timesteps();
            int init = Math.min((int) (r.steps * r.strength), r.steps);
            int tStart = Math.max(r.steps - init, 0);
            int from = tStart * scheduler.order();
            if (from >= all.length) {
                throw new IllegalArgumentException("strength " + r.strength + " with " + r.steps + " steps runs no step");
            }
            double[] timesteps = java.util.Arrays.copyOfRange(all, from, all.length);
            if (scheduler instanceof SigmaScheduler s) {
                s.setBeginIndex(from);
            } else if (scheduler instanceof MultistepScheduler s) {
                s.setBeginIndex(from);
            }
            boolean strengthMax = r.strength == 1.0;

            MaskProcessor.Prepared prep = MaskProcessor.prepare(image01, mask01, height, width, factor);
            Shape latentShape = new Shape(batch, latentCh, height / factor, width / factor);
            // prepare_latents: image latents first (draw), then the initial noise (draw)
            NDArray imageLatents = null;
            if (!nine || !strengthMax) {
                imageLatents = encodeSample(prep.image(), noise, work, batch);
            }
            NDArray initialNoise = noise.randn(latentShape, work).toType(dtype, false);
            NDArray latents = strengthMax ? initialNoise.mul(scheduler.initNoiseSigma())
                    : scheduler.addNoise(imageLatents, initialNoise, timesteps[0]);
            // prepare_mask_latents: the masked image is encoded in every case (one more draw)
            NDArray maskedImageLatents = encodeSample(prep.maskedImage(), noise, work, batch);
            NDArray maskLatent = prep.maskLatent().toType(dtype, false);
            if (maskLatent.getShape().get(0) != batch) {
                maskLatent = maskLatent.repeat(0, batch / maskLatent.getShape().get(0)); // (1,1,h,w) -> (B,1,h,w)
            }
            NDArray keepMask = maskLatent.mul(-1).add(1); // 1 where the image is kept
            NDArray maskIn = cfg ? maskLatent.concat(maskLatent, 0) : maskLatent; // (B,1,h,w) -> (2B,1,h,w)
            NDArray maskedIn = cfg ? maskedImageLatents.concat(maskedImageLatents, 0) : maskedImageLatents;
            if (trace != null) {
                trace.maskCondition = keep(prep.maskCondition(), manager);
                trace.maskedImage = keep(prep.maskedImage(), manager);
                trace.maskLatent = keep(prep.maskLatent(), manager);
                trace.maskedImageLatents = keep(maskedImageLatents, manager);
                trace.imageLatents = imageLatents == null ? null : keep(imageLatents, manager);
                trace.startLatents = keep(latents, manager);
                trace.loopTimesteps = timesteps.clone();
            }

            ProgressBar bar = r.progress ? new ProgressBar("inpainting", timesteps.length) : null;
            for (int i = 0; i < timesteps.length; i++) {
                double t = timesteps[i];
                try (NDManager step = work.newSubManager()) {
                    latents.attach(step); // the previous latents are freed with this step
                    NDArray scaled = StableDiffusionPipeline.Guided.modelInput(scheduler, latents, t, cfg);
                    if (nine) {
                        // only the latents are scaled; mask and masked-image latents go in as they are
                        scaled = NDArrayConcat.channels(scaled, maskIn, maskedIn); // -> (2B, 9, h, w)
                    }
                    if (trace != null && i == 0) {
                        trace.unetInputFirst = keep(scaled, manager);
                    }
                    NDArray pred = unet.forward(scaled, step.create((float) t), embeds);
                    if (trace != null && trace.keepSteps) {
                        trace.unetOutputs.add(keep(pred, manager));
                    }
                    StableDiffusionPipeline.Guided eps = StableDiffusionPipeline.Guided.of(pred, cfg, r.guidanceScale);
                    StepOutput out = scheduler.step(eps.noise(), t, latents);
                    NDArray next = out.prevSample();
                    if (!nine) {
                        if (trace != null && trace.keepSteps) {
                            trace.schedulerPrevSamples.add(keep(next, manager));
                        }
                        // keep the unmasked area: the image latents noised to the NEXT timestep (clean at the end)
                        NDArray proper = imageLatents;
                        if (i < timesteps.length - 1) {
                            proper = scheduler.addNoise(imageLatents, initialNoise, timesteps[i + 1]);
                            proper.attach(step);
                        }
                        next = next.mul(maskLatent).add(proper.mul(keepMask)); // m·x + (1-m)·x0_t
                        if (trace != null && trace.keepSteps) {
                            trace.initLatentsProper.add(keep(proper, manager));
                        }
                    }
                    eps.report(r, i, timesteps.length, t, next, out);
                    next.attach(work);
                    latents = next;
                }
                if (bar != null) {
                    bar.update(i, String.format(java.util.Locale.ROOT, "t=%.0f", t));
                }
            }
            NDArray finalLatents = latents.toType(DataType.FLOAT32, false);
            finalLatents.attach(manager);
            List<BufferedImage> images = Collections.emptyList();
            NDArray imageTensor = null;
            if (r.decode) {
                imageTensor = sd.generateDecodedTensor(latents); // (B, 3, H, W) in [0, 1]
                if (r.overlay) {
                    // apply_overlay: m·generated + (1 − m)·init, the binarised mask at pixel size
                    NDArray m = prep.maskCondition().toType(imageTensor.getDataType(), false);
                    NDArray init01 = prep.image().add(1).div(2).toType(imageTensor.getDataType(), false); // [-1, 1] -> [0, 1]
                    imageTensor = imageTensor.mul(m).add(init01.mul(m.mul(-1).add(1)));
                }
                imageTensor.attach(manager);
                images = StableDiffusionPipeline.toImages(imageTensor);
            }
            return new StableDiffusionPipeline.Result(images, finalLatents, imageTensor, inspected, List.of());
        }
    }

    /** {@code scaling · (mean + std · noise)} of the VAE posterior, one draw, repeated to the batch. */
    private NDArray encodeSample(NDArray x, NoiseSource noise, NDManager work, int batch) {
        AutoencoderKL vae = sd.vae();
        var dist = vae.encode(x.toType(vae.dtype(), false));
        NDArray z = dist.sample(noise.randn(dist.mean().getShape(), work).toType(vae.dtype(), false)).mul(vae.scalingFactor());
        if (z.getShape().get(0) != batch) {
            z = z.repeat(0, batch / z.getShape().get(0)); // (1,4,h,w) -> (B,4,h,w)
        }
        return z;
    }

    private static NDArray keep(NDArray x, NDManager manager) {
        NDArray c = x.toType(DataType.FLOAT32, false).duplicate();
        c.attach(manager);
        return c;
    }

    private static void checkMaskSize(NDArray image01, NDArray mask01, GenerationRequest r) {
        NDArray m = MaskProcessor.asMask4d(mask01);
        if (r.maskImage != null && r.initImage != null
                && (r.maskImage.getWidth() != r.initImage.getWidth() || r.maskImage.getHeight() != r.initImage.getHeight())) {
            throw new IllegalArgumentException("mask is " + r.maskImage.getWidth() + "×" + r.maskImage.getHeight()
                    + " pixels but the init image is " + r.initImage.getWidth() + "×" + r.initImage.getHeight()
                    + ": they must be the same size");
        }
        long mb = m.getShape().get(0);
        long ib = image01.getShape().get(0);
        if (mb != 1 && mb != ib) {
            throw new IllegalArgumentException("mask batch " + mb + " does not match the image batch " + ib);
        }
    }

    private static void validate(GenerationRequest r) {
        if (r.initImage == null && r.initImageTensor == null) {
            throw new IllegalArgumentException("inpainting needs an init image (initImage)");
        }
        if (r.maskImage == null && r.maskTensor == null) {
            throw new IllegalArgumentException("inpainting needs a mask (mask): white = repaint, black = keep");
        }
        if (r.steps < 1) {
            throw new IllegalArgumentException("steps must be ≥ 1, got " + r.steps);
        }
        if (r.imagesPerPrompt < 1) {
            throw new IllegalArgumentException("imagesPerPrompt must be ≥ 1, got " + r.imagesPerPrompt);
        }
        if (!(r.strength > 0 && r.strength <= 1)) {
            throw new IllegalArgumentException("strength must be in (0, 1], got " + r.strength);
        }
        if (r.latents != null) {
            throw new IllegalArgumentException("inpainting draws its own start latents; explicit latents are not supported");
        }
        if (r.negatives != null && r.negatives.size() > 1 && r.negatives.size() != r.prompts.size()) {
            throw new IllegalArgumentException("negative prompts: " + r.negatives.size() + " given for " + r.prompts.size()
                    + " prompts (give one for all, or one per prompt)");
        }
    }

    @Override
    public void close() {
        if (owns) {
            sd.close();
        }
    }

    /** Channel concatenation of UNet inputs. */
    private static final class NDArrayConcat {
        static NDArray channels(NDArray... parts) {
            NDList l = new NDList(parts);
            return ai.djl.ndarray.NDArrays.concat(l, 1); // (N, c_i, h, w) -> (N, Σc_i, h, w)
        }
    }
}
