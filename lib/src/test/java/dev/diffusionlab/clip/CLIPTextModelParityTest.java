package dev.diffusionlab.clip;

import dev.diffusionlab.verify.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CLIPTextModelParityTest {
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> cases() {
        return Fixtures.cases("text_encoder");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matchesTransformers(String model, String caseId) {
        Fixtures.assertCasePasses(model, caseId);
    }
}
