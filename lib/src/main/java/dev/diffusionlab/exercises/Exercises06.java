package dev.diffusionlab.exercises;

/** Checks for the exercises of notebook 06 (textual inversion and inpainting). */
public final class Exercises06 {
    private Exercises06() {}

    /** 06.1: rows of the token-embedding matrix after adding one word of {@code vectors} vectors to {@code rows} rows. */
    public static Check embeddingRows(int rows, int vectors, int answer) {
        String id = "06.1";
        int want = rows + vectors;
        if (answer == want) {
            return Check.right(id, rows + " + " + vectors + " = " + want + ": a word of n vectors becomes n tokens"
                    + (vectors > 1 ? " (<w>, <w>_1, ...)" : "") + ", each with its own row; nothing else grows");
        }
        if (answer == rows + 1 && vectors > 1) {
            return Check.wrong(id, "a multi-vector word is expanded into " + vectors + " tokens, one row each");
        }
        if (answer == rows) {
            return Check.wrong(id, "the new word needs rows of its own: the old rows are kept, frozen");
        }
        return Check.wrong(id, "old rows + one row per vector of the new word; you have " + answer);
    }

    /**
     * 06.2: cells of the latent mask that are 1 for a {@code side}×{@code side} mask whose left {@code maskedColumns}
     * pixel columns are white, VAE factor {@code factor} (diffusers reads pixel (f·i, f·j) of each cell).
     */
    public static Check latentMaskCells(int side, int maskedColumns, int factor, int answer) {
        String id = "06.2";
        int cells = side / factor;
        int cols = 0;
        for (int j = 0; j < cells; j++) {
            cols += j * factor < maskedColumns ? 1 : 0;
        }
        int want = cols * cells;
        if (answer == want) {
            return Check.right(id, cells + "×" + cells + " latent cells, " + cols + " columns of them sampled inside the mask: " + want);
        }
        if (answer == maskedColumns * side) {
            return Check.wrong(id, "that counts pixels; the UNet's mask lives on the latent grid, " + factor + "× smaller per side");
        }
        if (answer == maskedColumns * side / (factor * factor)) {
            return Check.wrong(id, "close, but a cell is masked when its corner pixel (f·i, f·j) is: count whole columns");
        }
        return Check.wrong(id, "latent cells whose corner pixel is white; you have " + answer);
    }

    /** 06.3: one latent value after the blend of a step: m·proposal + (1 − m)·(original noised to the next timestep). */
    public static Check blended(double mask, double proposal, double originalNoised, double answer) {
        String id = "06.3";
        double want = mask * proposal + (1 - mask) * originalNoised;
        if (Check.close(answer, want, 1e-9)) {
            return Check.right(id, Check.fmt(want) + (mask == 0 ? ": outside the mask the original wins, whatever the model proposed"
                    : mask == 1 ? ": inside the mask the model's proposal is kept" : ""));
        }
        if (Check.close(answer, mask * originalNoised + (1 - mask) * proposal, 1e-9)) {
            return Check.wrong(id, "swapped: white (1) means repaint, so the proposal goes where the mask is 1");
        }
        return Check.wrong(id, "m·proposal + (1 − m)·original; you have " + Check.fmt(answer));
    }
}
