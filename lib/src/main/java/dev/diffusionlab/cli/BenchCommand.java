package dev.diffusionlab.cli;

import dev.diffusionlab.bench.AttentionBench;
import dev.diffusionlab.bench.SoakBench;
import dev.diffusionlab.bench.PipelineBench;
import dev.diffusionlab.bench.TextEncoderBench;
import dev.diffusionlab.bench.ToyBench;
import dev.diffusionlab.bench.TrainStepBench;
import dev.diffusionlab.bench.UNetBench;
import dev.diffusionlab.bench.VaeDecodeBench;
import java.util.Arrays;

/**
 * {@code ./dlab bench <case> [options]}: speed and memory figures. Each case dispatches to a bench
 * class in its package.
 */
public final class BenchCommand {
    private BenchCommand() {}

    public static int run(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println("usage: ./dlab bench <case> [options]\n\ncases:\n"
                    + "  unet          UNet forward:  --config <folder|sd15|sd21> --height 512 --width 512 --dtype fp32 --batch 2 [--runs N] [--attention-slicing auto|max|N]\n"
                    + "  text-encoder  CLIP text encoder forward (77 tokens): --config <folder|sd15|sd21> --dtype fp32 --batch 2 [--runs N]\n"
                    + "  vae-decode    VAE decode: --config <folder|sd15|sd21> --height 512 --width 512 --dtype fp32 --batch 1 [--runs N]\n"
                    + "  train-step    a training forward + backward on one thread at several batch sizes, and the fit fixed + per sample:\n"
                    + "                --config <folder|sd15|sd21> --network unet|vae --batches 1,8,16 [--size N] [--runs N]\n"
                    + "  toy2d         toy 2D model: training steps/s and sampling time (toy2d --help)\n"
                    + "  pipeline      whole txt2img generation: --config <folder|sd15|sd21> --height 512 --width 512 --steps 20 --dtype fp32 [--batch 1]\n"
                    + "  attention     pipeline time with and without attention capture (attention --help)\n"
                    + "  soak          memory soak: RSS every 10 of N generations and N attention captures (soak --help)\n"
                    + "Network cases use random weights from the config; they print the median ms per forward after one\n"
                    + "warm-up, and the peak RSS (VmHWM). unet, text-encoder and vae-decode also take --profile (time by module\n"
                    + "kind and native calls of one forward) and --contention N (times again while N busy-loop processes run).");
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        Args.Body body = switch (args[0]) {
            case "unet" -> UNetBench::run;
            case "text-encoder" -> TextEncoderBench::run;
            case "vae-decode" -> VaeDecodeBench::run;
            case "toy2d" -> ToyBench::run;
            case "train-step" -> TrainStepBench::run;
            case "pipeline" -> PipelineBench::run;
            case "attention" -> AttentionBench::run;
            case "soak" -> SoakBench::run;
            default -> {
                System.err.println("bench: unknown case '" + args[0] + "' (see ./dlab bench --help)");
                yield null;
            }
        };
        return body == null ? 2 : Args.run("bench " + args[0], null, rest, body);
    }
}
