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
