package dev.diffusionlab.kernel;

import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;

/**
 * Runs each snippet in this JVM on its own thread (so that it can be interrupted), and keeps the
 * snippet's real result object and real exception: JShell itself only sees their string forms.
 */
final class InProcessExecutionControl extends DirectExecutionControl {
    /** How long an interrupted cell may take to notice before its thread is stopped. */
    static final long GRACE_MS = 1000;

    private final CellLoaderDelegate delegate;
    private final ThreadGroup cellThreads = new ThreadGroup("dlab-cells");
    private volatile Thread running;
    private volatile boolean stopRequested;
    // An interrupt belongs to the whole cell: one that lands between two snippets (or while a snippet
    // compiles) must still stop the rest of the cell.
    private volatile boolean cellActive;
    private volatile boolean cellInterrupted;
    // Why MemoryGuard stopped the current cell (null: not stopped for memory)
    private volatile String memoryStop;

    // Outcome of the last invoke(), read by the engine right after JShell.eval returns (same thread).
    private Object lastValue;
    private Throwable lastFailure;
    private boolean lastStopped;

    InProcessExecutionControl(CellLoaderDelegate delegate) {
        super(delegate);
        this.delegate = delegate;
    }

    CellClassLoader loader() {
        return delegate.loader();
    }

    void resetOutcome() {
        lastValue = null;
        lastFailure = null;
        lastStopped = false;
    }

    Object lastValue() {
        return lastValue;
    }

    Throwable lastFailure() {
        return lastFailure;
    }

    boolean lastStopped() {
        return lastStopped;
    }

    @Override
    protected String invoke(Method doit) throws Exception {
        Object[] value = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(cellThreads, () -> {
            try {
                value[0] = doit.invoke(null);
            } catch (InvocationTargetException e) {
                failure[0] = e.getCause();
            } catch (Throwable e) {
                failure[0] = e;
            }
            if (failure[0] instanceof OutOfMemoryError) {
                MemoryGuard.releaseReserve(); // room for JShell and the kernel to report it
            }
        }, "dlab-cell");
        // Libraries that use the context loader (DJL engine discovery, ServiceLoader.load) must see the notebook classpath.
        t.setContextClassLoader(delegate.loader());
        t.setDaemon(true);
        stopRequested = false;
        running = t;
        try {
            t.start();
            if (cellInterrupted && !stopRequested) {
                stop(); // the interrupt came after the cell started but before this snippet's thread existed
            }
            t.join();
        } finally {
            running = null;
        }
        lastStopped = stopRequested;
        if (lastStopped && failure[0] == null) {
            // the stop landed after the snippet's own outcome (e.g. inside the catch above): still a stopped cell
            failure[0] = new ThreadDeath();
        }
        if (failure[0] != null) {
            lastFailure = failure[0];
            throw new InvocationTargetException(failure[0]);
        }
        lastValue = value[0];
        return valueString(value[0]);
    }

    /** A bare variable name as the last expression ({@code x}) is read here, not through invoke(). */
    @Override
    public String varValue(String className, String varName) throws RunException, EngineTerminationException, InternalException {
        try {
            java.lang.reflect.Field f = findClass(className).getDeclaredField(varName);
            f.setAccessible(true);
            lastValue = f.get(null);
            return valueString(lastValue);
        } catch (ReflectiveOperationException e) {
            throw new InternalException("varValue " + className + "." + varName + ": " + e);
        }
    }

    /**
     * Interrupts the running cell; if it has not finished after {@link #GRACE_MS} (a loop that never checks
     * {@code Thread.interrupted()}), its thread is stopped.
     */
    @Override
    @SuppressWarnings({"deprecation", "removal"})
    public void stop() {
        if (cellActive) {
            cellInterrupted = true;
        }
        Thread t = interruptRunning();
        if (t == null) {
            return;
        }
        Thread killer = new Thread(() -> {
            try {
                t.join(GRACE_MS);
                if (t.isAlive()) {
                    t.stop();
                }
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            } catch (UnsupportedOperationException e) {
                // JDK 20+: Thread.stop is gone; only cooperative (interrupt-aware) cells can be stopped.
                System.err.println("[kernel] this JDK cannot stop a busy loop; the cell keeps running");
            }
        }, "dlab-cell-stopper");
        killer.setDaemon(true);
        killer.start();
    }

    /**
     * Stops the running cell at once, without the grace period of {@link #stop()}: the heap is nearly full
     * and every further allocation makes it worse. {@code why} becomes the cell's error message.
     * The cell's thread is frozen while {@link MemoryGuard#makeRoom()} drops the reserve and collects it:
     * stopping a thread allocates its ThreadDeath, and a cell left running would take the freed room first.
     */
    @SuppressWarnings({"deprecation", "removal"})
    void stopForMemory(String why) {
        if (!cellActive || running == Thread.currentThread()) {
            return; // between cells nothing runs; in the cell's own thread its OutOfMemoryError ends it
        }
        memoryStop = why;
        cellInterrupted = true;
        Thread t = interruptRunning();
        if (t == null) {
            return;
        }
        boolean frozen = false;
        try {
            t.suspend();
            frozen = true;
        } catch (UnsupportedOperationException e) {
            // JDK 20+: no suspend; the stop below races the cell for the freed room
        }
        try {
            MemoryGuard.makeRoom();
            t.stop(); // resumes a suspended thread, which then ends with ThreadDeath
        } catch (UnsupportedOperationException e) {
            // JDK 20+: only the interrupt (and the OutOfMemoryError itself) can end the cell
        } finally {
            if (frozen) {
                t.resume(); // a no-op after the stop; if the stop failed, the cell must not stay frozen
            }
        }
    }

    /** Marks a stop as requested and interrupts the thread running the cell; null when none runs. */
    private Thread interruptRunning() {
        Thread t = running;
        if (t != null) {
            stopRequested = true;
            t.interrupt();
        }
        return t;
    }

    /** The error for a stopped cell: out of memory when {@link #stopForMemory} stopped it, else interrupted. */
    RuntimeException stopError(int cellNo) {
        String why = memoryStop;
        return why != null ? new CellOutOfMemoryException(cellNo, why)
                : new EvaluationInterruptedException("cell " + cellNo + " interrupted (stopped at user's request)");
    }

    /** A cell starts: earlier interrupts are forgotten. */
    void beginCell() {
        memoryStop = null;
        cellInterrupted = false;
        cellActive = true;
    }

    /** The cell is over: interrupts until the next cell have nothing to stop. */
    void endCell() {
        cellActive = false;
    }

    /** True when the current cell was interrupted (its remaining snippets must not run). */
    boolean cellInterrupted() {
        return cellInterrupted;
    }

    boolean isRunning() {
        return cellActive;
    }

    /** Hands JShell this very instance so the engine can read outcomes and stop cells. */
    static final class Provider implements ExecutionControlProvider {
        private final InProcessExecutionControl control;

        Provider(InProcessExecutionControl control) {
            this.control = control;
        }

        @Override
        public String name() {
            return "dlab-in-process";
        }

        @Override
        public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
            return control;
        }
    }
}
