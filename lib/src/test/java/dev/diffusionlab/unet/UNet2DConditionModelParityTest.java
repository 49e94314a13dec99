package dev.diffusionlab.unet;

import dev.diffusionlab.verify.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class UNet2DConditionModelParityTest {
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> cases() {
        return Fixtures.cases("unet");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matchesDiffusers(String model, String caseId) {
        Fixtures.assertCasePasses(model, caseId);
    }
}
