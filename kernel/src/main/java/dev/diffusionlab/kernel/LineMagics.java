package dev.diffusionlab.kernel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Magics. A line magic is a line {@code %name args} where a new Java statement could start (not inside a
 * text block, comment, brackets or a statement that has not ended); it runs in cell order, before the Java
 * that follows it, and is replaced by a blank line, so javac's line numbers still match the cell. A line
 * such as {@code %s has %d} inside a text block, or {@code % 5;} continuing an expression, stays Java.
 * A cell magic is a first line {@code %%name args}.
 * <ul>
 *   <li>{@code %jars <paths or globs...>}: add jars/class folders to the classpath (then load their renderers)</li>
 *   <li>{@code %maven g:a:v ...}: resolve artifacts and their runtime dependencies with Maven's resolver
 *       (local repository first, then Maven Central) and add them to the classpath</li>
 *   <li>{@code %%loadFromPOM}: the same for the {@code <dependency>} elements of a POM snippet</li>
 *   <li>{@code %time statement}: run the rest of the line as Java and print its wall time; {@code %%time}: time the cell</li>
 *   <li>{@code %classpath}: print the notebook classpath; {@code %lsmagic}: list magics</li>
 * </ul>
 */
final class LineMagics {
    private static final Pattern MAGIC = Pattern.compile("^(\\s*)%(\\w+)(.*)$");
    private static final Pattern CELL_MAGIC = Pattern.compile("^\\s*%%(\\w+)(.*)$");
    static final String LSMAGIC = """
            %jars <paths or globs>          add jars/class folders (dir/*, build/**.jar)
            %maven <g:a:v> ...              add Maven artifacts and their dependencies (local repository, then Maven Central)
            %time <statement>               run the rest of the line as Java and print its wall time
            %classpath                      print the classpath
            %lsmagic                        list magics
            %%time                          (first line) run the cell and print its wall time
            %%loadFromPOM                   (first line) the cell is POM XML: add its <dependency> elements""";

    /** A magic that could not run (unknown name, missing jar): shown as the cell's error. */
    static final class MagicException extends RuntimeException {
        MagicException(String message) {
            super(message, null, false, false);
        }
    }

    /** What a cell asks for: its Java (magic lines blanked), magics to run before given lines, lines to time. */
    record Cell(String java, JShellEngine.Hooks hooks, boolean timeWholeCell) {}

    private final JShellEngine engine;
    private final Runnable afterClasspathChange;
    private final MavenResolver maven;

    LineMagics(JShellEngine engine, Runnable afterClasspathChange) {
        this(engine, afterClasspathChange, MavenResolver.fromEnvironment());
    }

    LineMagics(JShellEngine engine, Runnable afterClasspathChange, MavenResolver maven) {
        this.engine = engine;
        this.afterClasspathChange = afterClasspathChange;
        this.maven = maven;
    }

    /** Reads the cell's magics: nothing runs yet (the engine runs the hooks in cell order). */
    Cell parse(String cell) {
        String[] lines = cell.split("\n", -1);
        int first = 0;
        while (first < lines.length && lines[first].isBlank()) {
            first++;
        }
        Matcher cm = first < lines.length ? CELL_MAGIC.matcher(lines[first]) : null;
        boolean timeCell = false;
        if (cm != null && cm.matches()) {
            String name = cm.group(1);
            String args = cm.group(2).strip();
            int line = first + 1;
            switch (name) {
                case "time" -> {
                    timeCell = true;
                    lines[first] = "";
                }
                case "loadFromPOM" -> {
                    String xml = String.join("\n", java.util.Arrays.copyOfRange(lines, first + 1, lines.length));
                    TreeMap<Integer, Runnable> before = new TreeMap<>();
                    before.put(first, () -> addToClasspath(maven.resolvePom(xml, System.out), "%%loadFromPOM"));
                    return new Cell("", new JShellEngine.Hooks(before, Set.of()), false);
                }
                default -> throw new MagicException("cell line " + line + ": unknown cell magic %%" + name
                        + (args.isEmpty() ? "" : " " + args) + " (try %lsmagic)");
            }
        }
        TreeMap<Integer, Runnable> before = new TreeMap<>();
        Set<Integer> timed = new TreeSet<>();
        for (int i : magicLines(lines)) {
            Matcher m = MAGIC.matcher(lines[i]);
            if (!m.matches()) {
                continue;
            }
            String name = m.group(2);
            String args = m.group(3).strip();
            int line = i + 1;
            if (name.equals("time")) {
                if (args.isEmpty()) {
                    throw new MagicException("cell line " + line + ": %time needs a statement, e.g. %time var x = f();");
                }
                // the statement stays on its line and column: javac's positions still match the cell
                lines[i] = m.group(1) + " ".repeat("%time".length()) + m.group(3);
                timed.add(i);
            } else {
                Runnable action = action(name, args, line);
                before.put(i, action);
                lines[i] = "";
            }
        }
        return new Cell(String.join("\n", lines), new JShellEngine.Hooks(before, timed), timeCell);
    }

    /**
     * The cell with its magics overwritten by spaces (same length, so cursor offsets still hold): what
     * completion, inspection and is_complete look at. A {@code %time} line keeps its statement.
     */
    static String maskMagics(String cell) {
        String[] lines = cell.split("\n", -1);
        int first = 0;
        while (first < lines.length && lines[first].isBlank()) {
            first++;
        }
        if (first < lines.length) {
            Matcher cm = CELL_MAGIC.matcher(lines[first]);
            if (cm.matches()) {
                boolean pom = cm.group(1).equals("loadFromPOM");
                for (int i = first; i < (pom ? lines.length : first + 1); i++) {
                    lines[i] = " ".repeat(lines[i].length());
                }
            }
        }
        for (int i : magicLines(lines)) {
            Matcher m = MAGIC.matcher(lines[i]);
            if (m.matches()) {
                lines[i] = m.group(2).equals("time") ? m.group(1) + " ".repeat("%time".length()) + m.group(3)
                        : " ".repeat(lines[i].length());
            }
        }
        return String.join("\n", lines);
    }

    private Runnable action(String name, String args, int line) {
        return switch (name) {
            case "jars" -> {
                if (args.isEmpty()) {
                    throw new MagicException("cell line " + line + ": %jars needs paths or globs, e.g. %jars lib/*.jar");
                }
                yield () -> {
                    List<Path> paths = new ArrayList<>();
                    for (String a : args.split("\\s+")) {
                        try {
                            paths.addAll(Classpaths.resolve(a));
                        } catch (IllegalArgumentException e) {
                            throw new MagicException("cell line " + line + ": %jars: " + e.getMessage());
                        }
                    }
                    addToClasspath(paths, "%jars");
                };
            }
            case "maven" -> {
                if (args.isEmpty()) {
                    throw new MagicException("cell line " + line + ": %maven needs coordinates, e.g. %maven commons-cli:commons-cli:1.9.0");
                }
                yield () -> {
                    try {
                        addToClasspath(maven.resolve(List.of(args.split("\\s+")), System.out), "%maven");
                    } catch (MagicException e) {
                        throw new MagicException("cell line " + line + ": " + e.getMessage());
                    }
                };
            }
            case "classpath" -> () -> engine.classpath().forEach(System.out::println);
            case "lsmagic" -> () -> System.out.println(LSMAGIC);
            default -> throw new MagicException("cell line " + line + ": unknown magic %" + name + " (try %lsmagic)");
        };
    }

    private void addToClasspath(List<Path> paths, String magic) {
        List<Path> before = engine.classpath();
        engine.addToClasspath(paths);
        afterClasspathChange.run();
        long added = paths.stream().distinct().filter(p -> !before.contains(p)).count();
        System.out.println(magic + ": added " + added + " classpath entr" + (added == 1 ? "y" : "ies")
                + (added < paths.size() ? " (" + (paths.size() - added) + " already there)" : ""));
    }

    /** Wall time as people read it: {@code 850 µs}, {@code 12.3 ms}, {@code 4.21 s}, {@code 2 min 5.0 s}. */
    static String formatWallTime(long nanos) {
        double ms = nanos / 1e6;
        if (ms < 1) {
            return String.format(Locale.ROOT, "Wall time: %.0f µs", nanos / 1e3);
        }
        if (ms < 1000) {
            return String.format(Locale.ROOT, "Wall time: %.1f ms", ms);
        }
        double s = ms / 1000;
        if (s < 60) {
            return String.format(Locale.ROOT, "Wall time: %.2f s", s);
        }
        return String.format(Locale.ROOT, "Wall time: %d min %.1f s", (long) (s / 60), s % 60);
    }

    /**
     * Indexes of the lines that start where a new statement could start and begin with {@code %}: outside
     * text blocks, comments, strings and brackets, after a line that ended a statement ({@code ;} or
     * {@code }}) or at the top. A {@code %time} line's statement is Java and is scanned as such.
     */
    static List<Integer> magicLines(String[] lines) {
        List<Integer> out = new ArrayList<>();
        Lexer lx = new Lexer();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (lx.atStatementStart() && MAGIC.matcher(line).matches()) {
                out.add(i);
                Matcher m = MAGIC.matcher(line);
                m.matches();
                if (m.group(2).equals("time")) {
                    lx.scan(m.group(3));
                }
                continue;
            }
            lx.scan(line);
        }
        return out;
    }

    /** Just enough of Java's lexical structure to know whether a line begins a new statement. */
    private static final class Lexer {
        private boolean inBlockComment;
        private boolean inTextBlock;
        private int depth; // (, [ and { not yet closed
        private char last; // last significant character outside comments and literals (0: none yet)

        boolean atStatementStart() {
            return !inBlockComment && !inTextBlock && depth == 0 && (last == 0 || last == ';' || last == '}');
        }

        void scan(String line) {
            int n = line.length();
            int i = 0;
            while (i < n) {
                char c = line.charAt(i);
                if (inBlockComment) {
                    int end = line.indexOf("*/", i);
                    if (end < 0) {
                        return;
                    }
                    inBlockComment = false;
                    i = end + 2;
                } else if (inTextBlock) {
                    int end = textBlockEnd(line, i);
                    if (end < 0) {
                        return;
                    }
                    inTextBlock = false;
                    last = '"';
                    i = end + 3;
                } else if (line.startsWith("//", i)) {
                    return;
                } else if (line.startsWith("/*", i)) {
                    inBlockComment = true;
                    i += 2;
                } else if (line.startsWith("\"\"\"", i)) {
                    inTextBlock = true;
                    i += 3;
                } else if (c == '"' || c == '\'') {
                    i = literalEnd(line, i + 1, c);
                    last = c;
                } else {
                    if (c == '(' || c == '[' || c == '{') {
                        depth++;
                    } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                        depth--;
                    }
                    if (!Character.isWhitespace(c)) {
                        last = c;
                    }
                    i++;
                }
            }
        }

        /** Index of the closing {@code """} at or after {@code from}, skipping escapes; -1 if not on this line. */
        private static int textBlockEnd(String line, int from) {
            for (int i = from; i < line.length(); i++) {
                if (line.charAt(i) == '\\') {
                    i++;
                } else if (line.startsWith("\"\"\"", i)) {
                    return i;
                }
            }
            return -1;
        }

        private static int literalEnd(String line, int from, char quote) {
            for (int i = from; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    return i + 1;
                }
            }
            return line.length(); // unterminated: javac will say so
        }
    }
}
