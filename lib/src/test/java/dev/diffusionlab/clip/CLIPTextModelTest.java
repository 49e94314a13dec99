package dev.diffusionlab.clip;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.nn.TinyModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CLIPTextModelTest {
    @TempDir
    Path dir;

    private static NDArray ids(NDManager m, float last) {
        // bos-like 98, tokens, eos = the highest id (legacy eos rule), then padding
        return m.create(new float[] {98, 5, 17, 42, 99, 3, 3, last, 98, 7, 99, 1, 1, 1, 1, 1}, new Shape(2, 8));
    }

    @Test
    void causalMaskAndPooledPosition() {
        try (CLIPTextModel te = CLIPTextModel.random(TinyModels.clip(), Device.cpu(), DataType.FLOAT32, 1);
             NDManager m = Engines.newCpuManager()) {
            CLIPTextModel.Output a = te.encode(ids(m, 3));
            CLIPTextModel.Output b = te.encode(ids(m, 60));
            // positions before the changed last token are unaffected (causal attention), the last one is not
            assertArrayEquals(a.lastHiddenState().get(new NDIndex("0, :7")).toFloatArray(),
                    b.lastHiddenState().get(new NDIndex("0, :7")).toFloatArray(), 0f);
            assertFalse(a.lastHiddenState().get(new NDIndex("0, 7")).contentEquals(b.lastHiddenState().get(new NDIndex("0, 7"))));
            // pooled = last hidden state at the first highest id (99: position 4 and 2)
            assertArrayEquals(a.lastHiddenState().get(new NDIndex("0, 4")).toFloatArray(), a.pooledOutput().get(0).toFloatArray(), 0f);
            assertArrayEquals(a.lastHiddenState().get(new NDIndex("1, 2")).toFloatArray(), a.pooledOutput().get(1).toFloatArray(), 0f);
            assertEquals(3, a.hiddenStates().size());
            assertThrows(IllegalArgumentException.class, () -> a.hiddenState(2));
        }
    }

    @Test
    void saveLoadRoundTripAndWeightsManagerUntouched() {
        try (CLIPTextModel te = CLIPTextModel.random(TinyModels.clip(), Device.cpu(), DataType.FLOAT32, 2);
             NDManager m = Engines.newCpuManager()) {
            te.save(dir.resolve("text_encoder"));
            int before = te.weightsManager().getManagedArrays().size();
            float[] x = te.encode(ids(m, 3)).lastHiddenState().toFloatArray();
            assertEquals(before, te.weightsManager().getManagedArrays().size());
            try (CLIPTextModel back = CLIPTextModel.fromPretrained(dir.resolve("text_encoder"), Device.cpu(), DataType.FLOAT32)) {
                assertEquals(te.config(), back.config());
                assertArrayEquals(x, back.encode(ids(m, 3)).lastHiddenState().toFloatArray(), 0f);
            }
        }
    }
}
