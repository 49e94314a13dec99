package dev.diffusionlab.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.clip.CLIPTextConfig;
import dev.diffusionlab.clip.CLIPTextModel;
import dev.diffusionlab.clip.CLIPTokenizer;
import dev.diffusionlab.core.Engines;
import dev.diffusionlab.pipeline.DefaultModel;
import dev.diffusionlab.pipeline.DiffusersFolder;
import dev.diffusionlab.pipeline.GenerationRequest;
import dev.diffusionlab.pipeline.ModelFolder;
import dev.diffusionlab.pipeline.StableDiffusionPipeline;
import dev.diffusionlab.pipeline.StepCallback;
import dev.diffusionlab.unet.UNet2DConditionModel;
import dev.diffusionlab.unet.UNetConfig;
import dev.diffusionlab.vae.AutoencoderKL;
import dev.diffusionlab.vae.VaeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Time per stage of a whole generation (text encode, UNet per step, VAE decode) and the peak resident
 * memory, with <b>random weights</b> built from a folder's configs or from the bundled SD 1.5 / 2.1 configs
 * ({@code sd15}, {@code sd21}: full size, no download). What {@code ./dlab bench pipeline} prints.
 *
 * <pre>{@code
 * PipelineBench.Report r = PipelineBench.run("sd15", 256, 256, 3, 1, DataType.FLOAT32);
 * System.out.println(r);
 * }</pre>
 */
public final class PipelineBench {
    private PipelineBench() {}

    /** Figures of one run; {@code unetStepMs} holds every loop iteration (the first includes warm-up). */
    public record Report(String config, int height, int width, int steps, int batch, String dtype, String device,
                         double textEncodeMs, double[] unetStepMs, double vaeDecodeMs, double totalMs, double buildMs,
                         double peakRssMiB) {
        public double medianStepMs() {
            double[] s = unetStepMs.clone();
            Arrays.sort(s);
            return s.length == 0 ? 0 : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "pipeline %s %dx%d, %d steps, batch %d (CFG: UNet batch %d), %s on %s, random weights%n",
                    config, height, width, steps, batch, 2 * batch, dtype, device));
            sb.append(String.format(Locale.ROOT, "  build (random init)  %10.1f ms%n", buildMs));
            sb.append(String.format(Locale.ROOT, "  text encode          %10.1f ms%n", textEncodeMs));
            sb.append(String.format(Locale.ROOT, "  UNet per step        %10.1f ms  median of %d (first %.1f ms)%n", medianStepMs(),
                    unetStepMs.length, unetStepMs.length == 0 ? 0 : unetStepMs[0]));
            sb.append(String.format(Locale.ROOT, "  VAE decode           %10.1f ms%n", vaeDecodeMs));
            sb.append(String.format(Locale.ROOT, "  total                %10.1f ms%n", totalMs));
            sb.append(String.format(Locale.ROOT, "  peak RSS (VmHWM)     %10.1f MiB%n", peakRssMiB));
            return sb.toString();
        }
    }

    /**
     * {@code ./dlab bench pipeline --config <folder|sd15|sd21> --height H --width W --steps N --dtype fp32 [--batch B]};
     * returns the exit status (2 with one error line on bad input).
     */
    public static int run(String[] args) {
        if (Arrays.asList(args).contains("--help")) {
            System.out.println("usage: ./dlab bench pipeline --config <folder|sd15|sd21> --height 512 --width 512 --steps 20 --dtype fp32 [--batch 1]\n"
                    + "  one txt2img generation with CFG and random weights: build, text encode, UNet per step, VAE decode, total, peak RSS");
            return 0;
        }
        try {
            java.util.Map<String, String> o = BenchSupport.options(args, "config", "height", "width", "steps", "dtype", "batch");
            DataType dtype = BenchSupport.dtype(o.getOrDefault("dtype", "fp32"));
            if (dtype == DataType.BFLOAT16) { // DJL 0.36's PyTorch engine aborts the JVM on bfloat16 arrays
                throw new IllegalArgumentException("--dtype bf16 is not supported by DJL 0.36's PyTorch engine; use fp16 or fp32");
            }
            Report r = run(o.getOrDefault("config", "sd15"), BenchSupport.intOption(o, "height", 512), BenchSupport.intOption(o, "width", 512), BenchSupport.intOption(o, "steps", 20),
                    BenchSupport.intOption(o, "batch", 1), dtype);
            System.out.print(r);
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("bench pipeline: " + e.getMessage());
            return 2;
        }
    }

    /**
     * Builds the components with random weights and runs one txt2img generation (guidance 7.5, the
     * config's scheduler).
     *
     * @param config a diffusers folder (only configs and tokenizer are read) or "sd15" / "sd21"
     */
    public static Report run(String config, int height, int width, int steps, int batch, DataType dtype) {
        if (steps < 1 || batch < 1) {
            throw new IllegalArgumentException("steps and batch must be ≥ 1, got " + steps + ", " + batch);
        }
        if (height <= 0 || width <= 0 || height % 8 != 0 || width % 8 != 0) {
            throw new IllegalArgumentException("height and width must be positive multiples of 8, got " + height + "x" + width);
        }
        Path tmp = null;
        try {
            Path dir;
            if (config.equals("sd15") || config.equals("sd21")) {
                tmp = Files.createTempDirectory("dlab-bench-" + config);
                dir = bundledFolder(config, tmp);
            } else {
                dir = Path.of(config);
            }
            ModelFolder f = ModelFolder.open(dir);
            Device device = Engines.start().device();
            long tb = System.nanoTime();
            CLIPTokenizer tok = CLIPTokenizer.fromFolder(f.tokenizer());
            CLIPTextModel te = CLIPTextModel.random(CLIPTextConfig.read(f.textEncoder().resolve("config.json")), device, dtype, 1);
            UNet2DConditionModel unet = UNet2DConditionModel.random(UNetConfig.read(f.unet().resolve("config.json")), device, dtype, 2);
            AutoencoderKL vae = AutoencoderKL.random(VaeConfig.read(f.vae().resolve("config.json")), device, dtype, 3);
            double buildMs = (System.nanoTime() - tb) / 1e6;
            try (StableDiffusionPipeline sd = StableDiffusionPipeline.assemble(f, tok, te, unet, vae);
                 NDManager m = Engines.newManager()) {
                String[] prompts = new String[batch];
                Arrays.fill(prompts, "a photo of a cat sitting on a red chair, highly detailed");
                StepTimer timer = new StepTimer();
                long t0 = System.nanoTime();
                sd.generate(GenerationRequest.of(prompts).steps(steps).size(height, width).seed(0).callback(timer), m);
                double wall = (System.nanoTime() - t0) / 1e6;
                StableDiffusionPipeline.Timings t = sd.lastTimings();
                // the first step starts when the text encoder is done
                double[] stepMs = timer.durations(t0 + (long) (t.textEncodeMs() * 1e6));
                return new Report(config, height, width, steps, batch, dtype.toString(), device.toString(), t.textEncodeMs(),
                        stepMs, t.vaeDecodeMs(), wall, buildMs, BenchSupport.peakRssMiB());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
    }

    /** Records the wall time at every step; converts to per-step durations after the run. */
    private static final class StepTimer implements StepCallback {
        private final List<Long> at = new ArrayList<>();

        @Override
        public boolean onStep(Step step) {
            at.add(System.nanoTime());
            return true;
        }

        double[] durations(long start) {
            double[] out = new double[at.size()];
            long prev = start;
            for (int i = 0; i < out.length; i++) {
                out[i] = (at.get(i) - prev) / 1e6;
                prev = at.get(i);
            }
            return out;
        }
    }

    /** A temporary folder with the bundled component configs, SD 1.5's scheduler and our small tokenizer. */
    static Path bundledFolder(String name, Path dir) throws IOException {
        for (String c : List.of("text_encoder", "unet", "vae")) {
            Files.createDirectories(dir.resolve(c));
            Files.writeString(dir.resolve(c).resolve("config.json"), BenchSupport.config(name, c).json().toString());
        }
        DiffusersFolder.writeScheduler(dir, DefaultModel.SCHEDULER_CONFIG);
        DefaultModel.writeTokenizer(dir.resolve("tokenizer"));
        DiffusersFolder.writeModelIndex(dir, DiffusersFolder.modelIndex("PNDMScheduler", "0.30.3", java.util.Map.of()));
        return dir;
    }

    private static void deleteTree(Path p) {
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException e) {
            // a temp folder left behind is harmless
        }
    }
}
