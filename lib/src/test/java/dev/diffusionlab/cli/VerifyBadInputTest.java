package dev.diffusionlab.cli;

import static dev.diffusionlab.cli.BadInputs.assertRefused;
import static dev.diffusionlab.cli.BadInputs.dlab;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Broken reference case files for {@code ./dlab verify}: exit 2 and one line naming the field. */
class VerifyBadInputTest {
    /** A model folder whose reference/ holds {@code casesJson} and a tensor file with one tensor "t0". */
    static Path folder(Path tmp, String casesJson) throws IOException {
        Path ref = Files.createDirectories(tmp.resolve("m/reference"));
        Files.writeString(ref.resolve("cases.json"), casesJson);
        try (NDManager m = Engines.newCpuManager()) {
            NDArray t = m.create(new float[] {1, 2, 3});
            SafetensorsWriter.write(ref.resolve("cases.safetensors"), Map.of("t0", t), Map.of());
        }
        Files.writeString(tmp.resolve("outside.safetensors"), "not read");
        return tmp.resolve("m");
    }

    static Arguments row(String name, String json, String... fragments) {
        return Arguments.of(name, json, fragments);
    }

    static String tol(String atol) {
        return "{\"cases\": [{\"id\": \"u\", \"kind\": \"unet\", \"tolerance\": {\"sample\": {\"atol\": " + atol + ", \"rtol\": 0}}}]}";
    }

    static Stream<Arguments> table() {
        return Stream.of(
                row("not json", "{\"cases\": [", "cases.json", "cannot parse"),
                row("cases object", "{\"cases\": {}}", "field 'cases' = an object", "an array"),
                row("cases missing", "{}", "field 'cases' = (missing)"),
                row("cases string", "{\"cases\": \"all\"}", "field 'cases' = \"all\""),
                row("case not object", "{\"cases\": [3]}", "cases[0]", "case = 3"),
                row("case without id", "{\"cases\": [{\"kind\": \"unet\"}]}", "cases[0]", "field 'id' = (missing)"),
                row("id a number", "{\"cases\": [{\"id\": 5, \"kind\": \"unet\"}]}", "field 'id' = 5"),
                row("case without kind", "{\"cases\": [{\"id\": \"u\"}]}", "case 'u'", "field 'kind' = (missing)"),
                row("duplicate id", "{\"cases\": [{\"id\": \"u\", \"kind\": \"unet\"}, {\"id\": \"u\", \"kind\": \"vae_decode\"}]}",
                        "case 'u'", "twice"),
                row("tolerance NaN", tol("NaN"), "case 'u'", "tolerance.sample.atol", "NaN"),
                row("tolerance string", tol("\"1e-5\""), "tolerance.sample.atol = \"1e-5\"", "a number"),
                row("tolerance negative", tol("-1"), "tolerance.sample.atol = -1", ">= 0"),
                row("tolerance infinite", tol("1e999"), "tolerance.sample.atol", "finite"),
                row("tolerance not object", "{\"cases\": [{\"id\": \"u\", \"kind\": \"unet\", \"tolerance\": 5}]}", "field 'tolerance' = 5"),
                row("inputs not names", "{\"cases\": [{\"id\": \"u\", \"kind\": \"unet\", \"inputs\": {\"sample\": [1]}}]}",
                        "inputs.sample = [1]", "tensor name"),
                row("empty cases", "{\"cases\": []}", "has no cases"),
                row("tensor file absolute", "{\"tensor_file\": \"/etc/passwd\", \"cases\": [{\"id\": \"u\", \"kind\": \"unet\"}]}",
                        "tensor_file", "/etc/passwd", "no absolute or ../ paths"),
                row("tensor file ../", "{\"tensor_file\": \"../../outside.safetensors\", \"cases\": [{\"id\": \"u\", \"kind\": \"unet\"}]}",
                        "tensor_file", "../../outside.safetensors"),
                row("tensor file number", "{\"tensor_file\": 7, \"cases\": [{\"id\": \"u\", \"kind\": \"unet\"}]}", "'tensor_file' = 7"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void refusedWithOneLine(String name, String json, String[] fragments, @TempDir Path tmp) throws IOException {
        assertRefused(dlab("verify", folder(tmp, json).toString()), fragments);
    }

    @Test
    void unsupportedKindsFailUnlessAllowed(@TempDir Path tmp) throws IOException {
        Path m = folder(tmp, "{\"cases\": [{\"id\": \"x\", \"kind\": \"teleport\"}]}");
        BadInputs.Outcome r = dlab("verify", m.toString());
        assertEquals(1, r.rc(), r.toString());
        assertEquals(1, r.messageLines().size(), r.toString());
        assertTrue(r.messageLines().get(0).contains("kind teleport are not supported"), r.toString());
        assertTrue(r.out().contains("0 passed, 0 failed (1 not supported yet)"), r.out());
        BadInputs.Outcome allowed = dlab("verify", "--allow-unsupported", m.toString());
        assertEquals(0, allowed.rc(), allowed.toString());
    }

    @Test
    void aMissingTensorFailsItsCaseAtOnce(@TempDir Path tmp) throws IOException {
        Path m = folder(tmp, "{\"cases\": [{\"id\": \"u\", \"kind\": \"unet\", \"inputs\": {\"sample\": \"nope\"},"
                + " \"outputs\": {\"sample\": \"t0\"}, \"tolerance\": {\"sample\": {\"atol\": 0, \"rtol\": 0}}}]}");
        long t0 = System.nanoTime();
        BadInputs.Outcome r = dlab("verify", m.toString());
        double s = (System.nanoTime() - t0) / 1e9;
        assertEquals(1, r.rc(), r.toString());
        assertTrue(r.out().contains("FAIL (missing tensor sample -> 'nope'"), r.out());
        assertTrue(r.out().contains("0 passed, 1 failed"), r.out());
        assertTrue(s < 60, "took " + s + " s");
    }

    @Test
    void toleranceWithoutAtolMeansZero() {
        com.google.gson.JsonObject c = com.google.gson.JsonParser.parseString(
                "{\"id\": \"s\", \"kind\": \"scheduler\", \"tolerance\": {\"sigmas\": {\"rtol\": 1e-6}}}").getAsJsonObject();
        dev.diffusionlab.verify.ReferenceCases.Tolerance t = caseOf(c).tolerance("sigmas").orElseThrow();
        assertEquals(0, t.atol());
        assertEquals(1e-6, t.rtol());
        // the bound is rtol·max|expected|: 1e-6 · 2; an error of 3e-6 fails
        assertTrue(!dev.diffusionlab.verify.ReferenceCases.Comparison.of("s", "sigmas", new double[] {2 + 3e-6}, new double[] {2}, t).passed());
        assertTrue(dev.diffusionlab.verify.ReferenceCases.Comparison.of("s", "sigmas", new double[] {2 + 1e-6}, new double[] {2}, t).passed());
    }

    private static dev.diffusionlab.verify.ReferenceCases.Case caseOf(com.google.gson.JsonObject o) {
        try {
            var k = dev.diffusionlab.verify.ReferenceCases.Case.class.getDeclaredConstructor(com.google.gson.JsonObject.class);
            k.setAccessible(true);
            return k.newInstance(o);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
