package dev.diffusionlab.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusionlab.clip.BpeTrainer;
import dev.diffusionlab.clip.CLIPTextConfig;
import dev.diffusionlab.clip.CLIPTextModel;
import dev.diffusionlab.core.Paths;
import dev.diffusionlab.nn.ConfigJson;
import dev.diffusionlab.unet.UNet2DConditionModel;
import dev.diffusionlab.unet.UNetConfig;
import dev.diffusionlab.vae.AutoencoderKL;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The models the notebooks and {@code ./dlab generate} use when no real weights are given, both in the
 * real diffusers layout and made by our own code (no download, no third-party vocabulary):
 * <ul>
 *   <li>{@link #folder()}'s default, {@code toy-data/models/shapes-world-v2}: the shapes-world model
 *       <b>trained</b> by {@code ./dlab train-shapes --world v2} (64×64 images of one to three coloured shapes
 *       from captions such as "a red circle on the left and a blue square at the top"), so generations and
 *       attention maps are real; {@link #shapesV1Folder()} is the 32×32 v1 model, the small fast variant;</li>
 *   <li>{@link #randomFolder()}, {@code toy-data/models/sd-tiny-random}: a <b>random-weight</b> SD-shaped
 *       folder (77-token CLIP, 64×64) whose images are structured noise, for tests and benches of the
 *       machinery at SD's shapes.</li>
 * </ul>
 *
 * <pre>{@code
 * Path dir = DefaultModel.folder();           // $DLAB_MODEL, -Ddlab.model, else toy-data/models/shapes-world-v2
 * boolean shapes = DefaultModel.isShapesWorld(dir);   // prompts must then be shapes-world captions
 * boolean noise = DefaultModel.isRandomDefault(DefaultModel.randomFolder());
 * DefaultModel.create(Path.of("/tmp/sd-tiny"), DefaultModel.SEED);   // what ./dlab make-default-model does
 * }</pre>
 */
public final class DefaultModel {
    /** The seed of the committed folder. */
    public static final long SEED = 20240601L;
    /** The committed random-weight folder, relative to the repository root. */
    public static final String RELATIVE = "toy-data/models/sd-tiny-random";
    /** The committed v1 shapes-world folder (32 px, the small fast variant), relative to the repository root. */
    public static final String SHAPES_RELATIVE = "toy-data/models/shapes-world";
    /** The v1 shapes-world folder's name in toy-data/models and in the jar ({@link ShippedModel}). */
    public static final String SHAPES_NAME = "shapes-world";
    /** The committed v2 shapes-world folder (64 px, one to three objects): the default when present. */
    public static final String SHAPES_V2_RELATIVE = "toy-data/models/shapes-world-v2";
    /** The v2 folder's name in toy-data/models and in the jar. */
    public static final String SHAPES_V2_NAME = "shapes-world-v2";
    /** model_index.json key marking a shapes-world model (diffusers ignores keys starting with "_"). */
    public static final String SHAPES_MARKER = "_dlab_shapes_world";
    /** model_index.json key marking our random folders (diffusers ignores keys starting with "_"). */
    public static final String MARKER = "_dlab_random_weights";
    /** BPE merges learned for the tokenizer. */
    public static final int MERGES = 600;
    static final int HIDDEN = 32;
    /** Weights are stored as fp16 (keeps the folder under 3 MB); they load into any dtype. */
    static final DataType STORAGE = DataType.FLOAT16;

    private DefaultModel() {}

    /**
     * {@code $DLAB_MODEL}, else {@code -Ddlab.model}, else the embedded trained shapes-world folder: v2
     * ({@code toy-data/models/shapes-world-v2}) where it exists, else v1; the checkout's copy when there is one,
     * else the copy shipped in the library jar (extracted once to a cache folder by {@link ShippedModel}), so it
     * works from any directory without {@code DLAB_HOME}.
     */
    public static Path folder() {
        String p = System.getenv("DLAB_MODEL");
        if (p == null || p.isBlank()) {
            p = System.getProperty("dlab.model");
        }
        if (p != null && !p.isBlank()) {
            return Path.of(p).toAbsolutePath().normalize();
        }
        Path v2 = embedded(SHAPES_V2_RELATIVE, SHAPES_V2_NAME);
        return v2 != null ? v2 : shapesV1Folder();
    }

    /**
     * The v1 shapes-world folder (32 px, one or two objects: the small fast variant that notebooks train in
     * minutes), from the checkout or the jar, whatever the default is.
     */
    public static Path shapesV1Folder() {
        Path v1 = embedded(SHAPES_RELATIVE, SHAPES_NAME);
        return v1 != null ? v1 : Paths.home().resolve(SHAPES_RELATIVE); // names the missing folder in the load error
    }

    /** The checkout's folder, else the jar's copy, else null. */
    private static Path embedded(String relative, String name) {
        try {
            Path inCheckout = Paths.home().resolve(relative);
            if (Files.isDirectory(inCheckout)) {
                return inCheckout;
            }
        } catch (IllegalStateException noCheckout) {
            // outside a checkout: the jar's copy below
        }
        return ShippedModel.available(name) ? ShippedModel.folder(name) : null;
    }

    /** The embedded random-weight SD-shaped folder (tests, benches). */
    public static Path randomFolder() {
        return Paths.home().resolve(RELATIVE);
    }

    /** True when {@code dir}'s model_index.json marks a shapes-world model (see {@code dev.diffusionlab.shapes}). */
    public static boolean isShapesWorld(Path dir) {
        return flag(dir, SHAPES_MARKER);
    }

    /** True when {@code dir} is a random-weight folder made by {@link #create} (its images are noise). */
    public static boolean isRandomDefault(Path dir) {
        return flag(dir, MARKER);
    }

    private static boolean flag(Path dir, String key) {
        Path index = dir.resolve("model_index.json");
        if (!Files.isRegularFile(index)) {
            return false;
        }
        try {
            JsonElement e = JsonParser.parseString(Files.readString(index)).getAsJsonObject().get(key);
            return e != null && e.isJsonPrimitive() && e.getAsBoolean();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Writes the folder: model_index.json, scheduler (SD 1.5's PNDM config), tokenizer (BPE learned by
     * {@link BpeTrainer} on {@link #CORPUS}), text_encoder, unet, vae (seeded random weights, stored as fp16).
     * The same seed gives the same files, bit for bit, on the same platform.
     */
    public static void create(Path out, long seed) {
        try {
            Files.createDirectories(out);
            DiffusersFolder.writeModelIndex(out, DiffusersFolder.modelIndex("PNDMScheduler", "0.30.3", Map.of(MARKER, true)));
            DiffusersFolder.writeScheduler(out, SCHEDULER_CONFIG);
            BpeTrainer.Vocabulary vocab = writeTokenizer(out.resolve("tokenizer"));
            Device cpu = Device.cpu();
            try (CLIPTextModel te = CLIPTextModel.random(textConfig(vocab.tokens().size()), cpu, STORAGE, (int) (seed + 1))) {
                te.save(out.resolve("text_encoder"));
            }
            try (UNet2DConditionModel unet = UNet2DConditionModel.random(
                    UNet2DConditionModel.parseConfig(DiffusersFolder.toJson(unetConfig()), "default unet config"), cpu, STORAGE,
                    (int) (seed + 2))) {
                unet.save(out.resolve("unet"));
            }
            try (AutoencoderKL vae = AutoencoderKL.random(AutoencoderKL.parseConfig(DiffusersFolder.toJson(vaeConfig()), "default vae config"),
                    cpu, STORAGE, (int) (seed + 3))) {
                vae.save(out.resolve("vae"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot write the default model: " + e.getMessage(), e);
        }
    }

    /** CLIP text encoder: hidden 32, 2 layers, 4 heads, 77 positions, SD 1.x's quick_gelu and legacy eos id 2. */
    static CLIPTextConfig textConfig(int vocabSize) {
        return new CLIPTextConfig(vocabSize, HIDDEN, 64, 2, 4, 77, "quick_gelu", 1e-5f, 2);
    }

    /** SD 1.5's block pattern at two levels: CrossAttnDown + Down / Up + CrossAttnUp, channels (32, 64), 8 heads. */
    private static Map<String, Object> unetConfig() {
        return UNetConfig.diffusersConfig("0.30.3", 8, List.of(32, 64), HIDDEN, List.of("CrossAttnDownBlock2D", "DownBlock2D"), 32, 8,
                List.of("UpBlock2D", "CrossAttnUpBlock2D"));
    }

    /** Four levels (downscale 8, as SD), 32 channels each, 4 latent channels, SD's scaling factor. */
    private static Map<String, Object> vaeConfig() {
        return ConfigJson.map("_class_name", "AutoencoderKL", "_diffusers_version", "0.30.3", "act_fn", "silu",
                "block_out_channels", List.of(32, 32, 32, 32),
                "down_block_types", List.of("DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"),
                "in_channels", 3, "latent_channels", 4, "layers_per_block", 1, "norm_num_groups", 32, "out_channels", 3,
                "sample_size", 64, "scaling_factor", 0.18215,
                "up_block_types", List.of("UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"));
    }

    /** SD 1.5's scheduler_config.json (runwayml/stable-diffusion-v1-5). */
    public static final String SCHEDULER_CONFIG = """
            {
              "_class_name": "PNDMScheduler",
              "_diffusers_version": "0.6.0",
              "beta_end": 0.012,
              "beta_schedule": "scaled_linear",
              "beta_start": 0.00085,
              "num_train_timesteps": 1000,
              "set_alpha_to_one": false,
              "skip_prk_steps": true,
              "steps_offset": 1,
              "trained_betas": null,
              "clip_sample": false
            }
            """;

    /** The tokenizer folder: BPE learned on {@link #CORPUS} with {@link #MERGES} merges, SD 1.5-style configs (77 tokens). */
    public static BpeTrainer.Vocabulary writeTokenizer(Path dir) {
        BpeTrainer.Vocabulary vocab = BpeTrainer.train(CORPUS, MERGES);
        vocab.writeFolder(dir, 77, "diffusionlab/sd-tiny-random");
        return vocab;
    }

    /**
     * The tokenizer's training text: words of typical image prompts (subjects, colours, shapes, styles,
     * lighting, composition), written for this project.
     */
    public static final String CORPUS = """
            a photo of a cat sitting on a red chair in the sun
            a photograph of a dog running on the beach at sunset
            a painting of a mountain landscape with a lake and trees, oil on canvas
            a red circle above a blue square on a white background
            a green triangle next to a yellow star, flat illustration
            an astronaut riding a horse on the moon, digital art
            a cup of coffee on a wooden table, morning light, shallow depth of field
            a rocket launching into the blue sky, high detail
            portrait of a woman with long hair, soft lighting, studio photo
            portrait of an old man with a beard, black and white photography
            a city street at night with neon lights and rain, cinematic
            a small house in a forest covered with snow, winter evening
            a bowl of fruit with apples, oranges and bananas, still life
            a castle on a hill under a cloudy sky, fantasy painting
            a close up photo of a flower with water drops, macro
            a sailing boat on the ocean with big waves, dramatic light
            a bird sitting on a branch, watercolor painting
            a robot standing in a field of flowers, concept art
            a bridge over a river in the autumn, orange and brown leaves
            a beautiful garden with roses and a stone fountain
            a modern kitchen interior, white walls, wooden floor, bright
            a desert with sand dunes and a camel, golden hour
            a black cat and a white dog sleeping together on a sofa
            a vintage car parked in front of a shop, old photograph
            a child playing with a ball in the park, happy, summer
            a plate of pasta with tomato sauce and basil, food photography
            a drawing of a house, a tree and the sun, pencil sketch
            an island with palm trees in a clear blue sea, aerial view
            a dragon flying over the mountains, epic, highly detailed
            a train crossing a bridge in the snow, long exposure
            blurry, low quality, bad anatomy, ugly, deformed, text, watermark
            highly detailed, sharp focus, 4k, 8k, trending on artstation, masterpiece, best quality
            the light of the moon on a quiet lake at night, stars in the sky
            a large red apple and a small green pear on a blue plate
            two people walking in the rain with an umbrella
            a pixel art character with a sword and a shield
            a teddy bear wearing a hat and a scarf, cute, 3d render
            a field of sunflowers under a bright blue sky with white clouds
            the face of a lion, photo, national geographic
            a glass of water on a table next to a window
            """;
}
