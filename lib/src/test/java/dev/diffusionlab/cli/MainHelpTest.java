package dev.diffusionlab.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MainHelpTest {
    @Test
    void helpNamesTheTrainedShapesWorldAsTheDefaultModelAndTheReports() {
        String help = capture(() -> Main.main(new String[] {"--help"}));
        assertTrue(help.contains("default: the trained\n             shapes-world model"), help);
        assertFalse(help.contains("embedded random one"), help);
        assertTrue(help.contains("toy2d") && help.contains("scatter plot (PNG)"), help);
        assertTrue(help.contains("eval-shapes") && help.contains("HTML/PNG report"), help);
        String toy = capture(() -> Toy2dCommand.run(new String[] {"--help"}));
        assertTrue(toy.contains("a PNG scatter of data and samples goes beside it"), toy);
        String eval = capture(() -> EvalShapesCommand.run(new String[] {"--help"}));
        assertTrue(eval.contains("report.html with grid.png") && eval.contains("trained shapes-world model"), eval);
    }

    private static String capture(Runnable r) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            r.run();
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
