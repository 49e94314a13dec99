package dev.diffusionlab.verify;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.core.Paths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** Test helper: the fixture model folders, skipping (with a message) when none are found. */
public final class Fixtures {
    private Fixtures() {}

    public static final List<String> MODELS = List.of("sd-tiny-v1", "sd-tiny-v2");

    /** The folder of one fixture model; the test is skipped when the fixtures are absent. */
    public static Path model(String name) {
        Path root = Paths.fixtures().orElse(null);
        assumeTrue(root != null, "parity fixtures not found (set DLAB_FIXTURES or provide ../shared/fixtures): test skipped");
        Path p = root.resolve(name);
        assumeTrue(Files.isDirectory(p), "fixture model " + p + " not found: test skipped");
        return p;
    }

    /** (model name, case id) for every case of {@code kinds} in both fixture models; empty without fixtures. */
    public static Stream<Arguments> cases(String... kinds) {
        List<Arguments> out = new ArrayList<>();
        Path root = Paths.fixtures().orElse(null);
        for (String model : MODELS) {
            if (root == null || !Files.isDirectory(root.resolve(model))) {
                out.add(Arguments.of(model, "<no fixtures>"));
                continue;
            }
            try (ReferenceCases rc = ReferenceCases.open(root.resolve(model))) {
                for (String k : kinds) {
                    rc.ofKind(k).forEach(c -> out.add(Arguments.of(model, c.id())));
                }
            }
        }
        return out.stream();
    }

    /** Runs one case through its verifier and asserts every field passes. */
    public static void assertCasePasses(String model, String caseId) {
        Path dir = model(model);
        assumeTrue(!caseId.equals("<no fixtures>"), "no fixtures: skipped");
        try (ReferenceCases rc = ReferenceCases.open(dir); NDManager m = Engines.newCpuManager()) {
            ReferenceCases.Case c = rc.get(caseId);
            CaseVerifier v = Verifiers.forKind(c.kind()).orElseThrow();
            List<ReferenceCases.Comparison> res = v.verify(dir, rc, c, m);
            assertTrue(!res.isEmpty(), "no comparisons");
            StringBuilder sb = new StringBuilder();
            boolean ok = true;
            for (ReferenceCases.Comparison r : res) {
                sb.append(String.format("%s %s err=%.3e bound=%.3e %s%n", r.caseId(), r.field(), r.maxAbsError(), r.bound(), r.passed() ? "ok" : "FAIL " + r.note()));
                ok &= r.passed();
            }
            System.out.print(model + ": " + sb);
            assertTrue(ok, sb.toString());
        }
    }
}
