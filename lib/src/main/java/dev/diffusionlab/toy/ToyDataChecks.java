package dev.diffusionlab.toy;

import dev.diffusionlab.core.UserInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Limits on a toy2d data file: refused by size before it is read, and by value before training. */
final class ToyDataChecks {
    private ToyDataChecks() {}

    /** A 2D toy dataset of a million points is ~30 MB of CSV; far more is a mistake, not a dataset. */
    static final long MAX_BYTES = 64L * 1024 * 1024;
    static final int MAX_ROWS = 1_000_000;
    /** Coordinates beyond this overflow float32 statistics (squares reach 1e38): rescale the data. */
    static final double MAX_ABS = 1e6;

    static void size(Path file) {
        try {
            long n = Files.size(file);
            if (n > MAX_BYTES) {
                throw new UserInputException(String.format(Locale.ROOT, "%s is %.1f MB: expected a data file of at most %d MB"
                        + " (%d rows); sample it down first", file, n / 1e6, MAX_BYTES >> 20, MAX_ROWS));
            }
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    static void rows(Path file, int rows) {
        if (rows > MAX_ROWS) {
            throw new UserInputException(file + " has " + rows + " rows: expected at most " + MAX_ROWS);
        }
    }

    static void value(Path file, int row, double x, double y) {
        for (double v : new double[] {x, y}) {
            if (!Double.isFinite(v) || Math.abs(v) > MAX_ABS) {
                throw new UserInputException(String.format(Locale.ROOT, "%s: row %d has x = %s, y = %s: expected finite "
                        + "coordinates with |value| <= %.0e (rescale the data)", file, row + 1, x, y, MAX_ABS));
            }
        }
    }
}
