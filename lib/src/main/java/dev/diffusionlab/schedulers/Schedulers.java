package dev.diffusionlab.schedulers;

import dev.diffusionlab.nn.ConfigJson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds schedulers from a diffusers {@code scheduler_config.json}, like {@code Class.from_config(config, **overrides)}:
 * keys the file does not set take the chosen class's own defaults (so switching a PNDM config to Euler gives
 * Euler's {@code timestep_spacing="linspace"}).
 *
 * <pre>{@code
 * Path cfg = sdFolder.resolve("scheduler/scheduler_config.json");
 * Scheduler pndm = Schedulers.fromConfig(cfg, Map.of());                         // the file's _class_name
 * Scheduler karras = Schedulers.create("dpmpp_2m_karras", cfg);                  // DPM++ 2M Karras, same betas
 * Scheduler ddim = Schedulers.create("DDIMScheduler", cfg, Map.of("timestep_spacing", "trailing"));
 * }</pre>
 */
public final class Schedulers {
    private Schedulers() {}

    private record Kind(String className, Map<String, Object> defaults, Map<String, Object> implied,
                        Function<SchedulerConfig, Scheduler> make) {}

    /** A class's defaults: the training-schedule keys every scheduler has, then {@code more}. */
    @SafeVarargs
    private static Map<String, Object> defaults(double betaStart, double betaEnd, Map<String, Object>... more) {
        Map<String, Object> m = ConfigJson.map("num_train_timesteps", 1000, "beta_start", betaStart, "beta_end", betaEnd,
                "beta_schedule", "linear", "trained_betas", null, "prediction_type", "epsilon", "steps_offset", 0);
        for (Map<String, Object> x : more) {
            m.putAll(x);
        }
        return m;
    }

    /** diffusers' dynamic-thresholding keys (thresholding itself is not supported, so it must stay false). */
    private static final Map<String, Object> THRESH = ConfigJson.map("thresholding", false, "dynamic_thresholding_ratio", 0.995,
            "sample_max_value", 1.0);

    private static final Map<String, Kind> CLASSES = new LinkedHashMap<>();
    private static final Map<String, Kind> NAMES = new LinkedHashMap<>();

    static {
        // the __init__ defaults of each diffusers class
        Kind ddpm = new Kind("DDPMScheduler", defaults(1e-4, 0.02, THRESH, ConfigJson.map("variance_type", "fixed_small", "clip_sample", true,
                "clip_sample_range", 1.0, "timestep_spacing", "leading", "rescale_betas_zero_snr", false)), Map.of(), DDPMScheduler::new);
        Kind ddim = new Kind("DDIMScheduler", defaults(1e-4, 0.02, THRESH, ConfigJson.map("clip_sample", true, "set_alpha_to_one", true,
                "clip_sample_range", 1.0, "timestep_spacing", "leading", "rescale_betas_zero_snr", false)), Map.of(), DDIMScheduler::new);
        Kind pndm = new Kind("PNDMScheduler", defaults(1e-4, 0.02, ConfigJson.map("skip_prk_steps", false, "set_alpha_to_one", false,
                "timestep_spacing", "leading")), Map.of(), PNDMScheduler::new);
        Kind lms = new Kind("LMSDiscreteScheduler", defaults(1e-4, 0.02, ConfigJson.map("use_karras_sigmas", false, "timestep_spacing", "linspace")),
                Map.of(), LMSDiscreteScheduler::new);
        Kind euler = new Kind("EulerDiscreteScheduler", defaults(1e-4, 0.02, ConfigJson.map("interpolation_type", "linear",
                "use_karras_sigmas", false, "sigma_min", null, "sigma_max", null, "timestep_spacing", "linspace", "timestep_type", "discrete",
                "rescale_betas_zero_snr", false, "final_sigmas_type", "zero")), Map.of(), EulerDiscreteScheduler::new);
        Kind eulerA = new Kind("EulerAncestralDiscreteScheduler", defaults(1e-4, 0.02, ConfigJson.map("timestep_spacing", "linspace",
                "rescale_betas_zero_snr", false)), Map.of(), EulerAncestralDiscreteScheduler::new);
        Kind heun = new Kind("HeunDiscreteScheduler", defaults(0.00085, 0.012, ConfigJson.map("use_karras_sigmas", false, "clip_sample", false,
                "clip_sample_range", 1.0, "timestep_spacing", "linspace")), Map.of(), HeunDiscreteScheduler::new);
        Kind dpm = new Kind("DPMSolverMultistepScheduler", defaults(1e-4, 0.02, THRESH, ConfigJson.map("solver_order", 2,
                "algorithm_type", "dpmsolver++", "solver_type", "midpoint", "lower_order_final", true, "euler_at_final", false,
                "use_karras_sigmas", false, "use_lu_lambdas", false, "final_sigmas_type", "zero", "lambda_min_clipped", "-Infinity",
                "variance_type", null, "timestep_spacing", "linspace", "rescale_betas_zero_snr", false)), Map.of(),
                DPMSolverMultistepScheduler::new);
        Kind unipc = new Kind("UniPCMultistepScheduler", defaults(1e-4, 0.02, THRESH, ConfigJson.map("solver_order", 2, "predict_x0", true,
                "solver_type", "bh2", "lower_order_final", true, "disable_corrector", List.of(), "solver_p", null,
                "use_karras_sigmas", false, "timestep_spacing", "linspace", "final_sigmas_type", "zero", "rescale_betas_zero_snr", false)),
                Map.of(), UniPCMultistepScheduler::new);
        for (Kind k : List.of(ddpm, ddim, pndm, lms, euler, eulerA, heun, dpm, unipc)) {
            CLASSES.put(k.className(), k);
        }
        NAMES.put("ddpm", ddpm);
        NAMES.put("ddim", ddim);
        NAMES.put("pndm", pndm);
        NAMES.put("lms", lms);
        NAMES.put("euler", euler);
        NAMES.put("euler_a", eulerA);
        NAMES.put("heun", heun);
        NAMES.put("dpmpp_2m", new Kind(dpm.className(), dpm.defaults(),
                Map.of("algorithm_type", "dpmsolver++", "solver_order", 2), dpm.make()));
        NAMES.put("dpmpp_2m_karras", new Kind(dpm.className(), dpm.defaults(),
                Map.of("algorithm_type", "dpmsolver++", "solver_order", 2, "use_karras_sigmas", true), dpm.make()));
        NAMES.put("unipc", unipc);
    }

    /** Every accepted name: short names ("ddim", "euler_a", "dpmpp_2m_karras", ...) and diffusers class names. */
    public static List<String> names() {
        List<String> all = new java.util.ArrayList<>(NAMES.keySet());
        all.addAll(CLASSES.keySet());
        return all;
    }

    /** The scheduler class the config file names ({@code _class_name}), built from it. */
    public static Scheduler fromConfig(Path schedulerConfigJson, Map<String, ?> overrides) {
        JsonObject cfg = readConfig(schedulerConfigJson);
        if (!cfg.has("_class_name")) {
            throw new IllegalArgumentException(schedulerConfigJson + ": no _class_name (pass a scheduler name to Schedulers.create)");
        }
        return create(cfg.get("_class_name").getAsString(), cfg, overrides);
    }

    /** The scheduler {@code config} names ({@code _class_name}). */
    public static Scheduler fromConfig(JsonObject config, Map<String, ?> overrides) {
        if (!config.has("_class_name")) {
            throw new IllegalArgumentException("scheduler config has no _class_name (pass a scheduler name to Schedulers.create)");
        }
        return create(config.get("_class_name").getAsString(), config, overrides);
    }

    /** Scheduler {@code name} built from a config file. */
    public static Scheduler create(String name, Path schedulerConfigJson) {
        return create(name, readConfig(schedulerConfigJson), Map.of());
    }

    /** Scheduler {@code name} built from a config file with overrides. */
    public static Scheduler create(String name, Path schedulerConfigJson, Map<String, ?> overrides) {
        return create(name, readConfig(schedulerConfigJson), overrides);
    }

    /** Scheduler {@code name} with the class defaults plus {@code overrides} (no config file). */
    public static Scheduler create(String name, Map<String, ?> overrides) {
        return create(name, new JsonObject(), overrides);
    }

    /** Scheduler {@code name} with the class defaults only. */
    public static Scheduler create(String name) {
        return create(name, new JsonObject(), Map.of());
    }

    /**
     * Scheduler {@code name} built from {@code config} (may be null): class defaults, then the config's keys,
     * then the name's implied settings (e.g. Karras sigmas), then {@code overrides}.
     */
    public static Scheduler create(String name, JsonObject config, Map<String, ?> overrides) {
        Kind k = kind(name);
        Map<String, Object> all = new LinkedHashMap<>(k.implied());
        if (overrides != null) {
            all.putAll(overrides);
        }
        SchedulerConfig sc = new SchedulerConfig(k.className(), SchedulerConfig.toJson(k.defaults()).getAsJsonObject(), config, all);
        return k.make().apply(sc);
    }

    private static Kind kind(String name) {
        if (name == null) {
            throw new IllegalArgumentException("scheduler name is null; known: " + String.join(", ", names()));
        }
        Kind k = NAMES.get(name.toLowerCase(Locale.ROOT));
        if (k == null) {
            k = CLASSES.get(name);
        }
        if (k == null) {
            throw new IllegalArgumentException("unknown scheduler '" + name + "'; known: " + String.join(", ", names()));
        }
        return k;
    }

    static JsonObject readConfig(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(p + ": scheduler config not found");
        }
        try {
            return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(p + ": cannot parse scheduler config: " + e.getMessage(), e);
        }
    }
}
