package dev.diffusionlab.cli;

import dev.diffusionlab.core.Engines;

/** Entry point of {@code ./dlab}. Subcommands register in {@link #COMMANDS}. */
public final class Main {
    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println("usage: ./dlab <command> [options]\n\ncommands:\n  engine     start the engine offline and print device and dtype\n  toy2d      train a toy 2D diffusion model and write samples (toy2d --help)\n  bench      speed figures (bench --help)");
            return;
        }
        if (args[0].equals("engine")) {
            Engines.startAndReport();
            return;
        }
        if (args[0].equals("toy2d")) {
            System.exit(Toy2dCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args[0].equals("bench")) {
            System.exit(BenchCommand.run(args));
        }
        System.err.println("dlab: unknown command '" + args[0] + "' (see ./dlab --help)");
        System.exit(2);
    }
}
