package dev.diffusionlab.pipeline;

import com.google.gson.GsonBuilder;
import dev.diffusionlab.nn.Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one writer of diffusers pipeline folders ({@link DefaultModel}, the shapes trainer's folders and
 * checkpoints): {@code model_index.json}, {@code scheduler/scheduler_config.json} and each network
 * component as {@code <name>/config.json} + safetensors ({@link Model#save(Path, String, boolean)}, with an
 * fp16 option). The tokenizer folder comes from the clip stage's toolkit
 * ({@link dev.diffusionlab.clip.BpeTrainer.Vocabulary#writeFolder}). {@link ModelFolder} reads what this writes.
 *
 * <pre>{@code
 * DiffusersFolder.writeModelIndex(out, DiffusersFolder.modelIndex("PNDMScheduler", "0.30.3", Map.of()));
 * DiffusersFolder.writeScheduler(out, schedulerJson);
 * DiffusersFolder.writeComponent(out, "unet", unet, unet.configJson(), true);   // unet/config.json + fp16 weights
 * }</pre>
 */
public final class DiffusersFolder {
    private DiffusersFolder() {}

    /**
     * The fields of a Stable Diffusion text-to-image {@code model_index.json}, in diffusers' order, with
     * {@code extra} keys (our "_dlab_..." markers; diffusers ignores keys starting with "_") after the version.
     */
    public static Map<String, Object> modelIndex(String schedulerClass, String diffusersVersion, Map<String, Object> extra) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("_class_name", "StableDiffusionPipeline");
        m.put("_diffusers_version", diffusersVersion);
        m.putAll(extra);
        m.put("feature_extractor", nulls());
        m.put("image_encoder", nulls());
        m.put("requires_safety_checker", false);
        m.put("safety_checker", nulls());
        m.put("scheduler", List.of("diffusers", schedulerClass));
        m.put("text_encoder", List.of("transformers", "CLIPTextModel"));
        m.put("tokenizer", List.of("transformers", "CLIPTokenizer"));
        m.put("unet", List.of("diffusers", "UNet2DConditionModel"));
        m.put("vae", List.of("diffusers", "AutoencoderKL"));
        return m;
    }

    private static List<Object> nulls() {
        List<Object> l = new ArrayList<>();
        l.add(null);
        l.add(null);
        return l;
    }

    /** A config map as diffusers writes it: pretty, nulls kept, no HTML escaping, final newline. */
    public static String toJson(Map<String, ?> config) {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(config) + "\n";
    }

    /** Writes {@code out/model_index.json}. */
    public static void writeModelIndex(Path out, Map<String, Object> modelIndex) {
        write(out.resolve("model_index.json"), toJson(modelIndex));
    }

    /** Writes {@code out/model_index.json} from its text. */
    public static void writeModelIndex(Path out, String modelIndexJson) {
        write(out.resolve("model_index.json"), modelIndexJson);
    }

    /** Writes {@code out/scheduler/scheduler_config.json}. */
    public static void writeScheduler(Path out, String schedulerConfigJson) {
        write(out.resolve("scheduler").resolve("scheduler_config.json"), schedulerConfigJson);
    }

    /** Writes component {@code name} of {@code out}: {@code config.json} and its weights (fp16 when asked). */
    public static void writeComponent(Path out, String name, Model<?> model, String configJson, boolean fp16) {
        model.save(out.resolve(name), configJson, fp16);
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
        }
    }
}
