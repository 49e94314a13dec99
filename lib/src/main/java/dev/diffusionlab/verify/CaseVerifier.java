package dev.diffusionlab.verify;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks reference cases of some kinds against our implementation; {@code ./dlab verify} and the
 * parity tests run every registered verifier (see {@link Verifiers}).
 */
public interface CaseVerifier {
    /** True when this verifier handles cases of {@code kind} (e.g. "tokenizer", "unet"). */
    boolean supports(String kind);

    /**
     * Runs one case and returns one comparison per checked field.
     *
     * @param modelFolder the diffusers folder the cases belong to (its components are loaded from here)
     * @param manager a scoped manager for this case's arrays; closed by the caller
     */
    List<ReferenceCases.Comparison> verify(Path modelFolder, ReferenceCases cases, ReferenceCases.Case c, NDManager manager);
}
