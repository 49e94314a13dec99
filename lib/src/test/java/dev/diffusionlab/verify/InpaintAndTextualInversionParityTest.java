package dev.diffusionlab.verify;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.diffusionlab.core.Paths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import ai.djl.ndarray.NDManager;
import dev.diffusionlab.clip.TextualInversionFile;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.safetensors.SafetensorsFile;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every case of the stage-5 fixtures ({@code sd-tiny-inpaint}: 9-channel UNet, mask preprocessing, inpainting;
 * {@code sd-tiny-v1-extras}: masked blending and textual inversion) at the fixtures' tolerances. Skipped without
 * fixtures; with {@code DLAB_REQUIRE_FIXTURES=1} (CI) a missing folder fails.
 */
class InpaintAndTextualInversionParityTest {
    static final List<String> FOLDERS = List.of("sd-tiny-inpaint", "sd-tiny-v1-extras");

    private static boolean required() {
        return "1".equals(System.getenv("DLAB_REQUIRE_FIXTURES"));
    }

    private static Path folder(String name) {
        Path root = Paths.fixtures().orElse(null);
        if (required()) {
            assertTrue(root != null && Files.isDirectory(root.resolve(name)), "DLAB_REQUIRE_FIXTURES=1 but fixture " + name + " is missing");
        }
        assumeTrue(root != null, "no fixtures (../shared/fixtures or $DLAB_FIXTURES): stage-5 parity skipped");
        Path p = root.resolve(name);
        assumeTrue(Files.isDirectory(p), "fixture " + p + " not found: skipped");
        return p;
    }

    @TestFactory
    Stream<DynamicTest> everyCase() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : FOLDERS) {
            Path dir = folder(name);
            try (ReferenceCases rc = ReferenceCases.open(dir)) {
                for (ReferenceCases.Case c : rc.cases()) {
                    String id = c.id();
                    tests.add(DynamicTest.dynamicTest(name + " " + id + " (" + c.kind() + ")", () -> {
                        assertTrue(Verifiers.forKind(c.kind()).isPresent(), id + ": kind " + c.kind() + " has no verifier");
                        Fixtures.assertCasePasses(name, id);
                    }));
                }
            }
        }
        assertFalse(tests.isEmpty(), "no cases found");
        return tests.stream();
    }

    /** What we write has the layout of the files diffusers reads (the fixtures' were written by Python's safetensors). */
    @Test
    void savedEmbeddingsHaveTheLayoutOfDiffusersFiles(@TempDir Path tmp) {
        Path dir = folder("sd-tiny-v1-extras");
        for (String name : List.of("zorp.safetensors", "zorp-2.safetensors")) {
            Path theirs = dir.resolve("textual_inversion").resolve(name);
            Path ours = tmp.resolve(name);
            try (NDManager m = Engines.newCpuManager()) {
                TextualInversionFile.Entry e = TextualInversionFile.read(theirs, m);
                TextualInversionFile.save(ours, e.token(), e.vectors());
            }
            try (SafetensorsFile a = SafetensorsFile.open(theirs); SafetensorsFile b = SafetensorsFile.open(ours)) {
                org.junit.jupiter.api.Assertions.assertEquals(a.keys(), b.keys());
                String k = a.keys().iterator().next();
                org.junit.jupiter.api.Assertions.assertEquals(a.info(k).dtype(), b.info(k).dtype());
                org.junit.jupiter.api.Assertions.assertArrayEquals(a.info(k).shape(), b.info(k).shape());
                org.junit.jupiter.api.Assertions.assertEquals(a.metadata(), b.metadata());
                org.junit.jupiter.api.Assertions.assertEquals(a.bytes(k), b.bytes(k), "tensor bytes differ");
            }
        }
    }
}
