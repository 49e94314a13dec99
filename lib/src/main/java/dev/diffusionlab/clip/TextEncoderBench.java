package dev.diffusionlab.clip;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.nn.BenchSupport;
import java.util.Locale;
import java.util.Map;

/** {@code ./dlab bench text-encoder}: random-weight CLIP text encoder on 77 tokens. */
public final class TextEncoderBench {
    private TextEncoderBench() {}

    public static int run(String[] args) {
        Map<String, String> o = BenchSupport.options(args, BenchSupport.withMeasureOptions("config", "dtype", "batch", "runs"));
        String spec = o.getOrDefault("config", "sd15");
        CLIPTextConfig cfg = CLIPTextConfig.from(BenchSupport.config(spec, "text_encoder"));
        int batch = Integer.parseInt(o.getOrDefault("batch", "2"));
        int runs = Integer.parseInt(o.getOrDefault("runs", "5"));
        DataType dt = BenchSupport.dtype(o.getOrDefault("dtype", "fp32"));
        Engines.Choice ch = Engines.startAndReport();
        try (CLIPTextModel te = CLIPTextModel.random(cfg, ch.device(), dt, 0)) {
            System.out.printf(Locale.ROOT, "text encoder %s: %.1f M parameters, batch %d, %s%n", spec, te.numParameters() / 1e6, batch, dt);
            BenchSupport.measure("text-encoder " + spec + " batch " + batch + " " + dt, o, runs, ch.device(), m -> {
                float[] ids = new float[batch * 77];
                for (int k = 0; k < ids.length; k++) {
                    ids[k] = k % 77 == 0 ? 49406 : (k % 77 == 76 ? 49407 : 320 + k % 1000);
                }
                te.encode(m.create(ids, new Shape(batch, 77))).lastHiddenState().toType(DataType.FLOAT32, false).sum().getFloat();
            });
        }
        return 0;
    }
}
