package dev.diffusionlab.kernel;

import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;
import zmq.Ctx;
import zmq.Own;
import zmq.io.IOThread;

import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** ZeroMQ's I/O thread outlives an Error in its loop (the kernel went deaf in CI when a full heap ended it). */
class ChannelGuardTest {

    @Test
    void anIoThreadEndedByAnOutOfMemoryErrorRunsItsLoopAgain() throws Exception {
        ZMQ.Context context = ZMQ.context(1);
        ZMQ.Socket a = context.socket(SocketType.PAIR);
        ZMQ.Socket b = context.socket(SocketType.PAIR);
        try {
            a.setLinger(0);
            b.setLinger(0);
            int port = a.bindToRandomPort("tcp://127.0.0.1");
            b.connect("tcp://127.0.0.1:" + port);
            a.setReceiveTimeOut(10_000);
            b.setReceiveTimeOut(10_000);
            assertTrue(a.send("before"));
            assertEquals("before", b.recvStr());

            ChannelGuard.keepServing(context);
            Ctx ctx = (Ctx) read(ZMQ.Context.class, context, "ctx");
            IOThread io = (IOThread) ((List<?>) read(Ctx.class, ctx, "ioThreads")).get(0);
            Thread worker = (Thread) read(Class.forName("zmq.poll.PollerBase"), read(IOThread.class, io, "poller"), "worker");
            CountDownLatch thrown = new CountDownLatch(1);
            // a command the I/O thread runs on itself: its handler throws as an allocation on a full heap would
            new Own(ctx, io.getTid()) {
                {
                    sendPlug(this);
                }

                @Override
                protected void processPlug() {
                    thrown.countDown();
                    throw new OutOfMemoryError("test: Java heap space in the I/O thread");
                }

                @Override
                protected void destroy() {
                }
            };
            assertTrue(thrown.await(10, TimeUnit.SECONDS), "the I/O thread ran the command");

            assertTrue(a.send("after"), "send after the error");
            assertEquals("after", b.recvStr(), "a message crosses the I/O thread after the error");
            assertTrue(b.send("back"));
            assertEquals("back", a.recvStr(), "and the other way");
            assertTrue(worker.isAlive(), "the same I/O thread serves");
        } finally {
            a.close();
            b.close();
            // closing waits for the I/O thread: bounded, so that a dead one fails the test instead of hanging it
            Thread closer = new Thread(context::close, "test-context-close");
            closer.setDaemon(true);
            closer.start();
            closer.join(10_000);
            assertFalse(closer.isAlive(), "the context closes");
        }
    }

    private static Object read(Class<?> type, Object owner, String name) throws ReflectiveOperationException {
        Field f = type.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(owner);
    }
}
