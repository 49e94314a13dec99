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
import java.util.ArrayList;
import java.util.List;

/**
 * The toy denoiser: an MLP on [x, sinusoidal(t), embed(label)] that predicts a 2D vector (epsilon,
 * x0 or v). Labels are indices {@code 0..numLabels-1}; index {@code numLabels} is the null label
 * used for unconditional predictions (classifier-free guidance). The label embedding is a Linear
 * layer without bias on the one-hot label, which is exactly an embedding table.
 *
 * <p>The sharp variant ({@code coordFreqs > 0}, {@code residual}) also feeds sinusoidal features of
 * each coordinate (Fourier features: a plain MLP on raw (x, y) is biased towards smooth functions and
 * blurs thin outlines such as the dino's) and adds each hidden layer's output to its input
 * (residual blocks), as in tiny-diffusion.
 *
 * <p>Inputs: {@code x (B, 2) float32}, {@code t (B) float32 timestep index}, {@code label (B) int32}.
 */
public final class ToyDenoiser extends AbstractBlock {
    private static final byte VERSION = 1;

    private final int numLabels;
    private final int timeDim;
    private final int numTrainTimesteps;
    private final int coordFreqs;
    private final int hidden;
    private final Linear labelEmbed;
    private final SequentialBlock mlp;
    private final Linear inProj;
    private final List<Linear> resBlocks = new ArrayList<>();
    private final Linear outProj;

    /**
     * @param numLabels number of real labels (0 for an unconditional model)
     * @param hidden width of each hidden layer
     * @param layers number of hidden layers
     * @param timeDim size of the sinusoidal time embedding (even)
     * @param numTrainTimesteps T, to scale t into the embedding's usual range
     */
    public ToyDenoiser(int numLabels, int hidden, int layers, int timeDim, int numTrainTimesteps) {
        this(numLabels, hidden, layers, timeDim, numTrainTimesteps, 0, false);
    }

    /**
     * @param coordFreqs sinusoidal frequencies per coordinate (0: raw coordinates only)
     * @param residual hidden layers as residual blocks {@code h + gelu(W h)} between an input and an
     *     output projection
     */
    public ToyDenoiser(int numLabels, int hidden, int layers, int timeDim, int numTrainTimesteps, int coordFreqs,
            boolean residual) {
        super(VERSION);
        if (coordFreqs < 0) {
            throw new IllegalArgumentException("coordFreqs must be >= 0, got " + coordFreqs);
        }
        this.coordFreqs = coordFreqs;
        this.hidden = hidden;
        if (timeDim % 2 != 0 || timeDim <= 0) {
            throw new IllegalArgumentException("timeDim must be a positive even number, got " + timeDim);
        }
        this.numLabels = numLabels;
        this.timeDim = timeDim;
        this.numTrainTimesteps = numTrainTimesteps;
        this.labelEmbed = addChildBlock("labelEmbed", Linear.builder().setUnits(timeDim).optBias(false).build());
        if (residual) {
            this.mlp = null;
            this.inProj = addChildBlock("inProj", Linear.builder().setUnits(hidden).build());
            for (int i = 0; i < layers; i++) {
                resBlocks.add(addChildBlock("res" + i, Linear.builder().setUnits(hidden).build()));
            }
            this.outProj = addChildBlock("outProj", Linear.builder().setUnits(2).build());
        } else {
            SequentialBlock seq = new SequentialBlock();
            for (int i = 0; i < layers; i++) {
                seq.add(Linear.builder().setUnits(hidden).build()).add(Activation.geluBlock());
            }
            seq.add(Linear.builder().setUnits(2).build());
            this.mlp = addChildBlock("mlp", seq);
            this.inProj = null;
            this.outProj = null;
        }
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
        if (coordFreqs > 0) {
            h = h.concat(coordEmbedding(x), 1); // (B, 2 + 2*timeDim + 4*coordFreqs)
        }
        if (mlp != null) {
            return mlp.forward(ps, new NDList(h), training);
        }
        h = Activation.gelu(inProj.forward(ps, new NDList(h), training).singletonOrThrow()); // (B, hidden)
        for (Linear l : resBlocks) {
            h = h.add(Activation.gelu(l.forward(ps, new NDList(h), training).singletonOrThrow())); // (B, hidden)
        }
        return outProj.forward(ps, new NDList(h), training);
    }

    /** Width of the MLP's input: x, time and label embeddings, coordinate features. */
    private long inputWidth() {
        return 2 + 2L * timeDim + 4L * coordFreqs;
    }

    /**
     * Sinusoidal features of each coordinate, frequencies 25·10000^(-i/F) (tiny-diffusion's scale 25 on
     * standardised data): (B, 2) -> (B, 4F).
     */
    NDArray coordEmbedding(NDArray x) {
        float[] freqs = new float[coordFreqs];
        for (int i = 0; i < coordFreqs; i++) {
            freqs[i] = (float) (25.0 * Math.exp(-Math.log(10000.0) * i / coordFreqs));
        }
        NDArray f = x.getManager().create(freqs).reshape(1, 1, coordFreqs); // (F) -> (1, 1, F)
        NDArray arg = x.reshape(-1, 2, 1).mul(f); // (B, 2) -> (B, 2, F)
        return arg.sin().concat(arg.cos(), 2).reshape(-1, 4L * coordFreqs); // (B, 2, 2F) -> (B, 4F)
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
        if (mlp != null) {
            mlp.initialize(manager, dataType, new Shape(b, inputWidth()));
            return;
        }
        inProj.initialize(manager, dataType, new Shape(b, inputWidth()));
        for (Linear l : resBlocks) {
            l.initialize(manager, dataType, new Shape(b, hidden));
        }
        outProj.initialize(manager, dataType, new Shape(b, hidden));
    }
}
