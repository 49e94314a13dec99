package dev.diffusionlab.shapes;

import static org.junit.jupiter.api.Assertions.*;

import dev.diffusionlab.shapes.ShapesSample.DrawnObject;
import dev.diffusionlab.shapes.ShapesWorldV2.Split;
import dev.diffusionlab.shapes.Vocab.Colour;
import dev.diffusionlab.shapes.Vocab.Position;
import dev.diffusionlab.shapes.Vocab.ShapeType;
import java.awt.Color;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The v2 world's invariants: splits, masks, anti-aliasing, sharp squares, palette, caption order. */
class ShapesWorldV2Test {
    private final ShapesWorldV2 world = new ShapesWorldV2(ShapesWorldV2.Config.defaults());

    private static String triple(ObjectSpec s) {
        return s.colour().word() + " " + s.shape().word() + " " + s.position().word();
    }

    @Test
    void samplesAreDeterministicAndCaptionsParseBack() {
        for (int i = 0; i < 50; i++) {
            ShapesSample a = world.sample(i, Split.TRAIN);
            ShapesSample b = world.sample(i, Split.TRAIN);
            assertEquals(a.caption(), b.caption());
            assertArrayEquals(a.image().getRGB(0, 0, 64, 64, null, 0, 64), b.image().getRGB(0, 0, 64, 64, null, 0, 64));
            assertEquals(a.objects().stream().map(DrawnObject::spec).toList(), Caption.parse(a.caption()));
            assertEquals(64, a.width());
        }
    }

    @Test
    void splitsKeepTheHeldOutPairAndTripleApart() {
        int[] counts = new int[4];
        for (int i = 0; i < 600; i++) {
            for (ObjectSpec s : world.sample(i, Split.TRAIN).objects().stream().map(DrawnObject::spec).toList()) {
                assertNotEquals("purple triangle", s.combo());
                assertNotEquals("red square top", triple(s));
            }
            counts[world.sample(i, Split.TRAIN).objects().size()]++;
            List<ObjectSpec> pair = world.sample(i, Split.HELD_OUT_PAIR).objects().stream().map(DrawnObject::spec).toList();
            assertEquals(1, pair.stream().filter(s -> s.combo().equals("purple triangle")).count(), pair.toString());
            assertTrue(pair.stream().noneMatch(s -> triple(s).equals("red square top")));
            List<ObjectSpec> tri = world.sample(i, Split.HELD_OUT_TRIPLE).objects().stream().map(DrawnObject::spec).toList();
            assertEquals(1, tri.stream().filter(s -> triple(s).equals("red square top")).count(), tri.toString());
            assertTrue(tri.stream().noneMatch(s -> s.combo().equals("purple triangle")));
        }
        // 1, 2, 3 objects with probabilities 0.2, 0.4, 0.4 (±4 σ)
        assertEquals(120, counts[1], 40);
        assertEquals(240, counts[2], 48);
        assertEquals(240, counts[3], 48);
        // the triple's pair is seen in training, elsewhere
        boolean seen = false;
        for (int i = 0; i < 3000 && !seen; i++) {
            seen = world.sample(i, Split.TRAIN).objects().stream().anyMatch(o -> o.spec().combo().equals("red square"));
        }
        assertTrue(seen, "'red square' never appears in training");
    }

    @Test
    void masksAreDisjointSeparatedAndEveryContentWordHasItsObjectsMask() {
        for (int i = 0; i < 300; i++) {
            ShapesSample s = world.sample(i, Split.values()[i % 3]);
            List<DrawnObject> o = s.objects();
            assertEquals(o.size(), o.stream().map(x -> x.spec().position()).distinct().count(), "positions differ");
            assertEquals(o.size(), o.stream().map(x -> x.spec().colour()).distinct().count(), "colours differ");
            for (int a = 0; a < o.size(); a++) {
                assertTrue(o.get(a).area() > 40, s.caption() + ": object " + a + " has " + o.get(a).area() + " pixels");
                for (int b = a + 1; b < o.size(); b++) {
                    assertTrue(gap(o.get(a).mask(), o.get(b).mask(), 64) >= ShapesWorldV2.MIN_GAP, s.caption());
                }
            }
            int content = 0;
            for (Caption.Word w : Caption.words(s.caption())) {
                if (ShapesEvalV2.CONTENT.contains(w.kind())) {
                    content++;
                    ShapesSample.WordMask m = s.wordMasks().stream().filter(x -> x.word().index() == w.index()).findFirst().orElseThrow();
                    assertSame(o.get(w.object()).mask(), m.mask(), "word '" + w.text() + "' of " + s.caption());
                }
            }
            assertEquals(content, s.wordMasks().size());
        }
    }

    @Test
    void placeFirstCaptionsSayTheSamePictureWithThePlaceBeforeEachObject() {
        ShapesWorldV2 placeFirst = new ShapesWorldV2(ShapesWorldV2.Config.defaults().withCaptionOrder(Caption.Order.PLACE_FIRST));
        ShapesWorldV2 colourFirst = new ShapesWorldV2(ShapesWorldV2.Config.defaults().withCaptionOrder(Caption.Order.COLOUR_FIRST));
        assertEquals(Caption.Order.PLACE_FIRST, ShapesWorldV2.Config.defaults().captionOrder(), "the shipped v2 model's order");
        for (int i = 0; i < 200; i++) {
            Split split = Split.values()[i % 3];
            ShapesSample a = colourFirst.sample(i, split);
            ShapesSample b = placeFirst.sample(i, split);
            assertArrayEquals(a.image().getRGB(0, 0, 64, 64, null, 0, 64), b.image().getRGB(0, 0, 64, 64, null, 0, 64), "same picture");
            assertEquals(Caption.parse(a.caption()), Caption.parse(b.caption()), b.caption());
            assertEquals(Caption.Order.PLACE_FIRST, Caption.order(b.caption()));
            assertEquals(b.caption(), Caption.format(Caption.parse(b.caption()), Caption.Order.PLACE_FIRST));
            assertTrue(b.caption().startsWith("on the ") || b.caption().startsWith("at the ") || b.caption().startsWith("in the "), b.caption());
            // every content word's mask is its own object's, at the word's place-first index
            String[] words = b.caption().split(" ");
            for (ShapesSample.WordMask m : b.wordMasks()) {
                assertEquals(words[m.word().index()], m.word().text(), b.caption());
                assertSame(b.objects().get(m.word().object()).mask(), m.mask(), "word '" + m.word().text() + "' of " + b.caption());
            }
            assertEquals(a.wordMasks().size(), b.wordMasks().size());
            // re-ordering keeps the caption's order
            int n = b.objects().size();
            int[] reversed = java.util.stream.IntStream.range(0, n).map(k -> n - 1 - k).toArray();
            ShapesSample r = ShapesWorldV2.reorder(b, reversed);
            assertEquals(Caption.Order.PLACE_FIRST, Caption.order(r.caption()), r.caption());
            assertEquals(b.objects().get(n - 1).spec(), Caption.parse(r.caption()).get(0));
            // a twin keeps the sample's order, whichever world redraws it
            ShapeType other = ShapeType.values()[(b.objects().get(0).spec().shape().ordinal() + 1) % 3];
            assertEquals(Caption.Order.PLACE_FIRST, Caption.order(colourFirst.withShape(b, 0, other, new java.util.Random(i)).caption()));
            assertEquals(Caption.Order.COLOUR_FIRST, Caption.order(placeFirst.withSize(a, 0, Vocab.Size.LARGE, new java.util.Random(i)).caption()));
        }
        assertEquals("on the left a red circle and at the top a small blue square",
                Caption.format(List.of(new ObjectSpec(Colour.RED, ShapeType.CIRCLE, null, Position.LEFT),
                        new ObjectSpec(Colour.BLUE, ShapeType.SQUARE, Vocab.Size.SMALL, Position.TOP)), Caption.Order.PLACE_FIRST));
    }

    @Test
    void aCaptionInTheOtherOrderGetsAHintInTheModelsOrder(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        // no recipe (a v1 folder): colour first
        assertNull(ShapesWorlds.orderHint(dir, "a red circle on the left"));
        assertTrue(ShapesWorlds.orderHint(dir, "on the left a red circle").endsWith("\"a red circle on the left\""));
        java.nio.file.Files.writeString(dir.resolve("recipe.json"), "{\"world\": {\"caption_order\": \"place-first\"}}");
        assertNull(ShapesWorlds.orderHint(dir, "on the left a red circle and at the top a small blue square"));
        String hint = ShapesWorlds.orderHint(dir, "a red circle on the left and a small blue square at the top");
        assertTrue(hint.contains("the place first") && hint.endsWith("\"on the left a red circle and at the top a small blue square\""), hint);
        assertNull(ShapesWorlds.orderHint(dir, "a photo of a cat"), "not a caption: no hint (the vocabulary warning covers it)");
    }

    @Test
    void aModelFoldersRecipeSaysItsCaptionOrder(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        assertEquals(Caption.Order.COLOUR_FIRST, ShapesWorldV2.Config.forModel(dir).captionOrder(), "no recipe: the first v2 runs' order");
        java.nio.file.Files.writeString(dir.resolve("recipe.json"), "{\"world\": {\"size\": 64, \"caption_order\": \"place-first\"}}");
        assertEquals(Caption.Order.PLACE_FIRST, ShapesWorldV2.Config.forModel(dir).captionOrder());
        java.nio.file.Files.writeString(dir.resolve("recipe.json"), "{\"world\": {\"size\": 64}}");
        assertEquals(Caption.Order.COLOUR_FIRST, ShapesWorldV2.Config.forModel(dir).captionOrder());
        java.nio.file.Files.writeString(dir.resolve("recipe.json"), "{\"world\": {\"caption_order\": \"shape-first\"}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShapesWorldV2.Config.forModel(dir));
        assertTrue(e.getMessage().contains("recipe.json") && e.getMessage().contains("shape-first"), e.getMessage());
    }

    /** Smallest Chebyshev gap in pixels between two masks' bounding boxes, minus one (adjacent pixels: 0). */
    private static int gap(boolean[] a, boolean[] b, int w) {
        int[] ba = box(a, w);
        int[] bb = box(b, w);
        int gx = Math.max(bb[0] - ba[2], ba[0] - bb[2]) - 1;
        int gy = Math.max(bb[1] - ba[3], ba[1] - bb[3]) - 1;
        return Math.max(gx, gy);
    }

    private static int[] box(boolean[] m, int w) {
        int[] b = {w, w, -1, -1};
        for (int i = 0; i < m.length; i++) {
            if (m[i]) {
                b[0] = Math.min(b[0], i % w);
                b[1] = Math.min(b[1], i / w);
                b[2] = Math.max(b[2], i % w);
                b[3] = Math.max(b[3], i / w);
            }
        }
        return b;
    }

    @Test
    void squaresAreSharpAndCirclesAntiAliased() {
        int squares = 0;
        int circlesWithBlend = 0;
        for (int i = 0; i < 100; i++) {
            ShapesSample s = world.sample(i, Split.TRAIN);
            for (DrawnObject o : s.objects()) {
                int rgb = ShapesWorldV2.rgb(o.spec().colour()).getRGB() & 0xFFFFFF;
                int[] b = box(o.mask(), 64);
                int partial = 0;
                for (int y = Math.max(0, b[1] - 1); y <= Math.min(63, b[3] + 1); y++) {
                    for (int x = Math.max(0, b[0] - 1); x <= Math.min(63, b[2] + 1); x++) {
                        int p = s.image().getRGB(x, y) & 0xFFFFFF;
                        boolean in = o.mask()[y * 64 + x];
                        if (o.spec().shape() == ShapeType.SQUARE) {
                            // every pixel is the colour (inside) or the background (outside): no blended edge, square corners
                            assertEquals(in ? rgb : Vocab.BACKGROUND.getRGB() & 0xFFFFFF, p, s.caption() + " at " + x + "," + y);
                        } else if (p != rgb && p != (Vocab.BACKGROUND.getRGB() & 0xFFFFFF)) {
                            partial++;
                        }
                    }
                }
                if (o.spec().shape() == ShapeType.SQUARE) {
                    squares++;
                    assertEquals((b[2] - b[0] + 1) * (b[3] - b[1] + 1), o.area(), "a square fills its box");
                } else if (o.spec().shape() == ShapeType.CIRCLE && partial > 8) {
                    circlesWithBlend++;
                }
            }
        }
        assertTrue(squares > 20);
        assertTrue(circlesWithBlend > 20, "circles should have blended (anti-aliased) edge pixels");
    }

    @Test
    void paletteKeepsOrangeClearOfYellowAndRed() {
        for (Colour a : Colour.values()) {
            for (Colour b : Colour.values()) {
                if (a.ordinal() < b.ordinal()) {
                    double d = dist(ShapesWorldV2.rgb(a), ShapesWorldV2.rgb(b));
                    assertTrue(d >= 100, a + " and " + b + " are only " + d + " apart in RGB");
                }
            }
        }
    }

    private static double dist(Color a, Color b) {
        double r = a.getRed() - b.getRed();
        double g = a.getGreen() - b.getGreen();
        double bl = a.getBlue() - b.getBlue();
        return Math.sqrt(r * r + g * g + bl * bl);
    }

    @Test
    void captionsNameObjectsInEitherOrderAndReorderKeepsThePicture() {
        Set<String> orders = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            List<DrawnObject> o = world.sample(i, Split.TRAIN).objects();
            if (o.size() == 2) {
                orders.add(o.get(0).spec().position().word() + ">" + o.get(1).spec().position().word());
            }
        }
        assertTrue(orders.contains("left>right") && orders.contains("right>left"), orders.toString());
        ShapesSample s = null;
        for (int i = 0; s == null || s.objects().size() != 3; i++) {
            s = world.sample(i, Split.TRAIN);
        }
        ShapesSample r = ShapesWorldV2.reorder(s, new int[] {2, 0, 1});
        assertSame(s.image(), r.image());
        assertEquals(List.of(s.objects().get(2), s.objects().get(0), s.objects().get(1)), r.objects());
        assertTrue(r.caption().startsWith(Caption.format(List.of(s.objects().get(2).spec()), Caption.order(s.caption()))), r.caption());
        for (ShapesSample.WordMask m : r.wordMasks()) {
            assertSame(r.objects().get(m.word().object()).mask(), m.mask());
        }
        ShapesSample one = s;
        assertThrows(IllegalArgumentException.class, () -> ShapesWorldV2.reorder(one, new int[] {0, 0, 1}));
    }

    @Test
    void badConfigsFailNamingTheValue() {
        var d = ShapesWorldV2.Config.defaults();
        assertThrows(IllegalArgumentException.class, () -> d.withObjectCounts(0.5, 0.5, 0.5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ShapesWorldV2.Config(64, new double[] {0, 1, 0}, 0.5,
                Set.of("purple triangle"), Set.of("purple triangle left")));
        assertTrue(e.getMessage().contains("purple triangle left"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ShapesWorldV2.Config(64, new double[] {0, 1, 0}, 0.5, Set.of(),
                Set.of("red square middle")));
        assertThrows(IllegalArgumentException.class, () -> world.render(List.of(new ObjectSpec(Colour.RED, ShapeType.CIRCLE, null,
                Position.LEFT), new ObjectSpec(Colour.BLUE, ShapeType.CIRCLE, null, Position.LEFT)), new java.util.Random(0)));
    }

    @Test
    void aShapeTwinChangesOneShapeWordAndNothingElseThatTheCaptionSays() {
        ShapesWorldV2 world = new ShapesWorldV2(ShapesWorldV2.Config.defaults());
        ShapesSample s = world.sample(3, Split.TRAIN);
        ShapesSample twin = world.withShape(s, 0, s.objects().get(0).spec().shape() == ShapeType.SQUARE ? ShapeType.CIRCLE : ShapeType.SQUARE,
                new java.util.Random(1));
        String[] a = s.caption().split(" ");
        String[] b = twin.caption().split(" ");
        assertEquals(a.length, b.length);
        int differ = 0;
        for (int i = 0; i < a.length; i++) {
            if (!a[i].equals(b[i])) {
                differ++;
                assertTrue(a[i].equals("circle") || a[i].equals("square") || a[i].equals("triangle"), a[i]);
            }
        }
        assertEquals(1, differ, s.caption() + " / " + twin.caption());
        for (int o = 0; o < s.objects().size(); o++) {
            assertEquals(s.objects().get(o).actualSize(), twin.objects().get(o).actualSize());
            assertEquals(s.objects().get(o).spec().position(), twin.objects().get(o).spec().position());
        }
        assertTrue(new ShapesAnalyserV2().score(twin.image(), twin.caption()).all(), "the analyser reads the twin as its caption");
    }
}
