/**
 * Tooling, the command line. {@link dev.diffusionlab.cli.Main} dispatches {@code ./dlab <command>} to one class per
 * command; option parsing and the run/usage wrapper come from {@code core.Args}. Nothing depends on it.
 */
package dev.diffusionlab.cli;
