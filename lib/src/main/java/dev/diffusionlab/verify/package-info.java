/**
 * Tooling, reference cases. The verifiers behind {@code ./dlab verify}: each runs a family of a model folder's
 * reference cases ({@link dev.diffusionlab.verify.ReferenceCases}) through the library and compares with the
 * diffusers outputs; registry {@link dev.diffusionlab.verify.Verifiers}. Model packages never depend on it.
 */
package dev.diffusionlab.verify;
