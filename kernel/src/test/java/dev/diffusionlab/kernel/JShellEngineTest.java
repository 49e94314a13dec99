package dev.diffusionlab.kernel;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class JShellEngineTest {
    private static JShellEngine engine;

    @BeforeAll
    static void start() {
        engine = new JShellEngine(List.of());
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    @Test
    void lastExpressionIsTheValue() {
        JShellEngine.Result r = engine.eval("int a = 20;\nint b = a + 1;\nb * 2");
        assertTrue(r.hasValue());
        assertEquals(42, r.value());
        assertEquals(List.of(3, 4), engine.eval("var xs = new ArrayList<Integer>(List.of(3, 4));\nxs").value());
        assertFalse(engine.eval("int c = 5;").hasValue(), "a declaration shows nothing");
    }

    @Test
    void stateIsSharedWithTheKernelJvm() {
        // in-process: the cell sees the kernel's own static state
        System.setProperty("dlab.kernel.test", "shared");
        assertEquals("shared", engine.eval("System.getProperty(\"dlab.kernel.test\")").value());
    }

    @Test
    void compileErrorHasJavacTextAndCellLine() {
        CompilationException e = assertThrows(CompilationException.class,
                () -> engine.eval("int ok = 1;\n\nint bad = undefinedThing + 1;"));
        assertTrue(e.getMessage().startsWith("cell line 3: error: cannot find symbol"), e.getMessage());
        assertTrue(e.getMessage().contains("symbol:   variable undefinedThing"), e.getMessage());
        assertTrue(e.getMessage().contains("int bad = undefinedThing + 1;"), e.getMessage());
        CompilationException types = assertThrows(CompilationException.class, () -> engine.eval("String s = 42;"));
        assertTrue(types.getMessage().contains("incompatible types"), types.getMessage());
    }

    @Test
    void runtimeErrorShowsUserFramesNotKernelInternals() {
        engine.eval("int ratio(int d) {\n    return 10 / d;\n}");
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> engine.eval("int z = 0;\nratio(z)"));
        List<String> trace = engine.userTrace(e);
        assertEquals("java.lang.ArithmeticException: / by zero", trace.get(0));
        assertTrue(trace.get(1).matches("    at ratio \\(cell \\d+, line 2\\)"), trace.toString());
        assertTrue(trace.get(2).matches("    at cell \\d+, line 2"), trace.toString());
        assertEquals(3, trace.size(), "no reflection/JShell/kernel frames: " + trace);
    }

    @Test
    void checkedExceptionAndCausesAreKept() {
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> engine.eval("throw new IllegalStateException(\"outer\", new java.io.IOException(\"disk\"));"));
        List<String> trace = engine.userTrace(e);
        assertEquals("java.lang.IllegalStateException: outer", trace.get(0));
        assertTrue(trace.contains("Caused by: java.io.IOException: disk"), trace.toString());
        UserCodeException wrapped = assertThrows(UserCodeException.class,
                () -> engine.eval("void f() throws Exception { throw new Exception(\"checked\"); }\nf();"));
        assertEquals("java.lang.Exception: checked", engine.userTrace(wrapped).get(0));
    }

    @Test
    void systemOutGoesToTheCellThatPrinted() {
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        ByteArrayOutputStream second = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        engine.eval("System.out.println(\"one\");", ps(first), ps(err));
        engine.eval("System.out.print(\"two\"); System.err.print(\"warn\");", ps(second), ps(err));
        assertEquals("one" + System.lineSeparator(), first.toString(StandardCharsets.UTF_8));
        assertEquals("two", second.toString(StandardCharsets.UTF_8));
        assertEquals("warn", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void interruptStopsBusyLoopAndNextCellRuns() throws Exception {
        engine.eval("long before = 7;");
        CompletableFuture<Throwable> cell = BusyCell.start(engine, "long spins = 0;\nwhile (true) { spins++; }");
        assertTrue(engine.isRunning(), "cell started");
        // the interrupt may land in either snippet, or between them: it belongs to the whole cell
        engine.interrupt();
        Throwable t = cell.get(30, TimeUnit.SECONDS);
        assertInstanceOf(EvaluationInterruptedException.class, t);
        assertEquals(2, engine.eval("1 + 1").value());
        assertEquals(7L, engine.eval("before").value(), "state before the stop survives");
    }

    @Test
    void interruptBetweenSnippetsStopsTheRestOfTheCell() throws Exception {
        CompletableFuture<Throwable> cell = BusyCell.start(engine, "Thread.sleep(300); int reached = 1;\nwhile (true) { }");
        engine.interrupt(); // lands in the sleeping first snippet; the loop must never start
        assertInstanceOf(EvaluationInterruptedException.class, cell.get(30, TimeUnit.SECONDS));
        assertFalse(engine.isRunning());
        assertEquals(2, engine.eval("1 + 1").value(), "the kernel survives");
    }

    @Test
    void interruptAlsoStopsSleepingCell() throws Exception {
        CompletableFuture<Throwable> cell = BusyCell.start(engine, "Thread.sleep(600_000);");
        engine.interrupt();
        assertInstanceOf(EvaluationInterruptedException.class, cell.get(30, TimeUnit.SECONDS));
    }

    @Test
    void displayDelegatesToTheNotebookSink() {
        StringBuilder seen = new StringBuilder();
        Notebook.install(new Notebook.Sink() {
            @Override
            public String display(Object value, String... mimeTypes) {
                seen.append("show:").append(value);
                return "id-7";
            }

            @Override
            public void updateDisplay(String id, Object value, String... mimeTypes) {
                seen.append(" update:").append(id).append('=').append(value);
            }
        });
        try {
            assertEquals("id-7", engine.eval("String id = display(\"frame0\");\nupdateDisplay(id, \"frame1\");\nid").value());
            assertEquals("show:frame0 update:id-7=frame1", seen.toString());
        } finally {
            Notebook.uninstall();
        }
    }

    @Test
    void completionAndIsComplete() {
        JShellEngine.Completion c = engine.complete("int q = 1;\nMath.ab", 18);
        assertTrue(c.matches().contains("abs("), c.matches().toString());
        assertEquals(16, c.start());
        assertEquals("complete", engine.isComplete("1 + 1"));
        assertEquals("    ", engine.isComplete("for (int i = 0; i < 3; i++) {"));
    }

    @Test
    void incompleteCellIsACompileError() {
        CompilationException e = assertThrows(CompilationException.class, () -> engine.eval("int k = 1;\nif (k > 0) {"));
        assertTrue(e.getMessage().startsWith("cell line 2: incomplete code"), e.getMessage());
    }

    private static PrintStream ps(ByteArrayOutputStream b) {
        return new PrintStream(b, true, StandardCharsets.UTF_8);
    }
}
