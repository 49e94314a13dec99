package dev.diffusionlab.verify;

import java.util.List;
import java.util.Optional;

/** The registered case verifiers; a case kind nobody supports is reported "not supported yet". */
public final class Verifiers {
    private Verifiers() {}

    /** Every verifier, one per family of case kinds. Add new ones here. */
    public static List<CaseVerifier> all() {
        return List.of(
                // tokenizer, scheduler, text_encoder, unet, vae ... verifiers register here
                new TokenizerVerifier(),
                new dev.diffusionlab.verify.TextEncoderVerifier(),
                new dev.diffusionlab.verify.VaeVerifier(),
                new dev.diffusionlab.verify.UNetVerifier(),
                new SchedulerVerifier(),
                new dev.diffusionlab.verify.PipelineVerifier(),
                new InpaintVerifier(),
                new TextualInversionVerifier()
        );
    }

    /** The verifier for {@code kind}, if any. */
    public static Optional<CaseVerifier> forKind(String kind) {
        return all().stream().filter(v -> v.supports(kind)).findFirst();
    }
}
