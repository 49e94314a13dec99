package dev.diffusionlab.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.diffusionlab.core.Paths;
import dev.diffusionlab.pipeline.DefaultModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShapesCommandsTest {
    @Test
    void evalShapesPrintsBothTablesAndEndsWithThePassedFailedLine(@TempDir Path dir) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = EvalShapesCommand.run(new String[] {"--model", Paths.home().resolve(DefaultModel.SHAPES_RELATIVE).toString(),
                "--samples", "3", "--steps", "3", "--guidance", "1,3", "--out", dir.toString()});
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.print(out);
        assertTrue(out.contains("caption accuracy") && out.contains("attention faithfulness") && out.contains("pointing"), out);
        List<String> lines = out.lines().toList();
        Matcher mt = Pattern.compile("(\\d+) passed, (\\d+) failed").matcher(lines.get(lines.size() - 1));
        assertTrue(mt.matches(), "last line: " + lines.get(lines.size() - 1));
        int passed = Integer.parseInt(mt.group(1));
        int failed = Integer.parseInt(mt.group(2));
        assertEquals(3, passed + failed);
        assertEquals(failed == 0 ? 0 : 1, rc);
        assertEquals(1 + 2 * 2, Files.readAllLines(dir.resolve("quality.csv")).size(), "header + 2 splits × 2 guidances");
        assertTrue(Files.isRegularFile(dir.resolve("attention.csv")) && Files.isRegularFile(dir.resolve("targets.csv")));
        // the report: the printed tables as text, the HTML page with its two pictures
        String txt = Files.readString(dir.resolve("report.txt"));
        assertTrue(out.contains(txt), "report.txt is what was printed");
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<img src=\"grid.png\"") && html.contains("<img src=\"accuracy.png\"")
                && html.contains(passed + " passed, " + failed + " failed"), html);
        java.awt.image.BufferedImage grid = javax.imageio.ImageIO.read(dir.resolve("grid.png").toFile());
        // 3 held-in + 3 held-out generations at the best guidance: two row blocks of one row, six cells wide
        assertEquals(6 * (32 * 4 + 16) + 8, grid.getWidth());
        assertEquals(2 * (22 + 32 * 4 + 16 + 4 * 13 + 8), grid.getHeight());
        java.awt.image.BufferedImage bars = javax.imageio.ImageIO.read(dir.resolve("accuracy.png").toFile());
        assertEquals(640, bars.getWidth());
        assertEquals(360, bars.getHeight());
    }

    @Test
    void gridFramesEachGenerationGreenWhenEveryAttributeIsRightElseRed() {
        dev.diffusionlab.shapes.ShapesWorld world = new dev.diffusionlab.shapes.ShapesWorld(dev.diffusionlab.shapes.ShapesWorld.Config.defaults());
        java.util.List<dev.diffusionlab.shapes.ShapesSample> caps = dev.diffusionlab.shapes.ShapesEval.captions(world,
                dev.diffusionlab.shapes.ShapesWorld.Split.TRAIN, 2);
        dev.diffusionlab.shapes.ShapesAnalyser an = new dev.diffusionlab.shapes.ShapesAnalyser();
        // the world's own drawing scores right; a blank picture scores wrong
        java.awt.image.BufferedImage blank = new java.awt.image.BufferedImage(32, 32, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.util.List<dev.diffusionlab.shapes.ShapesEval.Sample> samples = java.util.List.of(
                new dev.diffusionlab.shapes.ShapesEval.Sample("held-in", 3, caps.get(0), caps.get(0).image(), an.score(caps.get(0).image(), caps.get(0).caption()), null),
                new dev.diffusionlab.shapes.ShapesEval.Sample("held-in", 3, caps.get(1), blank, an.score(blank, caps.get(1).caption()), null));
        assertTrue(samples.get(0).score().all() && !samples.get(1).score().all());
        dev.diffusionlab.shapes.ShapesEval.Report r = new dev.diffusionlab.shapes.ShapesEval.Report(java.util.List.of(), java.util.List.of(),
                java.util.List.of(), 3, samples);
        java.awt.image.BufferedImage g = dev.diffusionlab.shapes.ShapesReport.grid(r);
        int cell = 32 * 4 + 16;
        // frame pixels: left edge of each picture's frame, halfway down
        int y = 22 + 2 + 64;
        assertEquals(new java.awt.Color(0, 140, 60).getRGB(), g.getRGB(4 + 6, y));
        assertEquals(new java.awt.Color(200, 30, 30).getRGB(), g.getRGB(4 + cell + 6, y));
    }

    @Test
    void v2TrainAndEvalRunEndToEndOnATinyModel(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("v2");
        assertEquals(0, TrainShapesCommand.run(new String[] {"--world", "v2", "--tiny", "--vae-steps", "3", "--unet-steps", "4",
            "--fp32", "--quiet", "--out", model.toString()}));
        assertTrue(Files.isRegularFile(model.resolve("recipe.json")));
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        Path rep = dir.resolve("report");
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            // no --world: a 64-pixel shapes-world folder is evaluated as v2 (three splits, 1st/2nd/3rd object words)
            rc = EvalShapesCommand.run(new String[] {"--model", model.toString(), "--samples", "2", "--steps", "2", "--out", rep.toString()});
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.print(out);
        assertTrue(out.contains("held-out triple") && out.contains("pointing (intended)") && out.contains("targets (issue 16)"), out);
        List<String> lines = out.lines().toList();
        Matcher mt = Pattern.compile("(\\d+) passed, (\\d+) failed").matcher(lines.get(lines.size() - 1));
        assertTrue(mt.matches(), "last line: " + lines.get(lines.size() - 1));
        assertEquals(19, Integer.parseInt(mt.group(1)) + Integer.parseInt(mt.group(2)));
        assertEquals(1, rc, "a 4-step model fails the targets");
        assertEquals(1 + 3, Files.readAllLines(rep.resolve("quality.csv")).size(), "header + 3 splits");
        assertTrue(Files.size(rep.resolve("report.png")) > 10_000 && Files.isRegularFile(rep.resolve("report.txt")));
        assertEquals(2, EvalShapesCommand.run(new String[] {"--model", model.toString(), "--guidance", "1,3"}), "v2 takes one guidance");
        assertEquals(2, TrainShapesCommand.run(new String[] {"--world", "v3"}));
    }

    @Test
    void badInputGivesExitStatus2() {
        assertEquals(2, EvalShapesCommand.run(new String[] {"--samples", "0"}));
        assertEquals(2, EvalShapesCommand.run(new String[] {"--guidance", "1,x"}));
        assertEquals(2, EvalShapesCommand.run(new String[] {"--unicorn"}));
        assertEquals(2, EvalShapesCommand.run(new String[] {"--model", Paths.home().resolve(DefaultModel.RELATIVE).toString()}),
                "a 64-pixel SD-shaped folder is not a shapes-world model");
        assertEquals(0, EvalShapesCommand.run(new String[] {"--help"}));
        assertEquals(2, TrainShapesCommand.run(new String[] {"--minutes", "-1"}));
        assertEquals(2, TrainShapesCommand.run(new String[] {"--batch", "zero"}));
        assertEquals(2, TrainShapesCommand.run(new String[] {"--unicorn"}));
        assertEquals(0, TrainShapesCommand.run(new String[] {"--help"}));
    }
}
