package org.example.student;

import ai.djl.ndarray.NDManager;
import dev.diffusionlab.attention.AttentionCapture;
import dev.diffusionlab.attention.AttentionMapsWriter;
import dev.diffusionlab.attention.AttentionRun;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.image.Images;
import dev.diffusionlab.pipeline.DefaultModel;
import dev.diffusionlab.pipeline.GenerationRequest;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Generates one image with the library's default model (the trained shapes world, shipped in the jar) and
 * writes it with one cross-attention map per prompt word.
 *
 * <pre>java -cp "target/classes:target/lib/*" org.example.student.AttentionDemo [OUT_DIR] [PROMPT]</pre>
 */
public final class AttentionDemo {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "out");
        String prompt = args.length > 1 ? args[1] : "on the left a red circle and at the bottom a small blue square";
        Path model = DefaultModel.folder(); // no DLAB_HOME needed: extracted from the jar on first use
        System.out.println("model: " + model);
        Files.createDirectories(out);
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(model);
             NDManager manager = Engines.newManager();
             AttentionCapture capture = AttentionCapture.builder().build()) {
            GenerationRequest request = GenerationRequest.of(prompt).steps(20).guidance(7.5).seed(1);
            StableDiffusionPipeline.Result result = AttentionRun.generate(sd, request, manager, capture);
            result.warnings().forEach(w -> System.out.println("warning: " + w));
            Path image = out.resolve("image.png");
            Images.savePng(result.images().get(0), image);
            List<Path> maps = AttentionMapsWriter.write(out.resolve("attention"), capture.maps(), 0, result.images().get(0));
            System.out.println("wrote " + image + " and " + maps.size() + " attention files in " + out.resolve("attention"));
        }
    }
}
