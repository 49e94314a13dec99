package dev.diffusionlab.vae;

import dev.diffusionlab.verify.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AutoencoderKLParityTest {
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> cases() {
        return Fixtures.cases("vae_decode", "vae_encode");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matchesDiffusers(String model, String caseId) {
        Fixtures.assertCasePasses(model, caseId);
    }
}
