package dev.diffusionlab.kernel;

import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.channels.Loop;
import org.zeromq.ZMQ;
import zmq.Ctx;
import zmq.io.IOThread;
import zmq.poll.Poller;

import java.io.PrintStream;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps jjava-jupyter's socket threads serving whatever a message does to them. The base library's
 * channel loops ({@code Shell-N}, {@code Heartbeat-N}) end for good on any throwable that escapes their
 * body: a message with a wrong HMAC signature ({@code SecurityException} from {@code JupyterSocket.readMessage},
 * thrown after the whole message was read), unparsable JSON, or an {@link Error} out of a handler. Here each
 * loop gets an error callback that logs the problem to the kernel log, drops the message and goes on.
 * Below them, ZeroMQ's own threads (jeromq's I/O thread, which moves every message between the sockets and
 * the network, and its reaper) end on any {@link Error} out of their poll loop, an OutOfMemoryError while a
 * cell fills the heap included, and a kernel without them never answers again: they run their loop again
 * instead ({@link #keepServing}). Also makes IOPub never drop messages (no send high-water mark), so a cell's
 * {@code idle} status always reaches the client.
 */
final class ChannelGuard {
    /** Pause after a failed message, as the base library's loops sleep between polls. */
    static final long RETRY_MS = 50;
    private static final PrintStream LOG = System.err;

    private ChannelGuard() {}

    /** Before {@code connection.connect()}: IOPub queues instead of dropping when a client reads slowly. */
    static void beforeConnect(JupyterConnection connection) {
        connection.getIOPub().setSndHWM(0); // 0 = no limit (default 1000 messages, then silent drops)
    }

    /**
     * After {@code connection.connect()}: the shell, control and heartbeat loops survive bad messages, and
     * ZeroMQ's threads survive errors.
     */
    static void afterConnect(JupyterConnection connection) {
        keepServing((ZMQ.Context) field(JupyterConnection.class, connection, "ctx"));
        for (String channel : new String[] {"shell", "control", "heartbeat"}) {
            Object socket = field(JupyterConnection.class, connection, channel);
            Object loop = field(socket.getClass(), socket, socket.getClass().getSimpleName().equals("HeartbeatChannel") ? "pulse" : "ioloop");
            if (loop instanceof Loop l) {
                l.onError(e -> survive(l.getName(), e));
            } else {
                LOG.println("[diffusionlab kernel] " + channel + " channel has no loop to guard");
            }
        }
    }

    /** Makes each of the context's I/O threads and its reaper run its poll loop again after an error ends it. */
    static void keepServing(ZMQ.Context context) {
        Ctx ctx = (Ctx) field(ZMQ.Context.class, context, "ctx");
        List<Poller> pollers = new ArrayList<>();
        for (Object io : (List<?>) field(Ctx.class, ctx, "ioThreads")) {
            pollers.add((Poller) field(IOThread.class, io, "poller"));
        }
        Object reaper = field(Ctx.class, ctx, "reaper");
        if (reaper != null) {
            pollers.add((Poller) field(reaper.getClass(), reaper, "poller"));
        }
        for (Poller p : pollers) {
            keepServing((Thread) field(Poller.class, p, "worker"), p);
        }
    }

    /**
     * When an error ends {@code loop} on {@code worker}, the same thread runs it again (after an
     * OutOfMemoryError, once {@link MemoryGuard#outOfMemory()} stopped the cell and dropped the reserve);
     * a loop that returns normally (its context closed) ends the thread as before. The thread stays the
     * same one, so jeromq's own checks that it runs on its worker still hold.
     */
    static void keepServing(Thread worker, Runnable loop) {
        worker.setUncaughtExceptionHandler((thread, error) -> {
            Throwable failure = error;
            while (true) {
                if (failure instanceof OutOfMemoryError) {
                    MemoryGuard.outOfMemory();
                }
                try {
                    LOG.println("[diffusionlab kernel] " + thread.getName() + ": " + failure + " ended its loop; running it again");
                } catch (Throwable ignored) {
                    // no memory even for the message: the loop matters more
                }
                try {
                    Thread.sleep(RETRY_MS);
                    loop.run();
                    return;
                } catch (InterruptedException e) {
                    return; // asked to stop
                } catch (Throwable again) {
                    failure = again;
                }
            }
        });
    }

    /** Logs what went wrong with one message and keeps the loop running. */
    static long survive(String thread, Throwable e) {
        if (e instanceof OutOfMemoryError) {
            MemoryGuard.outOfMemory();
        }
        try {
            String what = e instanceof SecurityException
                    ? "dropped a message with an invalid signature (" + e.getMessage() + ")"
                    : "dropped a message that failed: " + e;
            LOG.println("[diffusionlab kernel] " + thread + ": " + what + "; still serving");
        } catch (Throwable ignored) {
            // an OutOfMemoryError while logging: the loop must live on all the same (a throw here would end it)
        }
        return RETRY_MS;
    }

    private static Object field(Class<?> type, Object owner, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(owner);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot read " + c.getName() + "." + name, e);
            }
        }
        throw new IllegalStateException(type.getName() + " has no field " + name + " (jjava-jupyter version changed?)");
    }
}
