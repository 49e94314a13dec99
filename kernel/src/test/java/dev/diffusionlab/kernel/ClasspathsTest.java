package dev.diffusionlab.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ClasspathsTest {
    @TempDir
    Path dir;

    @Test
    void starAndGlobsResolveToExistingFiles() throws Exception {
        Files.createDirectories(dir.resolve("lib/sub"));
        Path a = Files.createFile(dir.resolve("lib/a.jar"));
        Path b = Files.createFile(dir.resolve("lib/b.jar"));
        Files.createFile(dir.resolve("lib/notes.txt"));
        Path c = Files.createFile(dir.resolve("lib/sub/c.jar"));
        Path classes = Files.createDirectories(dir.resolve("classes"));
        assertEquals(List.of(classes, a, b), Classpaths.resolve(classes + File.pathSeparator + dir + "/lib/*"));
        assertEquals(List.of(a, b, c), Classpaths.resolve(dir + "/lib/**.jar"));
        assertEquals(List.of(c), Classpaths.resolve(dir + "/lib/s*/*.jar"));
    }

    @Test
    void missingEntryIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Classpaths.resolve(dir + "/nope.jar"));
        assertTrue(e.getMessage().contains("nope.jar"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Classpaths.resolve(dir + "/*.zzz"));
    }
}
