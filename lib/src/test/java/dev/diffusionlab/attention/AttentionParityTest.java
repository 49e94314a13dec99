package dev.diffusionlab.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.unet.UNet2DConditionModel;
import dev.diffusionlab.verify.Fixtures;
import dev.diffusionlab.verify.ReferenceCases;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The fixtures' attn_probs.* fields, reproduced through the public capture API (raw and aggregated). */
class AttentionParityTest {
    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String model : Fixtures.MODELS) {
            for (String c : List.of("unet.c0", "unet.c3")) {
                out.add(Arguments.of(model, c));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void captureReproducesAttentionProbes(String model, String caseId) {
        Path dir = Fixtures.model(model);
        try (ReferenceCases rc = ReferenceCases.open(dir); NDManager m = Engines.newCpuManager();
             UNet2DConditionModel unet = UNet2DConditionModel.fromPretrained(dir.resolve("unet"), m.getDevice(), DataType.FLOAT32)) {
            ReferenceCases.Case c = rc.get(caseId);
            assumeTrue(c.json().has("attention_probes"), caseId + " has no attention probes");
            NDArray sample = rc.tensor(c.input("sample"), m);
            NDArray t = rc.tensor(c.input("timestep"), m);
            if (c.params().get("timestep_dtype").getAsString().equals("int64")) {
                t = t.toType(DataType.INT64, false);
            }
            NDArray ctx = rc.tensor(c.input("encoder_hidden_states"), m);
            int lh = (int) sample.getShape().get(2);
            int lw = (int) sample.getShape().get(3);
            JsonObject probes = c.json().getAsJsonObject("attention_probes");

            // 1) raw probabilities of the probed layers, every batch row
            try (AttentionCapture cap = AttentionCapture.builder().allRows().keepRaw()
                    .layers(LayerFilter.all().blocks("down_blocks.0", "mid")).build()) {
                cap.install(unet, lh, lw);
                unet.forward(sample, t, ctx);
                unet.setAttentionHook(null);
                for (Map.Entry<String, JsonElement> e : probes.entrySet()) {
                    String module = e.getValue().getAsJsonObject().get("module").getAsString();
                    String field = "attn_probs." + e.getKey();
                    AttentionCapture.RawCall call = cap.raw().stream().filter(r -> r.layer().equals(module)).findFirst().orElseThrow();
                    ReferenceCases.Comparison cmp = c.compare(field, doubles(call.probs()), rc.doubles(c.output(field)));
                    assertTrue(cmp.passed(), cmp.toString());
                }
            }

            // 2) default aggregation of the mid layer = head-mean of the reference, bilinearly upsampled to the latent
            try (AttentionCapture cap = AttentionCapture.builder().allRows().layers(LayerFilter.all().blocks("mid")).build()) {
                cap.install(unet, lh, lw);
                unet.forward(sample, t, ctx);
                unet.setAttentionHook(null);
                AttentionMaps maps = cap.maps();
                JsonObject mid = probes.getAsJsonObject("mid");
                int heads = mid.get("heads").getAsInt();
                double[] ref = rc.doubles(c.output("attn_probs.mid"));
                int n = mid.getAsJsonArray("shape").get(1).getAsInt();
                int qh = (lh + 7) / 8;
                int qw = (lw + 7) / 8;
                assertEquals(qh * qw, n, "mid-block query count");
                double worst = 0;
                for (int b = 0; b < 2; b++) {
                    for (int k = 0; k < 77; k++) {
                        float[] headMean = new float[n];
                        for (int h = 0; h < heads; h++) {
                            for (int q = 0; q < n; q++) {
                                headMean[q] += (float) ref[((b * heads + h) * n + q) * 77 + k] / heads;
                            }
                        }
                        float[] expected = Bilinear.resize(headMean, qh, qw, lh, lw);
                        float[] actual = maps.tokenMap(b, k);
                        for (int i = 0; i < expected.length; i++) {
                            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
                        }
                    }
                }
                assertTrue(worst < 1e-5, "aggregated mid map differs from the reference by " + worst);
            }
        }
    }

    static double[] doubles(NDArray a) {
        float[] f = a.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
