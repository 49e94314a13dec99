/**
 * All stages. Notebook rendering of images, XChart charts and Tablesaw tables; entry point
 * {@link dev.diffusionlab.viz.NotebookDisplay}.
 */
package dev.diffusionlab.viz;
