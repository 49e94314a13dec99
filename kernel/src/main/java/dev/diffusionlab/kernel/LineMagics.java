package dev.diffusionlab.kernel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Line magics: a cell line that starts with {@code %name}. They run before the cell's Java and are
 * replaced by blank lines, so javac's line numbers still match the cell.
 * <ul>
 *   <li>{@code %jars <paths or globs...>}: add jars/class folders to the classpath (then load their renderers)</li>
 *   <li>{@code %classpath}: print the notebook classpath</li>
 *   <li>{@code %lsmagic}: list magics</li>
 * </ul>
 */
final class LineMagics {
    private static final Pattern MAGIC = Pattern.compile("^\\s*%(\\w+)(.*)$");

    /** A magic that could not run (unknown name, missing jar): shown as the cell's error. */
    static final class MagicException extends RuntimeException {
        MagicException(String message) {
            super(message, null, false, false);
        }
    }

    private final JShellEngine engine;
    private final Runnable afterClasspathChange;

    LineMagics(JShellEngine engine, Runnable afterClasspathChange) {
        this.engine = engine;
        this.afterClasspathChange = afterClasspathChange;
    }

    /** Runs the cell's magics and returns the Java that remains (magic lines blanked). */
    String apply(String cell) {
        String[] lines = cell.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = MAGIC.matcher(lines[i]);
            if (m.matches()) {
                run(m.group(1), m.group(2).strip(), i + 1);
                lines[i] = "";
            }
        }
        return String.join("\n", lines);
    }

    private void run(String name, String args, int line) {
        switch (name) {
            case "jars" -> {
                if (args.isEmpty()) {
                    throw new MagicException("cell line " + line + ": %jars needs paths or globs, e.g. %jars lib/*.jar");
                }
                List<Path> paths = new ArrayList<>();
                for (String a : args.split("\\s+")) {
                    try {
                        paths.addAll(Classpaths.resolve(a));
                    } catch (IllegalArgumentException e) {
                        throw new MagicException("cell line " + line + ": %jars: " + e.getMessage());
                    }
                }
                engine.addToClasspath(paths);
                afterClasspathChange.run();
                System.out.println("added " + paths.size() + " classpath entr" + (paths.size() == 1 ? "y" : "ies"));
            }
            case "classpath" -> engine.classpath().forEach(System.out::println);
            case "lsmagic" -> System.out.println("%jars <paths or globs>   add jars/class folders\n%classpath               print the classpath");
            default -> throw new MagicException("cell line " + line + ": unknown magic %" + name + " (try %lsmagic)");
        }
    }
}
