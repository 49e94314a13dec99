package dev.diffusionlab.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.diffusionlab.pipeline.ModelFolder;
import dev.diffusionlab.verify.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class VerifyCommandTest {
    @Test
    void verifyPrintsTableAndCountsOnlySupportedCases() {
        Path dir = Fixtures.model("sd-tiny-v1");
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = VerifyCommand.run(new String[] {dir.toString()});
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.print(out);
        assertEquals(0, rc, out);
        // te.c0, unet.c0..c4, vae.c0, vae.c1 at least; other kinds are listed, never counted as passed
        assertTrue(out.matches("(?s).*\\n(\\d+) passed, 0 failed.*"), out);
        int passed = Integer.parseInt(out.replaceAll("(?s).*\\n(\\d+) passed, 0 failed.*", "$1"));
        assertTrue(passed >= 8, out);
        assertTrue(out.contains("unet.c0        attn_probs.mid"), out);
        assertTrue(out.contains("pipe.c0") && out.contains("not supported yet") || !out.contains("pipeline_txt2img"), out);
    }

    @Test
    void modelFolderResolvesComponents() {
        ModelFolder f = ModelFolder.open(Fixtures.model("sd-tiny-v2"));
        assertEquals("DDIMScheduler", f.componentClass("scheduler"));
        assertTrue(f.component("unet").endsWith("unet"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.component("safety_checker"));
        assertTrue(e.getMessage().contains("safety_checker"), e.getMessage());
    }
}
