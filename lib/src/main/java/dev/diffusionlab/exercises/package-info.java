/**
 * Exercise checks for the notebooks: each notebook ends with exercises answered in code, and a check here
 * says whether an answer is right and, when it is not, why. {@link dev.diffusionlab.exercises.Check} is
 * the verdict; {@code ExercisesNN} hold the checks of notebook NN (they compute the right answer
 * themselves from the library, never from a stored number). The worked solutions are in
 * {@code notebooks/solutions/}, which CI executes.
 */
package dev.diffusionlab.exercises;
