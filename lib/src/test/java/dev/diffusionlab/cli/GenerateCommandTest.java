package dev.diffusionlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusionlab.core.Paths;
import dev.diffusionlab.image.Images;
import dev.diffusionlab.pipeline.DefaultModel;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateCommandTest {
    static final String MODEL = Paths.home().resolve(DefaultModel.RELATIVE).toString();

    record Run(int status, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int s = GenerateCommand.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(s, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static void assertBad(String expected, String... args) {
        Run r = run(args);
        assertEquals(2, r.status, r.err);
        assertEquals("dlab generate: " + expected + "\n", r.err, "one error line, no stack trace");
    }

    @Test
    void writesThePngAndPrintsStageTimes(@TempDir Path tmp) {
        Path out = tmp.resolve("img.png");
        Run r = run("--model", MODEL, "--prompt", "a red circle", "--steps", "2", "--height", "64", "--width", "96", "--seed", "5",
                "--scheduler", "euler_a", "--out", out.toString());
        assertEquals(0, r.status, r.err);
        BufferedImage img = Images.load(out);
        assertEquals(96, img.getWidth());
        assertEquals(64, img.getHeight());
        for (String s : new String[] {"text encoder", "UNet per step", "VAE decode", "total", "cpu()", "fp32", "RANDOM weights"}) {
            assertTrue(r.out.contains(s), "missing '" + s + "' in:\n" + r.out);
        }
        Path out2 = tmp.resolve("img2img.png");
        Run i2i = run("--model", MODEL, "--prompt", "a cat", "--steps", "4", "--init-image", out.toString(), "--strength", "0.5",
                "--height", "64", "--width", "64", "--cfg", "1", "--scheduler", "ddim", "--out", out2.toString());
        assertEquals(0, i2i.status, i2i.err);
        assertTrue(i2i.out.contains("(2 steps"), i2i.out); // int(4 · 0.5) of the 4 DDIM steps run
    }

    @Test
    void attentionSlicingAndVaeTilingKeepTheImage(@TempDir Path tmp) throws Exception {
        String[] base = {"--model", MODEL, "--prompt", "a red circle", "--steps", "2", "--height", "64", "--width", "64", "--seed", "3"};
        Path plain = tmp.resolve("plain.png");
        Path sliced = tmp.resolve("sliced.png");
        assertEquals(0, run(concat(base, "--out", plain.toString())).status);
        // slicing: same numbers; tiling: a 64×64 image fits one VAE tile, so tiling does not engage
        Run r = run(concat(base, "--attention-slicing", "max", "--vae-tiling", "--out", sliced.toString()));
        assertEquals(0, r.status, r.err);
        BufferedImage a = Images.load(plain);
        BufferedImage b = Images.load(sliced);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                assertEquals(a.getRGB(x, y), b.getRGB(x, y), "pixel " + x + "," + y);
            }
        }
        assertBad("--attention-slicing must be auto, max, off or a slice size, got 'half'", "--prompt", "a", "--attention-slicing", "half",
                "--out", tmp.resolve("x.png").toString());
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void badInputIsOneLineAndStatus2(@TempDir Path tmp) {
        String o = tmp.resolve("x.png").toString();
        assertBad("--height and --width must be positive multiples of 8, got 60x64", "--model", MODEL, "--prompt", "a", "--height", "60",
                "--width", "64", "--out", o);
        assertBad("--steps must be >= 1, got 0", "--model", MODEL, "--prompt", "a", "--steps", "0", "--out", o);
        assertBad("--strength must be in (0, 1], got 1.5", "--model", MODEL, "--prompt", "a", "--init-image", MODEL + "/README.md",
                "--strength", "1.5", "--out", o);
        assertBad("--strength needs --init-image", "--model", MODEL, "--prompt", "a", "--strength", "0.5", "--out", o);
        assertBad("--steps must be an integer, got 'x'", "--prompt", "a", "--steps", "x", "--out", o);
        assertBad("--prompt is required", "--out", o);
        assertBad("--dtype must be fp32, fp16 or bf16, got 'int8'", "--prompt", "a", "--dtype", "int8", "--out", o);
        assertBad("--dtype bf16 is not supported by DJL 0.36's PyTorch engine (it aborts on bfloat16 arrays); use fp16 or fp32",
                "--prompt", "a", "--dtype", "bf16", "--out", o);
        Run r = run("--model", MODEL, "--prompt", "a", "--scheduler", "magic", "--out", o);
        assertEquals(2, r.status);
        assertTrue(r.err.startsWith("dlab generate: unknown scheduler 'magic'; known: ddpm, ddim, pndm, lms, euler, euler_a"), r.err);
        assertEquals(1, r.err.lines().count());
        assertBad(tmp + ": no model_index.json (not a diffusers pipeline folder)", "--model", tmp.toString(), "--prompt", "a", "--out", o);
    }

    @Test
    void attentionMapsWriteOnePngPerWordTheGridAndStats(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("maps");
        Run r = run("--model", MODEL, "--prompt", "a red cat", "--steps", "2", "--seed", "3", "--attention-maps", dir.toString(),
                "--out", tmp.resolve("img.png").toString());
        assertEquals(0, r.status, r.err);
        for (String f : new String[] {"00-a.png", "01-red.png", "02-cat.png", "grid.png", "stats.json", "stats.csv"}) {
            assertTrue(java.nio.file.Files.isRegularFile(dir.resolve(f)), "missing " + f + " in " + dir);
        }
        java.util.List<String> csv = java.nio.file.Files.readAllLines(dir.resolve("stats.csv"));
        assertEquals("word,positions,peak_x,peak_y,peak,mean,top10_mass", csv.get(0));
        assertEquals(4, csv.size(), "header + one row per word: " + csv);
        for (String row : csv.subList(1, csv.size())) {
            double top10 = Double.parseDouble(row.substring(row.lastIndexOf(',') + 1));
            assertTrue(top10 >= 0.1 - 1e-6 && top10 <= 1.0, "the top 10 % of pixels hold at least 10 % of the mass: " + row);
        }
    }
}
