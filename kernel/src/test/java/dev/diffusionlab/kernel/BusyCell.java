package dev.diffusionlab.kernel;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A cell that runs until it is stopped, evaluated on another thread for tests that stop it. */
final class BusyCell {
    private BusyCell() {}

    /** Starts {@code code} and returns once the engine runs it; the future holds what ended it (null: it returned). */
    static CompletableFuture<Throwable> start(JShellEngine engine, String code) throws InterruptedException {
        CompletableFuture<Throwable> cell = CompletableFuture.supplyAsync(() -> {
            try {
                engine.eval(code);
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!engine.isRunning() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return cell;
    }
}
