package dev.diffusionlab.kernel;

import jdk.jshell.execution.LoaderDelegate;
import jdk.jshell.spi.ExecutionControl.ClassBytecodes;
import jdk.jshell.spi.ExecutionControl.ClassInstallException;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Installs JShell's compiled snippet classes into a {@link CellClassLoader} we can hand to ServiceLoader. */
final class CellLoaderDelegate implements LoaderDelegate {
    private final CellClassLoader loader;
    private final Map<String, Class<?>> loaded = new ConcurrentHashMap<>();

    CellLoaderDelegate(CellClassLoader loader) {
        this.loader = loader;
    }

    CellClassLoader loader() {
        return loader;
    }

    @Override
    public void load(ClassBytecodes[] cbcs) throws ClassInstallException {
        boolean[] installed = new boolean[cbcs.length];
        try {
            for (ClassBytecodes cbc : cbcs) {
                loader.declare(cbc.name(), cbc.bytecodes());
            }
            for (int i = 0; i < cbcs.length; i++) {
                Class<?> c = loader.loadClass(cbcs[i].name());
                loaded.put(c.getName(), c);
                installed[i] = true;
                c.getDeclaredMethods(); // link now so that a broken class fails here, not mid-cell
            }
        } catch (Throwable e) {
            throw new ClassInstallException("load: " + e, installed);
        }
    }

    @Override
    public void classesRedefined(ClassBytecodes[] cbcs) {
        for (ClassBytecodes cbc : cbcs) {
            loader.declare(cbc.name(), cbc.bytecodes());
        }
    }

    @Override
    public void addToClasspath(String path) {
        loader.addPaths(Classpaths.resolve(path));
    }

    @Override
    public Class<?> findClass(String name) throws ClassNotFoundException {
        Class<?> c = loaded.get(name);
        if (c == null) {
            throw new ClassNotFoundException(name + " was not loaded by JShell");
        }
        return c;
    }
}
