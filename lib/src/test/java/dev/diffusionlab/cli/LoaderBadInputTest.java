package dev.diffusionlab.cli;

import static dev.diffusionlab.cli.BadInputs.assertRefused;
import static dev.diffusionlab.cli.BadInputs.dlab;
import static dev.diffusionlab.cli.BadInputs.editHeader;
import static dev.diffusionlab.cli.BadInputs.editJson;
import static dev.diffusionlab.cli.BadInputs.fillNaN;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.safetensors.SafetensorsFile;
import dev.diffusionlab.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad model folders: each row copies the embedded random SD folder, breaks one thing, runs
 * {@code ./dlab generate} in-process and expects exit 2 with one line naming the file, key and value.
 */
class LoaderBadInputTest {
    static final String TE = "text_encoder/config.json";
    static final String UNET = "unet/config.json";
    static final String VAE = "vae/config.json";
    static final String SCHED = "scheduler/scheduler_config.json";
    static final String VOCAB = "tokenizer/vocab.json";
    static final String INDEX = "model_index.json";
    static final String UNET_W = "unet/diffusion_pytorch_model.safetensors";
    static final String VAE_W = "vae/diffusion_pytorch_model.safetensors";
    static final String TE_W = "text_encoder/model.safetensors";

    static Arguments row(String name, Consumer<Path> corrupt, String... fragments) {
        return Arguments.of(name, corrupt, fragments);
    }

    static Consumer<Path> json(String file, Consumer<JsonObject> edit) {
        return m -> editJson(m.resolve(file), edit);
    }

    static Consumer<Path> set(String file, String key, Object value) {
        return json(file, o -> o.add(key, value instanceof String s ? new JsonPrimitive(s)
                : value instanceof Number n ? new JsonPrimitive(n) : (com.google.gson.JsonElement) value));
    }

    static Consumer<Path> header(String file, String from, String to) {
        return m -> editHeader(m.resolve(file), h -> {
            if (!h.contains(from)) {
                throw new IllegalStateException("header has no " + from);
            }
            return h.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to));
        });
    }

    static JsonArray arr(Object... xs) {
        JsonArray a = new JsonArray();
        for (Object x : xs) {
            if (x instanceof Number n) {
                a.add(n);
            } else if (x instanceof String s) {
                a.add(s);
            } else {
                a.add((com.google.gson.JsonElement) x);
            }
        }
        return a;
    }

    /** Rewrites a weight file with one tensor stored as int32 (same shape). */
    static Consumer<Path> intWeight(String file, String tensor) {
        return m -> {
            Path f = m.resolve(file);
            Map<String, NDArray> all = new LinkedHashMap<>();
            try (NDManager nd = Engines.newCpuManager()) {
                try (SafetensorsFile st = SafetensorsFile.open(f)) {
                    for (String k : st.keys()) {
                        NDArray a = st.load(k, nd, DataType.FLOAT32);
                        all.put(k, k.equals(tensor) ? a.toType(DataType.INT32, false) : a);
                    }
                }
                SafetensorsWriter.write(f, all, Map.of("format", "pt"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    static JsonArray betas(int n) {
        JsonArray a = new JsonArray();
        for (int i = 0; i < n; i++) {
            a.add(0.01);
        }
        return a;
    }

    static void write(Path f, String text) {
        try {
            Files.writeString(f, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path f) {
        try {
            Files.delete(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void truncate(Path f, long size) {
        try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
            c.truncate(size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<Arguments> table() {
        return Stream.of(
                // config sizes: / by zero before, now a named refusal
                row("te heads 0", set(TE, "num_attention_heads", 0), TE, "num_attention_heads = 0"),
                row("te hidden -1", set(TE, "hidden_size", -1), TE, "hidden_size = -1"),
                row("te layers 1.5", set(TE, "num_hidden_layers", 1.5), TE, "num_hidden_layers"),
                row("te vocab 2e9", set(TE, "vocab_size", 2e9), TE, "vocab_size"),
                row("unet groups 0", set(UNET, "norm_num_groups", 0), UNET, "norm_num_groups = 0"),
                row("unet groups not dividing", set(UNET, "norm_num_groups", 5), UNET, "norm_num_groups = 5", "divisor"),
                row("unet channels 0", set(UNET, "block_out_channels", arr(0, 64)), UNET, "block_out_channels"),
                row("unet heads 0", set(UNET, "attention_head_dim", 0), UNET, "attention_head_dim"),
                row("unet cross dim 0", set(UNET, "cross_attention_dim", 0), UNET, "cross_attention_dim = 0"),
                row("vae groups 0", set(VAE, "norm_num_groups", 0), VAE, "norm_num_groups = 0"),
                row("vae latent channels 0", set(VAE, "latent_channels", 0), VAE, "latent_channels = 0"),
                row("vae scaling_factor 0", set(VAE, "scaling_factor", 0), VAE, "scaling_factor = 0"),
                row("vae scaling_factor -1", set(VAE, "scaling_factor", -1), VAE, "scaling_factor = -1"),
                row("vae scaling_factor NaN", set(VAE, "scaling_factor", "NaN"), VAE, "scaling_factor = NaN"),
                row("te eps 0", set(TE, "layer_norm_eps", 0), TE, "layer_norm_eps = 0"),
                row("te config an array", m -> write(m.resolve(TE), "[1, 2]"), TE, "cannot parse config"),
                row("unet layers 0", set(UNET, "layers_per_block", 0), UNET, "layers_per_block"),
                row("vae no blocks", json(VAE, o -> {
                    o.add("block_out_channels", arr());
                    o.add("down_block_types", arr());
                    o.add("up_block_types", arr());
                }), VAE, "block_out_channels = []"),
                // scheduler tables sized from the config
                row("timesteps 1e9", set(SCHED, "num_train_timesteps", 1e9), "num_train_timesteps", "100000"),
                row("timesteps 0", set(SCHED, "num_train_timesteps", 0), "num_train_timesteps = 0"),
                row("timesteps 2.5", set(SCHED, "num_train_timesteps", 2.5), "num_train_timesteps = 2.5"),
                row("beta_end 5", set(SCHED, "beta_end", 5), "beta_end = 5"),
                row("trained betas 200000", set(SCHED, "trained_betas", betas(200_000)), "trained_betas", "100000"),
                row("scheduler class unknown", set(SCHED, "_class_name", "WarpScheduler"), "WarpScheduler"),
                // model_index.json pairs
                row("index object", set(INDEX, "unet", new JsonObject()), INDEX, "component 'unet'", "[library, class]"),
                row("index class object", set(INDEX, "unet", arr("diffusers", new JsonObject())), INDEX, "component 'unet'"),
                row("index string", set(INDEX, "vae", "AutoencoderKL"), INDEX, "component 'vae'"),
                row("index triple", set(INDEX, "scheduler", arr("a", "b", "c")), INDEX, "component 'scheduler'"),
                row("index not json", m -> write(m.resolve(INDEX), "{\"unet\": "), INDEX, "cannot parse"),
                row("unet weights missing", m -> delete(m.resolve(UNET_W)), "diffusion_pytorch_model.safetensors"),
                row("unet weights truncated", m -> truncate(m.resolve(UNET_W), 1000), UNET_W, "truncated"),
                // tokenizer ids against the vocabulary and the embedding matrix
                row("vocab id max int", json(VOCAB, o -> o.addProperty("zzz", 2147483647)), VOCAB, "2147483647"),
                row("vocab id -5", json(VOCAB, o -> o.addProperty("zzz", -5)), VOCAB, "-5"),
                row("vocab id 2e9", json(VOCAB, o -> o.addProperty("zzz", 2e9)), VOCAB, "2.0E9"),
                row("vocab id fraction", json(VOCAB, o -> o.addProperty("zzz", 3.5)), VOCAB, "3.5", "integer"),
                row("vocab id string", json(VOCAB, o -> o.addProperty("zzz", "7")), VOCAB, "\"7\"", "integer"),
                row("vocab an array", m -> write(m.resolve(VOCAB), "[\"a\"]"), VOCAB),
                row("vocab beyond embedding", json(VOCAB, o -> o.addProperty("zzz", o.size())), VOCAB, "vocab_size = 1105"),
                // safetensors headers: strict integers, string dtype, unique names, float weights
                row("dtype object", header(UNET_W, "\"dtype\":\"F16\"", "\"dtype\":{\"a\":1}"), UNET_W, "dtype"),
                row("dtype number", header(UNET_W, "\"dtype\":\"F16\"", "\"dtype\":16"), UNET_W, "dtype = 16"),
                row("shape string", header(UNET_W, "\"shape\":[32]", "\"shape\":\"[32]\""), UNET_W, "shape"),
                row("shape element string", header(UNET_W, "\"shape\":[32]", "\"shape\":[\"32\"]"), UNET_W, "shape", "integer"),
                row("shape fraction", header(UNET_W, "\"shape\":[32]", "\"shape\":[32.5]"), UNET_W, "32.5", "fraction"),
                row("offsets strings", header(UNET_W, "\"data_offsets\":[0,64]", "\"data_offsets\":[\"0\",\"64\"]"), UNET_W, "data_offsets"),
                row("offsets fraction", header(UNET_W, "\"data_offsets\":[0,64]", "\"data_offsets\":[0,64.0001]"), UNET_W, "data_offsets"),
                row("duplicate name", header(UNET_W, "\"conv_in.weight\":", "\"conv_in.bias\":{\"dtype\":\"F16\",\"shape\":[32],"
                        + "\"data_offsets\":[0,64]},\"conv_in.weight\":"), UNET_W, "'conv_in.bias' appears twice"),
                row("int weight", intWeight(TE_W, "text_model.final_layer_norm.bias"), TE_W, "final_layer_norm.bias", "float dtype"),
                // NaN weights: a blank picture before, now the step or stage and the likely cause
                row("NaN unet weights", m -> fillNaN(m.resolve(UNET_W), "conv_out.bias"), "step 1/", "unet weights"),
                row("NaN vae weights", m -> fillNaN(m.resolve(VAE_W), "decoder.conv_out.bias"), "VAE decode", "vae weights"),
                row("NaN text encoder weights", m -> fillNaN(m.resolve(TE_W), "text_model.final_layer_norm.bias"), "text encoder",
                        "text_encoder weights"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void refusedWithOneLine(String name, Consumer<Path> corrupt, String[] fragments, @TempDir Path tmp) {
        Path model = BadInputs.copyModel(tmp);
        corrupt.accept(model);
        Path out = tmp.resolve("x.png");
        BadInputs.Outcome r = dlab("generate", "--model", model.toString(), "--prompt", "a red circle", "--steps", "2",
                "--out", out.toString());
        assertRefused(r, fragments);
        assertFalse(Files.exists(out), "no picture may be written: " + out);
    }
}
