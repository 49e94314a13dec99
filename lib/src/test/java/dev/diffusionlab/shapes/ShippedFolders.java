package dev.diffusionlab.shapes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusionlab.safetensors.Dtype;
import dev.diffusionlab.safetensors.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Checks both shipped shapes-world folders share: fp16 weights, and configs exactly as {@link ShapesModels} writes them. */
final class ShippedFolders {
    private ShippedFolders() {}

    static JsonObject json(Path p) throws Exception {
        return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
    }

    /** Every tensor of the three weight files is F16; the UNet and VAE configs are those of {@code m}. */
    static void assertF16WeightsAndConfigs(Path dir, ShapesModels m) throws Exception {
        for (String w : List.of("unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors",
                "text_encoder/model.safetensors")) {
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(w))) {
                for (String k : f.keys()) {
                    assertEquals(Dtype.F16, f.info(k).dtype(), w + ": " + k);
                }
            }
        }
        double scaling = json(dir.resolve("vae/config.json")).get("scaling_factor").getAsDouble();
        assertEquals(json(dir.resolve("unet/config.json")), JsonParser.parseString(m.unetJson()));
        assertEquals(json(dir.resolve("vae/config.json")), JsonParser.parseString(m.vaeJson(scaling)));
    }
}
