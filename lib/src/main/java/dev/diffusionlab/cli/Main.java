package dev.diffusionlab.cli;

import dev.diffusionlab.core.Engines;
import java.util.Arrays;

/** Entry point of {@code ./dlab}: one line of help and one dispatch per command. */
public final class Main {
    private static final String HELP = "usage: ./dlab <command> [options]   (each command has --help)\n\ncommands:\n"
            + "  engine     start the engine offline and print device and dtype\n"
            + "  verify     run a model folder's reference cases: ./dlab verify <model-folder>\n"
            + "  toy2d      train a toy 2D diffusion model and write samples\n"
            + "  bench      speed and memory figures: ./dlab bench unet|text-encoder|vae-decode|pipeline|attention|toy2d ...\n"
            + "  generate   text-to-image / image-to-image with a Stable Diffusion folder (default: the embedded random one)\n"
            + "  make-default-model   write the embedded random-weight SD folder (toy-data/models/sd-tiny-random)\n"
            + "  train-shapes   train the shapes-world text-to-image model on CPU (diffusers folder out)\n"
            + "  eval-shapes    caption accuracy and attention faithfulness of a shapes-world model\n"
            + "  textual-inversion   teach a model a new word: ./dlab textual-inversion --token \"<zorp>\" --shapes \"red circle\" --out zorp.safetensors\n"
            + "  eval-make-it-yours  textual inversion and inpainting figures on the shapes world\n"
            + "  train-shapes-inpaint  fine-tune the shapes-world model into an inpainting model (9-channel UNet)\n";

    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.print(HELP);
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        int rc = switch (args[0]) {
            case "engine" -> {
                Engines.startAndReport();
                yield 0;
            }
            case "verify" -> VerifyCommand.run(rest);
            case "toy2d" -> Toy2dCommand.run(rest);
            case "bench" -> BenchCommand.run(rest);
            case "generate" -> GenerateCommand.run(rest);
            case "make-default-model" -> MakeDefaultModelCommand.run(rest);
            case "train-shapes" -> TrainShapesCommand.run(rest);
            case "eval-shapes" -> EvalShapesCommand.run(rest);
            case "textual-inversion" -> TextualInversionCommand.run(rest);
            case "eval-make-it-yours" -> EvalMakeItYoursCommand.run(rest);
            case "train-shapes-inpaint" -> TrainShapesInpaintCommand.run(rest);
            default -> {
                System.err.println("dlab: unknown command '" + args[0] + "' (see ./dlab --help)");
                yield 2;
            }
        };
        if (rc != 0) {
            System.exit(rc);
        }
    }
}
