package dev.diffusionlab.attention;

import dev.diffusionlab.nn.AttentionHook;
import dev.diffusionlab.unet.UNet2DConditionModel;

/**
 * An attention hook that follows the denoising loop: {@link AttentionRun} tells it the run's shape before
 * the first step and calls {@link #endStep} after each one.
 */
public interface StepAwareHook extends AttentionHook {
    /**
     * Called once before the loop.
     *
     * @param unet the UNet the hook is installed on (for its layer list)
     * @param guidance true when the UNet batch is {@code [negative; positive]} (classifier-free guidance)
     * @param latentHeight latent height (image height / VAE factor)
     * @param latentWidth latent width
     */
    void prepare(UNet2DConditionModel unet, boolean guidance, int latentHeight, int latentWidth);

    /** Called after loop iteration {@code index} (of {@code count}) at {@code timestep}. */
    void endStep(int index, int count, double timestep);
}
