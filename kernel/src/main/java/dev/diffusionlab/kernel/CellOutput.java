package dev.diffusionlab.kernel;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A cell's {@code System.out} and {@code System.err}, batched as ipykernel does: what is printed is
 * collected and sent as one Jupyter stream message per {@link #INTERVAL_MS} (or as soon as
 * {@link #MAX_BATCH} bytes are pending), instead of one message per {@code println}. A flood of short
 * lines thus becomes a few large messages that the IOPub socket never has to drop. The kernel calls
 * {@link #flush()} before a display and at the end of the cell, so output keeps its order with displays
 * and always arrives before the cell's reply and {@code idle} status.
 */
final class CellOutput implements AutoCloseable {
    static final long INTERVAL_MS = 50;
    static final int MAX_BATCH = 1 << 20;

    final PrintStream out;
    final PrintStream err;
    private final Batch outBatch;
    private final Batch errBatch;
    // a plain loop rather than a ScheduledExecutorService: an OutOfMemoryError in the executor's own code (its
    // queue allocates on every wait) ended its worker for good, and with it timed output for the whole session
    private final Thread timer = new Thread(this::flushEveryInterval, "dlab-output-flusher");
    private volatile boolean closed;

    /** {@code jupyterOut}/{@code jupyterErr}: streams where each write becomes one message (jjava's io.out/io.err). */
    CellOutput(PrintStream jupyterOut, PrintStream jupyterErr) {
        outBatch = new Batch(jupyterOut);
        errBatch = new Batch(jupyterErr);
        out = new PrintStream(outBatch, false, StandardCharsets.UTF_8);
        err = new PrintStream(errBatch, false, StandardCharsets.UTF_8);
        timer.setDaemon(true);
        timer.start();
    }

    /** Sends what is pending now (stdout first). */
    void flush() {
        out.flush();
        err.flush();
        outBatch.send();
        errBatch.send();
    }

    private void flushEveryInterval() {
        while (!closed) {
            try {
                Thread.sleep(INTERVAL_MS);
                flush();
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) { // the timer must survive a failed send (e.g. an OutOfMemoryError while the heap is full)
                if (t instanceof OutOfMemoryError) {
                    MemoryGuard.outOfMemory();
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        timer.interrupt();
        flush();
    }

    /** Collects bytes; {@link #send()} writes the complete UTF-8 prefix downstream in one call. */
    static final class Batch extends OutputStream {
        private final PrintStream downstream;
        private byte[] buf = new byte[8192];
        private int count;

        Batch(PrintStream downstream) {
            this.downstream = downstream;
        }

        @Override
        public synchronized void write(int b) {
            ensure(1);
            buf[count++] = (byte) b;
            if (count >= MAX_BATCH) {
                send();
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, buf, count, len);
            count += len;
            if (count >= MAX_BATCH) {
                send();
            }
        }

        /** A no-op: a println-and-flush loop must still be batched; the timer and the kernel decide when to send. */
        @Override
        public void flush() {
        }

        /** Writes what is pending as one downstream write (= one stream message); a split UTF-8 character waits. */
        synchronized void send() {
            int n = completeUtf8(buf, count);
            if (n == 0) {
                return;
            }
            downstream.write(buf, 0, n);
            downstream.flush();
            System.arraycopy(buf, n, buf, 0, count - n);
            count -= n;
            if (buf.length > 65536 && count < 8192) {
                buf = Arrays.copyOf(buf, 8192); // do not keep a 10 MB buffer after one big print
            }
        }

        synchronized int pending() {
            return count;
        }

        private void ensure(int more) {
            if (count + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(count + more, 2 * buf.length));
            }
        }
    }

    /** Length of the longest prefix of {@code b[0, n)} that does not end inside a UTF-8 multi-byte character. */
    static int completeUtf8(byte[] b, int n) {
        for (int back = 1; back <= Math.min(3, n); back++) {
            int c = b[n - back] & 0xFF;
            if ((c & 0xC0) == 0x80) {
                continue; // continuation byte: look further back for the lead byte
            }
            int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            return len > back ? n - back : n;
        }
        return n;
    }
}
