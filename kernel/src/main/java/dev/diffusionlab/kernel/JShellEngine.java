package dev.diffusionlab.kernel;

import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The kernel's evaluation engine, independent of Jupyter: JShell compiling cells and running them in
 * this JVM, so notebook code and the kernel share classes and static state.
 * <pre>{@code
 * try (JShellEngine e = new JShellEngine(Classpaths.resolve("lib/target/classes:lib/target/lib/*"))) {
 *     JShellEngine.Result r = e.eval("int x = 20;\nx + 22");   // r.value() == 42
 * }
 * }</pre>
 * A cell is split into JShell snippets and run top to bottom; the value of its last expression is the
 * result. Compile errors throw {@link CompilationException}; user exceptions are rethrown
 * (see {@link UserCodeException}); an {@link #interrupt()} makes eval throw
 * {@link EvaluationInterruptedException}.
 */
public final class JShellEngine implements AutoCloseable {
    /** JShell's own default imports plus the top-level display methods (they delegate to {@link Notebook}). */
    static final List<String> STARTUP = List.of(
            "import java.io.*;", "import java.math.*;", "import java.net.*;", "import java.nio.file.*;",
            "import java.util.*;", "import java.util.concurrent.*;", "import java.util.function.*;",
            "import java.util.regex.*;", "import java.util.stream.*;",
            "String display(Object value) { return dev.diffusionlab.kernel.Notebook.display(value); }",
            "String display(Object value, String... mimeTypes) { return dev.diffusionlab.kernel.Notebook.display(value, mimeTypes); }",
            "void updateDisplay(String id, Object value) { dev.diffusionlab.kernel.Notebook.updateDisplay(id, value); }",
            "void updateDisplay(String id, Object value, String... mimeTypes) { dev.diffusionlab.kernel.Notebook.updateDisplay(id, value, mimeTypes); }");

    /** What a cell produced. {@code hasValue} is false when the cell ends in a statement or declaration. */
    public record Result(Object value, boolean hasValue) {
        static final Result NONE = new Result(null, false);
    }

    /**
     * What to do at cell lines (0-based) while a cell runs: {@code before} actions (magics) run in line order,
     * each before the first snippet that starts after its line (the rest after the last snippet); snippets
     * that start on a {@code timed} line print their wall time ({@code %time}).
     */
    public record Hooks(java.util.NavigableMap<Integer, Runnable> before, Set<Integer> timedLines) {
        public static final Hooks NONE = new Hooks(java.util.Collections.emptyNavigableMap(), Set.of());
    }

    /** Completion candidates replacing {@code code[start, end)}. */
    public record Completion(List<String> matches, int start, int end) {}

    /** Where a snippet came from: cell number and the cell line (0-based) its source starts on. */
    private record Origin(int cell, int firstLine) {}

    private final InProcessExecutionControl control;
    private final JShell shell;
    private final SourceCodeAnalysis analysis;
    private final Map<String, Origin> origins = new ConcurrentHashMap<>();
    // JShell's copy of a user exception, whose frames name snippets ("#12", snippet-relative line)
    private final Map<Throwable, JShellException> translated = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
    private final List<Path> classpath = new ArrayList<>();
    private int cells;
    private Inspection inspection; // created on the first inspection

    /** Starts JShell with {@code classpath} (already resolved, see {@link Classpaths#resolve}) visible to cells. */
    public JShellEngine(List<Path> classpath) {
        CellClassLoader loader = new CellClassLoader(JShellEngine.class.getClassLoader());
        control = new InProcessExecutionControl(new CellLoaderDelegate(loader));
        shell = JShell.builder()
                .executionEngine(new InProcessExecutionControl.Provider(control), Map.of())
                .build();
        analysis = shell.sourceCodeAnalysis();
        // javac must see the kernel's own classes (Notebook) that the startup snippets call; loading still
        // goes parent-first to the kernel's loader, so these classes exist once.
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!entry.isBlank()) {
                shell.addToClasspath(entry);
            }
        }
        addToClasspath(classpath);
        for (String s : STARTUP) {
            eval(s);
        }
        cells = 0;
    }

    /** The loader of cell classes and added jars: use it to discover the notebook's ServiceLoader providers. */
    public ClassLoader classLoader() {
        return control.loader();
    }

    /** Jars and class folders visible to cells, in the order they were added. */
    public synchronized List<Path> classpath() {
        return List.copyOf(classpath);
    }

    /** Makes {@code paths} visible to later cells (javac and class loading). */
    public synchronized void addToClasspath(List<Path> paths) {
        for (Path p : paths) {
            if (!classpath.contains(p)) {
                shell.addToClasspath(p.toString());
                classpath.add(p);
            }
        }
    }

    /** Evaluates a cell, with System.out/err sent to the given streams while it runs (null: leave as is). */
    public synchronized Result eval(String cell, PrintStream out, PrintStream err) {
        return eval(cell, out, err, Hooks.NONE);
    }

    /** {@link #eval(String, PrintStream, PrintStream)} running magics and timings at the cell lines {@code hooks} name. */
    public synchronized Result eval(String cell, PrintStream out, PrintStream err, Hooks hooks) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        if (out != null) {
            System.setOut(out);
        }
        if (err != null) {
            System.setErr(err);
        }
        try {
            return eval(cell, hooks);
        } finally {
            System.out.flush();
            System.err.flush();
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Evaluates a cell: all its snippets in order; the result is the last snippet's expression value. */
    public synchronized Result eval(String cell) {
        return eval(cell, Hooks.NONE);
    }

    /** {@link #eval(String)} running magics and timings at the cell lines {@code hooks} name. */
    public synchronized Result eval(String cell, Hooks hooks) {
        int cellNo = ++cells;
        control.beginCell();
        try {
            return evalCell(cell, cellNo, new java.util.TreeMap<>(hooks.before()), hooks.timedLines());
        } finally {
            control.endCell();
        }
    }

    private Result evalCell(String cell, int cellNo, java.util.NavigableMap<Integer, Runnable> before, Set<Integer> timed) {
        Result result = Result.NONE;
        String remaining = cell;
        int consumedBefore = 0;
        int timedLine = -1; // the %time line whose snippets are being timed
        long timedNanos = 0;
        while (true) {
            if (control.cellInterrupted()) {
                throw control.stopError(cellNo);
            }
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
            if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) {
                printTime(timedLine, timedNanos);
                while (!before.isEmpty()) {
                    before.pollFirstEntry().getValue().run();
                }
                return result;
            }
            if (!info.completeness().isComplete()) {
                int line = lineOf(cell, consumedBefore + sourceOffset(remaining, remaining));
                throw new CompilationException("cell line " + (line + 1) + ": incomplete code (unbalanced braces, "
                        + "parentheses or an unterminated string?)\n    " + firstLineOf(remaining.strip()));
            }
            String source = info.source();
            int start = consumedBefore + sourceOffset(remaining, source);
            // cell line of the source's line 0 (JShell may keep leading blank lines in the snippet source)
            int firstLine = lineOf(cell, start) - lineOf(source, source.length() - source.stripLeading().length());
            int startLine = lineOf(cell, start); // start is the source's first non-blank character
            if (startLine != timedLine) {
                printTime(timedLine, timedNanos);
                timedLine = timed.contains(startLine) ? startLine : -1;
                timedNanos = 0;
            }
            while (!before.isEmpty() && before.firstKey() < startLine) {
                before.pollFirstEntry().getValue().run();
                if (control.cellInterrupted()) {
                    throw new EvaluationInterruptedException("cell " + cellNo + " interrupted (stopped at user's request)");
                }
            }
            long t0 = System.nanoTime();
            result = evalSnippet(source, cellNo, firstLine);
            timedNanos += System.nanoTime() - t0;
            consumedBefore += remaining.length() - info.remaining().length();
            remaining = info.remaining();
        }
    }

    private static void printTime(int line, long nanos) {
        if (line >= 0) {
            System.out.println(LineMagics.formatWallTime(nanos));
        }
    }

    private Result evalSnippet(String source, int cellNo, int firstLine) {
        control.resetOutcome();
        List<SnippetEvent> events = shell.eval(source);
        Result result = Result.NONE;
        for (SnippetEvent ev : events) {
            if (ev.causeSnippet() != null) {
                continue; // a consequence for an older snippet (replaced, re-validated)
            }
            Snippet s = ev.snippet();
            // JShell numbers a snippet's runtime frames from its first non-blank line
            origins.put(s.id(), new Origin(cellNo, firstLine + lineOf(source, source.length() - source.stripLeading().length())));
            switch (ev.status()) {
                case REJECTED, RECOVERABLE_NOT_DEFINED -> throw new CompilationException(
                        diagnostics(s, source, firstLine));
                case RECOVERABLE_DEFINED -> System.err.println("note: " + describe(s)
                        + " is defined but cannot be used until " + unresolved((DeclarationSnippet) s) + " is declared");
                default -> { }
            }
            JShellException ex = ev.exception();
            if (ex != null) {
                if (control.lastStopped()) {
                    throw control.stopError(cellNo);
                }
                if (ex instanceof UnresolvedReferenceException ure) {
                    throw new CompilationException("cell line " + (firstLine + 1) + ": " + describe(ure.getSnippet())
                            + " cannot be invoked until " + unresolved(ure.getSnippet()) + " is declared");
                }
                Throwable user = control.lastFailure();
                if (user instanceof OutOfMemoryError oom) {
                    throw new CellOutOfMemoryException(cellNo, "it ran out of memory (" + oom + ", heap limit "
                            + (Runtime.getRuntime().maxMemory() >> 20) + " MB)");
                }
                if (user != null) {
                    translated.put(user, ex);
                    // The Jupyter reply lists the thrown object's frames: keep only the user's (as JShell names them).
                    user.setStackTrace(java.util.Arrays.stream(ex.getStackTrace()).filter(f -> !isPlumbing(f))
                            .map(this::cellFrame).toArray(StackTraceElement[]::new));
                }
                throw user != null ? UserCodeException.of(user) : new IllegalStateException(ex.getMessage(), ex);
            }
            switch (s.subKind()) {
                case VAR_VALUE_SUBKIND, OTHER_EXPRESSION_SUBKIND, TEMP_VAR_EXPRESSION_SUBKIND ->
                        result = new Result(control.lastValue(), true);
                default -> result = Result.NONE;
            }
        }
        return result;
    }

    private String diagnostics(Snippet s, String source, int firstLine) {
        List<Diag> diags = shell.diagnostics(s).collect(Collectors.toList());
        StringBuilder sb = new StringBuilder();
        for (Diag d : diags) {
            if (!d.isError()) {
                continue;
            }
            int pos = (int) Math.max(0, Math.min(d.getStartPosition(), source.length()));
            int lineInSnippet = lineOf(source, pos);
            int lineStart = source.lastIndexOf('\n', pos - 1) + 1;
            int lineEnd = source.indexOf('\n', pos);
            String line = source.substring(lineStart, lineEnd < 0 ? source.length() : lineEnd);
            int endPos = (int) Math.max(pos + 1, Math.min(d.getEndPosition(), lineEnd < 0 ? source.length() : lineEnd));
            sb.append("cell line ").append(firstLine + lineInSnippet + 1).append(": error: ")
                    .append(d.getMessage(Locale.ROOT)).append('\n')
                    .append("    ").append(line).append('\n')
                    .append("    ").append(" ".repeat(pos - lineStart)).append("^".repeat(Math.max(1, endPos - pos))).append('\n');
        }
        if (sb.length() == 0 && s instanceof DeclarationSnippet ds) {
            sb.append("cell line ").append(firstLine + 1).append(": error: ").append(describe(s))
                    .append(" refers to undeclared ").append(unresolved(ds));
        }
        return sb.toString().stripTrailing();
    }

    private String unresolved(DeclarationSnippet s) {
        return String.join(", ", shell.unresolvedDependencies(s).collect(Collectors.toList()));
    }

    private static String describe(Snippet s) {
        return s instanceof DeclarationSnippet d ? s.kind().name().toLowerCase(Locale.ROOT) + " " + d.name() : "snippet";
    }

    /**
     * The user's view of a stack trace: frames down to the last one in a cell (JShell's reflection and the
     * kernel's thread are cut), with cell frames shown as {@code cell N, line L}.
     */
    public List<String> userTrace(Throwable t) {
        List<String> lines = new ArrayList<>();
        Set<Throwable> seen = new LinkedHashSet<>();
        Throwable user = UserCodeException.unwrap(t);
        Throwable shellView = translated.get(user);
        String prefix = "";
        for (Throwable x = user; x != null && seen.add(x); x = x.getCause()) {
            lines.add(prefix + x);
            StackTraceElement[] st = shellView != null ? shellView.getStackTrace() : x.getStackTrace();
            for (StackTraceElement e : st) {
                if (!isPlumbing(e)) {
                    lines.add("    at " + frame(e));
                }
            }
            shellView = shellView == null ? null : shellView.getCause();
            prefix = "Caused by: ";
        }
        return lines;
    }

    private static boolean isPlumbing(StackTraceElement e) {
        String c = e.getClassName();
        return c.startsWith("dev.diffusionlab.kernel.") || c.startsWith("jdk.internal.reflect.")
                || c.startsWith("java.lang.reflect.") || c.startsWith("jdk.jshell.")
                || (c.equals("java.lang.Thread") && e.getMethodName().equals("run"));
    }

    private String frame(StackTraceElement e) {
        String file = e.getFileName();
        Origin o = file != null && file.startsWith("#") ? origins.get(file.substring(1)) : null;
        if (o == null) {
            return e.toString();
        }
        String where = "cell " + o.cell() + ", line " + (o.firstLine() + e.getLineNumber());
        String name = e.getClassName().isEmpty() ? e.getMethodName()
                : e.getClassName() + (e.getMethodName().isEmpty() ? "" : "." + e.getMethodName());
        return name.isEmpty() ? where : name + " (" + where + ")";
    }

    /** A JShell frame ("#12", snippet line) as {@code REPL.method(cell N:line)}; other frames unchanged. */
    private StackTraceElement cellFrame(StackTraceElement e) {
        String file = e.getFileName();
        Origin o = file != null && file.startsWith("#") ? origins.get(file.substring(1)) : null;
        if (o == null) {
            return e;
        }
        return new StackTraceElement(e.getClassName().isEmpty() ? "REPL" : e.getClassName(),
                e.getMethodName().isEmpty() ? "cell" : e.getMethodName(), "cell " + o.cell(), o.firstLine() + e.getLineNumber());
    }

    /** Interrupts the running cell, if any (safe from another thread). */
    public void interrupt() {
        shell.stop();
    }

    /** Stops the running cell at once with a {@link CellOutOfMemoryException} saying {@code why} (see {@link MemoryGuard}). */
    public void stopForMemory(String why) {
        control.stopForMemory(why);
    }

    /** Whether a cell is executing now. */
    public boolean isRunning() {
        return control.isRunning();
    }

    /** Tab completion at {@code cursor}, from JShell's source analysis. */
    public synchronized Completion complete(String code, int cursor) {
        int start = snippetStart(code, cursor);
        int[] anchor = new int[1];
        List<String> matches = analysis.completionSuggestions(code.substring(start), cursor - start, anchor).stream()
                .map(SourceCodeAnalysis.Suggestion::continuation)
                .distinct()
                .collect(Collectors.toList());
        return new Completion(matches, start + anchor[0], cursor);
    }

    /**
     * Signatures and javadoc of what is under the cursor: the identifier the cursor is on or just after (a method,
     * constructor, class, field or variable), else the call whose arguments the cursor is in; empty if nothing.
     */
    public synchronized String documentation(String code, int cursor) {
        int start = snippetStart(code, cursor);
        if (inspection == null) {
            inspection = new Inspection(analysis, control.loader(), new Javadocs(control.loader(), Javadocs.configuredSources()));
        }
        return inspection.documentation(code.substring(start), Math.max(0, cursor - start));
    }

    /** Jupyter's is_complete: "complete", "invalid", or the indent to continue an incomplete cell with. */
    public synchronized String isComplete(String code) {
        SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(code);
        while (info.completeness().isComplete()) {
            info = analysis.analyzeCompletion(info.remaining());
        }
        return switch (info.completeness()) {
            case EMPTY -> "complete";
            case UNKNOWN -> "invalid";
            default -> "    ";
        };
    }

    private int snippetStart(String code, int cursor) {
        int start = 0;
        String remaining = code;
        while (true) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
            int consumed = remaining.length() - info.remaining().length();
            if (!info.completeness().isComplete() || start + consumed >= cursor || consumed == 0) {
                return start;
            }
            start += consumed;
            remaining = info.remaining();
        }
    }

    /** Where {@code source} (as JShell normalised it) begins inside {@code remaining}. */
    private static int sourceOffset(String remaining, String source) {
        String head = source.strip();
        head = head.substring(0, Math.min(head.length(), 20));
        int at = head.isEmpty() ? -1 : remaining.indexOf(head);
        if (at >= 0) {
            return at;
        }
        int i = 0;
        while (i < remaining.length() && Character.isWhitespace(remaining.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int lineOf(String text, int pos) {
        int n = 0;
        for (int i = 0; i < pos && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    private static String firstLineOf(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl) + " ...";
    }

    @Override
    public void close() {
        shell.close();
    }
}
