package dev.diffusionlab.pipeline;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A Stable Diffusion folder in the diffusers layout: {@code model_index.json} plus the component
 * folders text_encoder/, tokenizer/, unet/, vae/, scheduler/. Opening it checks every component is
 * there, so a broken download fails with one message naming what is missing.
 *
 * <pre>{@code ModelFolder f = ModelFolder.open(Path.of("stable-diffusion-v1-5")); Path unet = f.unet();}</pre>
 */
public record ModelFolder(Path root, JsonObject modelIndex) {
    /** The components the text-to-image pipeline needs. */
    public static final List<String> COMPONENTS = List.of("text_encoder", "tokenizer", "unet", "vae", "scheduler");

    /** Opens and checks a folder. */
    public static ModelFolder open(Path root) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException(root + ": no such model folder");
        }
        Path index = root.resolve("model_index.json");
        if (!Files.isRegularFile(index)) {
            throw new IllegalArgumentException(root + ": no model_index.json (not a diffusers pipeline folder)");
        }
        JsonObject json;
        try {
            json = JsonParser.parseString(Files.readString(index)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(index + ": cannot parse: " + e.getMessage());
        }
        for (String c : COMPONENTS) {
            Path dir = root.resolve(c);
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException(root + ": component '" + c + "' is missing (expected the folder " + dir + ")");
            }
            String config = switch (c) {
                case "tokenizer" -> "vocab.json";
                case "scheduler" -> "scheduler_config.json";
                default -> "config.json";
            };
            if (!Files.isRegularFile(dir.resolve(config))) {
                throw new IllegalArgumentException(root + ": component '" + c + "' has no " + config);
            }
        }
        return new ModelFolder(root, json);
    }

    public Path textEncoder() {
        return root.resolve("text_encoder");
    }

    public Path tokenizer() {
        return root.resolve("tokenizer");
    }

    public Path unet() {
        return root.resolve("unet");
    }

    public Path vae() {
        return root.resolve("vae");
    }

    public Path schedulerConfig() {
        return root.resolve("scheduler/scheduler_config.json");
    }
}
