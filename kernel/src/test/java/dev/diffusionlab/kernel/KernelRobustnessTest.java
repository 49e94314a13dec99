package dev.diffusionlab.kernel;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Issue 18, engine side: System.exit refused, heap exhaustion as a cell error, batched output. */
class KernelRobustnessTest {
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
    void systemExitInACellIsRefusedAndTheCellLineShown() {
        SystemExitRefusedException e = assertThrows(SystemExitRefusedException.class, () -> engine.eval("int a = 1;\nSystem.exit(0);"));
        assertTrue(e.getMessage().startsWith("System.exit(0) is not allowed in a notebook cell"), e.getMessage());
        List<String> trace = engine.userTrace(e);
        assertTrue(trace.get(1).matches("    at cell \\d+, line 2"), trace.toString());
        assertEquals(2, engine.eval("1 + 1").value(), "this JVM is still here");
    }

    @Test
    void everyWayToExitIsRefused() {
        String[] cells = {
            "Runtime.getRuntime().exit(1);",
            "Runtime.getRuntime().halt(2);",
            "java.util.function.IntConsumer quit = System::exit;\nquit.accept(3);",
            "java.util.function.IntConsumer halt = Runtime.getRuntime()::halt;\nhalt.accept(4);",
            "class Quitter { void quit() { System.exit(5); } }\nnew Quitter().quit();",
            "Runnable r = () -> System.exit(6);\nr.run();",
        };
        String[] calls = {"Runtime.exit(1)", "Runtime.halt(2)", "System.exit(3)", "Runtime.halt(4)", "System.exit(5)", "System.exit(6)"};
        for (int i = 0; i < cells.length; i++) {
            String cell = cells[i];
            SystemExitRefusedException e = assertThrows(SystemExitRefusedException.class, () -> engine.eval(cell), cell);
            assertTrue(e.getMessage().startsWith(calls[i] + " is not allowed"), e.getMessage());
        }
        assertEquals("kept", engine.eval("String s = \"kept\";\ns").value());
    }

    @Test
    void classesWithoutExitAreLeftAsTheyAre() throws Exception {
        byte[] plain = classBytes(Classpaths.class);
        assertSame(plain, ExitGuard.rewrite(plain), "no exit call: the very same bytes");
        byte[] exits = classBytes(KernelMain.class); // main ends with System.exit(0)
        byte[] rewritten = ExitGuard.rewrite(exits);
        assertNotSame(exits, rewritten);
        assertSame(rewritten, ExitGuard.rewrite(rewritten), "no exit call left after the rewrite");
        engine.eval("class Plain { int twice(int x) { return 2 * x; } }");
        assertEquals(42, engine.eval("new Plain().twice(21)").value());
    }

    private static byte[] classBytes(Class<?> c) throws Exception {
        try (var in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            return in.readAllBytes();
        }
    }

    @Test
    void memoryStopEndsTheCellWithAnOutOfMemoryErrorAndTheNextCellRuns() throws Exception {
        engine.eval("List<long[]> kept = new ArrayList<>();");
        CompletableFuture<Throwable> cell = BusyCell.start(engine, "while (true) { kept.add(new long[16]); if (kept.size() > 1000) kept.clear(); }");
        Thread.sleep(200);
        engine.stopForMemory("the Java heap is nearly full (test)");
        Throwable t = cell.get(10, TimeUnit.SECONDS); // stopped at once: no 1 s grace as for an interrupt
        CellOutOfMemoryException e = assertInstanceOf(CellOutOfMemoryException.class, t);
        assertTrue(e.getMessage().matches("(?s)cell \\d+ stopped: the Java heap is nearly full \\(test\\)\\.\n"
                + "Objects the notebook still references stay in memory: set large variables to null.*"), e.getMessage());
        assertEquals(2, engine.eval("1 + 1").value());
        assertTrue((Integer) engine.eval("kept.size()").value() >= 0, "state survives");
    }

    @Test
    void anOutOfMemoryErrorInAKernelThreadStopsTheRunningCell() throws Exception {
        // the CI failure this guards against: the control loop met the full heap, dropped the reserve, and the
        // still-running cell took that room, so the reply and the idle status could not be sent
        engine.eval("List<long[]> churn = new ArrayList<>();");
        CompletableFuture<Throwable> cell = BusyCell.start(engine, "while (true) { churn.add(new long[16]); if (churn.size() > 1000) churn.clear(); }");
        Thread.sleep(200);
        MemoryGuard.stopCellsWith(engine::stopForMemory);
        try {
            assertEquals(ChannelGuard.RETRY_MS, ChannelGuard.survive("Shell-1", new OutOfMemoryError("test: full heap")));
            Throwable t = cell.get(10, TimeUnit.SECONDS);
            CellOutOfMemoryException e = assertInstanceOf(CellOutOfMemoryException.class, t);
            assertTrue(e.getMessage().startsWith("cell ") && e.getMessage().contains(" stopped: " + MemoryGuard.KERNEL_OUT_OF_MEMORY + ".\n"),
                    e.getMessage());
        } finally {
            MemoryGuard.stopCellsWith(null);
        }
        MemoryGuard.outOfMemory(); // between cells: nothing to stop, the next cell is not affected
        assertEquals(2, engine.eval("1 + 1").value());
    }

    @Test
    void outOfMemoryErrorInACellBecomesACellError() {
        CellOutOfMemoryException e = assertThrows(CellOutOfMemoryException.class,
                () -> engine.eval("long[] huge = new long[Integer.MAX_VALUE - 8];"));
        assertTrue(e.getMessage().matches("(?s)cell \\d+ stopped: it ran out of memory \\(java.lang.OutOfMemoryError: "
                + ".*, heap limit \\d+ MB\\)\\..*"), e.getMessage());
        assertEquals(2, engine.eval("1 + 1").value());
    }

    /** Records each downstream write: with jjava's autoflushing io.out, one write is one stream message. */
    private static final class Messages extends OutputStream {
        final List<String> messages = new ArrayList<>();

        @Override
        public synchronized void write(int b) {
            messages.add(String.valueOf((char) b));
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            messages.add(new String(b, off, len, StandardCharsets.UTF_8));
        }

        synchronized String all() {
            return String.join("", messages);
        }

        synchronized int count() {
            return messages.size();
        }
    }

    @Test
    void printlnFloodIsBatchedIntoFewCompleteMessages() {
        Messages out = new Messages();
        Messages err = new Messages();
        StringBuilder expected = new StringBuilder();
        try (CellOutput output = new CellOutput(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))) {
            for (int i = 0; i < 100_000; i++) {
                output.out.println("line " + i);
                output.out.flush(); // an explicit flush per line must not make a message per line
                expected.append("line ").append(i).append('\n');
            }
            output.err.print("done");
            output.flush();
            assertEquals(expected.toString(), out.all(), "every line, in order");
            assertEquals("done", err.all());
            // 1.1 MB: at most one message per MAX_BATCH bytes plus one per timer tick while printing
            assertTrue(out.count() <= 100, "messages: " + out.count());
        }
    }

    @Test
    void timerSendsPendingOutputWithoutAnExplicitFlush() throws Exception {
        Messages out = new Messages();
        try (CellOutput output = new CellOutput(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new Messages(), true, StandardCharsets.UTF_8))) {
            output.out.print("progress 1/3");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (out.count() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals("progress 1/3", out.all(), "sent by the " + CellOutput.INTERVAL_MS + " ms timer");
        }
    }

    @Test
    void aSplitUtf8CharacterWaitsForItsLastByte() {
        byte[] e = "é€😀".getBytes(StandardCharsets.UTF_8); // 2 + 3 + 4 bytes
        assertEquals(9, CellOutput.completeUtf8(e, 9));
        assertEquals(5, CellOutput.completeUtf8(e, 8));
        assertEquals(5, CellOutput.completeUtf8(e, 6));
        assertEquals(2, CellOutput.completeUtf8(e, 4));
        assertEquals(0, CellOutput.completeUtf8(e, 1));
        Messages out = new Messages();
        try (CellOutput output = new CellOutput(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new Messages(), true, StandardCharsets.UTF_8))) {
            for (byte b : e) {
                output.out.write(b);
                output.flush();
            }
            assertEquals(List.of("é", "€", "😀"), out.messages);
        }
    }
}
