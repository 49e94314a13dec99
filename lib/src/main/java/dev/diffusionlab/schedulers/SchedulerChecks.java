package dev.diffusionlab.schedulers;

import com.google.gson.JsonElement;
import dev.diffusionlab.core.Checks;
import dev.diffusionlab.core.UserInputException;

/** Bounds on a scheduler config, checked before tables of num_train_timesteps entries are built. */
final class SchedulerChecks {
    private SchedulerChecks() {}

    /** diffusers' models use 1000; the tables are a few doubles per timestep. */
    static final int MAX_TRAIN_TIMESTEPS = 100_000;

    static void check(SchedulerConfig c) {
        String src = c.className() + " config (scheduler_config.json)";
        if (c.isNull("num_train_timesteps")) {
            return; // the class defaults give a value; a null is reported by the getter
        }
        double n = c.getDouble("num_train_timesteps");
        if (n != Math.rint(n) || n < 1 || n > MAX_TRAIN_TIMESTEPS) {
            throw UserInputException.of(src, "num_train_timesteps", c.get("num_train_timesteps"),
                    "an integer in [1, " + MAX_TRAIN_TIMESTEPS + "]");
        }
        JsonElement tb = c.get("trained_betas");
        boolean trained = tb != null && !tb.isJsonNull();
        if (trained && tb.isJsonArray() && tb.getAsJsonArray().size() > MAX_TRAIN_TIMESTEPS) {
            throw UserInputException.of(src, "trained_betas", "a list of " + tb.getAsJsonArray().size(),
                    "at most " + MAX_TRAIN_TIMESTEPS + " values");
        }
        if (!trained) {
            for (String k : new String[] {"beta_start", "beta_end"}) {
                if (!c.isNull(k)) {
                    Checks.inRange(src, k, c.getDouble(k), 0, 1);
                }
            }
        }
    }
}
