package dev.diffusionlab.exercises;

/** Checks for the exercises of notebook 03 (the latent pipeline). */
public final class Exercises03 {
    private Exercises03() {}

    /** 03.1: how many numbers the UNet denoises for a size×size picture: 4 latent channels × (size/f)². */
    public static Check latentNumbers(int size, int factor, long answer) {
        String id = "03.1";
        long side = size / factor;
        long want = 4 * side * side;
        if (answer == want) {
            return Check.right(id, "4 channels × " + side + " × " + side + " = " + want + " ("
                    + Check.fmt(3.0 * size * size / want) + "× fewer numbers than the " + 3L * size * size + " pixel values)");
        }
        if (answer == 3 * side * side) {
            return Check.wrong(id, "the latent has 4 channels, not the image's 3");
        }
        if (answer == 4L * size * size || answer == 3L * size * size) {
            return Check.wrong(id, "that is at full resolution; the VAE shrinks each side by the factor " + factor);
        }
        return Check.wrong(id, "channels × (size / factor)²; you have " + answer);
    }

    /** 03.2: classifier-free guidance of one value: ε = ε_uncond + g·(ε_text − ε_uncond). */
    public static Check guided(double epsUncond, double epsText, double g, double answer) {
        String id = "03.2";
        double want = epsUncond + g * (epsText - epsUncond);
        if (Check.close(answer, want, 1e-6)) {
            return Check.right(id, Check.fmt(want) + ": start from the unconditional prediction and go g times the caption's difference");
        }
        if (Check.close(answer, epsText + g * (epsUncond - epsText), 1e-6)) {
            return Check.wrong(id, "the roles are swapped: this pushes towards the empty prompt, away from the caption");
        }
        if (Check.close(answer, g * epsText, 1e-6)) {
            return Check.wrong(id, "scaling ε_text alone is not guidance; mix it with ε_uncond");
        }
        return Check.wrong(id, "expected ε_uncond + g·(ε_text − ε_uncond), you have " + Check.fmt(answer));
    }

    /** 03.3: how many denoising steps img2img runs at {@code strength} with {@code steps} (diffusers' get_timesteps). */
    public static Check img2imgSteps(int steps, double strength, int answer) {
        String id = "03.3";
        int want = Math.min((int) (steps * strength), steps);
        if (answer == want) {
            return Check.right(id, "⌊" + steps + " × " + strength + "⌋ = " + want + ": the last " + want
                    + " of the schedule's steps; the picture is noised to the first of them");
        }
        if (answer == steps - want) {
            return Check.wrong(id, "that is the number of steps skipped; strength is the share that is run");
        }
        if (answer == steps) {
            return Check.wrong(id, "img2img does not run the whole schedule, only the last strength × steps");
        }
        return Check.wrong(id, "expected ⌊steps × strength⌋, you have " + answer);
    }
}
