package dev.diffusionlab.noise;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusionlab.core.Paths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import org.junit.jupiter.api.Test;

/**
 * Runs every code cell of notebooks/01-image-space-and-noise.ipynb top to bottom in quick mode through
 * JShell (in-process), with a display() stub that only counts what the kernel would render.
 */
class Notebook01Test {
    @Test
    void notebookRunsInQuickMode() throws Exception {
        Path nb = Paths.home().resolve("notebooks/01-image-space-and-noise.ipynb");
        JsonObject root = JsonParser.parseString(Files.readString(nb)).getAsJsonObject();
        assertEquals("diffusionlab", root.getAsJsonObject("metadata").getAsJsonObject("kernelspec").get("name").getAsString());
        List<String> cells = new ArrayList<>();
        for (JsonElement c : root.getAsJsonArray("cells")) {
            JsonObject o = c.getAsJsonObject();
            if (o.get("cell_type").getAsString().equals("code")) {
                assertEquals(0, o.getAsJsonArray("outputs").size(), "no outputs are committed");
                StringBuilder sb = new StringBuilder();
                o.getAsJsonArray("source").forEach(l -> sb.append(l.getAsString()));
                cells.add(sb.toString());
            }
        }
        String old = System.getProperty("dlab.quick");
        System.setProperty("dlab.quick", "true");
        try (JShell js = JShell.builder().executionEngine("local").build()) {
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            for (String p : cp.split(java.io.File.pathSeparator)) {
                js.addToClasspath(p);
            }
            run(js, "int DISPLAYED = 0;", -1);
            run(js, "void display(Object o) { if (o == null) throw new IllegalStateException(\"display(null)\"); DISPLAYED++; }", -1);
            for (int i = 0; i < cells.size(); i++) {
                String rest = cells.get(i);
                SourceCodeAnalysis sca = js.sourceCodeAnalysis();
                while (!rest.isBlank()) {
                    SourceCodeAnalysis.CompletionInfo ci = sca.analyzeCompletion(rest);
                    assertTrue(ci.completeness().isComplete(), "code cell " + i + " ends with an incomplete snippet: " + rest);
                    run(js, ci.source(), i);
                    rest = ci.remaining();
                }
            }
            int shown = Integer.parseInt(js.eval("DISPLAYED").get(0).value());
            assertTrue(shown >= 18, "the notebook displays its figures and tables, got " + shown);
        } finally {
            if (old == null) {
                System.clearProperty("dlab.quick");
            } else {
                System.setProperty("dlab.quick", old);
            }
        }
    }

    private static void run(JShell js, String src, int cell) {
        for (SnippetEvent e : js.eval(src)) {
            String where = "code cell " + cell + ", snippet:\n" + src;
            if (e.exception() != null) {
                fail(where + "\nthrew " + e.exception(), e.exception());
            }
            if (e.status() == Snippet.Status.REJECTED) {
                StringBuilder d = new StringBuilder();
                js.diagnostics(e.snippet()).forEach(x -> d.append(x.getMessage(null)).append('\n'));
                fail(where + "\nrejected: " + d);
            }
        }
    }
}
