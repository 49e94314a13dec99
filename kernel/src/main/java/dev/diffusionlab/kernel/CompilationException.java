package dev.diffusionlab.kernel;

/** javac rejected a snippet; the message holds javac's diagnostics with the cell line and the offending source line. */
public final class CompilationException extends RuntimeException {
    public CompilationException(String message) {
        super(message, null, false, false); // no kernel frames in the Jupyter reply
    }
}
