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

    /** Every token id must index a row of the text encoder's embedding matrix. */
    static void tokenizerFitsEmbedding(CLIPTokenizer tok, CLIPTextConfig te, Path tokenizerDir) {
        if (tok.vocabSize() > te.vocabSize()) {
            throw new UserInputException(tokenizerDir.resolve("vocab.json") + ": token ids go up to " + (tok.vocabSize() - 1)
                    + " but the text encoder's embedding matrix has vocab_size = " + te.vocabSize()
                    + " rows: expected every id < " + te.vocabSize());
        }
    }
}
