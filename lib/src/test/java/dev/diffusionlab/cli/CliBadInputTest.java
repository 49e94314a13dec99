package dev.diffusionlab.cli;

import static dev.diffusionlab.cli.BadInputs.assertRefused;
import static dev.diffusionlab.cli.BadInputs.dlab;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusionlab.core.Paths;
import dev.diffusionlab.image.Images;
import dev.diffusionlab.pipeline.DefaultModel;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad command lines for every command: each row builds its inputs in a temp folder, runs {@code ./dlab}
 * in-process and expects exit 2 with one line naming the argument, the value and what was expected —
 * all before any compute (the rows run in well under a second each).
 */
class CliBadInputTest {
    static final String MODEL = Paths.home().resolve(DefaultModel.RELATIVE).toString();

    static Arguments row(String name, Function<Path, String[]> args, String... fragments) {
        return Arguments.of(name, args, fragments);
    }

    static String[] gen(Path tmp, String... extra) {
        String[] base = {"generate", "--model", MODEL, "--prompt", "a red circle", "--steps", "2"};
        String[] out = new String[base.length + extra.length];
        System.arraycopy(base, 0, out, 0, base.length);
        System.arraycopy(extra, 0, out, base.length, extra.length);
        return out;
    }

    static String file(Path tmp, String name, String content) {
        try {
            Path p = tmp.resolve(name);
            Files.createDirectories(p.getParent());
            Files.writeString(p, content);
            return p.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String png(Path tmp, String name, int w, int h) {
        try {
            Path p = tmp.resolve(name);
            ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), "png", p.toFile());
            return p.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A PNG whose header claims w×h but holds no pixels: only the header may be read. */
    static String pngHeaderOnly(Path tmp, int w, int h) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(b);
            d.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a});
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream c = new DataOutputStream(ihdr);
            c.writeBytes("IHDR");
            c.writeInt(w);
            c.writeInt(h);
            c.write(new byte[] {8, 2, 0, 0, 0});
            byte[] chunk = ihdr.toByteArray();
            d.writeInt(13);
            d.write(chunk);
            CRC32 crc = new CRC32();
            crc.update(chunk);
            d.writeInt((int) crc.getValue());
            d.writeInt(0);
            d.writeBytes("IEND");
            CRC32 e = new CRC32();
            e.update("IEND".getBytes(StandardCharsets.US_ASCII));
            d.writeInt((int) e.getValue());
            Path p = tmp.resolve("huge.png");
            Files.write(p, b.toByteArray());
            return p.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sparse(Path tmp, String name, long bytes) {
        try (RandomAccessFile f = new RandomAccessFile(tmp.resolve(name).toFile(), "rw")) {
            f.write("x,y\n".getBytes(StandardCharsets.US_ASCII));
            f.setLength(bytes);
            return tmp.resolve(name).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<Arguments> table() {
        return Stream.of(
                row("unknown command", t -> new String[] {"paint"}, "unknown command 'paint'"),
                // generate: guidance and strength
                row("cfg NaN", t -> gen(t, "--cfg", "NaN", "--out", t + "/x.png"), "--cfg = NaN", "finite"),
                row("cfg inf", t -> gen(t, "--cfg", "inf", "--out", t + "/x.png"), "--cfg", "'inf'"),
                row("cfg Infinity", t -> gen(t, "--cfg", "Infinity", "--out", t + "/x.png"), "--cfg = Infinity"),
                row("cfg 1e30", t -> gen(t, "--cfg", "1e30", "--out", t + "/x.png"), "--cfg = 1.0E30", "[-100, 100]"),
                row("strength NaN", t -> gen(t, "--init-image", png(t, "i.png", 64, 64), "--strength", "NaN", "--out", t + "/x.png"),
                        "--strength", "NaN"),
                row("strength 2", t -> gen(t, "--init-image", png(t, "i.png", 64, 64), "--strength", "2", "--out", t + "/x.png"),
                        "--strength must be in (0, 1], got 2.0"),
                // generate: resources refused before allocating
                row("4096x4096", t -> gen(t, "--height", "4096", "--width", "4096", "--out", t + "/x.png"), "4096x4096", "TB",
                        "above the"),
                row("init image 20000x20000", t -> gen(t, "--init-image", pngHeaderOnly(t, 20000, 20000), "--out", t + "/x.png"),
                        "20000x20000", "megapixels"),
                row("init image not an image", t -> gen(t, "--init-image", file(t, "i.png", "hello"), "--out", t + "/x.png"),
                        "--init-image", "not an image"),
                row("init image missing", t -> gen(t, "--init-image", t + "/nope.png", "--out", t + "/x.png"), "nope.png",
                        "no such file"),
                // generate: outputs checked before any compute
                row("out non-empty dir", t -> {
                    file(t, "d/keep.txt", "x");
                    return gen(t, "--out", t + "/d");
                }, "--out", "existing folder"),
                row("out empty dir", t -> gen(t, "--out", t.toString()), "--out", "existing folder"),
                row("out empty", t -> gen(t, "--out", ""), "--out is empty"),
                row("out /proc", t -> gen(t, "--out", "/proc/x.png"), "--out /proc/x.png", "cannot write"),
                row("out gif", t -> gen(t, "--out", t + "/x.gif"), "'.gif'", ".png, .jpg, .jpeg"),
                row("out no extension", t -> gen(t, "--out", t + "/x"), "--out", "no file extension"),
                row("out under a file", t -> gen(t, "--out", file(t, "f.txt", "x") + "/x.png"), "f.txt", "not a folder"),
                row("maps dir is a file", t -> gen(t, "--attention-maps", file(t, "m.txt", "x"), "--out", t + "/x.png"),
                        "--attention-maps", "existing file"),
                row("maps dir same as out", t -> gen(t, "--attention-maps", t + "/x.png", "--out", t + "/x.png"),
                        "--attention-maps", "same path as --out"),
                row("model missing", t -> gen(t, "--model", t + "/nomodel", "--out", t + "/x.png"), "nomodel", "no such model folder"),
                row("steps above the schedule", t -> gen(t, "--steps", "100000", "--out", t + "/x.png"), "100000", "1..1000"),
                row("verify unknown option", t -> new String[] {"verify", "--fast", t.toString()}, "unknown option '--fast'"),
                row("bench number", t -> new String[] {"bench", "unet", "--config", MODEL, "--height", "abc"}, "--height must be an integer, got 'abc'",
                        "abc"),
                row("train-shapes out /proc", t -> new String[] {"train-shapes", "--out", "/proc/x", "--tiny"}, "--out /proc/x",
                        "cannot write"),
                row("train-shapes batch 0", t -> new String[] {"train-shapes", "--out", t + "/s", "--batch", "0"}, "--batch = 0"),
                row("train-shapes minutes NaN", t -> new String[] {"train-shapes", "--out", t + "/s", "--minutes", "NaN"}, "--minutes"),
                row("train-shapes boost below", t -> new String[] {"train-shapes", "--world", "v2", "--out", t + "/s", "--attention-boost-below", "1001"},
                        "--attention-boost-below must be a timestep 0..1000 (0: every timestep), got 1001"),
                row("train-shapes workers 0", t -> new String[] {"train-shapes", "--out", t + "/s", "--tiny", "--workers", "0"}, "--workers must be ≥ 1, got 0"),
                row("train-shapes text finetune from", t -> new String[] {"train-shapes", "--world", "v2", "--out", t + "/s", "--text-finetune", "0.1,2"}, "FROM in 0..1, got '0.1,2'"),
                row("train-shapes text finetune frozen", t -> new String[] {"train-shapes", "--world", "v2", "--out", t + "/s", "--text-pretrain-steps", "0", "--text-finetune", "0.1"}, "needs a contrastive text encoder"),
                row("train-shapes caption order", t -> new String[] {"train-shapes", "--world", "v2", "--out", t + "/s", "--caption-order", "shape-first"},
                        "caption order 'shape-first'"),
                row("train-shapes caption order v1", t -> new String[] {"train-shapes", "--out", t + "/s", "--caption-order", "place-first"},
                        "--caption-order is a v2 option"),
                row("train-shapes margin alone", t -> new String[] {"train-shapes", "--world", "v2", "--out", t + "/s", "--colour-word-margin", "1"},
                        "--colour-word-margin", "--colour-invariance"),
                // eval-shapes, make-default-model
                row("eval-shapes out /etc/passwd", t -> new String[] {"eval-shapes", "--out", "/etc/passwd"}, "--out /etc/passwd",
                        "existing file"),
                row("eval-shapes out /proc", t -> new String[] {"eval-shapes", "--out", "/proc/x"}, "--out /proc/x", "cannot write"),
                row("make-default-model /proc", t -> new String[] {"make-default-model", "--out", "/proc/x"}, "--out /proc/x",
                        "cannot write"),
                row("make-default-model file", t -> new String[] {"make-default-model", "--out", file(t, "f", "x")}, "existing file"),
                // toy2d
                row("toy2d huge file", t -> new String[] {"toy2d", "--data", sparse(t, "big.csv", 200L << 20), "--out", t + "/s.csv"},
                        "big.csv", "MB"),
                row("toy2d inf", t -> new String[] {"toy2d", "--data", file(t, "d.csv", "x,y\n1,2\ninf,3\n"), "--out", t + "/s.csv"},
                        "d.csv", "'x'", "not numeric"),
                row("toy2d Infinity", t -> new String[] {"toy2d", "--data", file(t, "d.csv", "x,y\n1,2\n3,Infinity\n"), "--out",
                        t + "/s.csv"}, "d.csv", "row 2", "finite"),
                row("toy2d huge values", t -> new String[] {"toy2d", "--data", file(t, "d.csv", "x,y\n1,2\n1e30,3\n"), "--out",
                        t + "/s.csv"}, "d.csv", "row 2", "1.0E30"),
                row("toy2d steps huge", t -> new String[] {"toy2d", "--dataset", "moons", "--steps", "2000000000", "--out", t + "/s.csv"},
                        "--steps = 2000000000"),
                row("toy2d out /proc", t -> new String[] {"toy2d", "--dataset", "moons", "--out", "/proc/s.csv"}, "--out /proc/s.csv"),
                row("toy2d out txt", t -> new String[] {"toy2d", "--dataset", "moons", "--out", t + "/s.txt"}, "'.txt'", ".csv"),
                row("toy2d save is a file", t -> new String[] {"toy2d", "--dataset", "moons", "--out", t + "/s.csv", "--save",
                        file(t, "f", "x")}, "--save", "existing file"),
                row("toy2d guidance inf", t -> new String[] {"toy2d", "--dataset", "moons", "--guidance", "inf", "--out", t + "/s.csv"},
                        "--guidance", "'inf'"),
                row("toy2d guidance Infinity", t -> new String[] {"toy2d", "--dataset", "moons", "--guidance", "-Infinity", "--out",
                        t + "/s.csv"}, "--guidance", "finite"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void refusedWithOneLine(String name, Function<Path, String[]> args, String[] fragments, @TempDir Path tmp) throws IOException {
        long before;
        try (Stream<Path> s = Files.walk(tmp)) {
            before = s.count();
        }
        BadInputs.Outcome r = dlab(args.apply(tmp));
        assertRefused(r, fragments);
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".")), "no temporary file left behind");
        }
    }

    @Test
    void debugFlagAddsTheStackTrace() {
        String[] bad = {"bench", "unet", "--config", MODEL, "--height", "abc"};
        assertRefused(dlab(bad), "--height must be an integer");
        String[] dbg = new String[bad.length + 1];
        dbg[0] = "--debug";
        System.arraycopy(bad, 0, dbg, 1, bad.length);
        BadInputs.Outcome r = dlab(dbg);
        assertEquals(2, r.rc(), r.toString());
        assertTrue(r.err().startsWith("dlab bench unet: --height must be an integer") && r.err().contains("\tat "), r.toString());
    }

    @Test
    void emptyOutputFolderIsNeverReplaced(@TempDir Path tmp) throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("out.png"));
        assertRefused(dlab(gen(tmp, "--out", dir.toString())), "existing folder");
        assertTrue(Files.isDirectory(dir), "the folder is still there");
    }

    @Test
    void largeInitImageIsResizedWithANotice(@TempDir Path tmp) {
        String init = png(tmp, "big.png", 2100, 2100); // 4.4 megapixels, above the 4 MP limit
        Path out = tmp.resolve("x.png");
        BadInputs.Outcome r = dlab(gen(tmp, "--init-image", init, "--strength", "0.5", "--out", out.toString()));
        assertEquals(0, r.rc(), r.toString());
        assertTrue(r.out().contains("note: --init-image " + init + " is 2100x2100") && r.out().contains("resized to 64x64"), r.out());
        BufferedImage img = Images.load(out);
        assertEquals(64, img.getWidth());
        assertEquals(64, img.getHeight());
    }
}
