package dev.diffusionlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffusionlab.clip.TokenizedPrompt;
import dev.diffusionlab.nn.AttentionCall;
import dev.diffusionlab.pipeline.GenerationRequest;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.pipeline.StepCallback;
import dev.diffusionlab.unet.UNet2DConditionModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a generation with step-aware attention hooks (captures, re-weightings) installed on the pipeline's
 * UNet: tells them the run's shape, advances their step counter through the step callback (chained with the
 * request's own callback) and removes them afterwards. Hooks apply in order, so a capture placed after a
 * re-weighting sees the edited probabilities.
 *
 * <pre>{@code
 * Result r = AttentionRun.generate(sd, GenerationRequest.of("a cat and a dog").steps(20), m, capture);
 * }</pre>
 */
public final class AttentionRun {
    private AttentionRun() {}

    public static StableDiffusionPipeline.Result generate(StableDiffusionPipeline pipeline, GenerationRequest request,
                                                          NDManager manager, StepAwareHook... hooks) {
        return generate(pipeline, request, () -> pipeline.generate(request, manager), hooks);
    }

    /**
     * The same around another runner of {@code request} on {@code pipeline}'s components (e.g.
     * {@code () -> inpaint.generate(request, m)} with {@link dev.diffusionlab.pipeline.StableDiffusionInpaintPipeline}).
     */
    public static StableDiffusionPipeline.Result generate(StableDiffusionPipeline pipeline, GenerationRequest request,
                                                          java.util.function.Supplier<StableDiffusionPipeline.Result> runner,
                                                          StepAwareHook... hooks) {
        if (hooks.length == 0) {
            throw new IllegalArgumentException("AttentionRun.generate needs at least one hook");
        }
        UNet2DConditionModel unet = pipeline.unet();
        boolean guidance = request.guidanceScale() > 1.0;
        int factor = pipeline.vaeScaleFactor();
        int lh = request.requestedHeight() != null ? request.requestedHeight() / factor : -1;
        int lw = request.requestedWidth() != null ? request.requestedWidth() / factor : -1;
        List<TokenizedPrompt> prompts = new ArrayList<>();
        for (String p : request.promptList()) {
            TokenizedPrompt tp = pipeline.tokenizer().inspect(pipeline.tokenizer().maybeConvertPrompt(p));
            for (int i = 0; i < request.imagesPerPromptCount(); i++) {
                prompts.add(tp);
            }
        }
        for (StepAwareHook h : hooks) {
            h.prepare(unet, guidance, lh, lw);
            if (h instanceof AttentionCapture c) {
                c.setVaeScale(factor);
                c.setPrompts(prompts);
            }
        }
        StepCallback own = request.stepCallback();
        request.callback(step -> {
            for (StepAwareHook h : hooks) {
                h.endStep(step.index(), step.count(), step.timestep());
            }
            return own == null || own.onStep(step);
        });
        unet.setAttentionHook((AttentionCall call, NDArray probs) -> {
            NDArray p = probs;
            for (StepAwareHook h : hooks) {
                p = h.onAttention(call, p);
            }
            return p;
        });
        try {
            return runner.get();
        } finally {
            unet.setAttentionHook(null);
            request.callback(own);
        }
    }
}
