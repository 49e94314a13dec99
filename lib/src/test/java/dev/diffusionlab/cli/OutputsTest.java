package dev.diffusionlab.cli;

import static dev.diffusionlab.cli.BadInputs.dlab;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusionlab.core.Outputs;
import dev.diffusionlab.core.Paths;
import dev.diffusionlab.core.UserInputException;
import dev.diffusionlab.pipeline.DefaultModel;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Outputs are complete or absent: temp names + rename, folders never replaced, format from the extension. */
class OutputsTest {
    static final String MODEL = Paths.home().resolve(DefaultModel.RELATIVE).toString();

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFailedWriteLeavesNothingAndKeepsTheOldFile(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("a.csv");
        Outputs.writeFile(f, t -> Files.writeString(t, "old"));
        assertThrows(UserInputException.class, () -> Outputs.writeFile(f, t -> {
            Files.writeString(t, "half");
            throw new IOException("disk full");
        }));
        assertEquals("old", Files.readString(f));
        assertEquals(List.of("a.csv"), names(tmp), "no temporary file left");
    }

    @Test
    void stagedFolderAndFileAreBothGoneWhenTheSecondFails(@TempDir Path tmp) throws IOException {
        Path maps = tmp.resolve("maps");
        Path img = tmp.resolve("img.png");
        assertThrows(IllegalStateException.class, () -> {
            try (Outputs.Staged d = Outputs.stageDir(maps); Outputs.Staged f = Outputs.stageFile(img)) {
                for (int i = 0; i < 6; i++) {
                    Files.writeString(d.temp().resolve(i + ".png"), "map");
                }
                throw new IllegalStateException("writing the image failed");
            }
        });
        assertEquals(List.of(), names(tmp), "neither the 6 maps nor a temp folder stay behind");
    }

    @Test
    void aFolderOutputReplacesItsOwnEntriesOnly(@TempDir Path tmp) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("out/sub"));
        Files.writeString(dir.resolve("stale.txt"), "x");
        Files.writeString(tmp.resolve("out/keep.txt"), "k");
        Outputs.writeDir(tmp.resolve("out"), t -> {
            Files.createDirectories(t.resolve("sub"));
            Files.writeString(t.resolve("sub/new.txt"), "n");
        });
        assertEquals(List.of("keep.txt", "sub"), names(tmp.resolve("out")));
        assertEquals(List.of("new.txt"), names(tmp.resolve("out/sub")));
        assertEquals(List.of("out"), names(tmp));
    }

    @Test
    void imageFormatFollowsTheExtension(@TempDir Path tmp) throws IOException {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_ARGB);
        byte[] png = Files.readAllBytes(Outputs.writeImage(img, tmp.resolve("a.png")));
        byte[] jpg = Files.readAllBytes(Outputs.writeImage(img, tmp.resolve("a.JPG")));
        byte[] jpeg = Files.readAllBytes(Outputs.writeImage(img, tmp.resolve("a.jpeg")));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
        assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff}, Arrays.copyOf(jpg, 3));
        assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff}, Arrays.copyOf(jpeg, 3));
        assertThrows(UserInputException.class, () -> Outputs.writeImage(img, tmp.resolve("a.gif")));
        assertThrows(UserInputException.class, () -> Outputs.stageFile(tmp), "an existing folder is never replaced");
    }

    @Test
    void generateWritesJpegAndCompleteMapsWithNoTempLeft(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("x.jpg");
        Path maps = tmp.resolve("maps");
        BadInputs.Outcome r = dlab("generate", "--model", MODEL, "--prompt", "a red cat", "--steps", "2", "--out", out.toString(),
                "--attention-maps", maps.toString());
        assertEquals(0, r.rc(), r.toString());
        assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff}, Arrays.copyOf(Files.readAllBytes(out), 3));
        assertTrue(names(maps).containsAll(List.of("00-a.png", "01-red.png", "02-cat.png", "grid.png", "stats.json", "stats.csv")),
                names(maps).toString());
        assertEquals(List.of("maps", "x.jpg"), names(tmp), "no temporary file or folder left");
    }

    @Test
    void makeDefaultModelWritesAWholeFolder(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("m");
        BadInputs.Outcome r = dlab("make-default-model", "--out", out.toString());
        assertEquals(0, r.rc(), r.toString());
        assertTrue(names(out).containsAll(List.of("model_index.json", "scheduler", "text_encoder", "tokenizer", "unet", "vae")),
                names(out).toString());
        assertEquals(List.of("m"), names(tmp));
    }
}
