package dev.diffusionlab.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.core.UserInputException;
import dev.diffusionlab.bench.BenchSupport;
import dev.diffusionlab.unet.UNetConfig;
import dev.diffusionlab.vae.VaeConfig;
import org.junit.jupiter.api.Test;

/** The peak-memory estimate in closed form on SD 1.5's configs, and the refusal it drives. */
class MemoryBudgetTest {
    static final UNetConfig UNET = UNetConfig.from(BenchSupport.config("sd15", "unet"));
    static final VaeConfig VAE = VaeConfig.from(BenchSupport.config("sd15", "vae"));

    @Test
    void attentionScoresOfSd15At512() {
        MemoryBudget.Estimate e = MemoryBudget.estimate(UNET, VAE, 1, true, 512, 512, DataType.FLOAT32, 0, 0);
        // first attention level: 64×64 = 4096 tokens, 8 heads, batch 2 with guidance, scores + softmax, 4 bytes
        assertEquals(2L * 2 * 8 * 4096 * 4096 * 4, e.attentionScores());
        // VAE: 128 channels × 512² × 4 bytes × 4 live tensors, plus one-head mid attention over 64² tokens (×2)
        assertEquals(128L * 512 * 512 * 4 * 4 + 2L * 4096 * 4096 * 4, e.vaeDecode());
        MemoryBudget.Estimate fp16 = MemoryBudget.estimate(UNET, VAE, 1, true, 512, 512, DataType.FLOAT16, 0, 0);
        assertEquals(e.attentionScores() / 2, fp16.attentionScores());
        MemoryBudget.Estimate sliced = MemoryBudget.estimate(UNET, VAE, 1, true, 512, 512, DataType.FLOAT32, 1, 0);
        assertEquals(e.attentionScores() / 8, sliced.attentionScores(), "one head at a time: 1/8 of the scores");
        MemoryBudget.Estimate noCfg = MemoryBudget.estimate(UNET, VAE, 1, false, 512, 512, DataType.FLOAT32, 0, 0);
        assertEquals(e.attentionScores() / 2, noCfg.attentionScores());
    }

    @Test
    void scoresGrowWithTheFourthPowerOfTheSide() {
        long a = MemoryBudget.estimate(UNET, VAE, 1, true, 512, 512, DataType.FLOAT32, 0, 0).attentionScores();
        long b = MemoryBudget.estimate(UNET, VAE, 1, true, 4096, 4096, DataType.FLOAT32, 0, 0).attentionScores();
        assertEquals(4096L, b / a, "8× the side: 64× the tokens, 4096× the scores");
        assertTrue(b > 8_000_000_000_000L, "4096² needs terabytes: " + b);
    }

    @Test
    void refusesAboveTheLimitAndNamesTheSize() {
        String old = System.getProperty("dlab.memoryLimit");
        try {
            System.setProperty("dlab.memoryLimit", String.valueOf(16L << 30));
            MemoryBudget.check(UNET, VAE, 1, true, 512, 512, DataType.FLOAT32, 0, 0);
            UserInputException e = assertThrows(UserInputException.class,
                    () -> MemoryBudget.check(UNET, VAE, 1, true, 4096, 4096, DataType.FLOAT32, 0, 0));
            assertTrue(e.getMessage().startsWith("4096x4096, batch 1 with guidance needs about"), e.getMessage());
            assertTrue(e.getMessage().contains("above the 17.2 GB"), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty("dlab.memoryLimit");
            } else {
                System.setProperty("dlab.memoryLimit", old);
            }
        }
    }
}
