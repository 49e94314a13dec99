package dev.diffusionlab.kernel;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/** Small jars compiled from source for kernel tests (classpath and Maven repository fixtures). */
final class TestJars {
    private TestJars() {}

    /** Compiles {@code sources} (path -> Java text) against {@code classpath} into {@code classes}; returns the folder. */
    static Path compile(Path classes, Map<String, String> sources, List<Path> classpath) throws IOException {
        Files.createDirectories(classes.getParent());
        Path src = Files.createTempDirectory(classes.getParent(), "src");
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-proc:none"));
        if (!classpath.isEmpty()) {
            args.add("-cp");
            args.add(String.join(java.io.File.pathSeparator, classpath.stream().map(Path::toString).toList()));
        }
        for (var e : sources.entrySet()) {
            Path f = src.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
            args.add(f.toString());
        }
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac.run(null, null, null, args.toArray(String[]::new)) != 0) {
            throw new IllegalStateException("test sources do not compile: " + sources.keySet());
        }
        return classes;
    }

    /** Writes every file under {@code dir} into {@code jar}. */
    static Path jar(Path dir, Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os);
             Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(dir.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        return jar;
    }

    /** Writes {@code sources} as a plain source folder (for sources jars and src/main/java layouts). */
    static Path sources(Path dir, Map<String, String> sources) throws IOException {
        for (var e : sources.entrySet()) {
            Path f = dir.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
        }
        return dir;
    }
}
