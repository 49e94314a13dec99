package dev.diffusionlab.pipeline;

import dev.diffusionlab.clip.CLIPTextConfig;
import dev.diffusionlab.clip.CLIPTokenizer;
import dev.diffusionlab.core.Checks;
import dev.diffusionlab.core.UserInputException;
import java.nio.file.Path;

/** Checks of a generation request and of a loaded pipeline that need more than one component. */
final class RequestChecks {
    private RequestChecks() {}

    /** Above this, classifier-free guidance only saturates the latents. */
    static final double MAX_GUIDANCE = 100;

    static void check(GenerationRequest r) {
        Checks.inRange("generate", "guidance scale (--cfg)", r.guidanceScale, -MAX_GUIDANCE, MAX_GUIDANCE);
        boolean img2img = r.initImage != null || r.initImageTensor != null;
        if (img2img) {
            Checks.finite("generate", "strength (--strength)", r.strength);
        }
    }

    /** The UNet reads the VAE's latents and attends to the text encoder's states: their sizes must agree. */
    static void componentsFit(CLIPTextConfig te, dev.diffusionlab.unet.UNetConfig unet, dev.diffusionlab.vae.VaeConfig vae, Path dir) {
        if (unet.crossAttentionDim() != te.hiddenSize()) {
            throw new UserInputException(dir.resolve("unet/config.json") + ": cross_attention_dim = " + unet.crossAttentionDim()
                    + ": expected the text encoder's hidden_size = " + te.hiddenSize());
        }
        int lat = vae.latentChannels();
        // an inpainting UNet reads latents + masked-image latents + the mask: 2·latent + 1 channels
        if ((unet.inChannels() != lat && unet.inChannels() != 2 * lat + 1) || unet.outChannels() != lat) {
            throw new UserInputException(dir.resolve("unet/config.json") + ": in_channels/out_channels = " + unet.inChannels() + "/"
                    + unet.outChannels() + ": expected " + lat + " (or " + (2 * lat + 1) + " in, for inpainting) / " + lat
                    + ", from the VAE's latent_channels = " + lat);
        }
    }

    /** Every token id must index a row of the text encoder's embedding matrix. */
    static void tokenizerFitsEmbedding(CLIPTokenizer tok, CLIPTextConfig te, Path tokenizerDir) {
        if (tok.vocabSize() > te.vocabSize()) {
            throw new UserInputException(tokenizerDir.resolve("vocab.json") + ": token ids go up to " + (tok.vocabSize() - 1)
                    + " but the text encoder's embedding matrix has vocab_size = " + te.vocabSize()
                    + " rows: expected every id < " + te.vocabSize());
        }
    }
}
