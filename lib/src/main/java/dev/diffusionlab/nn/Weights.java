package dev.diffusionlab.nn;

import dev.diffusionlab.safetensors.SafetensorsException;
import dev.diffusionlab.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Finds a component's weight file in a diffusers folder. */
public final class Weights {
    private Weights() {}

    /**
     * {@code <dir>/<base>.safetensors}, else the fp16 variant {@code <base>.fp16.safetensors}. When only
     * pickle checkpoints are there, the error says why they are refused and what to use instead.
     */
    public static Path find(Path dir, String base) {
        Path main = dir.resolve(base + ".safetensors");
        if (Files.isRegularFile(main)) {
            return main;
        }
        Path fp16 = dir.resolve(base + ".fp16.safetensors");
        if (Files.isRegularFile(fp16)) {
            return fp16;
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    if (p.getFileName().toString().startsWith(base)) {
                        SafetensorsFile.refusePickle(p);
                    }
                }
            } catch (IOException e) {
                throw new SafetensorsException(dir + ": cannot list: " + e.getMessage());
            }
        }
        throw new SafetensorsException(dir + ": no " + base + ".safetensors (nor " + base + ".fp16.safetensors)");
    }
}
