package dev.diffusionlab.cli;

import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.core.Outputs;
import dev.diffusionlab.core.UserInputException;
import dev.diffusionlab.pipeline.MemoryBudget;
import dev.diffusionlab.pipeline.ModelFolder;
import dev.diffusionlab.unet.UNetConfig;
import dev.diffusionlab.vae.VaeConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * What {@code ./dlab generate} refuses before the engine starts: an unwritable or wrongly named
 * {@code --out}, a broken model folder, an init image too large to decode, and a request whose memory
 * estimate is above the machine's memory.
 */
final class GenerateChecks {
    private GenerateChecks() {}

    /** Init images above this are resized to the model's native size (with a notice) when no size is given. */
    static final double MAX_INIT_MEGAPIXELS = 4.0;
    /** Init images above this are refused before decoding (a 100 MP RGB image is 400 MB of pixels). */
    static final double MAX_DECODE_MEGAPIXELS = 100.0;

    /** The size the generation will run at, and the size to resize the init image to (null = as it is). */
    record Preflight(int height, int width, int[] initResize, MemoryBudget.Estimate estimate) {}

    static Preflight preflight(GenerateCommand.Options o, DataType dtype, PrintStream out) {
        Outputs.checkFile(o.out(), "--out", Outputs.IMAGE_EXTENSIONS);
        if (o.attentionMaps() != null) {
            if (o.attentionMaps().toAbsolutePath().normalize().equals(o.out().toAbsolutePath().normalize())) {
                throw new UserInputException("--attention-maps " + o.attentionMaps() + " is the same path as --out: expected a separate folder");
            }
            Outputs.checkDir(o.attentionMaps(), "--attention-maps");
        }
        ModelFolder f = ModelFolder.open(o.model()).requirePipeline();
        UNetConfig u = UNetConfig.read(f.unet().resolve("config.json"));
        VaeConfig v = VaeConfig.read(f.vae().resolve("config.json"));
        int factor = 1 << (v.blockOutChannels().length - 1);
        int native_ = u.sampleSize() * factor;
        int h = o.height() != null ? o.height() : native_;
        int w = o.width() != null ? o.width() : native_;
        int[] resize = null;
        if (o.initImage() != null) {
            int[] wh = imageSize(o.initImage());
            double mp = (double) wh[0] * wh[1] / 1e6;
            if (mp > MAX_DECODE_MEGAPIXELS) {
                throw new UserInputException(String.format(Locale.ROOT, "--init-image %s is %dx%d (%.0f megapixels): expected at most %.0f "
                        + "megapixels; shrink it first", o.initImage(), wh[0], wh[1], mp, MAX_DECODE_MEGAPIXELS));
            }
            if (o.height() == null) {
                if (mp > MAX_INIT_MEGAPIXELS) {
                    resize = new int[] {native_, native_};
                    h = native_;
                    w = native_;
                    out.printf(Locale.ROOT, "note: --init-image %s is %dx%d (%.1f megapixels, above %.0f): resized to %dx%d, "
                            + "the model's native size (give --height/--width to choose)%n", o.initImage(), wh[0], wh[1], mp,
                            MAX_INIT_MEGAPIXELS, native_, native_);
                } else {
                    h = wh[1];
                    w = wh[0];
                }
            }
        }
        MemoryBudget.Estimate e = MemoryBudget.check(u, v, 1, o.cfg() > 1, h, w, dtype, 0, weightBytes(o.model()));
        return new Preflight(h, w, resize, e);
    }

    /** Width and height from the image header, without decoding the pixels. */
    static int[] imageSize(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> it = in == null ? null : ImageIO.getImageReaders(in);
            if (it == null || !it.hasNext()) {
                throw new UserInputException("--init-image " + file + ": not an image file this reader knows (expected PNG, JPEG, BMP or GIF)");
            }
            ImageReader r = it.next();
            try {
                r.setInput(in, true, true);
                return new int[] {r.getWidth(0), r.getHeight(0)};
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof UserInputException u) {
                throw u;
            }
            throw new UserInputException("--init-image " + file + ": cannot read the image header (" + e.getMessage() + ")", e);
        }
    }

    private static long weightBytes(Path model) {
        try (Stream<Path> s = Files.walk(model, 2)) {
            return s.filter(p -> p.toString().endsWith(".safetensors") && !p.toString().contains("reference"))
                    .mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            return 0;
        }
    }
}
