package dev.diffusionlab.kernel;

import com.sun.source.doctree.DocCommentTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;

import javax.tools.JavaCompiler;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Javadoc text of notebook classes, read from their sources: JShell only finds the JDK's own {@code src.zip}.
 * The source of a class found in {@code x.jar} is looked up in {@code x-sources.jar} beside it (the layout of
 * a Maven repository); for a class folder {@code m/target/classes}, in {@code m/target/*-sources.jar}, then
 * {@code m/src/main/java}; then in the folders and jars of {@code -Ddlab.sources} / {@code $DLAB_SOURCES}.
 */
final class Javadocs {
    private final ClassLoader loader;
    private final List<Path> extraSources;
    private final Map<Path, FileSystem> zips = new ConcurrentHashMap<>();

    Javadocs(ClassLoader loader, List<Path> extraSources) {
        this.loader = loader;
        this.extraSources = List.copyOf(extraSources);
    }

    /** Sources configured by {@code -Ddlab.sources} or {@code $DLAB_SOURCES} (path-separated, globs allowed). */
    static List<Path> configuredSources() {
        String s = System.getProperty("dlab.sources", System.getenv("DLAB_SOURCES"));
        List<Path> out = new ArrayList<>();
        for (String e : s == null ? new String[0] : s.split(java.io.File.pathSeparator)) {
            try {
                out.addAll(Classpaths.resolve(e));
            } catch (IllegalArgumentException ignored) {
                // a missing source folder only means no javadoc
            }
        }
        return out;
    }

    /**
     * The javadoc of member {@code member} ({@code null}: the class itself) of class {@code className}
     * (binary name), as plain text; {@code paramTypes} (simple names, erasures) picks among overloads and may be
     * null. Null when no source or no comment is found.
     */
    String javadoc(String className, String member, List<String> paramTypes) {
        String top = className.contains("$") ? className.substring(0, className.indexOf('$')) : className;
        String simple = className.substring(className.lastIndexOf('.') + 1).replace('$', '.');
        String source = source(top);
        if (source == null) {
            return null;
        }
        String raw = find(source, top.replace('.', '/') + ".java", simple, member, paramTypes);
        return raw == null ? null : render(raw);
    }

    private String source(String topClass) {
        String rel = topClass.replace('.', '/') + ".java";
        List<Path> roots = new ArrayList<>();
        URL url = loader.getResource(topClass.replace('.', '/') + ".class");
        if (url != null) {
            roots.addAll(sourceRootsFor(url));
        }
        roots.addAll(extraSources);
        for (Path root : roots) {
            try {
                Path dir = root;
                if (Files.isRegularFile(root)) {
                    dir = zip(root).getPath("/");
                }
                Path f = dir.resolve(rel);
                if (Files.isRegularFile(f)) {
                    return Files.readString(f, StandardCharsets.UTF_8);
                }
            } catch (IOException | RuntimeException e) {
                // unreadable root: try the next
            }
        }
        return null;
    }

    private static List<Path> sourceRootsFor(URL classUrl) {
        List<Path> roots = new ArrayList<>();
        try {
            String s = classUrl.toString();
            if (s.startsWith("jar:file:")) {
                Path jar = Path.of(URI.create(s.substring(4, s.indexOf("!/"))));
                String name = jar.getFileName().toString();
                roots.add(jar.resolveSibling(name.substring(0, name.length() - 4) + "-sources.jar"));
                roots.addAll(localRepositorySources(jar)); // a copy (lib/target/lib/x.jar): its sources jar in ~/.m2
            } else if (s.startsWith("file:")) {
                Path file = Path.of(URI.create(s));
                // walk up from pkg/Cls.class to the class folder
                Path dir = file.getParent();
                while (dir != null && !dir.getFileName().toString().equals("classes")) {
                    dir = dir.getParent();
                }
                if (dir != null && dir.getParent() != null) {
                    Path target = dir.getParent();
                    try (Stream<Path> ls = Files.list(target)) {
                        ls.filter(p -> p.getFileName().toString().endsWith("-sources.jar")).sorted().forEach(roots::add);
                    }
                    if (target.getParent() != null) {
                        roots.add(target.getParent().resolve("src/main/java"));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // no source roots for this class
        }
        return roots;
    }

    /** {@code g/a/v/a-v-sources.jar} in the local Maven repository, from the jar's {@code pom.properties}. */
    private static List<Path> localRepositorySources(Path jar) {
        try (java.util.jar.JarFile jf = new java.util.jar.JarFile(jar.toFile())) {
            var entry = jf.stream().filter(e -> e.getName().startsWith("META-INF/maven/") && e.getName().endsWith("/pom.properties"))
                    .findFirst();
            if (entry.isEmpty()) {
                return List.of();
            }
            java.util.Properties p = new java.util.Properties();
            try (var in = jf.getInputStream(entry.get())) {
                p.load(in);
            }
            String g = p.getProperty("groupId");
            String a = p.getProperty("artifactId");
            String v = p.getProperty("version");
            if (g == null || a == null || v == null) {
                return List.of();
            }
            return List.of(MavenResolver.defaultLocalRepository().resolve(g.replace('.', '/')).resolve(a).resolve(v)
                    .resolve(a + "-" + v + "-sources.jar"));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private FileSystem zip(Path jar) {
        return zips.computeIfAbsent(jar, j -> {
            try {
                return FileSystems.newFileSystem(j, (ClassLoader) null);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** The raw doc comment of the member (or class) in {@code source}, parsed with javac. */
    private static String find(String source, String fileName, String simpleClass, String member, List<String> paramTypes) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            return null;
        }
        SimpleJavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + fileName), javax.tools.JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        JavacTask task = (JavacTask) javac.getTask(null, null, d -> { }, List.of("-proc:none"), null, List.of(file));
        DocTrees trees = DocTrees.instance(task);
        Iterable<? extends CompilationUnitTree> units;
        try {
            units = task.parse();
        } catch (IOException e) {
            return null;
        }
        String[] found = new String[1];
        String[] classNames = simpleClass.split("\\.");
        for (CompilationUnitTree unit : units) {
            new TreePathScanner<Void, Void>() {
                private final List<String> classes = new ArrayList<>();
                private String fallback; // same name and arity, when the types do not match exactly

                @Override
                public Void visitClass(ClassTree node, Void unused) {
                    classes.add(node.getSimpleName().toString());
                    try {
                        boolean target = classes.equals(List.of(classNames));
                        if (target && member == null) {
                            found[0] = comment(getCurrentPath());
                            return null;
                        }
                        super.visitClass(node, unused);
                        if (target && found[0] == null) {
                            found[0] = fallback;
                        }
                        return null;
                    } finally {
                        classes.remove(classes.size() - 1);
                    }
                }

                @Override
                public Void visitMethod(MethodTree node, Void unused) {
                    if (found[0] == null && classes.equals(List.of(classNames))) {
                        String name = node.getName().toString();
                        boolean nameMatches = name.equals(member) || (name.equals("<init>") && classNames[classNames.length - 1].equals(member));
                        if (nameMatches) {
                            List<String> types = node.getParameters().stream().map(p -> simpleType(p.getType())).toList();
                            if (paramTypes == null || types.equals(paramTypes)) {
                                found[0] = comment(getCurrentPath());
                            } else if (fallback == null && types.size() == paramTypes.size()) {
                                fallback = comment(getCurrentPath());
                            }
                        }
                    }
                    return null; // no need to look inside method bodies
                }

                @Override
                public Void visitVariable(VariableTree node, Void unused) {
                    if (found[0] == null && classes.equals(List.of(classNames)) && node.getName().contentEquals(member == null ? "" : member)
                            && getCurrentPath().getParentPath().getLeaf() instanceof ClassTree) {
                        found[0] = comment(getCurrentPath());
                    }
                    return null;
                }

                private String comment(TreePath path) {
                    DocCommentTree doc = trees.getDocCommentTree(path);
                    return doc == null ? null : trees.getDocComment(path);
                }
            }.scan(unit, null);
        }
        return found[0];
    }

    /** {@code java.util.List<String>} -> {@code List}, {@code int[]} -> {@code int[]}, {@code T...} -> {@code T[]}. */
    static String simpleType(Tree type) {
        String s = type.toString().replaceAll("<.*>", "").replaceAll("@\\S+\\s+", "").strip();
        s = s.replace("...", "[]");
        int dot = s.lastIndexOf('.', s.indexOf('[') < 0 ? s.length() : s.indexOf('['));
        return dot < 0 ? s : s.substring(dot + 1);
    }

    /** Javadoc as plain text: inline tags unwrapped, HTML paragraphs as blank lines, block tags as a short list. */
    static String render(String raw) {
        String s = raw.replaceAll("\\{@(?:code|literal)\\s+([^}]*)}", "$1")
                .replaceAll("\\{@(?:link|linkplain)\\s+#?([^\\s}]+)\\s*([^}]*)}", "$2$1")
                .replaceAll("\\{@\\w+\\s*([^}]*)}", "$1");
        s = s.replaceAll("(?i)<p>\\s*", "\n\n").replaceAll("(?i)</?(pre|ul|ol)>", "\n").replaceAll("(?i)<li>", "\n - ")
                .replaceAll("(?i)</?[a-z][a-z0-9]*(\\s[^>]*)?>", "")
                .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
        StringBuilder out = new StringBuilder();
        for (String line : s.split("\n")) {
            String l = line.strip();
            if (l.startsWith("@param ")) {
                out.append("  ").append(l.substring(7).replaceFirst("^(\\S+)\\s+", "$1 - "));
            } else if (l.startsWith("@return ")) {
                out.append("  returns ").append(l.substring(8));
            } else if (l.startsWith("@throws ") || l.startsWith("@exception ")) {
                out.append("  throws ").append(l.substring(l.indexOf(' ') + 1));
            } else {
                out.append(l);
            }
            out.append('\n');
        }
        return out.toString().replaceAll("\n{3,}", "\n\n").strip();
    }
}
