package dev.diffusionlab.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.nn.Activations;
import dev.diffusionlab.nn.Attention;
import dev.diffusionlab.nn.BatchParallel;
import dev.diffusionlab.nn.Embedding;
import dev.diffusionlab.nn.LayerNorm;
import dev.diffusionlab.nn.Linear;
import dev.diffusionlab.nn.Model;
import dev.diffusionlab.nn.Module;
import dev.diffusionlab.nn.ModuleList;
import dev.diffusionlab.nn.Ops;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * transformers' CLIPTextModel: token + position embeddings, pre-LayerNorm transformer layers with
 * causal self-attention, final LayerNorm, pooled output at the end-of-text token. Parameter names are
 * the transformers ones ({@code text_model.encoder.layers.0.self_attn.q_proj.weight}, ...).
 *
 * <pre>{@code
 * try (CLIPTextModel te = CLIPTextModel.fromPretrained(sd.resolve("text_encoder"), Device.cpu(), DataType.FLOAT32);
 *      NDManager m = Engines.newManager()) {
 *     CLIPTextModel.Output o = te.encode(m.create(ids, new Shape(1, 77)));
 *     NDArray cond = o.lastHiddenState();        // (1, 77, 768) for SD 1.5
 *     NDArray skip1 = o.hiddenState(1);           // diffusers clip_skip=1
 * }
 * }</pre>
 */
public final class CLIPTextModel extends Model<CLIPTextConfig> {
    private final Embedding tokenEmbedding;
    private final Embedding positionEmbedding;
    private final List<EncoderLayer> layers;
    private final LayerNorm finalLayerNorm;

    /** Builds the architecture; weights come from {@link #fromPretrained} or {@link #random}. */
    private CLIPTextModel(CLIPTextConfig c) {
        super(c);
        Container textModel = child("text_model", new Container() {});
        Container embeddings = childOf(textModel, "embeddings", new Container() {});
        tokenEmbedding = childOf(embeddings, "token_embedding", new Embedding(c.vocabSize(), c.hiddenSize()));
        positionEmbedding = childOf(embeddings, "position_embedding", new Embedding(c.maxPositionEmbeddings(), c.hiddenSize()));
        Container encoder = childOf(textModel, "encoder", new Container() {});
        ModuleList<EncoderLayer> list = childOf(encoder, "layers", new ModuleList<>());
        UnaryOperator<NDArray> act = Activations.byName(c.hiddenAct(), "hidden_act");
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            list.add(new EncoderLayer(c, act));
        }
        layers = list.items();
        finalLayerNorm = childOf(textModel, "final_layer_norm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
        finishBuild();
    }

    private static <M extends Module> M childOf(Container parent, String name, M m) {
        return parent.add(name, m);
    }

    /** Loads {@code model.safetensors} (or {@code model.fp16.safetensors}) and config.json from a folder. */
    public static CLIPTextModel fromPretrained(Path dir, Device device, DataType dtype) {
        return load(dir, c -> new CLIPTextModel(CLIPTextConfig.from(c)), device, dtype);
    }

    /** A random-weight model of the given architecture (seeded). */
    public static CLIPTextModel random(CLIPTextConfig config, Device device, DataType dtype, int seed) {
        return withRandomWeights(new CLIPTextModel(config), device, dtype, seed);
    }


    @Override
    public String configJson() {
        return config.toJson();
    }

    @Override
    protected String weightsName() {
        return "model";
    }

    /** Rows appended to the token embedding (textual inversion), or null; owned by the model. */
    private NDArray addedTokenEmbeddings;

    /**
     * Appends rows to the token embedding matrix (transformers' {@code resize_token_embeddings} followed by
     * writing the new rows): ids {@link #tokenEmbeddingRows()}, ... read them. {@code rows} (k, hidden) is
     * copied in the model's dtype; the original matrix is not touched.
     */
    public void addTokenEmbeddings(NDArray rows) {
        Shape s = rows.getShape();
        if (s.dimension() != 2 || s.get(1) != config.hiddenSize()) {
            throw new IllegalArgumentException("token embedding rows must be (k, " + config.hiddenSize()
                    + ") for this text encoder (hidden size " + config.hiddenSize() + "), got " + s);
        }
        NDArray copy = Ops.copy(rows, dtype());
        copy.attach(weightsManager());
        if (addedTokenEmbeddings == null) {
            addedTokenEmbeddings = copy;
        } else {
            NDArray joined = addedTokenEmbeddings.concat(copy, 0); // (k1, D) + (k2, D) -> (k1 + k2, D)
            joined.attach(weightsManager());
            addedTokenEmbeddings.close();
            copy.close();
            addedTokenEmbeddings = joined;
        }
    }

    /** The rows added by {@link #addTokenEmbeddings} (k, hidden), or null; a live view for training, do not close. */
    public NDArray addedTokenEmbeddings() {
        return addedTokenEmbeddings;
    }

    /** Rows of the token embedding matrix: the configured vocabulary plus added rows. */
    public int tokenEmbeddingRows() {
        return config.vocabSize() + (addedTokenEmbeddings == null ? 0 : (int) addedTokenEmbeddings.getShape().get(0));
    }

    /**
     * The encoder's outputs.
     *
     * @param lastHiddenState (B, L, D) after the final LayerNorm
     * @param pooledOutput (B, D) last hidden state at the end-of-text position
     * @param hiddenStates L+1 entries: the embeddings, then each layer's output (no final LayerNorm)
     */
    public record Output(NDArray lastHiddenState, NDArray pooledOutput, List<NDArray> hiddenStates, LayerNorm finalNorm) {
        /**
         * diffusers' {@code clip_skip}: 0 is {@link #lastHiddenState()}; k ≥ 1 is
         * {@code final_layer_norm(hidden_states[-(k+1)])}, the output of layer L−k.
         */
        public NDArray hiddenState(int clipSkip) {
            if (clipSkip < 0 || clipSkip >= hiddenStates.size() - 1) {
                throw new IllegalArgumentException("clipSkip " + clipSkip + " out of range 0.." + (hiddenStates.size() - 2));
            }
            return clipSkip == 0 ? lastHiddenState : finalNorm.forward(hiddenStates.get(hiddenStates.size() - 1 - clipSkip));
        }
    }

    /** Encodes token ids (B, L) (any numeric dtype); outputs live in the ids' manager, in the model dtype. */
    public Output encode(NDArray inputIds) {
        Shape s = inputIds.getShape();
        if (s.dimension() != 2 || s.get(1) > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("input_ids must be (batch, length ≤ " + config.maxPositionEmbeddings() + "), got " + s);
        }
        int parts = BatchParallel.parts(s.get(0));
        if (parts > 1) {
            List<Output> outs = BatchParallel.run(s.get(0), parts, (from, to) -> encodeBatch(inputIds.get(from + ":" + to)));
            List<NDArray> hidden = new ArrayList<>();
            for (int k = 0; k < outs.get(0).hiddenStates().size(); k++) {
                int layer = k;
                hidden.add(concat(outs.stream().map(o -> o.hiddenStates().get(layer)).toList()));
            }
            return new Output(concat(outs.stream().map(Output::lastHiddenState).toList()),
                    concat(outs.stream().map(Output::pooledOutput).toList()), Collections.unmodifiableList(hidden), finalLayerNorm);
        }
        return encodeBatch(inputIds);
    }

    private static NDArray concat(List<NDArray> parts) {
        return NDArrays.concat(new NDList(parts), 0);
    }

    /** {@link #encode} of the whole batch in one call. */
    private Output encodeBatch(NDArray inputIds) {
        long len = inputIds.getShape().get(1);
        NDArray ids = Ops.to(inputIds, DataType.INT64);
        NDArray pos = inputIds.getManager().arange(0, (int) len, 1, DataType.INT64).reshape(1, len); // (L) -> (1, L)
        NDArray tok = addedTokenEmbeddings == null ? tokenEmbedding.forward(ids) : tokenEmbedding.forward(ids, addedTokenEmbeddings);
        NDArray h = tok.add(positionEmbedding.forward(pos)); // (B, L, D)
        List<NDArray> hidden = new ArrayList<>();
        hidden.add(h);
        for (EncoderLayer layer : layers) {
            h = layer.forward(h);
            hidden.add(h);
        }
        NDArray last = finalLayerNorm.forward(h);
        return new Output(last, pool(last, ids), Collections.unmodifiableList(hidden), finalLayerNorm);
    }

    private NDArray pool(NDArray last, NDArray ids) {
        long b = ids.getShape().get(0);
        long[] pos;
        if (config.eosTokenId() == 2) {
            // legacy rule of SD checkpoints: the end-of-text token has the highest id
            pos = ids.argMax(1).toLongArray();
        } else {
            pos = ids.eq(config.eosTokenId()).toType(DataType.INT32, false).argMax(1).toLongArray();
        }
        NDList rows = new NDList();
        for (int i = 0; i < b; i++) {
            rows.add(last.get(new NDIndex("{}, {}", i, pos[i]))); // (B, L, D) -> (D)
        }
        return NDArrays.stack(rows); // (B, D)
    }

    /** A parameterless named container (text_model, embeddings, encoder). */
    private abstract static class Container extends Module {
        <M extends Module> M add(String name, M m) {
            return child(name, m);
        }
    }

    /** One pre-norm transformer layer: x + attn(ln1(x)), then x + mlp(ln2(x)). */
    static final class EncoderLayer extends Module {
        private final LayerNorm layerNorm1;
        private final Attention selfAttn;
        private final LayerNorm layerNorm2;
        private final Linear fc1;
        private final Linear fc2;
        private final UnaryOperator<NDArray> act;

        EncoderLayer(CLIPTextConfig c, UnaryOperator<NDArray> act) {
            this.act = act;
            int d = c.hiddenSize();
            int heads = c.numAttentionHeads();
            selfAttn = child("self_attn", new Attention(d, d, heads, d / heads, true, false, false, true,
                    Attention.Naming.CLIP, 0, 0f));
            layerNorm1 = child("layer_norm1", new LayerNorm(d, c.layerNormEps()));
            Container mlp = child("mlp", new Container() {});
            fc1 = mlp.add("fc1", new Linear(d, c.intermediateSize(), true));
            fc2 = mlp.add("fc2", new Linear(c.intermediateSize(), d, true));
            layerNorm2 = child("layer_norm2", new LayerNorm(d, c.layerNormEps()));
        }

        NDArray forward(NDArray x) {
            return Ops.scoped(x, in -> {
                int len = (int) in.getShape().get(1);
                NDArray h = in.add(selfAttn.forward(layerNorm1.forward(in), null, 1, len));
                return h.add(fc2.forward(act.apply(fc1.forward(layerNorm2.forward(h)))));
            });
        }
    }
}
