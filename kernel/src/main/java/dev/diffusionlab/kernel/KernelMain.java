package dev.diffusionlab.kernel;

import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Kernel entry point, started by Jupyter from kernel.json:
 * {@code java -Ddlab.classpath=<lib classes and jars> -cp diffusionlab-kernel.jar dev.diffusionlab.kernel.KernelMain <connection file>}.
 * The notebook classpath comes from {@code -Ddlab.classpath}, else {@code $DLAB_CLASSPATH}.
 */
public final class KernelMain {
    private KernelMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: KernelMain <connection_file>, got " + args.length + " arguments");
        }
        Path connectionFile = Path.of(args[0]);
        if (!Files.isRegularFile(connectionFile)) {
            throw new IllegalArgumentException("Connection file not found: " + connectionFile);
        }
        KernelConnectionProperties props = KernelConnectionProperties.parse(Files.readString(connectionFile));
        JupyterConnection connection = new JupyterConnection(props);

        JShellEngine engine = new JShellEngine(configuredClasspath());
        DiffusionLabKernel kernel = new DiffusionLabKernel(engine);
        kernel.onStartup();
        kernel.becomeHandlerForConnection(connection);
        // robustness (issue 18): heap exhaustion -> error reply; bad messages dropped; IOPub never drops
        MemoryGuard.install(engine::isRunning, engine::stopForMemory);
        ChannelGuard.beforeConnect(connection);
        connection.connect();
        ChannelGuard.afterConnect(connection);
        connection.waitUntilClose();
        System.exit(0);
    }

    /** {@code -Ddlab.classpath}, else {@code $DLAB_CLASSPATH}; entries may use {@code dir/*} and globs. */
    static List<Path> configuredClasspath() {
        String cp = System.getProperty("dlab.classpath", System.getenv("DLAB_CLASSPATH"));
        List<Path> out = new ArrayList<>();
        for (String entry : cp == null ? new String[0] : cp.split(File.pathSeparator)) {
            try {
                out.addAll(Classpaths.resolve(entry));
            } catch (IllegalArgumentException e) {
                // a kernel without lib still starts (and says why imports fail): build lib with mvn package
                System.err.println("[diffusionlab kernel] skipping classpath entry: " + e.getMessage());
            }
        }
        return out;
    }
}
