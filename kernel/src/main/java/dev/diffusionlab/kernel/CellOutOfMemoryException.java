package dev.diffusionlab.kernel;

/**
 * The running cell exhausted (or nearly exhausted) the Java heap and was stopped; the kernel and the
 * notebook's variables survive, so the message says how to get the memory back.
 */
public final class CellOutOfMemoryException extends RuntimeException {
    CellOutOfMemoryException(int cellNo, String what) {
        this("cell " + cellNo + " stopped: " + what);
    }

    CellOutOfMemoryException(String what) {
        super(what + ".\n"
                + "Objects the notebook still references stay in memory: set large variables to null "
                + "(or restart the kernel) before going on. The heap limit is -Xmx in kernel.json "
                + "(mvn package -Ddlab.kernel.xmx=12g).", null, false, false); // no kernel frames in the reply
    }
}
