package dev.diffusionlab.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Inspection (shift-tab): the identifier under the cursor, with javadoc from a sources jar or a source folder. */
class InspectionTest {
    static final Map<String, String> SOURCE = Map.of("demo/doc/Scaler.java", """
            package demo.doc;

            /** Scales numbers by a fixed factor. */
            public class Scaler {
                /** The factor every value is multiplied by. */
                public final int factor;

                /**
                 * A scaler multiplying by {@code factor}.
                 * @param factor the multiplier
                 */
                public Scaler(int factor) { this.factor = factor; }

                /**
                 * Multiplies {@code x} by the factor.
                 *
                 * @param x the value
                 * @return {@code x * factor}
                 */
                public int scale(int x) { return x * factor; }

                /** Scales a long, see {@link #scale(int)}. */
                public long scale(long x) { return x * factor; }
            }
            """);

    @TempDir
    Path tmp;

    private static int at(String code, String word, int into) {
        return code.indexOf(word) + into;
    }

    @Test
    void javadocFromTheSourcesJarBesideTheJar() throws Exception {
        Path classes = TestJars.compile(tmp.resolve("classes"), SOURCE, List.of());
        Path jar = TestJars.jar(classes, tmp.resolve("m2/demo-doc-1.0.jar"));
        TestJars.jar(TestJars.sources(tmp.resolve("src"), SOURCE), tmp.resolve("m2/demo-doc-1.0-sources.jar"));
        try (JShellEngine engine = new JShellEngine(List.of(jar))) {
            String code = "int y = new demo.doc.Scaler(2).scale(3);";
            // cursor in the middle of the method name, not after '('
            String doc = engine.documentation(code, at(code, "scale(", 2));
            // JShell names the parameters when it has the sources: "int Scaler.scale(int x)" or "int demo.doc.Scaler.scale(int)"
            assertTrue(doc.matches("(?s).*int (demo\\.doc\\.)?Scaler\\.scale\\(int( x)?\\)\nMultiplies x by the factor\\..*"), doc);
            assertTrue(doc.contains("x - the value") && doc.contains("returns x * factor"), doc);
            assertTrue(doc.matches("(?s).*long (demo\\.doc\\.)?Scaler\\.scale\\(long( x)?\\)\nScales a long, see scale\\(int\\)\\..*"), doc);
            // on the class name after new: the constructor
            String ctor = engine.documentation(code, at(code, "Scaler", 3));
            assertTrue(ctor.contains("A scaler multiplying by factor.") && ctor.contains("factor - the multiplier"), ctor);
            // through a variable whose type is not imported
            engine.eval("var s = new demo.doc.Scaler(4);");
            String viaVar = engine.documentation("s.scale(5)", 4);
            assertTrue(viaVar.contains("Multiplies x by the factor."), viaVar);
            // a type name
            String type = engine.documentation("demo.doc.Scaler.class", at("demo.doc.Scaler.class", "Scaler", 1));
            assertTrue(type.contains("demo.doc.Scaler\nScales numbers by a fixed factor."), type);
            // a variable: its type, then the type's javadoc
            String var = engine.documentation("s", 1);
            assertTrue(var.matches("s ?: ?demo\\.doc\\.Scaler\n(?s).*") && var.contains("Scales numbers by a fixed factor."), var);
            // inside a call's arguments: the call, as before
            String args = engine.documentation("Math.max(1, 2)", 12);
            assertTrue(args.contains("int Math.max(int a, int b)"), args);
            assertEquals("", engine.documentation("   ", 1));
        }
    }

    @Test
    void javadocFromTheSourceFolderOfAClassFolder() throws Exception {
        Path module = tmp.resolve("module");
        Path classes = TestJars.compile(module.resolve("target/classes"), SOURCE, List.of());
        TestJars.sources(module.resolve("src/main/java"), SOURCE);
        try (JShellEngine engine = new JShellEngine(List.of(classes))) {
            String code = "new demo.doc.Scaler(3).factor";
            String doc = engine.documentation(code, code.length());
            assertTrue(doc.contains("The factor every value is multiplied by."), doc);
        }
    }
}
