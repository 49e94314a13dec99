package dev.diffusionlab.cli;

import ai.djl.ndarray.types.DataType;
import dev.diffusionlab.pipeline.PipelineBench;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@code ./dlab bench <case> [options]}: speed and memory figures. Each case dispatches to a bench
 * class in its package.
 */
public final class BenchCommand {
    private BenchCommand() {}

    public static int run(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println("usage: ./dlab bench <case> [options]\n\ncases:\n"
                    + "  pipeline      whole txt2img generation: --config <folder|sd15|sd21> --height 512 --width 512 --steps 20 --dtype fp32 [--batch 1]\n"
                    + "Random weights from the config; prints time per stage and peak RSS (VmHWM).");
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "pipeline" -> pipeline(rest);
            default -> {
                System.err.println("bench: unknown case '" + args[0] + "' (see ./dlab bench --help)");
                yield 2;
            }
        };
    }

    /** {@code bench pipeline}: see {@link PipelineBench}. */
    static int pipeline(String[] args) {
        String config = "sd15";
        int height = 512;
        int width = 512;
        int steps = 20;
        int batch = 1;
        DataType dtype = DataType.FLOAT32;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--config" -> config = Args.value(args, i++, a);
                    case "--height" -> height = Args.parseInt(Args.value(args, i++, a), a);
                    case "--width" -> width = Args.parseInt(Args.value(args, i++, a), a);
                    case "--steps" -> steps = Args.parseInt(Args.value(args, i++, a), a);
                    case "--batch" -> batch = Args.parseInt(Args.value(args, i++, a), a);
                    case "--dtype" -> dtype = switch (Args.value(args, i++, a).toLowerCase(Locale.ROOT)) {
                        case "fp32" -> DataType.FLOAT32;
                        case "fp16" -> DataType.FLOAT16;
                        case "bf16" -> throw new IllegalArgumentException(
                                "--dtype bf16 is not supported by DJL 0.36's PyTorch engine (it aborts on bfloat16 arrays); use fp16 or fp32");
                        default -> throw new IllegalArgumentException("--dtype must be fp32, fp16 or bf16, got '" + args[i] + "'");
                    };
                    default -> throw new IllegalArgumentException("unknown option '" + a + "' (see ./dlab bench --help)");
                }
            }
            System.out.print(PipelineBench.run(config, height, width, steps, batch, dtype));
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("bench pipeline: " + e.getMessage());
            return 2;
        }
    }
}
