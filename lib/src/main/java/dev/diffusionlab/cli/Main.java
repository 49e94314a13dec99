package dev.diffusionlab.cli;

import dev.diffusionlab.core.Engines;
import java.util.Arrays;

/** Entry point of {@code ./dlab}: one line of help and one dispatch per command. */
public final class Main {
    private static final String HELP = "usage: ./dlab <command> [options]   (each command has --help)\n\ncommands:\n"
            + "  engine     start the engine offline and print device and dtype\n"
            + "  verify     run a model folder's reference cases: ./dlab verify <model-folder>\n"
            + "  toy2d      train a toy 2D diffusion model; write samples (CSV) and a scatter plot (PNG)\n"
            + "  bench      speed and memory figures: ./dlab bench unet|text-encoder|vae-decode|pipeline|attention|toy2d ...\n"
            + "  generate   text-to-image / image-to-image with a Stable Diffusion folder (default: the trained\n"
            + "             shapes-world model, toy-data/models/shapes-world or its copy in the jar; $DLAB_MODEL overrides)\n"
            + "  make-default-model   write the random-weight SD-shaped test folder (toy-data/models/sd-tiny-random)\n"
            + "  train-shapes   train the shapes-world text-to-image model on CPU (diffusers folder out)\n"
            + "  eval-shapes    caption accuracy and attention faithfulness of a shapes-world model (text, HTML/PNG report)\n"
            + "  textual-inversion   teach a model a new word: ./dlab textual-inversion --token \"<zorp>\" --shapes \"red circle\" --out zorp.safetensors\n"
            + "  eval-make-it-yours  textual inversion and inpainting figures on the shapes world\n"
            + "  train-shapes-inpaint  fine-tune the shapes-world model into an inpainting model (9-channel UNet)\n"
            + "\nBad input gets one line naming the file, key or option and exit status 2; ./dlab --debug <command> ...\n"
            + "(or DLAB_DEBUG=1) also prints the stack trace of a failure.\n";

    public static void main(String[] args) {
        int rc = run(args);
        if (rc != 0) {
            System.exit(rc);
        }
    }

    /**
     * Runs one command and returns its exit status (tests call this in-process). User-facing failures
     * ({@link IllegalArgumentException}s, I/O errors, out of memory) print one line and give 2; anything else is
     * an internal error: one line and 1. The stack trace is printed only with {@code --debug} or {@code DLAB_DEBUG=1}.
     */
    public static int run(String[] args) {
        boolean debug = dev.diffusionlab.core.Args.debug();
        String previous = System.getProperty("dlab.debug");
        if (args.length > 0 && args[0].equals("--debug")) {
            debug = true;
            args = Arrays.copyOfRange(args, 1, args.length);
            System.setProperty("dlab.debug", "true"); // commands run through Args.run print their stack trace too
        }
        String cmd = args.length > 0 ? args[0] : "";
        try {
            return dispatch(args);
        } catch (NumberFormatException e) {
            return fail(cmd, e, "expected a number: " + e.getMessage(), 2, debug);
        } catch (IllegalArgumentException | java.io.UncheckedIOException | IllegalStateException e) {
            return fail(cmd, e, e.getMessage(), 2, debug);
        } catch (OutOfMemoryError e) {
            return fail(cmd, e, "out of memory (" + e.getMessage() + "): use a smaller size or batch, or raise the heap with DLAB_XMX", 2, debug);
        } catch (RuntimeException | Error e) {
            return fail(cmd, e, "internal error: " + e + " (run with --debug or DLAB_DEBUG=1 for the stack trace)", 1, debug);
        } finally {
            if (previous == null) {
                System.clearProperty("dlab.debug");
            } else {
                System.setProperty("dlab.debug", previous);
            }
        }
    }

    private static int fail(String cmd, Throwable e, String message, int rc, boolean debug) {
        String line = (message == null ? e.toString() : message).replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
        System.err.println("dlab" + (cmd.isEmpty() ? "" : " " + cmd) + ": " + line);
        if (debug) {
            e.printStackTrace();
        }
        return rc;
    }

    private static int dispatch(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.print(HELP);
            return 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
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
    }
}
