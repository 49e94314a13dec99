package dev.diffusionlab.toy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The toy denoiser: an MLP on [x, sinusoidal(t), embed(label)] that predicts a 2D vector (epsilon,
 * x0 or v). Labels are indices {@code 0..numLabels-1}; index {@code numLabels} is the null label
 * used for unconditional predictions (classifier-free guidance). The label embedding is a Linear
 * layer without bias on the one-hot label, which is exactly an embedding table.
 *
 * <p>Inputs: {@code x (B, 2) float32}, {@code t (B) float32 timestep index}, {@code label (B) int32}.
 */
public final class ToyDenoiser extends AbstractBlock {
    private static final byte VERSION = 1;

    private final int numLabels;
    private final int timeDim;
    private final int numTrainTimesteps;
    private final Linear labelEmbed;
    private final SequentialBlock mlp;

    /**
     * @param numLabels number of real labels (0 for an unconditional model)
     * @param hidden width of each hidden layer
     * @param layers number of hidden layers
     * @param timeDim size of the sinusoidal time embedding (even)
     * @param numTrainTimesteps T, to scale t into the embedding's usual range
     */
    public ToyDenoiser(int numLabels, int hidden, int layers, int timeDim, int numTrainTimesteps) {
        super(VERSION);
        if (timeDim % 2 != 0 || timeDim <= 0) {
            throw new IllegalArgumentException("timeDim must be a positive even number, got " + timeDim);
        }
        this.numLabels = numLabels;
        this.timeDim = timeDim;
        this.numTrainTimesteps = numTrainTimesteps;
        this.labelEmbed = addChildBlock("labelEmbed", Linear.builder().setUnits(timeDim).optBias(false).build());
        SequentialBlock seq = new SequentialBlock();
        for (int i = 0; i < layers; i++) {
            seq.add(Linear.builder().setUnits(hidden).build()).add(Activation.geluBlock());
        }
        seq.add(Linear.builder().setUnits(2).build());
        this.mlp = addChildBlock("mlp", seq);
    }

    /** The index of the null (unconditional) label. */
    public int nullLabel() {
        return numLabels;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray t = inputs.get(1);
        NDArray label = inputs.get(2);
        NDArray temb = timeEmbedding(t);
        NDArray onehot = label.toType(DataType.INT32, false).oneHot(numLabels + 1); // (B) -> (B, L+1)
        NDArray lemb = labelEmbed.forward(ps, new NDList(onehot), training).singletonOrThrow(); // (B, timeDim)
        NDArray h = x.concat(temb, 1).concat(lemb, 1); // (B, 2 + 2*timeDim)
        return mlp.forward(ps, new NDList(h), training);
    }

    /** Transformer-style sinusoidal embedding of t scaled to 0..1000: (B) -> (B, timeDim). */
    NDArray timeEmbedding(NDArray t) {
        int half = timeDim / 2;
        float[] freqs = new float[half];
        for (int i = 0; i < half; i++) {
            freqs[i] = (float) Math.exp(-Math.log(10000.0) * i / half);
        }
        NDManager m = t.getManager();
        NDArray f = m.create(freqs).reshape(1, half); // (half) -> (1, half)
        NDArray arg = t.toType(DataType.FLOAT32, false).mul(1000f / numTrainTimesteps).reshape(-1, 1).mul(f); // (B) -> (B, half)
        return arg.sin().concat(arg.cos(), 1); // (B, timeDim)
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), 2)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        long b = inputShapes[0].get(0);
        labelEmbed.initialize(manager, dataType, new Shape(b, numLabels + 1));
        mlp.initialize(manager, dataType, new Shape(b, 2 + 2L * timeDim));
    }
}
