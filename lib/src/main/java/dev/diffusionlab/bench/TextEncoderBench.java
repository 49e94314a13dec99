package dev.diffusionlab.bench;

import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.clip.CLIPTextConfig;
import dev.diffusionlab.clip.CLIPTextModel;

/** {@code ./dlab bench text-encoder}: random-weight CLIP text encoder on 77 tokens. */
public final class TextEncoderBench {
    private TextEncoderBench() {}

    public static int run(String[] args) {
        BenchSupport.NetOptions o = BenchSupport.NetOptions.parse(args, false, 2, 5);
        CLIPTextConfig cfg = CLIPTextConfig.from(o.config("text_encoder"));
        return BenchSupport.timeForward("text-encoder", o, "77 tokens", (device, dtype) -> CLIPTextModel.random(cfg, device, dtype, 0),
                (te, m) -> {
                    float[] ids = new float[o.batch() * 77];
                    for (int k = 0; k < ids.length; k++) {
                        ids[k] = k % 77 == 0 ? 49406 : (k % 77 == 76 ? 49407 : 320 + k % 1000); // BOS, words, EOS
                    }
                    return te.encode(m.create(ids, new Shape(o.batch(), 77))).lastHiddenState();
                });
    }
}
