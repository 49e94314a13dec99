package dev.diffusionlab.toy;

import tech.tablesaw.api.Table;

/**
 * Every particle's path from noise to sample: {@code frames[k][i]} is particle i after k sampler
 * steps (k = 0 is the starting noise), in the model's standardised coordinates;
 * {@code timesteps[k]} is the timestep the k-th step started from.
 */
public record Trajectories(float[][][] frames, int[] timesteps, Standardizer standardizer, String label, double guidance) {

    /** Number of particles. */
    public int size() {
        return frames[0].length;
    }

    /** Number of sampler steps (frames - 1). */
    public int steps() {
        return frames.length - 1;
    }

    /** The starting noise (standardised). */
    public float[][] start() {
        return frames[0];
    }

    /** The final samples (standardised). */
    public float[][] end() {
        return frames[frames.length - 1];
    }

    /** Frame k in the data's own coordinates. */
    public float[][] frameInData(int k) {
        return standardizer.denormalize(frames[k]);
    }

    /** The final samples in the data's own coordinates. */
    public float[][] samples() {
        return frameInData(frames.length - 1);
    }

    /** The final samples as a table with columns x, y in the data's own coordinates. */
    public Table samplesTable() {
        return Datasets2D.toTable("samples", samples(), null);
    }
}
