package dev.diffusionlab.cli;

/**
 * The commands' option helpers: {@link dev.diffusionlab.core.Args} (shared with the bench cases), reachable
 * here as {@code Args.value(...)}, {@code Args.parseInt(...)}, {@code Args.run(...)}.
 */
final class Args extends dev.diffusionlab.core.Args {
    private Args() {}
}
