package dev.diffusionlab.kernel;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Magic parsing (text blocks, continuation lines), %time, and %maven / %%loadFromPOM from a local repository. */
class MagicsTest {
    @TempDir
    static Path tmp;
    private static Path repo;
    private static JShellEngine engine;
    private static LineMagics magics;

    @BeforeAll
    static void start() throws Exception {
        repo = tmp.resolve("repository");
        // demo.dl:greeter:1.0 depends on demo.dl:words:1.0 (compile) and on an artifact that exists nowhere (test scope)
        Path words = TestJars.compile(tmp.resolve("words"), Map.of("demo/dl/Words.java",
                "package demo.dl;\npublic class Words { public static String word() { return \"words\"; } }\n"), List.of());
        Path wordsJar = install(words, "words", "1.0", "");
        Path greeter = TestJars.compile(tmp.resolve("greeter"), Map.of("demo/dl/Greeter.java",
                "package demo.dl;\npublic class Greeter { public String greet() { return \"hello, \" + Words.word(); } }\n"), List.of(wordsJar));
        install(greeter, "greeter", "1.0", dependency("words", "1.0", "compile") + dependency("absent-test-only", "9", "test"));
        Path counter = TestJars.compile(tmp.resolve("counter"), Map.of("demo/dl/Counter.java",
                "package demo.dl;\npublic class Counter { public static int count(String s) { return s.length(); } }\n"), List.of());
        install(counter, "counter", "2.0", "");
        engine = new JShellEngine(List.of());
        // a remote that cannot answer: everything must come from the local repository
        magics = new LineMagics(engine, () -> { }, new MavenResolver(repo,
                List.of(MavenResolver.repository("central", "http://127.0.0.1:9/unreachable")), true));
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    private static String dependency(String artifact, String version, String scope) {
        return "<dependency><groupId>demo.dl</groupId><artifactId>" + artifact + "</artifactId><version>" + version
                + "</version><scope>" + scope + "</scope></dependency>";
    }

    private static Path install(Path classes, String artifact, String version, String deps) throws Exception {
        Path dir = repo.resolve("demo/dl/" + artifact + "/" + version);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(artifact + "-" + version + ".pom"), "<project><modelVersion>4.0.0</modelVersion>"
                + "<groupId>demo.dl</groupId><artifactId>" + artifact + "</artifactId><version>" + version + "</version>"
                + "<dependencies>" + deps + "</dependencies></project>");
        return TestJars.jar(classes, dir.resolve(artifact + "-" + version + ".jar"));
    }

    /** Runs a cell as the kernel does; returns [value, stdout]. */
    private static Object[] run(String cell) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        LineMagics.Cell c = magics.parse(cell);
        JShellEngine.Result r = engine.eval(c.java(), ps, ps, c.hooks());
        return new Object[] {r.value(), out.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void percentLinesInsideTextBlocksRunAsJava() {
        String cell = """
                String template = \"""
                %s has %d legs
                  %maven not:a:magic
                \""";
                template""";
        assertEquals(List.of(), LineMagics.magicLines(cell.split("\n")));
        assertEquals("%s has %d legs\n  %maven not:a:magic\n", run(cell)[0]);
        assertEquals("a cat has 4 legs\n", run("String.format(\"\"\"\n%s has %d legs\n\"\"\", \"a cat\", 4)")[0]);
    }

    @Test
    void continuationLineStartingWithPercentIsJava() {
        String cell = "int modulus = 5;\nint rest = 17\n    %modulus;\nrest";
        assertEquals(List.of(), LineMagics.magicLines(cell.split("\n")));
        assertEquals(2, run(cell)[0]);
        // inside brackets and comments too
        assertEquals(2, run("int second = Math.max(1, 17\n%modulus);\nsecond")[0]);
        assertEquals(List.of(), LineMagics.magicLines("/*\n%jars nothing\n*/".split("\n")));
        assertEquals(List.of(), LineMagics.magicLines("void f() {\n%jars x\n}".split("\n")));
    }

    @Test
    void magicsBetweenStatementsRunInCellOrder() {
        assertEquals(List.of(1, 3), LineMagics.magicLines("int a = 1;\n%lsmagic\nint b = 2; // ok\n%classpath\na + b".split("\n")));
        Object[] r = run("System.out.println(\"first\");\n%lsmagic\nSystem.out.println(\"last\");\n7");
        assertEquals(7, r[0]);
        String out = (String) r[1];
        assertTrue(out.startsWith("first\n%jars"), out);
        assertTrue(out.endsWith("last\n"), out);
        LineMagics.MagicException e = assertThrows(LineMagics.MagicException.class, () -> run("int z = 1;\n%nosuchmagic"));
        assertEquals("cell line 2: unknown magic %nosuchmagic (try %lsmagic)", e.getMessage());
    }

    @Test
    void maskedMagicsKeepOffsetsForCompletionAndInspection() {
        String cell = "%jars a.jar\n%time Math.ab";
        String masked = LineMagics.maskMagics(cell);
        assertEquals("           \n      Math.ab", masked);
        assertTrue(engine.complete(masked, cell.length()).matches().contains("abs("));
        assertEquals("complete", engine.isComplete(LineMagics.maskMagics("%%loadFromPOM\n<dependency>")));
        assertEquals("complete", engine.isComplete(LineMagics.maskMagics("%maven a:b:1")));
        assertEquals("    ", engine.isComplete(LineMagics.maskMagics("%%time\nfor (int i = 0; i < 3; i++) {")));
    }

    @Test
    void timePrintsWallTimeAndKeepsTheDeclaration() {
        Object[] r = run("%time long total = java.util.stream.LongStream.range(0, 1000).sum();\ntotal");
        assertEquals(499500L, r[0]);
        assertTrue(((String) r[1]).matches("Wall time: \\d+(\\.\\d+)? (µs|ms|s)\n"), (String) r[1]);
        Object[] slow = run("%time Thread.sleep(120);");
        double ms = Double.parseDouble(((String) slow[1]).replaceAll("[^0-9.]", ""));
        assertTrue(((String) slow[1]).contains(" ms") && ms >= 120 && ms < 5000, (String) slow[1]);
        assertEquals("Wall time: 850 µs", LineMagics.formatWallTime(850_000));
        assertEquals("Wall time: 4.21 s", LineMagics.formatWallTime(4_210_000_000L));
        assertEquals("Wall time: 2 min 5.0 s", LineMagics.formatWallTime(125_000_000_000L));
        CompilationException bad = assertThrows(CompilationException.class, () -> run("int ok = 1;\n%time int x = nope;"));
        assertTrue(bad.getMessage().startsWith("cell line 2: error: cannot find symbol"), bad.getMessage());
    }

    @Test
    void mavenResolvesOfflineWithDependenciesAndTheClassIsUsableInTheNextCell() {
        Object[] r = run("%maven demo.dl:greeter:1.0");
        String out = (String) r[1];
        assertTrue(out.contains("demo.dl:greeter:jar:1.0") && out.contains("demo.dl:words:jar:1.0"), out);
        assertTrue(out.contains("%maven: added 2 classpath entries"), out);
        assertFalse(out.contains("absent-test-only"), out);
        assertEquals("hello, words", run("new demo.dl.Greeter().greet()")[0]);
        assertTrue(engine.classpath().contains(repo.resolve("demo/dl/words/1.0/words-1.0.jar").toAbsolutePath().normalize()));
    }

    @Test
    void mavenNamesWhatIsMissing() {
        LineMagics.MagicException e = assertThrows(LineMagics.MagicException.class, () -> run("int k = 1;\n%maven demo.dl:absent:1.0"));
        assertTrue(e.getMessage().startsWith("cell line 2: %maven: cannot resolve demo.dl:absent:jar:1.0"), e.getMessage());
        assertTrue(e.getMessage().contains(repo.toString()), e.getMessage());
        LineMagics.MagicException bad = assertThrows(LineMagics.MagicException.class, () -> run("%maven not-coordinates"));
        assertTrue(bad.getMessage().contains("bad coordinates 'not-coordinates'"), bad.getMessage());
    }

    @Test
    void loadFromPomTakesADependencySnippet() {
        Object[] r = run("%%loadFromPOM\n<dependencies>\n  " + dependency("counter", "2.0", "compile") + "\n</dependencies>");
        assertTrue(((String) r[1]).contains("demo.dl:counter:jar:2.0"), (String) r[1]);
        assertEquals(5, run("demo.dl.Counter.count(\"seven\")")[0]);
        LineMagics.MagicException e = assertThrows(LineMagics.MagicException.class, () -> run("%%loadFromPOM\n<dependency><groupId>x</groupId>"));
        assertTrue(e.getMessage().startsWith("%%loadFromPOM: the cell is not well-formed XML"), e.getMessage());
    }

    @Test
    void mavenFromTheUsersLocalRepositoryOffline() {
        Path local = MavenResolver.defaultLocalRepository();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(local.resolve("commons-cli/commons-cli/1.9.0/commons-cli-1.9.0.jar")),
                "commons-cli 1.9.0 is not in " + local);
        LineMagics m = new LineMagics(engine, () -> { }, new MavenResolver(local,
                List.of(MavenResolver.repository("central", MavenResolver.CENTRAL)), true));
        LineMagics.Cell c = m.parse("%maven commons-cli:commons-cli:1.9.0");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        engine.eval(c.java(), quiet, quiet, c.hooks());
        assertEquals(true, engine.eval("new org.apache.commons.cli.Options().addOption(\"q\", false, \"quick\").hasOption(\"q\")").value());
    }
}
