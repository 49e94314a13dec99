package dev.diffusionlab.kernel;

/** A cell called {@code System.exit}, {@code Runtime.exit} or {@code Runtime.halt}: refused, the kernel lives on. */
public final class SystemExitRefusedException extends RuntimeException {
    SystemExitRefusedException(String call) {
        super(call + " is not allowed in a notebook cell: it would end the kernel and lose every variable. "
                + "To stop the cell, throw an exception or return; to start afresh, use Kernel > Restart.");
    }
}
