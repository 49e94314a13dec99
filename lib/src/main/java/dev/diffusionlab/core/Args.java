package dev.diffusionlab.core;

import java.util.Arrays;

/**
 * Command-line plumbing shared by the {@code ./dlab} commands ({@code cli}) and the bench cases
 * ({@code bench}): the run/usage wrapper and option values; every failure is an IllegalArgumentException
 * naming the option.
 */
public class Args {
    protected Args() {}

    /** A command body: parses {@code args} and does the work; returns the exit status. */
    @FunctionalInterface
    public interface Body {
        int execute(String[] args);
    }

    /**
     * Runs a command the same way for every command: {@code --help}/{@code -h} anywhere prints {@code help}
     * (exit 0; with {@code help} null the body prints its own); a bad argument (IllegalArgumentException)
     * prints "dlab {@code command}: message" as one line to stderr (exit 2), with the stack trace when {@link #debug()}.
     */
    public static int run(String command, String help, String[] args, Body body) {
        if (help != null && Arrays.stream(args).anyMatch(a -> a.equals("--help") || a.equals("-h"))) {
            System.out.println(help);
            return 0;
        }
        try {
            return body.execute(args);
        } catch (IllegalArgumentException e) {
            System.err.println("dlab " + command + ": " + e.getMessage().replaceAll("\\s*[\\r\\n]+\\s*", " ").strip());
            if (debug()) {
                e.printStackTrace();
            }
            return 2;
        }
    }

    /** True under {@code ./dlab --debug ...} (system property {@code dlab.debug}) or {@code DLAB_DEBUG=1}: failures also print their stack trace. */
    public static boolean debug() {
        String env = System.getenv("DLAB_DEBUG");
        return Boolean.getBoolean("dlab.debug") || (env != null && !env.isEmpty() && !env.equals("0"));
    }

    /** The value after option {@code args[i]}. */
    public static String value(String[] args, int i, String option) {
        if (i + 1 >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i + 1];
    }

    public static int parseInt(String s, String option) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be an integer, got '" + s + "'");
        }
    }

    public static long parseLong(String s, String option) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be an integer, got '" + s + "'");
        }
    }

    public static double parseDouble(String s, String option) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a number, got '" + s + "'");
        }
    }
}
