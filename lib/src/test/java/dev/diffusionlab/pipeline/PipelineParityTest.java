package dev.diffusionlab.pipeline;

import ai.djl.ndarray.NDManager;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.core.Paths;
import dev.diffusionlab.verify.PipelineVerifier;
import dev.diffusionlab.verify.ReferenceCases;
import dev.diffusionlab.verify.ReferenceCases.Comparison;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Every pipe.* case of both fixtures through the public pipeline API, with the fixtures' tolerances. */
class PipelineParityTest {
    @TestFactory
    Stream<DynamicTest> everyPipelineCase() {
        assumeTrue(Paths.fixtures().isPresent(), "no fixtures (../shared/fixtures or $DLAB_FIXTURES): pipeline parity skipped");
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : List.of("sd-tiny-v1", "sd-tiny-v2")) {
            Path dir = Paths.fixtures().get().resolve(model);
            try (ReferenceCases rc = ReferenceCases.open(dir)) {
                for (ReferenceCases.Case c : rc.cases()) {
                    if (!new PipelineVerifier().supports(c.kind())) {
                        continue;
                    }
                    String id = c.id();
                    tests.add(DynamicTest.dynamicTest(model + " " + id, () -> {
                        try (ReferenceCases cases = ReferenceCases.open(dir); NDManager m = Engines.newCpuManager()) {
                            List<Comparison> res = new PipelineVerifier().verify(dir, cases, cases.get(id), m);
                            assertTrue(res.size() >= 2, "too few comparisons: " + res);
                            StringBuilder bad = new StringBuilder();
                            for (Comparison k : res) {
                                if (!k.passed()) {
                                    bad.append(String.format("%n  %s: max err %.3g > bound %.3g %s", k.field(), k.maxAbsError(), k.bound(), k.note()));
                                }
                            }
                            assertTrue(bad.length() == 0, id + " failed:" + bad);
                        }
                    }));
                }
            }
        }
        return tests.stream();
    }
}
