package dev.diffusionlab.shapes;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusionlab.clip.CLIPTextModel;
import dev.diffusionlab.pipeline.DiffusersFolder;
import dev.diffusionlab.unet.UNet2DConditionModel;
import dev.diffusionlab.vae.AutoencoderKL;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The shapes trainer's file side: the checkpoint folder (models, tokenizer, step counts in
 * {@code trainer_state.json}, the per-step log, and with EMA the averaged UNet and text encoder in
 * {@code unet_ema} and {@code text_encoder_ema}), swapped in atomically, and the final diffusers folder through
 * {@link DiffusersFolder}. {@link ShapesTrainer} keeps the training itself.
 */
final class ShapesCheckpoint {
    private static final String STATE = "trainer_state.json";
    /** Per-step log kept with the checkpoint and written into the model folder: phase,step,loss,grad_norm. */
    static final String LOG = "training_log.csv";
    private static final String LOG_HEADER = "phase,step,loss,grad_norm";
    private static final String UNET_EMA = "unet_ema";
    private static final String TEXT_ENCODER_EMA = "text_encoder_ema";

    private final Path dir;
    private final ShapesModels models;
    private final long seed;
    private final List<String> log = new ArrayList<>();
    /** Weight averages of the UNet and text encoder (null: none). */
    private EmaWeights emaUnet;
    private EmaWeights emaTe;

    ShapesCheckpoint(Path dir, ShapesModels models, long seed) {
        this.dir = dir;
        this.models = models;
        this.seed = seed;
    }

    /** The checkpoint folder. */
    Path dir() {
        return dir;
    }

    /**
     * From now on every checkpoint also holds these averages ({@code unet_ema}, {@code text_encoder_ema}, float32) and the
     * folder ships them in place of the trained UNet and text encoder. A checkpoint that already holds averages (a
     * resumed run) loads them into {@code unet} and {@code te}.
     */
    void useAverages(EmaWeights unet, EmaWeights te) {
        emaUnet = unet;
        emaTe = te;
        if (Files.isDirectory(dir.resolve(UNET_EMA))) {
            try (UNet2DConditionModel u = UNet2DConditionModel.fromPretrained(dir.resolve(UNET_EMA), Device.cpu(), DataType.FLOAT32);
                 CLIPTextModel t = CLIPTextModel.fromPretrained(dir.resolve(TEXT_ENCODER_EMA), Device.cpu(), DataType.FLOAT32)) {
                emaUnet.load(u.namedParameters());
                emaTe.load(t.namedParameters());
            }
        }
    }

    /** The log of a resumed run, cut to the checkpoint's steps (rows after it were never saved with weights). */
    void readLog(JsonObject state) {
        log.clear();
        Path f = dir.resolve(LOG);
        if (state == null || !Files.isRegularFile(f)) {
            return;
        }
        int vae = state.get("vae_step").getAsInt();
        int unet = state.get("unet_step").getAsInt();
        try {
            for (String row : Files.readAllLines(f)) {
                String[] c = row.split(",");
                if (c.length == 4 && !row.equals(LOG_HEADER)) {
                    int st = Integer.parseInt(c[1]);
                    if (c[0].equals("vae") ? st <= vae : st <= unet) {
                        log.add(row);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(f + ": cannot read the training log: " + e.getMessage(), e);
        }
    }

    /** Adds one row (phase,step,loss,grad_norm) to the log. */
    void log(String row) {
        log.add(row);
    }

    private void writeLog(Path f) throws IOException {
        Files.writeString(f, LOG_HEADER + "\n" + String.join("\n", log) + (log.isEmpty() ? "" : "\n"));
    }

    /** The checkpoint's step counts and scaling factor, or null when there is no checkpoint yet. */
    JsonObject readState() {
        Path f = dir.resolve(STATE);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            JsonObject o = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
            for (String k : List.of("vae_step", "unet_step", "vae_finished", "scaling_factor")) {
                if (!o.has(k)) {
                    throw new IllegalArgumentException(f + ": no '" + k + "' (not a shapes trainer checkpoint)");
                }
            }
            return o;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(f + ": cannot read the checkpoint state: " + e.getMessage(), e);
        }
    }

    /** Writes the models and the step counts into a fresh folder, then swaps it in (a crash never leaves half a checkpoint). */
    void save(AutoencoderKL vae, CLIPTextModel te, UNet2DConditionModel unet, int vaeStep, int unetStep, boolean vaeFinished,
              double scaling) {
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
        try {
            dev.diffusionlab.core.Outputs.removeTree(tmp);
            writeModels(tmp, vae, te, unet, scaling, false);
            if (emaUnet != null) {
                emaUnet.withAverage(() -> DiffusersFolder.writeComponent(tmp, UNET_EMA, unet, models.unetJson(), false));
                emaTe.withAverage(() -> DiffusersFolder.writeComponent(tmp, TEXT_ENCODER_EMA, te, models.textEncoderJson(), false));
            }
            ShapesVocabulary.write(tmp.resolve("tokenizer"), models.maxLength());
            writeLog(tmp.resolve(LOG));
            Files.writeString(tmp.resolve(STATE), String.format(Locale.ROOT,
                    "{\"vae_step\": %d, \"unet_step\": %d, \"vae_finished\": %s, \"scaling_factor\": %s, \"seed\": %d}%n",
                    vaeStep, unetStep, vaeFinished, Double.toString(scaling), seed));
            dev.diffusionlab.core.Outputs.removeTree(dir);
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the checkpoint: " + e.getMessage(), e);
        }
    }

    /**
     * Writes the diffusers folder {@code out} (replacing its components) with the log; with averages
     * ({@link #useAverages}) the UNet and text encoder are the averaged weights.
     *
     * @param recipeJson written as recipe.json beside the weights (null: none, the v1 recipe)
     */
    void writeFolder(Path out, AutoencoderKL vae, CLIPTextModel te, UNet2DConditionModel unet, double scaling, boolean fp16,
                     String recipeJson) {
        // written to a temporary sibling, then each entry renamed into place (replacing the previous component
        // folders): a failure half-way leaves the previous model, never a mix
        dev.diffusionlab.core.Outputs.writeDir(out, tmp -> {
            if (emaUnet != null) {
                emaUnet.withAverage(() -> emaTe.withAverage(() -> writeModels(tmp, vae, te, unet, scaling, fp16)));
            } else {
                writeModels(tmp, vae, te, unet, scaling, fp16);
            }
            if (recipeJson != null) {
                Files.writeString(tmp.resolve("recipe.json"), recipeJson);
            }
            ShapesVocabulary.write(tmp.resolve("tokenizer"), models.maxLength());
            DiffusersFolder.writeScheduler(tmp, ShapesModels.schedulerJson());
            DiffusersFolder.writeModelIndex(tmp, ShapesModels.modelIndexJson());
            writeLog(tmp.resolve(LOG));
        });
    }

    private void writeModels(Path target, AutoencoderKL vae, CLIPTextModel te, UNet2DConditionModel unet, double scaling, boolean fp16) {
        DiffusersFolder.writeComponent(target, "vae", vae, models.vaeJson(scaling), fp16);
        DiffusersFolder.writeComponent(target, "unet", unet, models.unetJson(), fp16);
        DiffusersFolder.writeComponent(target, "text_encoder", te, models.textEncoderJson().replace("\"float32\"", fp16 ? "\"float16\"" : "\"float32\""), fp16);
    }
}
