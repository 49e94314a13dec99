package dev.diffusionlab.schedulers;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDManager;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.core.Paths;
import dev.diffusionlab.verify.ReferenceCases;
import dev.diffusionlab.verify.SchedulerVerifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every sched.* case of both fixtures, end to end and step by step in isolation (teacher-forced). */
class SchedulerParityTest {
    static Path fixtures() {
        Path f = Paths.fixtures().orElse(null);
        Assumptions.assumeTrue(f != null, "parity fixtures not found (set DLAB_FIXTURES or provide ../shared/fixtures): skipping");
        return f;
    }

    @TestFactory
    Stream<DynamicTest> everySchedulerCaseOfBothFixtures() {
        return cases(false);
    }

    @TestFactory
    Stream<DynamicTest> everyStepInIsolation() {
        return cases(true);
    }

    private Stream<DynamicTest> cases(boolean teacherForced) {
        List<DynamicTest> tests = new ArrayList<>();
        for (String fx : List.of("sd-tiny-v1", "sd-tiny-v2")) {
            Path folder = fixtures().resolve(fx);
            try (ReferenceCases rc = ReferenceCases.open(folder)) {
                List<ReferenceCases.Case> cs = new ArrayList<>(rc.ofKind("scheduler"));
                assertEquals(11, cs.size(), fx + ": sched.c0..c10 expected");
                if (!teacherForced) {
                    cs.addAll(rc.ofKind("scheduler_training_schedule"));
                }
                for (ReferenceCases.Case c : cs) {
                    List<ReferenceCases.Comparison> results;
                    try (NDManager m = Engines.newCpuManager()) {
                        results = teacherForced ? SchedulerVerifier.run(folder, rc, c, m, true)
                                : new SchedulerVerifier().verify(folder, rc, c, m);
                    } catch (RuntimeException e) {
                        tests.add(DynamicTest.dynamicTest(fx + " " + c.id(), () -> fail(e)));
                        continue;
                    }
                    String label = c.json().has("label") ? c.json().get("label").getAsString() : c.kind();
                    tests.add(DynamicTest.dynamicTest(fx + " " + c.id() + " " + label, () -> {
                        assertFalse(results.isEmpty());
                        StringBuilder failures = new StringBuilder();
                        for (var r : results) {
                            System.out.printf("%s %-8s %-34s err=%.3g bound=%.3g %s %s%n", fx, r.caseId(), r.field(),
                                    r.maxAbsError(), r.bound(), r.passed() ? "ok" : "FAIL", r.note());
                            if (!r.passed()) {
                                failures.append(r).append('\n');
                            }
                        }
                        assertEquals("", failures.toString());
                    }));
                }
            }
        }
        return tests.stream();
    }
}
