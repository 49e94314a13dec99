package dev.diffusionlab.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.clip.CLIPTextConfig;
import dev.diffusionlab.clip.CLIPTextModel;
import dev.diffusionlab.core.Engines;
import java.util.Locale;

/** {@code ./dlab bench text-encoder}: random-weight CLIP text encoder on 77 tokens. */
public final class TextEncoderBench {
    private TextEncoderBench() {}

    public static int run(String[] args) {
        BenchSupport.NetOptions o = BenchSupport.NetOptions.parse(args, false, 2, 5);
        String spec = o.spec();
        CLIPTextConfig cfg = CLIPTextConfig.from(o.config("text_encoder"));
        int batch = o.batch();
        int runs = o.runs();
        DataType dt = o.dtype();
        Engines.Choice ch = Engines.startAndReport();
        try (CLIPTextModel te = CLIPTextModel.random(cfg, ch.device(), dt, 0)) {
            System.out.printf(Locale.ROOT, "text encoder %s: %.1f M parameters, batch %d, %s%n", spec, te.numParameters() / 1e6, batch, dt);
            double ms = BenchSupport.medianMs(runs, i -> {
                try (NDManager m = NDManager.newBaseManager(ch.device())) {
                    float[] ids = new float[batch * 77];
                    for (int k = 0; k < ids.length; k++) {
                        ids[k] = k % 77 == 0 ? 49406 : (k % 77 == 76 ? 49407 : 320 + k % 1000);
                    }
                    te.encode(m.create(ids, new Shape(batch, 77))).lastHiddenState().toType(DataType.FLOAT32, false).sum().getFloat();
                }
            });
            BenchSupport.report("text-encoder " + spec + " batch " + batch + " " + dt, ms, runs);
        }
        return 0;
    }
}
