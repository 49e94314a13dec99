package dev.diffusionlab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.clip.TextualInversionFile;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.core.Paths;
import dev.diffusionlab.image.Images;
import dev.diffusionlab.pipeline.DefaultModel;
import dev.diffusionlab.safetensors.SafetensorsFile;
import dev.diffusionlab.shapes.MakeItYours;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./dlab textual-inversion} and {@code ./dlab generate --mask/--embedding}: happy paths and one clear error per bad input. */
class MakeItYoursCommandsTest {
    static final String MODEL = Paths.home().resolve(DefaultModel.SHAPES_RELATIVE).toString();

    record Run(int status, String out, String err) {}

    static Run ti(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int s = TextualInversionCommand.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(s, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static Run gen(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int s = GenerateCommand.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(s, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static void assertOneError(Run r, String prefix, String expected) {
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.startsWith(prefix) && r.err.contains(expected) && r.err.strip().lines().count() == 1,
                "expected one line with '" + expected + "', got:\n" + r.err);
    }

    static boolean empty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    @Test
    void teachesAWordThenGeneratesAndInpaintsWithIt(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("zorp.safetensors");
        Run r = ti("--model", MODEL, "--token", "<zorp>", "--shapes", "red circle", "--steps", "3", "--examples", "4", "--batch", "2",
                "--out", file.toString());
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.contains("loss (moving average)") && r.out.contains("wrote " + file), r.out);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertArrayEquals(new long[] {1, 64}, st.info("<zorp>").shape()); // diffusers' format: {token: (1, hidden)}
        }
        Path png = tmp.resolve("zorp.png");
        Run g = gen("--model", MODEL, "--embedding", file.toString(), "--prompt", "a <zorp> on the left", "--steps", "2",
                "--out", png.toString());
        assertEquals(0, g.status, g.err);
        assertTrue(g.out.contains("textual inversion: " + file + " -> [<zorp>]"), g.out);

        MakeItYours.Scene scene = MakeItYours.scene(1);
        Path init = Images.savePng(scene.original().image(), tmp.resolve("init.png"));
        Path mask = Images.savePng(scene.mask(), tmp.resolve("mask.png"));
        Path out = tmp.resolve("inpaint.png");
        Run ip = gen("--model", MODEL, "--prompt", scene.caption(), "--init-image", init.toString(), "--mask", mask.toString(),
                "--steps", "3", "--out", out.toString());
        assertEquals(0, ip.status, ip.err);
        assertTrue(ip.out.contains("masked blending"), ip.out);
        assertEquals(32, Images.load(out).getWidth());
        // --overlay: outside the mask the written picture is the input, pixel for pixel
        Run ov = gen("--model", MODEL, "--prompt", scene.caption(), "--init-image", init.toString(), "--mask", mask.toString(),
                "--overlay", "--steps", "3", "--out", out.toString());
        assertEquals(0, ov.status, ov.err);
        BufferedImage written = Images.load(out);
        int w = written.getWidth();
        for (int i = 0; i < scene.maskPixels().length; i++) {
            if (!scene.maskPixels()[i]) {
                assertEquals(scene.original().image().getRGB(i % w, i / w), written.getRGB(i % w, i / w), "pixel " + i + " outside the mask");
            }
        }
    }

    @Test
    void badTextualInversionInputWritesNothing(@TempDir Path tmp) throws IOException {
        Path outDir = Files.createDirectories(tmp.resolve("out"));
        String out = outDir.resolve("x.safetensors").toString();
        Path emptyImages = Files.createDirectories(tmp.resolve("empty"));
        assertOneError(ti("--model", MODEL, "--token", "<zorp>", "--images", emptyImages.toString(), "--out", out),
                "dlab textual-inversion: ", "holds no .png or .jpg pictures");
        assertOneError(ti("--model", MODEL, "--token", "<|endoftext|>", "--shapes", "red circle", "--steps", "2", "--out", out),
                "dlab textual-inversion: ", "already exists");
        assertOneError(ti("--model", MODEL, "--token", "<zorp>", "--shapes", "pink star", "--out", out),
                "dlab textual-inversion: ", "'<colour> <shape>'");
        assertOneError(ti("--model", MODEL, "--token", "<zorp>", "--shapes", "red circle", "--out", outDir.resolve("x.bin").toString()),
                "dlab textual-inversion: ", "--out FILE.safetensors");
        assertTrue(empty(outDir), "nothing may be written");
    }

    @Test
    void badInpaintingAndEmbeddingInputWritesNothing(@TempDir Path tmp) throws IOException {
        Path outDir = Files.createDirectories(tmp.resolve("out"));
        String png = outDir.resolve("x.png").toString();
        MakeItYours.Scene scene = MakeItYours.scene(2);
        Path init = Images.savePng(scene.original().image(), tmp.resolve("init.png"));
        Path small = Images.savePng(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), tmp.resolve("small.png"));
        BufferedImage colour = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        colour.setRGB(5, 6, 0x00FF00);
        Path coloured = Images.savePng(colour, tmp.resolve("colour.png"));
        assertOneError(gen("--model", MODEL, "--prompt", "a", "--init-image", init.toString(), "--mask", small.toString(), "--out", png),
                "dlab generate: ", "is 16x16 but --init-image is 32x32");
        assertOneError(gen("--model", MODEL, "--prompt", "a", "--init-image", init.toString(), "--mask", coloured.toString(), "--out", png),
                "dlab generate: ", "the mask must be black and white");
        assertOneError(gen("--model", MODEL, "--prompt", "a", "--mask", coloured.toString(), "--out", png),
                "dlab generate: ", "--mask needs --init-image");
        assertOneError(gen("--model", MODEL, "--prompt", "a", "--init-image", init.toString(), "--overlay", "--out", png),
                "dlab generate: ", "--overlay needs --mask");
        Path wide = tmp.resolve("wide.safetensors");
        try (NDManager m = Engines.newCpuManager()) {
            TextualInversionFile.save(wide, "<wide>", m.ones(new Shape(1, 48)));
        }
        assertOneError(gen("--model", MODEL, "--embedding", wide.toString(), "--prompt", "a <wide>", "--out", png),
                "dlab generate: ", "has width 48 but the text encoder's hidden size is 64");
        assertTrue(empty(outDir), "nothing may be written");
        assertFalse(Files.exists(Path.of(png)));
    }
}
