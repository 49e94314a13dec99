package dev.diffusionlab.kernel;

import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Class loader of everything the notebook sees: the snippet classes JShell compiles and the jars added
 * with {@code -Ddlab.classpath} or {@code %jars}. Its parent is the kernel's own loader, so user code
 * shares the kernel's statics ({@link Notebook}) and the unrelocated {@code org.dflib.jjava} API that
 * library renderers are written against.
 */
final class CellClassLoader extends URLClassLoader {
    static {
        registerAsParallelCapable();
    }

    // Keyed by binary class name; JShell declares the bytes first, then asks us to load them.
    private final Map<String, byte[]> declared = new ConcurrentHashMap<>();

    CellClassLoader(ClassLoader parent) {
        super("dlab-cells", new URL[0], parent);
    }

    void declare(String className, byte[] bytecode) {
        declared.put(className, ExitGuard.rewrite(bytecode)); // System.exit in a cell must not end the kernel
    }

    void addPaths(List<Path> paths) {
        for (Path p : paths) {
            try {
                addURL(p.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("Not a classpath entry: " + p, e);
            }
        }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        byte[] b = declared.get(name);
        if (b == null) {
            return super.findClass(name);
        }
        return defineClass(name, b, 0, b.length, (CodeSource) null);
    }
}
