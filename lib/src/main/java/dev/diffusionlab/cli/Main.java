package dev.diffusionlab.cli;

import dev.diffusionlab.core.Engines;

/** Entry point of {@code ./dlab}. Subcommands register in {@link #COMMANDS}. */
public final class Main {
    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println("usage: ./dlab <command> [options]\n\ncommands:\n  engine     start the engine offline and print device and dtype"
                    + "\n  generate   text-to-image / image-to-image with a Stable Diffusion folder (default: the embedded random one)"
                    + "\n  bench      speed figures (./dlab bench pipeline --help)"
                    + "\n  make-default-model   write the embedded random-weight SD folder (toy-data/models/sd-tiny-random)");
            return;
        }
        if (args[0].equals("engine")) {
            Engines.startAndReport();
            return;
        }
        int status = switch (args[0]) {
            case "generate" -> GenerateCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length));
            case "bench" -> BenchCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length));
            case "make-default-model" -> MakeDefaultModelCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length));
            default -> -1;
        };
        if (status >= 0) {
            System.exit(status);
        }
        System.err.println("dlab: unknown command '" + args[0] + "' (see ./dlab --help)");
        System.exit(2);
    }
}
