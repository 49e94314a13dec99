package dev.diffusionlab.bench;

import java.util.List;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainStepBenchTest {
    @Test
    void theFitRecoversALineAndTheLeastSquaresLineOfNoisyPoints() {
        double[] exact = TrainStepBench.fit(List.of(1, 8, 16), new double[] {22 + 3.2, 22 + 8 * 3.2, 22 + 16 * 3.2});
        assertEquals(22, exact[0], 1e-9);
        assertEquals(3.2, exact[1], 1e-9);
        // (1, 1), (2, 3), (3, 2): slope 0.5, intercept 1 (the textbook closed form)
        double[] ls = TrainStepBench.fit(List.of(1, 2, 3), new double[] {1, 3, 2});
        assertEquals(1, ls[0], 1e-12);
        assertEquals(0.5, ls[1], 1e-12);
    }

    @Test
    void badArgumentsAreNamedBeforeAnythingIsBuilt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainStepBench.run(new String[] {"--network", "clip"}));
        assertTrue(e.getMessage().contains("--network"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainStepBench.run(new String[] {"--batches", "8,8"}));
        assertTrue(e.getMessage().contains("two different sizes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainStepBench.run(new String[] {"--batches", "0,8"}));
        assertTrue(e.getMessage().contains("--batches"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainStepBench.run(new String[] {"--size", "30"}));
        assertTrue(e.getMessage().contains("downsampling factor 4"), e.getMessage());
    }
}
