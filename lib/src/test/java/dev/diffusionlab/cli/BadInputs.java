package dev.diffusionlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusionlab.core.Paths;
import dev.diffusionlab.pipeline.DefaultModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** Test plumbing of the bad-input tables: run {@code ./dlab} in-process, build corrupt inputs in a temp folder. */
final class BadInputs {
    private BadInputs() {}

    /** One in-process run of {@link Main#run}. */
    record Outcome(int rc, String out, String err) {
        /** stderr lines that are not logger output ("[WARN] ..."). */
        List<String> messageLines() {
            return err.lines().filter(l -> !l.isBlank() && !l.startsWith("[")).toList();
        }

        @Override
        public String toString() {
            return "rc " + rc + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static synchronized Outcome dlab(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            rc = Main.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Outcome(rc, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** Exit 2, exactly one message line on stderr, no stack trace, and the line names every fragment. */
    static void assertRefused(Outcome r, String... fragments) {
        assertEquals(2, r.rc(), r.toString());
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception in thread"), "stack trace:\n" + r);
        List<String> lines = r.messageLines();
        assertEquals(1, lines.size(), "one message line expected:\n" + r);
        for (String f : fragments) {
            assertTrue(lines.get(0).contains(f), "'" + f + "' missing from: " + lines.get(0));
        }
        System.out.println("refused: " + lines.get(0));
    }

    /** A copy of the embedded random-weight SD folder (2.5 MB) to corrupt. */
    static Path copyModel(Path tmp) {
        Path src = Paths.home().resolve(DefaultModel.RELATIVE);
        Path dst = tmp.resolve("model");
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : s.toList()) {
                Path t = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dst;
    }

    /** Edits a JSON object file in place. */
    static void editJson(Path file, Consumer<JsonObject> edit) {
        try {
            JsonObject o = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            edit.accept(o);
            Files.writeString(file, new GsonBuilder().serializeNulls().serializeSpecialFloatingPointValues().create().toJson(o));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces text in a file (for JSON a parser would normalise: duplicate keys, 2e9, NaN). */
    static void replace(Path file, String from, String to) {
        try {
            String s = Files.readString(file);
            if (!s.contains(from)) {
                throw new IllegalStateException(file + " has no '" + from + "'");
            }
            Files.writeString(file, s.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rewrites the JSON header of a safetensors file (the data section is kept as it is). */
    static void editHeader(Path file, UnaryOperator<String> edit) {
        try {
            byte[] all = Files.readAllBytes(file);
            long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            String header = new String(all, 8, (int) n, StandardCharsets.UTF_8);
            byte[] h = edit.apply(header).getBytes(StandardCharsets.UTF_8);
            byte[] data = Arrays.copyOfRange(all, 8 + (int) n, all.length);
            ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(h.length).put(h).put(data);
            Files.write(file, b.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The header of a safetensors file as a JSON object. */
    static JsonObject header(Path file) {
        try {
            byte[] all = Files.readAllBytes(file);
            long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            return JsonParser.parseString(new String(all, 8, (int) n, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Overwrites every element of one tensor of a F16/F32 safetensors file with NaN. */
    static void fillNaN(Path file, String tensor) {
        JsonObject e = header(file).getAsJsonObject(tensor);
        String dtype = e.get("dtype").getAsString();
        long begin = e.getAsJsonArray("data_offsets").get(0).getAsLong();
        long end = e.getAsJsonArray("data_offsets").get(1).getAsLong();
        try {
            byte[] all = Files.readAllBytes(file);
            long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 8 + n + begin; i < 8 + n + end; i += dtype.equals("F16") ? 2 : 4) {
                if (dtype.equals("F16")) {
                    b.putShort((int) i, (short) 0x7e00);
                } else {
                    b.putFloat((int) i, Float.NaN);
                }
            }
            Files.write(file, all);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
