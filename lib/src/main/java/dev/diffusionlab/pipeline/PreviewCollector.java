package dev.diffusionlab.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffusionlab.image.Gifs;
import dev.diffusionlab.image.ImageGrid;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A {@link StepCallback} that, every {@code every} steps (and at the last step), decodes the current
 * latents x_t and the scheduler's predicted x0 through the VAE and keeps the images of one batch item,
 * for a grid or an animation of the denoising.
 *
 * <pre>{@code
 * PreviewCollector pc = new PreviewCollector(sd, 2);
 * sd.generate(GenerationRequest.of("a cat").steps(10).callback(pc), m);
 * BufferedImage grid = pc.grid(2);            // row 1: x_t, row 2: predicted x0
 * pc.gif(Path.of("denoise.gif"), 300);
 * }</pre>
 */
public final class PreviewCollector implements StepCallback {
    private final StableDiffusionPipeline pipeline;
    private final int every;
    private final int batchIndex;
    private final List<Integer> steps = new ArrayList<>();
    private final List<Double> timesteps = new ArrayList<>();
    private final List<BufferedImage> latents = new ArrayList<>();
    private final List<BufferedImage> predictedX0 = new ArrayList<>();

    /** Keeps batch item 0 every {@code every} steps. */
    public PreviewCollector(StableDiffusionPipeline pipeline, int every) {
        this(pipeline, every, 0);
    }

    public PreviewCollector(StableDiffusionPipeline pipeline, int every, int batchIndex) {
        if (every < 1) {
            throw new IllegalArgumentException("every must be ≥ 1, got " + every);
        }
        if (batchIndex < 0) {
            throw new IllegalArgumentException("batchIndex must be ≥ 0, got " + batchIndex);
        }
        this.pipeline = pipeline;
        this.every = every;
        this.batchIndex = batchIndex;
    }

    @Override
    public boolean onStep(Step s) {
        if ((s.index() + 1) % every != 0 && s.index() != s.count() - 1) {
            return true;
        }
        long batch = s.latents().getShape().get(0);
        if (batchIndex >= batch) {
            throw new IllegalArgumentException("batchIndex " + batchIndex + " but the batch has " + batch + " items");
        }
        // the step's arrays are freed when the step ends; decode in a sub-manager and keep only images
        try (NDManager m = s.latents().getManager().newSubManager()) {
            steps.add(s.index());
            timesteps.add(s.timestep());
            latents.add(decode(s.latents(), m));
            predictedX0.add(s.predOriginalSample() == null ? null : decode(s.predOriginalSample(), m));
        }
        return true;
    }

    private BufferedImage decode(NDArray x, NDManager m) {
        NDArray one = x.get(batchIndex + ":" + (batchIndex + 1)); // (B,4,h,w) -> (1,4,h,w)
        one.attach(m);
        NDArray img = pipeline.generateDecodedTensor(one); // (1,4,h,w) -> (1,3,8h,8w)
        img.attach(m);
        return StableDiffusionPipeline.toImages(img).get(0);
    }

    /** Loop indices of the kept steps. */
    public List<Integer> steps() {
        return Collections.unmodifiableList(steps);
    }

    /** Timesteps of the kept steps. */
    public List<Double> timesteps() {
        return Collections.unmodifiableList(timesteps);
    }

    /** Decoded x_{t−1} after each kept step. */
    public List<BufferedImage> latentImages() {
        return Collections.unmodifiableList(latents);
    }

    /** Decoded predicted x0 of each kept step (null entries when the scheduler has none, e.g. PNDM). */
    public List<BufferedImage> predictedX0Images() {
        return Collections.unmodifiableList(predictedX0);
    }

    /** Row 1: x_t, row 2 (when the scheduler predicts x0): predicted x0; captions give the timestep. */
    public BufferedImage grid(int scale) {
        if (steps.isEmpty()) {
            throw new IllegalStateException("no step collected yet: pass this collector as the request's callback");
        }
        List<BufferedImage> imgs = new ArrayList<>(latents);
        List<String> caps = new ArrayList<>();
        for (double t : timesteps) {
            caps.add("x_t t=" + Math.round(t));
        }
        if (predictedX0.stream().allMatch(x -> x != null)) {
            imgs.addAll(predictedX0);
            for (double t : timesteps) {
                caps.add("x0 t=" + Math.round(t));
            }
        }
        return ImageGrid.of(imgs, caps, latents.size(), scale);
    }

    /** An animated GIF of x_t across the kept steps. */
    public Path gif(Path file, int delayMs) {
        if (latents.isEmpty()) {
            throw new IllegalStateException("no step collected yet");
        }
        return Gifs.write(file, latents, delayMs);
    }
}
