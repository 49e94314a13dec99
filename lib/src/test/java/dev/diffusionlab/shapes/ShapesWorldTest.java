package dev.diffusionlab.shapes;

import static org.junit.jupiter.api.Assertions.*;

import dev.diffusionlab.shapes.ShapesSample.DrawnObject;
import dev.diffusionlab.shapes.ShapesWorld.Split;
import dev.diffusionlab.shapes.Vocab.Colour;
import dev.diffusionlab.shapes.Vocab.Position;
import dev.diffusionlab.shapes.Vocab.ShapeType;
import dev.diffusionlab.shapes.Vocab.Size;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Determinism, masks against pixels, held-out combinations and the caption grammar. */
class ShapesWorldTest {
    private final ShapesWorld world = new ShapesWorld(ShapesWorld.Config.defaults());

    @Test
    void sameIndexSameSampleDifferentIndexDifferentSample() {
        for (long i = 0; i < 20; i++) {
            ShapesSample a = world.sample(i, Split.TRAIN);
            ShapesSample b = world.sample(i, Split.TRAIN);
            assertEquals(a.caption(), b.caption());
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    assertEquals(a.image().getRGB(x, y), b.image().getRGB(x, y));
                }
            }
        }
        Set<String> captions = new HashSet<>();
        for (long i = 0; i < 200; i++) {
            captions.add(world.sample(i, Split.TRAIN).caption());
        }
        assertTrue(captions.size() > 120, "only " + captions.size() + " distinct captions in 200 samples");
    }

    @Test
    void masksAreExactlyTheDrawnPixels() {
        for (long i = 0; i < 100; i++) {
            ShapesSample s = world.sample(i, Split.TRAIN);
            int w = s.width();
            boolean[] any = new boolean[w * w];
            for (DrawnObject o : s.objects()) {
                int rgb = o.spec().colour().rgb.getRGB();
                assertTrue(o.area() > 20, "object too small: " + o.area());
                for (int p = 0; p < w * w; p++) {
                    assertEquals(o.mask()[p], s.image().getRGB(p % w, p / w) == rgb, "pixel " + p + " of " + s.caption());
                    assertFalse(o.mask()[p] && any[p], "objects overlap in " + s.caption());
                    any[p] |= o.mask()[p];
                }
            }
            for (int p = 0; p < w * w; p++) {
                if (!any[p]) {
                    assertEquals(Vocab.BACKGROUND.getRGB(), s.image().getRGB(p % w, p / w));
                }
            }
            // every colour and shape word points at its object's pixels
            List<Caption.Word> words = Caption.words(s.caption());
            for (ShapesSample.WordMask wm : s.wordMasks()) {
                assertEquals(words.get(wm.word().index()).text(), wm.word().text());
                assertSame(s.objects().get(wm.word().object()).mask(), wm.mask());
            }
            long colourWords = s.wordMasks().stream().filter(m -> m.word().kind() == Caption.WordKind.COLOUR).count();
            assertEquals(s.objects().size(), colourWords);
        }
    }

    @Test
    void heldOutCombinationsOnlyInTheHeldOutSplit() {
        int heldOutSeen = 0;
        for (long i = 0; i < 500; i++) {
            for (DrawnObject o : world.sample(i, Split.TRAIN).objects()) {
                assertNotEquals("purple triangle", o.spec().combo());
            }
            ShapesSample h = world.sample(i, Split.HELD_OUT);
            long n = h.objects().stream().filter(o -> o.spec().combo().equals("purple triangle")).count();
            assertEquals(1, n, h.caption());
            heldOutSeen += (int) n;
        }
        assertEquals(500, heldOutSeen);
        ShapesWorld two = new ShapesWorld(ShapesWorld.Config.defaults().withHeldOut(Set.of("red circle", "blue square")));
        for (long i = 0; i < 300; i++) {
            String c = two.sample(i, Split.TRAIN).caption();
            assertFalse(c.contains("red circle") || c.contains("blue square"), c);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShapesWorld.Config.defaults().withHeldOut(Set.of("pink circle")));
        assertTrue(e.getMessage().contains("pink circle"), e.getMessage());
    }

    @Test
    void captionsParseAndFormatRoundTrip() {
        for (long i = 0; i < 300; i++) {
            ShapesSample s = world.sample(i, i % 2 == 0 ? Split.TRAIN : Split.HELD_OUT);
            List<ObjectSpec> specs = Caption.parse(s.caption());
            assertEquals(s.caption(), Caption.format(specs));
            assertEquals(s.objects().stream().map(DrawnObject::spec).toList(), specs);
        }
        assertEquals(List.of(new ObjectSpec(Colour.RED, ShapeType.CIRCLE, null, Position.LEFT),
                        new ObjectSpec(Colour.BLUE, ShapeType.SQUARE, Size.SMALL, Position.BOTTOM)),
                Caption.parse("a red circle on the left and a small blue square at the bottom"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Caption.parse("a pink circle on the left"));
        assertTrue(e.getMessage().contains("word 1 'pink' is not a colour"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Caption.parse("a red circle at the left"));
        assertTrue(e.getMessage().contains("should be 'on the left'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Caption.parse("a red circle on the"));
        assertTrue(e.getMessage().contains("ends early"), e.getMessage());
        // the place-first order: same objects, each word's kind and object at its own index
        String pf = "on the left a red circle and at the bottom a small blue square";
        assertEquals(Caption.parse("a red circle on the left and a small blue square at the bottom"), Caption.parse(pf));
        assertEquals(Caption.Order.PLACE_FIRST, Caption.order(pf));
        assertEquals(Caption.Order.COLOUR_FIRST, Caption.order("a red circle on the left"));
        List<Caption.Word> w = Caption.words(pf);
        assertEquals(String.join(" ", w.stream().map(Caption.Word::text).toList()), pf);
        assertEquals(Caption.WordKind.POSITION, w.get(2).kind());
        assertEquals(Caption.WordKind.COLOUR, w.get(4).kind());
        assertEquals(0, w.get(5).object());
        assertEquals(Caption.WordKind.AND, w.get(6).kind());
        assertEquals(1, w.get(9).object());
        assertEquals(Caption.WordKind.SIZE, w.get(11).kind());
        e = assertThrows(IllegalArgumentException.class, () -> Caption.parse("on the left a red circle and a blue square at the top"));
        assertTrue(e.getMessage().contains("word 9 'square' is not a position"), e.getMessage());
        // a caption said in the order of a model's world (v1: colour first; v2: its default world's order)
        assertEquals("a red circle on the left and a small blue square at the bottom", ShapesWorlds.inOrder(32, pf));
        assertEquals(Caption.format(Caption.parse(pf), ShapesWorldV2.Config.defaults().captionOrder()), ShapesWorlds.inOrder(64, pf));
        assertEquals("a <zorp> on the left", MakeItYours.tokenCaption(new ObjectSpec(Colour.GREEN, ShapeType.TRIANGLE, null, Position.LEFT), "<zorp>", 32));
        e = assertThrows(IllegalArgumentException.class, () -> Caption.Order.of("shape-first"));
        assertTrue(e.getMessage().contains("'shape-first'"), e.getMessage());
    }

    @Test
    void twoObjectsHaveDistinctColoursAndOppositePlaces() {
        int twos = 0;
        for (long i = 0; i < 300; i++) {
            List<DrawnObject> o = world.sample(i, Split.TRAIN).objects();
            if (o.size() == 2) {
                twos++;
                assertNotEquals(o.get(0).spec().colour(), o.get(1).spec().colour());
                Set<Position> pair = Set.of(o.get(0).spec().position(), o.get(1).spec().position());
                assertTrue(pair.equals(Set.of(Position.LEFT, Position.RIGHT)) || pair.equals(Set.of(Position.TOP, Position.BOTTOM)), pair.toString());
            }
        }
        assertTrue(twos > 100 && twos < 200, "two-object share " + twos + "/300");
    }
}
