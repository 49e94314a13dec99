package dev.diffusionlab.shapes;

import static org.junit.jupiter.api.Assertions.*;

import dev.diffusionlab.shapes.Caption.WordKind;
import dev.diffusionlab.shapes.ShapesWorldV2.Split;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The v2 metrics on hand-made "generations": the world's own pictures with hand-made attention maps of known scores. */
class ShapesEvalV2Test {
    @TempDir
    Path dir;

    private final ShapesWorldV2 world = new ShapesWorldV2(ShapesWorldV2.Config.defaults());
    private final ShapesAnalyserV2 analyser = new ShapesAnalyserV2();

    /** Shape words: the object's mask; colour words: its inverse; position words: one peak at the object's centre; size words: flat. */
    private Map<Integer, float[]> handMadeMaps(ShapesSample s) {
        Map<Integer, float[]> maps = new LinkedHashMap<>();
        for (Caption.Word w : Caption.words(s.caption())) {
            boolean[] mask = s.objects().get(Math.max(0, w.object())).mask();
            float[] m = new float[mask.length];
            switch (w.kind()) {
                case SHAPE -> { for (int i = 0; i < m.length; i++) m[i] = mask[i] ? 1 : 0; }
                case COLOUR -> { for (int i = 0; i < m.length; i++) m[i] = mask[i] ? 0 : 1; }
                case POSITION -> {
                    ShapesSample.DrawnObject o = s.objects().get(w.object());
                    m[(int) o.cy() * s.width() + (int) o.cx()] = 1;
                }
                case SIZE -> { }
                default -> { continue; }
            }
            maps.put(w.index(), m);
        }
        return maps;
    }

    private List<ShapesEvalV2.Generated> generations(int perSplit, boolean blankFirst) {
        List<ShapesEvalV2.Generated> gens = new ArrayList<>();
        for (Split split : Split.values()) {
            List<ShapesSample> caps = ShapesEvalV2.captions(world, split, perSplit);
            for (int i = 0; i < caps.size(); i++) {
                ShapesSample s = caps.get(i);
                BufferedImage img = blankFirst && i == 0 ? blank() : s.image();
                gens.add(new ShapesEvalV2.Generated(split, s, img, analyser.score(img, s.caption()), handMadeMaps(s)));
            }
        }
        return gens;
    }

    private static BufferedImage blank() {
        BufferedImage b = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 64 * 64; i++) {
            b.setRGB(i % 64, i / 64, Vocab.BACKGROUND.getRGB());
        }
        return b;
    }

    @Test
    void perfectPicturesAndHandMadeMapsScoreAsConstructed() {
        ShapesEvalV2.Report r = ShapesEvalV2.score(generations(12, false));
        assertEquals(3, r.quality().size());
        for (ShapesEvalV2.Quality q : r.quality()) {
            assertEquals(12, q.n());
            for (double v : new double[] {q.colour(), q.shape(), q.position(), q.size(), q.count(), q.whole()}) {
                assertEquals(1.0, v, 0.0, q.toString());
            }
        }
        // every kind × object slot of every split, and the slots follow the captions
        for (ShapesEvalV2.Pointing p : r.attention()) {
            switch (p.words()) {
                case "shape" -> { assertEquals(1.0, p.pointing(), 0.0); assertEquals(1.0, p.iou(), 1e-12); }
                case "colour" -> { assertEquals(0.0, p.pointing(), 0.0); assertEquals(0.0, p.iou(), 0.0); }
                case "position" -> assertEquals(1.0, p.pointing(), 0.0, p.toString());
                case "size" -> assertEquals(0.0, p.pointing(), 0.0, "a flat map's maximum is pixel 0, outside every object");
                default -> fail(p.words());
            }
            assertEquals(p.n(), p.nIntended(), "clean pictures: every object is found");
            assertEquals(p.pointing(), p.pointingIntended(), 0.0);
        }
        // chance = mean share of the image covered by the masks, computed here independently
        ShapesEvalV2.Pointing shape1 = r.attention().stream().filter(p -> p.split().equals("held-in") && p.words().equals("shape")
                && p.object() == 1).findFirst().orElseThrow();
        double share = 0;
        for (ShapesSample s : ShapesEvalV2.captions(world, Split.TRAIN, 12)) {
            share += s.objects().get(0).area() / 4096.0;
        }
        assertEquals(12, shape1.n());
        assertEquals(share / 12, shape1.chance(), 1e-12);
        assertTrue(r.attention().stream().anyMatch(p -> p.object() == 3), "third objects are scored");
        assertEquals(3 * 4 * 3, r.attention().size());
        // the targets, unlowered: 5 held-in + 4 + 4 held-out + 3 word kinds × 2 objects
        assertEquals(19, r.targets().size());
        assertEquals(2, r.failed(), r.targetTable().printAll());
        assertTrue(r.targets().stream().filter(t -> !t.passed()).allMatch(t -> t.name().contains("colour words")));
        assertEquals(0.97, r.targets().stream().filter(t -> t.name().equals("held-in colour")).findFirst().orElseThrow().threshold());
        assertTrue(r.text().endsWith("17 passed, 2 failed\n"), r.text());
    }

    @Test
    void aMissingObjectIsWrongInQualityAndSkippedForTheGeneratedMask() throws Exception {
        ShapesEvalV2.Report r = ShapesEvalV2.score(generations(10, true));
        for (ShapesEvalV2.Quality q : r.quality()) {
            assertEquals(0.9, q.colour(), 1e-12);
            assertEquals(0.9, q.whole(), 1e-12);
        }
        ShapesEvalV2.Pointing shape1 = r.attention().stream().filter(p -> p.split().equals("held-in") && p.words().equals("shape")
                && p.object() == 1).findFirst().orElseThrow();
        assertEquals(9, shape1.n());
        assertEquals(10, shape1.nIntended());
        assertTrue(r.targets().stream().anyMatch(t -> t.name().equals("held-in colour") && !t.passed()));

        Path png = dir.resolve("report.png");
        ShapesReportImage.write(png, r.image(4));
        BufferedImage back = ImageIO.read(png.toFile());
        assertTrue(back.getWidth() >= 4 * 150 && back.getHeight() > 3 * 64 * 3, back.getWidth() + "x" + back.getHeight());
        // the first tile (blank generation) has a red frame, the second a green one
        assertEquals(0xC82828, back.getRGB(2, 2) & 0xFFFFFF);
        int cell = Math.max(64 * 3, 150) + 8;
        assertEquals(0x28963C, back.getRGB(cell + 2, 2) & 0xFFFFFF);
    }

    @Test
    void everyContentWordKindIsScored() {
        assertEquals(List.of(WordKind.SIZE, WordKind.COLOUR, WordKind.SHAPE, WordKind.POSITION), ShapesEvalV2.CONTENT);
        assertThrows(IllegalArgumentException.class, () -> ShapesEvalV2.score(List.of(new ShapesEvalV2.Generated(Split.TRAIN,
                world.sample(0, Split.TRAIN), world.sample(0, Split.TRAIN).image(), analyser.score(world.sample(0, Split.TRAIN).image(),
                world.sample(0, Split.TRAIN).caption()), Map.of()))));
    }
}
