package dev.diffusionlab.viz;

import java.math.BigDecimal;
import java.math.MathContext;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.Locale;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

/**
 * Tables that print a few significant digits instead of 16: sets a Tablesaw print formatter on every
 * double column (the data keep full precision; only display changes).
 *
 * <pre>{@code
 * display(TableFormat.significant(table, 4));   // 0.9999499904525561 -> 0.9999, 0.010000829662 -> 0.01000
 * }</pre>
 */
public final class TableFormat {
    private TableFormat() {}

    /** Formats every double column of the table with {@code digits} significant digits; returns the table. */
    public static Table significant(Table table, int digits) {
        for (Column<?> c : table.columns()) {
            if (c instanceof DoubleColumn d) {
                d.setPrintFormatter(new NumberColumnFormatter(new Significant(digits)));
            }
        }
        return table;
    }

    /** One value with {@code digits} significant digits: plain between 1e-4 and 1e7, else scientific. */
    public static String format(double v, int digits) {
        if (digits < 1) {
            throw new IllegalArgumentException("significant digits must be >= 1, got " + digits);
        }
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return Double.toString(v);
        }
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a < 1e-4 || a >= 1e7) {
            return String.format(Locale.ROOT, "%." + (digits - 1) + "e", v);
        }
        return new BigDecimal(v).round(new MathContext(digits)).toPlainString();
    }

    /** A NumberFormat for {@link #format(double, int)} (display only; parsing is plain Double parsing). */
    static final class Significant extends NumberFormat {
        private final int digits;

        Significant(int digits) {
            if (digits < 1) {
                throw new IllegalArgumentException("significant digits must be >= 1, got " + digits);
            }
            this.digits = digits;
        }

        @Override
        public StringBuffer format(double number, StringBuffer toAppendTo, FieldPosition pos) {
            return toAppendTo.append(TableFormat.format(number, digits));
        }

        @Override
        public StringBuffer format(long number, StringBuffer toAppendTo, FieldPosition pos) {
            return toAppendTo.append(number);
        }

        @Override
        public Number parse(String source, ParsePosition parsePosition) {
            String s = source.substring(parsePosition.getIndex()).trim();
            parsePosition.setIndex(source.length());
            return Double.parseDouble(s);
        }
    }
}
