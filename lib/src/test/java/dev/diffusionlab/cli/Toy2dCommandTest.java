package dev.diffusionlab.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Toy2dCommandTest {
    @Test
    void trainsOnACsvFileAndWritesSamplesInTheDataCoordinates(@TempDir Path dir) throws Exception {
        // a ring of radius 10 around (100, -50): samples must come back in those coordinates
        StringBuilder sb = new StringBuilder("x,y\n");
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < 400; i++) {
            double th = 2 * Math.PI * r.nextDouble();
            sb.append(100 + 10 * Math.cos(th)).append(',').append(-50 + 10 * Math.sin(th)).append('\n');
        }
        Path in = dir.resolve("ring.csv");
        Files.writeString(in, sb.toString());
        Path out = dir.resolve("out/samples.csv");
        int rc = Toy2dCommand.run(new String[] {"--data", in.toString(), "--steps", "400", "--samples", "300", "--seed", "2",
            "--out", out.toString()});
        assertEquals(0, rc);
        List<String> lines = Files.readAllLines(out);
        assertEquals("x,y", lines.get(0));
        assertEquals(301, lines.size());
        double mx = 0;
        double my = 0;
        for (String l : lines.subList(1, lines.size())) {
            String[] p = l.split(",");
            mx += Double.parseDouble(p[0]);
            my += Double.parseDouble(p[1]);
        }
        assertEquals(100, mx / 300, 2.0);
        assertEquals(-50, my / 300, 2.0);
        // the scatter beside the CSV: grey data and blue samples on white
        java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(dir.resolve("out/samples.png").toFile());
        assertEquals(520, png.getWidth());
        assertEquals(440, png.getHeight());
        int blue = 0;
        int grey = 0;
        for (int y = 0; y < png.getHeight(); y++) {
            for (int x = 0; x < png.getWidth(); x++) {
                int rgb = png.getRGB(x, y);
                int red = (rgb >> 16) & 0xFF;
                int g = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                blue += b > red + 60 && b > g + 20 ? 1 : 0;
                grey += red == g && g == b && red > 120 && red < 230 ? 1 : 0;
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(blue > 500 && grey > 500, "blue " + blue + ", grey " + grey);
        assertEquals(Path.of("a/b.png"), Toy2dCommand.pngBeside(Path.of("a/b.csv")));
        assertEquals(Path.of("pts.png"), Toy2dCommand.pngBeside(Path.of("pts")));
    }

    @Test
    void badInputGivesExitStatus2() {
        assertEquals(2, Toy2dCommand.run(new String[] {"--dataset", "unicorn"}));
        assertEquals(2, Toy2dCommand.run(new String[] {"--dataset", "moons", "--steps", "0"}));
        assertEquals(2, Toy2dCommand.run(new String[] {"--dataset", "moons", "--samples", "-1"}));
        assertEquals(2, Toy2dCommand.run(new String[] {"--dataset", "clusters", "--label", "unicorn"}));
        assertEquals(2, Toy2dCommand.run(new String[] {"--data", "/no/such/file.csv"}));
        assertEquals(2, Toy2dCommand.run(new String[] {"--dataset", "moons", "--data", "x.csv"}));
        assertEquals(0, Toy2dCommand.run(new String[] {"--help"}));
    }
}
