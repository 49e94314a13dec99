package dev.diffusionlab.core;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

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
        return run(command, help, args, System.out, System.err, body);
    }

    /** {@link #run(String, String, String[], Body)} printing the help on {@code out} and the error line on {@code err}. */
    public static int run(String command, String help, String[] args, PrintStream out, PrintStream err, Body body) {
        if (help != null && Arrays.stream(args).anyMatch(a -> a.equals("--help") || a.equals("-h"))) {
            out.println(help);
            return 0;
        }
        try {
            return body.execute(args);
        } catch (IllegalArgumentException e) {
            err.println("dlab " + command + ": " + String.valueOf(e.getMessage()).replaceAll("\\s*[\\r\\n]+\\s*", " ").strip());
            if (debug()) {
                e.printStackTrace(err);
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

    /**
     * Parses {@code args} against an option table, the same way for every command: an option of {@code valued}
     * takes the next argument, one of {@code flags} takes none; an unknown option or a missing value is refused
     * naming it. A repeated option keeps every value ({@link Options#all}); the typed getters read the last one.
     */
    public static Options options(String[] args, Set<String> valued, Set<String> flags) {
        Map<String, List<String>> seen = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (valued.contains(a)) {
                seen.computeIfAbsent(a, k -> new ArrayList<>()).add(value(args, i++, a));
            } else if (flags.contains(a)) {
                seen.computeIfAbsent(a, k -> new ArrayList<>()).add("");
            } else {
                throw new IllegalArgumentException("unknown option '" + a + "' (see --help)");
            }
        }
        return new Options(seen);
    }

    /** The options of one command line, read by name with a default; a value that does not parse names its option. */
    public static final class Options {
        private final Map<String, List<String>> seen;

        private Options(Map<String, List<String>> seen) {
            this.seen = seen;
        }

        /** True when the option (a flag or a valued option) was given. */
        public boolean has(String option) {
            return seen.containsKey(option);
        }

        /** Every value of a repeatable option, in order (empty when absent). */
        public List<String> all(String option) {
            return List.copyOf(seen.getOrDefault(option, List.of()));
        }

        /** The last value parsed by {@code parse}, or {@code fallback} when the option is absent. */
        public <T> T get(String option, Function<String, T> parse, T fallback) {
            List<String> v = seen.get(option);
            return v == null ? fallback : parse.apply(v.get(v.size() - 1));
        }

        /** The last value as text, or {@code fallback}. */
        public String text(String option, String fallback) {
            return get(option, Function.identity(), fallback);
        }

        /** The last value as a path, or {@code fallback}. */
        public Path path(String option, Path fallback) {
            return get(option, Path::of, fallback);
        }

        /** The last value as an int, or {@code fallback} (which may be null). */
        public Integer integer(String option, Integer fallback) {
            return get(option, v -> parseInt(v, option), fallback);
        }

        /** The last value as a long, or {@code fallback}. */
        public long longValue(String option, long fallback) {
            return get(option, v -> parseLong(v, option), fallback);
        }

        /** The last value as a double, or {@code fallback} (which may be null). */
        public Double number(String option, Double fallback) {
            return get(option, v -> parseDouble(v, option), fallback);
        }

        /** A comma-separated list of ints, or {@code fallback}. */
        public int[] ints(String option, int[] fallback) {
            return get(option, v -> Arrays.stream(v.split(",")).mapToInt(x -> parseInt(x, option)).toArray(), fallback);
        }

        /** A comma-separated list of doubles, or {@code fallback}. */
        public double[] numbers(String option, double[] fallback) {
            return get(option, v -> Arrays.stream(v.split(",")).mapToDouble(x -> parseDouble(x, option)).toArray(), fallback);
        }
    }
}
