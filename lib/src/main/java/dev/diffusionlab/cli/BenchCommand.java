package dev.diffusionlab.cli;

import dev.diffusionlab.toy.ToyBench;
import java.util.Arrays;

/** {@code ./dlab bench <what> [options]}: prints speed figures; one case per benchmark. */
public final class BenchCommand {
    private BenchCommand() {}

    /** args[0] is "bench", args[1] the benchmark. */
    public static int run(String[] args) {
        String what = args.length > 1 ? args[1] : "--help";
        String[] rest = args.length > 2 ? Arrays.copyOfRange(args, 2, args.length) : new String[0];
        switch (what) {
            case "toy2d":
                return ToyBench.run(rest);
            case "--help":
            case "-h":
                System.out.println("usage: ./dlab bench <what> [options]\n\nbenchmarks:\n  toy2d      toy 2D model: training steps/s and sampling time");
                return 0;
            default:
                System.err.println("bench: unknown benchmark '" + what + "' (see ./dlab bench --help)");
                return 2;
        }
    }
}
