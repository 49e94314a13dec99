package dev.diffusionlab.cli;

import ai.djl.ndarray.NDManager;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.verify.CaseVerifier;
import dev.diffusionlab.verify.ReferenceCases;
import dev.diffusionlab.verify.Verifiers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code ./dlab verify <model-folder>}: runs every reference case through our code and prints a
 * table (case, field, max abs error, bound, pass/fail), then "N passed, N failed". Case kinds with no
 * verifier are listed as "not supported yet" and never counted as passed.
 */
public final class VerifyCommand {
    private VerifyCommand() {}

    public static int run(String[] args) {
        boolean allowUnsupported = false;
        List<String> positional = new java.util.ArrayList<>();
        boolean help = false;
        for (String a : args) {
            switch (a) {
                case "--allow-unsupported" -> allowUnsupported = true;
                case "--help", "-h" -> help = true;
                default -> {
                    if (a.startsWith("--")) {
                        System.err.println("verify: unknown option '" + a + "' (see ./dlab verify --help)");
                        return 2;
                    }
                    positional.add(a);
                }
            }
        }
        if (help || positional.size() != 1) {
            System.out.println("usage: ./dlab verify [--allow-unsupported] <model-folder>\n\n"
                    + "Runs every case of <model-folder>/reference/cases.json through Diffusion Lab and prints\n"
                    + "max abs error vs the bound atol + rtol*max|expected| per field. Exit status 1 when any case fails\n"
                    + "or a case kind is not supported (unless --allow-unsupported, for development); 2 for a bad or empty case file.");
            return help ? 0 : 2;
        }
        Path folder = Path.of(positional.get(0));
        if (!Files.isDirectory(folder)) {
            System.err.println("verify: no such folder " + folder);
            return 2;
        }
        Engines.startAndReport();
        int passed = 0;
        int failed = 0;
        int unsupported = 0;
        List<String> unsupportedKinds = new java.util.ArrayList<>();
        try (ReferenceCases rc = ReferenceCases.open(folder)) {
            if (rc.cases().isEmpty()) {
                System.err.println("verify: " + folder.resolve("reference/cases.json") + " has no cases: nothing to verify");
                return 2;
            }
            System.out.printf("%-14s %-44s %12s %12s  %s%n", "case", "field", "max abs err", "bound", "result");
            for (ReferenceCases.Case c : rc.cases()) {
                Optional<CaseVerifier> v = Verifiers.forKind(c.kind());
                if (v.isEmpty()) {
                    System.out.printf("%-14s %-44s %12s %12s  %s%n", c.id(), "(" + c.kind() + ")", "-", "-", "not supported yet");
                    unsupported++;
                    if (!unsupportedKinds.contains(c.kind())) {
                        unsupportedKinds.add(c.kind());
                    }
                    continue;
                }
                List<String> missing = rc.missingTensors(c);
                if (!missing.isEmpty()) {
                    System.out.printf("%-14s %-44s %12s %12s  FAIL (%s)%n", c.id(), "(" + c.kind() + ")", "-", "-",
                            "missing tensor " + String.join(", ", missing) + " in the tensor file");
                    failed++;
                    continue;
                }
                List<ReferenceCases.Comparison> rows;
                try (NDManager m = Engines.newManager()) {
                    rows = v.get().verify(folder, rc, c, m);
                } catch (RuntimeException e) {
                    System.out.printf("%-14s %-44s %12s %12s  FAIL (%s)%n", c.id(), "(" + c.kind() + ")", "-", "-", e.getMessage());
                    failed++;
                    continue;
                }
                boolean ok = !rows.isEmpty();
                for (ReferenceCases.Comparison r : rows) {
                    System.out.printf("%-14s %-44s %12.3e %12.3e  %s%n", r.caseId(), r.field(), r.maxAbsError(), r.bound(),
                            r.passed() ? "pass" : "FAIL" + (r.note().isEmpty() ? "" : " (" + r.note() + ")"));
                    ok &= r.passed();
                }
                if (ok) {
                    passed++;
                } else {
                    failed++;
                }
            }
        } catch (RuntimeException e) {
            System.err.println("verify: " + e.getMessage());
            return 2;
        }
        System.out.println(passed + " passed, " + failed + " failed" + (unsupported > 0 ? " (" + unsupported + " not supported yet)" : ""));
        if (failed > 0) {
            return 1;
        }
        if (unsupported > 0 && !allowUnsupported) {
            System.err.println("verify: " + unsupported + " case(s) of kind " + String.join(", ", unsupportedKinds)
                    + " are not supported: the folder is not fully verified (--allow-unsupported accepts that during development)");
            return 1;
        }
        return 0;
    }
}
