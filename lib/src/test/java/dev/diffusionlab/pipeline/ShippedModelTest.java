package dev.diffusionlab.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusionlab.core.Paths;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShippedModelTest {
    @Test
    void classpathHoldsTheCheckoutsShapesWorldFolderMinusItsTrainingLog() throws IOException {
        assertShipped(DefaultModel.SHAPES_NAME, DefaultModel.SHAPES_RELATIVE);
        if (Files.isDirectory(Paths.home().resolve(DefaultModel.SHAPES_V2_RELATIVE))) {
            assertShipped(DefaultModel.SHAPES_V2_NAME, DefaultModel.SHAPES_V2_RELATIVE);
        }
    }

    private static void assertShipped(String name, String relative) throws IOException {
        assertTrue(ShippedModel.available(name), name);
        Path shipped = ShippedModel.folder(name);
        Path toy = Paths.home().resolve(relative);
        List<String> expected = files(toy).stream().filter(f -> !f.equals("training_log.csv")).toList();
        assertEquals(expected, files(shipped));
        for (String f : expected) {
            assertEquals(-1L, Files.mismatch(toy.resolve(f), shipped.resolve(f)), f);
        }
        assertTrue(DefaultModel.isShapesWorld(shipped));
    }

    @Test
    void extractsFromAJarOnceAtomicallyAndByContentHash(@TempDir Path tmp) throws Exception {
        Path jar = tmp.resolve("models.jar");
        try (FileSystem fs = FileSystems.newFileSystem(URI.create("jar:" + jar.toUri()), Map.of("create", "true"))) {
            Files.createDirectories(fs.getPath("/m/unet"));
            Files.writeString(fs.getPath("/m/model_index.json"), "{\"a\": 1}");
            Files.write(fs.getPath("/m/unet/w.bin"), new byte[] {1, 2, 3});
        }
        Path cache = tmp.resolve("cache");
        Path first;
        try (FileSystem fs = FileSystems.newFileSystem(jar)) {
            // four threads race on an empty cache: all get the same complete folder, no temporary left behind
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<Path>> runs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Callable<Path> c = () -> ShippedModel.extract(fs.getPath("/m"), "m", cache);
                runs.add(pool.submit(c));
            }
            first = runs.get(0).get();
            for (Future<Path> r : runs) {
                assertEquals(first, r.get());
            }
            pool.shutdown();
        }
        assertTrue(first.getFileName().toString().matches("m-[0-9a-f]{16}"), first.toString());
        assertEquals(List.of("model_index.json", "unet/w.bin"), files(first));
        assertEquals("{\"a\": 1}", Files.readString(first.resolve("model_index.json")));
        try (Stream<Path> s = Files.list(cache)) {
            assertEquals(List.of(first), s.toList(), "only the final folder in the cache");
        }
        // a second call reuses the folder without rewriting it
        Files.setLastModifiedTime(first.resolve("unet/w.bin"), FileTime.fromMillis(0));
        try (FileSystem fs = FileSystems.newFileSystem(jar)) {
            assertEquals(first, ShippedModel.extract(fs.getPath("/m"), "m", cache));
            Files.write(fs.getPath("/m/unet/w.bin"), new byte[] {1, 2, 4});
        }
        assertEquals(0L, Files.getLastModifiedTime(first.resolve("unet/w.bin")).toMillis());
        // other bytes (a new library version): another folder
        try (FileSystem fs = FileSystems.newFileSystem(jar)) {
            Path second = ShippedModel.extract(fs.getPath("/m"), "m", cache);
            assertNotEquals(first, second);
            assertEquals(4, Files.readAllBytes(second.resolve("unet/w.bin"))[2]);
        }
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/')).sorted().toList();
        }
    }
}
