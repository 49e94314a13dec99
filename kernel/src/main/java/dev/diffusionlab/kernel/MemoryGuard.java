package dev.diffusionlab.kernel;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Turns heap exhaustion in a cell into an error reply for that cell instead of a dead kernel.
 * <ul>
 * <li>Watchdog: after every garbage collection the heap still in use is compared with the limit; when a
 * full collection leaves more than {@link #STOP_FRACTION} of {@code -Xmx} in use while a cell runs, and
 * that cell added at least {@link #stopMargin()} to what the notebook held when it started, the cell is
 * stopped at once ({@link JShellEngine#stopForMemory}), before the JVM thrashes or throws. Above the fraction
 * after a young collection (which may count old garbage) a full collection is requested to check.</li>
 * <li>Reserve: a block of heap ({@link #reserveBytes()}) held while cells run and dropped on the first
 * {@link OutOfMemoryError} (in the cell thread, the shell thread or any other), so the error reply, the
 * {@code idle} status and the next cell's compilation still have room. It is re-taken before a later cell
 * once the heap has room for it again.</li>
 * <li>An OutOfMemoryError in any thread but the cell's ({@link #outOfMemory()}: the channel loops, the ZeroMQ
 * I/O thread, the output timer) stops the running cell before the reserve is dropped: the cell is what fills
 * the heap, and left running it would take the freed room before the reply could use it.</li>
 * </ul>
 * Objects the notebook still references stay in memory: the error message tells the user to drop them.
 */
final class MemoryGuard {
    /** Fraction of the heap limit still in use after a full collection at which the running cell is stopped. */
    static final double STOP_FRACTION = Double.parseDouble(System.getProperty("dlab.kernel.memoryStop", "0.9"));
    private static final long MB = 1 << 20;
    // Kernel log: System.err as it was at start (cells switch System.err to the notebook)
    private static final PrintStream LOG = System.err;

    /** The running cell's error when a kernel thread, not the cell, met the full heap. */
    static final String KERNEL_OUT_OF_MEMORY = "the Java heap ran out while it ran (a kernel thread could not allocate)";

    private static volatile byte[] reserve;
    private static volatile boolean installed;
    private static volatile Consumer<String> cellStopper;
    // heap in use after the latest collection; the least in use after a collection since the running cell
    // started (an upper bound of what the notebook held before it: stale until a collection in the cell)
    private static volatile long usedAfterGc;
    private static volatile long cellBaseline;
    private static volatile long usedAfterFullGc;

    private final BooleanSupplier cellRunning;
    private final Consumer<String> stopCell;
    private final Set<String> heapPools;
    private final NotificationListener listener = (n, handback) -> onGc(n.getType(), n.getUserData());
    private final AtomicLong lastCheckRequest = new AtomicLong();

    private MemoryGuard(BooleanSupplier cellRunning, Consumer<String> stopCell) {
        this.cellRunning = cellRunning;
        this.stopCell = stopCell;
        this.heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
    }

    /**
     * Watches the heap while {@code cellRunning}, stopping the cell with {@code stopCell(why)}
     * ({@link JShellEngine#stopForMemory}); takes the reserve and makes every thread's uncaught
     * OutOfMemoryError release it (the kernel's own threads included).
     */
    static void install(BooleanSupplier cellRunning, Consumer<String> stopCell) {
        MemoryGuard g = new MemoryGuard(cellRunning, stopCell);
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(g.listener, null, null);
            }
        }
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (e instanceof OutOfMemoryError) {
                outOfMemory();
            }
            if (e instanceof ThreadDeath) {
                return; // a stopped cell (see InProcessExecutionControl.stop), as the JDK's own default does
            }
            try {
                if (previous != null) {
                    previous.uncaughtException(thread, e);
                } else {
                    LOG.println("[diffusionlab kernel] uncaught in thread \"" + thread.getName() + "\": " + e);
                }
            } catch (Throwable ignored) {
                // no memory even for the message: nothing more to do for a thread that is ending anyway
            }
        });
        stopCellsWith(stopCell);
        installed = true;
        armReserve();
    }

    /** What {@link #outOfMemory()} calls to stop the running cell ({@link JShellEngine#stopForMemory}); null: none. */
    static void stopCellsWith(Consumer<String> stopCell) {
        cellStopper = stopCell;
    }

    /**
     * Call first on an OutOfMemoryError caught outside the cell's own thread: stops the running cell, if any
     * (a no-op from the cell's thread and between cells), then drops the reserve. The stop frees the reserve
     * itself while the cell is frozen ({@link #makeRoom()}); if even the stop fails, the reserve goes all the same.
     */
    static void outOfMemory() {
        Consumer<String> stop = cellStopper;
        try {
            if (stop != null) {
                stop.accept(KERNEL_OUT_OF_MEMORY);
            }
        } catch (Throwable e) {
            // no room even to stop the cell: its own OutOfMemoryError will end it
        } finally {
            releaseReserve();
        }
    }

    /** Drops the reserve and collects it at once, so that the room is there before anything else allocates. */
    static void makeRoom() {
        boolean held = reserve != null;
        releaseReserve();
        if (held) {
            System.gc();
        }
    }

    /**
     * Before each cell: takes the reserve back if it was spent, and notes how much heap the notebook
     * already holds, so that only a cell that itself fills the heap is stopped (not the next one, which
     * may be the {@code big = null;} that frees it).
     */
    static void cellStarting() {
        armReserve();
        cellBaseline = usedAfterGc;
        usedAfterFullGc = 0; // the first young collection above the stop fraction in this cell is checked
    }

    /** Growth during a cell, beyond what it started with, needed before the watchdog stops it: twice the reserve, at least 5 % of the limit. */
    static long stopMargin() {
        return Math.max(2 * reserveBytes(), Runtime.getRuntime().maxMemory() / 20);
    }

    /**
     * Size of the reserve: 10 % of the heap limit, between 16 MB and 256 MB. After a cell filled the heap with
     * what the notebook keeps, this is all the room the reply and the next cells' compilation have (javac
     * needs some tens of MB): 5 % of a 512 MB heap was sometimes too little to compile {@code 1 + 1}.
     */
    static long reserveBytes() {
        return Math.max(16 * MB, Math.min(256 * MB, Runtime.getRuntime().maxMemory() / 10));
    }

    /**
     * Takes the reserve if it is not held and the heap has room for three times its size, collecting first
     * when it looks full: what a {@code big = null;} cell dropped counts as used until a collection.
     */
    static void armReserve() {
        if (!installed || reserve != null) {
            return;
        }
        long size = reserveBytes();
        if (freeHeap() < 3 * size) {
            System.gc();
        }
        if (freeHeap() < 3 * size) {
            return; // the heap is still full of what the notebook keeps: try again before a later cell
        }
        try {
            reserve = new byte[(int) size];
        } catch (OutOfMemoryError e) {
            reserve = null;
        }
    }

    private static long freeHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /** Drops the reserve so that the kernel can reply; call first thing on an OutOfMemoryError. */
    static void releaseReserve() {
        reserve = null;
    }

    private void onGc(String type, Object data) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(type)) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) data);
        long used = 0;
        for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(e.getKey())) {
                used += e.getValue().getUsed();
            }
        }
        usedAfterGc = used;
        long baseline = cellBaseline;
        cellBaseline = Math.min(baseline, used);
        long max = Runtime.getRuntime().maxMemory();
        boolean major = info.getGcAction().contains("major");
        if (major) {
            usedAfterFullGc = used;
        }
        if (used < STOP_FRACTION * max || used - baseline < stopMargin() || !cellRunning.getAsBoolean()) {
            return;
        }
        if (major) {
            // what the notebook keeps stays; the stop drops the reserve to give the reply and the next cells room
            stopCell.accept(String.format("the Java heap is nearly full (%d MB of the %d MB limit still in use "
                    + "after a full garbage collection)", used / MB, max / MB));
            releaseReserve(); // when no snippet thread was there to stop
        } else if (used - usedAfterFullGc >= max / 40) {
            requestFullCollection(); // the heap grew by 2.5 % of the limit since the last full collection: check again
        }
    }

    /** A young collection left the heap nearly full (old garbage included): a full one tells (at most every 100 ms). */
    private void requestFullCollection() {
        long now = System.nanoTime();
        long last = lastCheckRequest.get();
        if (last != 0 && now - last < 100_000_000L || !lastCheckRequest.compareAndSet(last, now)) {
            return;
        }
        Thread t = new Thread(System::gc, "dlab-memory-check");
        t.setDaemon(true);
        t.start();
    }
}
