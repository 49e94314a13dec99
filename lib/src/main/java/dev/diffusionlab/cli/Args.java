package dev.diffusionlab.cli;

/** Small helpers for the subcommands' option parsing; every failure is an IllegalArgumentException naming the option. */
final class Args {
    private Args() {}

    /** The value after option {@code args[i]}. */
    static String value(String[] args, int i, String option) {
        if (i + 1 >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i + 1];
    }

    static int parseInt(String s, String option) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be an integer, got '" + s + "'");
        }
    }

    static long parseLong(String s, String option) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be an integer, got '" + s + "'");
        }
    }

    static double parseDouble(String s, String option) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a number, got '" + s + "'");
        }
    }
}
