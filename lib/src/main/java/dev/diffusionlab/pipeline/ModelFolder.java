package dev.diffusionlab.pipeline;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import dev.diffusionlab.nn.ConfigJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A diffusers pipeline folder: {@code model_index.json} names the components (library, class) and
 * each lives in the sub-folder of the same name.
 *
 * <pre>{@code
 * ModelFolder f = ModelFolder.open(Path.of("stable-diffusion-v1-5"));
 * Path unetDir = f.component("unet");          // .../unet, checked to exist
 * String cls = f.componentClass("scheduler");  // "PNDMScheduler"
 * }</pre>
 */
public final class ModelFolder {
    private final Path root;
    private final Map<String, String> classes;

    private ModelFolder(Path root, Map<String, String> classes) {
        this.root = root;
        this.classes = classes;
    }

    /** Reads {@code model_index.json}; the error names the folder. */
    public static ModelFolder open(Path root) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException(root + ": no such model folder");
        }
        Path idx = root.resolve("model_index.json");
        if (!Files.isRegularFile(idx)) {
            throw new IllegalArgumentException(root + ": no model_index.json (not a diffusers pipeline folder)");
        }
        ConfigJson c = ConfigJson.read(idx);
        Map<String, String> classes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : c.json().entrySet()) {
            checkPair(idx, e.getKey(), e.getValue());
            if (e.getValue().isJsonArray()) {
                JsonArray a = e.getValue().getAsJsonArray();
                if (a.size() == 2 && !a.get(1).isJsonNull()) {
                    classes.put(e.getKey(), a.get(1).getAsString());
                }
            }
        }
        return new ModelFolder(root, classes);
    }

    /**
     * A component entry must be {@code [library, class]} (strings, or nulls for an absent component); keys
     * starting with "_" and plain flags such as {@code requires_safety_checker: true} are not components.
     */
    private static void checkPair(Path idx, String key, JsonElement v) {
        if (key.startsWith("_") || (v.isJsonPrimitive() && !PIPELINE_COMPONENTS.contains(key)) || v.isJsonNull()) {
            return;
        }
        boolean ok = v.isJsonArray() && v.getAsJsonArray().size() == 2;
        if (ok) {
            for (JsonElement x : v.getAsJsonArray()) {
                ok &= x.isJsonNull() || (x.isJsonPrimitive() && x.getAsJsonPrimitive().isString());
            }
        }
        if (!ok) {
            throw dev.diffusionlab.core.UserInputException.of(idx.toString(), "component '" + key + "'", v,
                    "a [library, class] pair of strings, e.g. [\"diffusers\", \"UNet2DConditionModel\"]");
        }
    }

    public Path root() {
        return root;
    }

    /** Component name -> class name, for the components that are present (null entries skipped). */
    public Map<String, String> components() {
        return classes;
    }

    /** The class name of a component; the error lists what the folder has. */
    public String componentClass(String name) {
        String c = classes.get(name);
        if (c == null) {
            throw new IllegalArgumentException(root + ": model_index.json has no component '" + name + "' (has " + classes.keySet() + ")");
        }
        return c;
    }

    /** The folder of a component, checked to exist with its config file. */
    public Path component(String name) {
        componentClass(name);
        Path p = root.resolve(name);
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException(root + ": component '" + name + "' is listed in model_index.json but folder " + p + " is missing");
        }
        String config = switch (name) {
            case "tokenizer" -> "vocab.json";
            case "scheduler" -> "scheduler_config.json";
            default -> "config.json";
        };
        if (!Files.isRegularFile(p.resolve(config))) {
            throw new IllegalArgumentException(root + ": component '" + name + "' has no " + config);
        }
        return p;
    }

    /** Checks that every component the text-to-image pipeline needs is there (one error naming the first missing). */
    public ModelFolder requirePipeline() {
        for (String c : PIPELINE_COMPONENTS) {
            component(c);
        }
        return this;
    }

    /** The components the text-to-image pipeline needs. */
    public static final java.util.List<String> PIPELINE_COMPONENTS = java.util.List.of("text_encoder", "tokenizer", "unet", "vae", "scheduler");

    public Path textEncoder() {
        return component("text_encoder");
    }

    public Path tokenizer() {
        return component("tokenizer");
    }

    public Path unet() {
        return component("unet");
    }

    public Path vae() {
        return component("vae");
    }

    /** {@code scheduler/scheduler_config.json}. */
    public Path schedulerConfig() {
        return component("scheduler").resolve("scheduler_config.json");
    }
}
