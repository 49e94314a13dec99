package dev.diffusionlab.bench;

import dev.diffusionlab.clip.CLIPTextConfig;
import dev.diffusionlab.pipeline.ModelFolder;
import dev.diffusionlab.unet.UNetConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The folder `./dlab bench pipeline --config sd15|sd21` builds from the bundled configs is a valid pipeline folder. */
class PipelineBenchTest {
    @Test
    void bundledConfigFoldersAreCompletePipelineFolders(@TempDir Path tmp) throws Exception {
        for (String name : new String[] {"sd15", "sd21"}) {
            ModelFolder f = ModelFolder.open(PipelineBench.bundledFolder(name, tmp.resolve(name))).requirePipeline();
            assertEquals("UNet2DConditionModel", f.componentClass("unet"));
            UNetConfig unet = UNetConfig.read(f.unet().resolve("config.json"));
            CLIPTextConfig te = CLIPTextConfig.read(f.textEncoder().resolve("config.json"));
            assertEquals(name.equals("sd15") ? 768 : 1024, unet.crossAttentionDim(), name);
            assertEquals(unet.crossAttentionDim(), te.hiddenSize(), name + ": text width feeds cross-attention");
            assertTrue(f.schedulerConfig().toFile().isFile());
        }
    }
}
