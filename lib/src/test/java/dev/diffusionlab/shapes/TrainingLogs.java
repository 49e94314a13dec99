package dev.diffusionlab.shapes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The per-step losses a shipped model folder's {@link ShapesTrainer#LOG} recorded, for the shipped-model tests. */
final class TrainingLogs {
    private TrainingLogs() {}

    /** The loss column of every row of {@code phase} ("vae" or "unet"), in step order; checks the header. */
    static double[] losses(Path modelDir, String phase) throws Exception {
        List<String> rows = Files.readAllLines(modelDir.resolve(ShapesTrainer.LOG));
        assertEquals("phase,step,loss,grad_norm", rows.get(0));
        return rows.stream().skip(1).filter(r -> r.startsWith(phase + ",")).mapToDouble(r -> Double.parseDouble(r.split(",")[2])).toArray();
    }

    /** The mean of {@code a[from..to)}. */
    static double mean(double[] a, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += a[i];
        }
        return s / (to - from);
    }
}
