package dev.diffusionlab.kernel;

import jdk.jshell.SourceCodeAnalysis;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Shift-Tab: JShell's signatures for the identifier under the cursor (JShell itself only answers right after
 * {@code (} or on a type name), with javadoc text from the class's sources ({@link Javadocs}).
 */
final class Inspection {
    private final SourceCodeAnalysis analysis;
    private final ClassLoader loader;
    private final Javadocs javadocs;

    Inspection(SourceCodeAnalysis analysis, ClassLoader loader, Javadocs javadocs) {
        this.analysis = analysis;
        this.loader = loader;
        this.javadocs = javadocs;
    }

    /** Documentation at {@code cursor} in one snippet's source {@code sub}; empty if nothing. */
    String documentation(String sub, int cursor) {
        int c = Math.min(cursor, sub.length());
        int s = c;
        int e = c;
        while (s > 0 && Character.isJavaIdentifierPart(sub.charAt(s - 1))) {
            s--;
        }
        while (e < sub.length() && Character.isJavaIdentifierPart(sub.charAt(e))) {
            e++;
        }
        List<SourceCodeAnalysis.Documentation> docs = List.of();
        String prefix = sub.substring(0, e);
        if (s < e) {
            docs = analysis.documentation(prefix + "(", e + 1, true);       // a method or constructor name
            if (docs.isEmpty()) {
                docs = analysis.documentation(prefix, e, true);            // a type name
            }
            if (docs.isEmpty()) {
                String type = analysis.analyzeType(prefix, e);              // a variable or field: its type
                if (type != null && !type.isEmpty()) {
                    String typeDoc = documentation(type, type.length());
                    return sub.substring(s, e) + " : " + type + (typeDoc.isEmpty() ? "" : "\n\n" + typeDoc);
                }
            }
        }
        if (docs.isEmpty()) {
            docs = analysis.documentation(sub, c, true);                    // inside a call's arguments
        }
        String qualifier = s > 0 && sub.charAt(s - 1) == '.' ? sub.substring(0, s - 1) : null;
        return docs.stream().map(d -> {
            String javadoc = d.javadoc() != null ? d.javadoc() : javadocOf(d.signature(), qualifier);
            return javadoc == null || javadoc.isBlank() ? d.signature() : d.signature() + "\n" + javadoc;
        }).collect(Collectors.joining("\n\n"));
    }

    /** Javadoc from the sources for a JShell signature ({@code int Math.abs(int a)}, {@code java.lang.Math}). */
    private String javadocOf(String signature, String qualifier) {
        try {
            int paren = signature.indexOf('(');
            if (paren < 0 && signature.contains(":")) { // a field: "a.b.Cls.name:type"
                String ownerAndName = signature.substring(0, signature.indexOf(':')).strip();
                int dot = ownerAndName.lastIndexOf('.');
                if (dot < 0) { // a variable of the session ("s:a.b.Cls"): its type's javadoc
                    Class<?> type = loadClass(signature.substring(signature.indexOf(':') + 1).replaceAll("<.*>", "").strip());
                    return type == null ? null : javadocs.javadoc(type.getName(), null, null);
                }
                Class<?> cls = ownerClass(ownerAndName.substring(0, dot), qualifier);
                return cls == null ? null : javadocs.javadoc(cls.getName(), ownerAndName.substring(dot + 1), null);
            }
            if (paren < 0) {
                Class<?> cls = loadClass(signature.strip());
                return cls == null ? null : javadocs.javadoc(cls.getName(), null, null);
            }
            String head = signature.substring(0, paren).replaceAll("<[^<>]*>", "").strip();
            String ownerAndName = head.substring(head.lastIndexOf(' ') + 1);
            int dot = ownerAndName.lastIndexOf('.');
            if (dot < 0) {
                return null; // a method declared in a cell
            }
            String owner = ownerAndName.substring(0, dot);
            String member = ownerAndName.substring(dot + 1);
            List<String> params = new ArrayList<>();
            String inside = signature.substring(paren + 1, signature.lastIndexOf(')')).replaceAll("<[^<>]*>", "").replaceAll("<[^<>]*>", "");
            for (String p : inside.split(",")) {
                String t = p.strip();
                if (!t.isEmpty()) {
                    t = t.contains(" ") ? t.substring(0, t.lastIndexOf(' ')).strip() : t;
                    t = t.replace("...", "[]");
                    params.add(t.substring(t.lastIndexOf('.', t.indexOf('[') < 0 ? t.length() : t.indexOf('[')) + 1));
                }
            }
            Class<?> ctor = loadClass(ownerAndName); // a constructor: "a.b.Cls(int)"
            Class<?> cls = ctor != null && ctor.getSimpleName().equals(member) ? ctor : ownerClass(owner, qualifier);
            return cls == null ? null : javadocs.javadoc(cls.getName(), member, params);
        } catch (RuntimeException | LinkageError e) {
            return null; // no javadoc is not an error
        }
    }

    /** The class a signature's owner ({@code Quick}, {@code java.lang.Math}) names, seen from the session's imports. */
    private Class<?> ownerClass(String owner, String qualifier) {
        Class<?> cls = loadClass(owner);
        if (cls == null) {
            List<SourceCodeAnalysis.Documentation> d = analysis.documentation(owner, owner.length(), false);
            cls = d.isEmpty() ? null : loadClass(d.get(0).signature().strip());
        }
        if (cls == null && qualifier != null) {
            // the owner may be a supertype of the qualifier's type (g.sample(...) with sample declared in a superclass)
            List<SourceCodeAnalysis.Documentation> d = analysis.documentation(qualifier, qualifier.length(), false);
            String type = d.size() == 1 && !d.get(0).signature().contains("(") ? d.get(0).signature()
                    : analysis.analyzeType(qualifier, qualifier.length());
            String simple = owner.substring(owner.lastIndexOf('.') + 1);
            for (Class<?> k : supertypes(loadClass(type == null ? "" : type.replaceAll("<.*>", "").strip()))) {
                if (k.getSimpleName().equals(simple)) {
                    return k;
                }
            }
        }
        return cls;
    }

    private static List<Class<?>> supertypes(Class<?> cls) {
        List<Class<?>> out = new ArrayList<>();
        java.util.Deque<Class<?>> todo = new java.util.ArrayDeque<>();
        if (cls != null) {
            todo.add(cls);
        }
        while (!todo.isEmpty()) {
            Class<?> k = todo.poll();
            if (!out.contains(k)) {
                out.add(k);
                if (k.getSuperclass() != null) {
                    todo.add(k.getSuperclass());
                }
                todo.addAll(List.of(k.getInterfaces()));
            }
        }
        return out;
    }

    /** {@code a.b.Outer.Inner} as a class of the notebook (binary name {@code a.b.Outer$Inner}), or null. */
    private Class<?> loadClass(String name) {
        String n = name;
        while (!n.isEmpty()) {
            try {
                return Class.forName(n, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                int dot = n.lastIndexOf('.');
                if (dot < 0) {
                    return null;
                }
                n = n.substring(0, dot) + "$" + n.substring(dot + 1);
            }
        }
        return null;
    }
}
