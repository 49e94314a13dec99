package dev.diffusionlab.kernel;

/** The running cell was stopped by an interrupt request; the kernel and its state survive. */
public final class EvaluationInterruptedException extends RuntimeException {
    public EvaluationInterruptedException(String message) {
        super(message, null, false, false); // no kernel frames in the Jupyter reply
    }
}
