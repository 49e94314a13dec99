package dev.diffusionlab.image;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffusionlab.core.Engines;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {
    @TempDir
    Path dir;

    @Test
    void grayscaleIsCopiedToRgbWithoutGamma() throws Exception {
        BufferedImage g = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        g.getRaster().setSample(0, 0, 0, 100);
        g.getRaster().setSample(1, 0, 0, 200);
        Path p = dir.resolve("gray.png");
        ImageIO.write(g, "png", p.toFile());
        BufferedImage rgb = Images.load(p);
        assertEquals(BufferedImage.TYPE_INT_RGB, rgb.getType());
        assertEquals(0x646464, rgb.getRGB(0, 0) & 0xffffff);
        assertEquals(0xc8c8c8, rgb.getRGB(1, 0) & 0xffffff);
        assertEquals("grayscale copied to RGB", Images.inspect(p).conversion());
    }

    @Test
    void sixteenBitIsScaledToEightBit() throws Exception {
        BufferedImage g = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        g.getRaster().setSample(0, 0, 0, 65535);
        g.getRaster().setSample(1, 0, 0, 257 * 50);
        Path p = dir.resolve("gray16.png");
        ImageIO.write(g, "png", p.toFile());
        BufferedImage rgb = Images.load(p);
        assertEquals(0xffffff, rgb.getRGB(0, 0) & 0xffffff);
        assertEquals(0x323232, rgb.getRGB(1, 0) & 0xffffff);
        Images.ImageInfo info = Images.inspect(p);
        assertEquals(16, info.bitsPerChannel());
        assertTrue(info.conversion().contains("16-bit samples scaled to 8-bit"), info.conversion());
    }

    @Test
    void rgbaIsCompositedOnWhite() throws Exception {
        BufferedImage a = new BufferedImage(2, 1, BufferedImage.TYPE_4BYTE_ABGR);
        WritableRaster r = a.getRaster();
        r.setPixel(0, 0, new int[] {255, 0, 0, 0});     // fully transparent red -> white
        r.setPixel(1, 0, new int[] {0, 0, 255, 128});   // half blue over white
        Path p = dir.resolve("rgba.png");
        ImageIO.write(a, "png", p.toFile());
        BufferedImage rgb = Images.load(p);
        assertEquals(0xffffff, rgb.getRGB(0, 0) & 0xffffff);
        int half = (int) Math.round(255 * (1 - 128 / 255.0));
        assertEquals((half << 16) | (half << 8) | 255, rgb.getRGB(1, 0) & 0xffffff);
        assertTrue(Images.inspect(p).conversion().contains("alpha composited on white"));
    }

    @Test
    void missingAndUnsupportedFilesNameTheFile() throws Exception {
        Path missing = dir.resolve("nope.png");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Images.load(missing));
        assertTrue(e.getMessage().contains("not found") && e.getMessage().contains("nope.png"), e.getMessage());
        Path txt = dir.resolve("notes.png");
        Files.writeString(txt, "this is not an image");
        e = assertThrows(IllegalArgumentException.class, () -> Images.load(txt));
        assertTrue(e.getMessage().contains("unsupported image file") && e.getMessage().contains("notes.png"), e.getMessage());
    }

    @Test
    void tensorRoundTripAndRange() {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0x000000);
        img.setRGB(1, 0, 0xffffff);
        img.setRGB(2, 1, 0x80ff00);
        try (NDManager m = Engines.newCpuManager()) {
            NDArray x = ImageTensors.toTensor(m, img);
            assertEquals(new ai.djl.ndarray.types.Shape(3, 2, 3), x.getShape());
            assertEquals(-1f, x.getFloat(0, 0, 0), 0f);
            assertEquals(1f, x.getFloat(2, 0, 1), 0f);
            assertEquals(128 / 127.5f - 1, x.getFloat(0, 1, 2), 1e-7);
            assertEquals(1f, x.getFloat(1, 1, 2), 0f);
            BufferedImage back = ImageTensors.toImage(x);
            for (int y = 0; y < 2; y++) {
                for (int xx = 0; xx < 3; xx++) {
                    assertEquals(img.getRGB(xx, y), back.getRGB(xx, y));
                }
            }
            NDArray batch = ImageTensors.toBatch(m, List.of(img, img));
            assertEquals(new ai.djl.ndarray.types.Shape(2, 3, 2, 3), batch.getShape());
            assertThrows(IllegalArgumentException.class, () -> ImageTensors.toImage(batch));
        }
    }

    @Test
    void fitCropsTheCentre() {
        BufferedImage wide = new BufferedImage(300, 100, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 100; y++) {
            for (int x = 100; x < 200; x++) {
                wide.setRGB(x, y, 0xff0000);
            }
        }
        BufferedImage f = Images.fit(wide, 50);
        assertEquals(50, f.getWidth());
        assertEquals(50, f.getHeight());
        // the centre third is red, so the whole square crop is red
        assertEquals(0xff0000, f.getRGB(0, 0) & 0xffffff);
        assertEquals(0xff0000, f.getRGB(49, 49) & 0xffffff);
        assertThrows(IllegalArgumentException.class, () -> Images.centerCrop(wide, 400, 10));
    }

    @Test
    void gridAndGifAreWritten() throws Exception {
        BufferedImage a = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        BufferedImage b = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        b.setRGB(0, 0, 0xffffff);
        BufferedImage grid = ImageGrid.of(List.of(a, b, a), List.of("a", "b", "c"), 2, 2);
        assertEquals(2 * (16 + 4) + 4, grid.getWidth());
        assertEquals(2 * (16 + 16 + 4) + 4, grid.getHeight());
        Path gif = Gifs.write(dir.resolve("seq.gif"), List.of(a, b, a), 50);
        var reader = ImageIO.getImageReadersByFormatName("gif").next();
        try (var in = ImageIO.createImageInputStream(gif.toFile())) {
            reader.setInput(in);
            assertEquals(3, reader.getNumImages(true));
        }
        assertThrows(IllegalArgumentException.class,
                () -> Gifs.write(dir.resolve("bad.gif"), List.of(a, new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB)), 50));
    }

    @Test
    void toyDataIsShipped() {
        for (String p : ToyData.PHOTOS) {
            BufferedImage img = ToyData.photo(p);
            assertEquals(128, img.getWidth(), p);
            assertEquals(128, img.getHeight(), p);
        }
        FashionMnist fm = FashionMnist.toyData();
        assertEquals(1000, fm.size());
        for (int c = 0; c < 10; c++) {
            assertEquals(100, fm.indicesOf(c).size());
        }
        assertThrows(IllegalArgumentException.class, () -> ToyData.photo("banana"));
    }
}
