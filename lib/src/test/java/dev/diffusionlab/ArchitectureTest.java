package dev.diffusionlab;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The package layout of docs/architecture.md, checked on the compiled library: no package cycle, and the
 * model packages (one per stage, plus core/nn/safetensors/viz) never reach up into the command line
 * ({@code cli}), the benchmarks ({@code bench}) or the reference-case verifiers ({@code verify}).
 */
class ArchitectureTest {
    /** Every package that holds model or teaching code (not tooling). */
    static final String[] MODEL_PACKAGES = {"dev.diffusionlab.attention..", "dev.diffusionlab.clip..", "dev.diffusionlab.core..",
        "dev.diffusionlab.exercises..", "dev.diffusionlab.image..", "dev.diffusionlab.nn..", "dev.diffusionlab.noise..", "dev.diffusionlab.pipeline..",
        "dev.diffusionlab.safetensors..", "dev.diffusionlab.schedulers..", "dev.diffusionlab.shapes..", "dev.diffusionlab.space..",
        "dev.diffusionlab.toy..", "dev.diffusionlab.unet..", "dev.diffusionlab.vae..", "dev.diffusionlab.viz.."};

    static final ArchRule NO_CYCLES = slices().matching("dev.diffusionlab.(*)..").should().beFreeOfCycles();

    static final ArchRule MODELS_DO_NOT_USE_TOOLING = noClasses().that().resideInAnyPackage(MODEL_PACKAGES)
            .should().dependOnClassesThat().resideInAnyPackage("dev.diffusionlab.cli..", "dev.diffusionlab.bench..",
                    "dev.diffusionlab.verify..");

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("dev.diffusionlab");

    @Test
    void theLibraryHasClassesInEveryModelPackage() {
        // guards against a rule that passes because the import found nothing
        for (String p : MODEL_PACKAGES) {
            String name = p.substring(0, p.length() - 2);
            assertTrue(MAIN.stream().anyMatch(c -> c.getPackageName().equals(name)), "no classes imported from " + name);
        }
    }

    @Test
    void noPackageCycles() {
        NO_CYCLES.check(MAIN);
    }

    @Test
    void modelPackagesDoNotImportCliBenchOrVerify() {
        MODELS_DO_NOT_USE_TOOLING.check(MAIN);
    }

    @Test
    void theRuleCatchesAModelPackageThatUsesTooling() {
        // the tests of the pipeline package use bench.BenchSupport and verify.PipelineVerifier: with them
        // imported, the rule must report a violation
        JavaClasses withTests = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("dev.diffusionlab.pipeline", "dev.diffusionlab.bench", "dev.diffusionlab.verify");
        AssertionError e = assertThrows(AssertionError.class, () -> MODELS_DO_NOT_USE_TOOLING.check(withTests));
        assertTrue(e.getMessage().contains("dev.diffusionlab.bench") || e.getMessage().contains("dev.diffusionlab.verify"), e.getMessage());
    }
}
