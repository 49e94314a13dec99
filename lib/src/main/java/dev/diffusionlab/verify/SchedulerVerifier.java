package dev.diffusionlab.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusionlab.schedulers.BetaSchedule;
import dev.diffusionlab.schedulers.DDIMScheduler;
import dev.diffusionlab.schedulers.NoiseSource;
import dev.diffusionlab.schedulers.Scheduler;
import dev.diffusionlab.schedulers.Schedulers;
import dev.diffusionlab.schedulers.StepOutput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scheduler cases ({@code sched.train}, {@code sched.c*}): the training schedule, the timestep/sigma
 * tables, and the README's loop ({@code m = 0.3·s − 0.02·t/1000}, recorded noise replayed) compared step by
 * step. Per-step fields are reported as one row each: the worst step (largest error/bound).
 */
public final class SchedulerVerifier implements CaseVerifier {
    @Override
    public boolean supports(String kind) {
        return kind.equals("scheduler") || kind.equals("scheduler_training_schedule");
    }

    /** The case's scheduler: {@code Class.from_config(folder config, **params.from_config_overrides)}. */
    public static Scheduler build(Path modelFolder, ReferenceCases.Case c) {
        Path cfg = modelFolder.resolve("scheduler/scheduler_config.json");
        String cls = c.json().has("scheduler_class") ? c.json().get("scheduler_class").getAsString()
                : c.params().getAsJsonObject("config").get("_class_name").getAsString();
        Map<String, Object> overrides = new LinkedHashMap<>();
        if (c.params().has("from_config_overrides")) {
            for (Map.Entry<String, JsonElement> e : c.params().getAsJsonObject("from_config_overrides").entrySet()) {
                overrides.put(e.getKey(), e.getValue());
            }
        }
        return Schedulers.create(cls, cfg, overrides);
    }

    @Override
    public List<ReferenceCases.Comparison> verify(Path modelFolder, ReferenceCases cases, ReferenceCases.Case c, NDManager manager) {
        if (c.kind().equals("scheduler_training_schedule")) {
            try (Scheduler s = build(modelFolder, c)) {
                BetaSchedule b = s.betaSchedule();
                return List.of(
                        c.compare("betas", ReferenceCases.toDoubles(b.betas()), cases.doubles(c.output("betas"))),
                        c.compare("alphas_cumprod", ReferenceCases.toDoubles(b.alphasCumprod()), cases.doubles(c.output("alphas_cumprod"))));
            }
        }
        return run(modelFolder, cases, c, manager, false);
    }

    /**
     * Runs a scheduler case. With {@code teacherForced}, every step gets the reference sample and model output
     * (each step checked in isolation from the reference state); otherwise our own loop runs end to end.
     */
    public static List<ReferenceCases.Comparison> run(Path modelFolder, ReferenceCases cases, ReferenceCases.Case c,
            NDManager manager, boolean teacherForced) {
        List<ReferenceCases.Comparison> out = new ArrayList<>();
        JsonObject params = c.params();
        JsonObject tolJson = c.json().getAsJsonObject("tolerance").getAsJsonObject("all_tensors");
        ReferenceCases.Tolerance tol = new ReferenceCases.Tolerance(tolJson.has("atol") ? tolJson.get("atol").getAsDouble() : 0,
                tolJson.has("rtol") ? tolJson.get("rtol").getAsDouble() : 0);
        double sigmaRtol = c.json().getAsJsonObject("tolerance").getAsJsonObject("sigmas").get("rtol").getAsDouble();
        String id = c.id();
        try (Scheduler s = build(modelFolder, c)) {
            out.add(effectiveConfig(id, s, params.getAsJsonObject("effective_config")));
            s.setTimesteps(params.get("num_inference_steps").getAsInt());
            double[] ts = s.timesteps();
            out.add(ReferenceCases.Comparison.exact(id, "timesteps", ts, cases.doubles(c.output("timesteps"))));
            if (c.outputs().containsKey("sigmas")) {
                out.add(ReferenceCases.Comparison.of(id, "sigmas", nullToEmpty(s.sigmas()), cases.doubles(c.output("sigmas")),
                        new ReferenceCases.Tolerance(0, sigmaRtol)));
            }
            out.add(ReferenceCases.Comparison.of(id, "init_noise_sigma", new double[] {s.initNoiseSigma()},
                    new double[] {params.get("init_noise_sigma").getAsDouble()}, new ReferenceCases.Tolerance(0, sigmaRtol)));
            out.add(ReferenceCases.Comparison.exact(id, "order", new double[] {s.order()}, new double[] {params.get("order").getAsDouble()}));
            applyStepKwargs(s, params.getAsJsonObject("step_kwargs"));
            List<NDArray> recorded = new ArrayList<>();
            if (c.json().has("noise")) {
                for (JsonElement n : c.json().getAsJsonArray("noise")) {
                    recorded.add(cases.tensor(n.getAsJsonObject().get("name").getAsString(), manager));
                }
            }
            NoiseSource.Replay replay = NoiseSource.replay(recorded);
            s.setNoiseSource(replay);

            NDArray xT = cases.tensor(c.input("x_T"), manager);
            NDArray xInitRef = cases.tensor(c.input("x_init"), manager);
            NDArray x = xT.mul(s.initNoiseSigma());
            out.add(ReferenceCases.Comparison.of(id, "x_init", ReferenceCases.toDoubles(x), ReferenceCases.toDoubles(xInitRef), tol));
            Worst scaled = new Worst(id, "scaled_model_input", tol);
            Worst model = new Worst(id, "model_output", tol);
            Worst prev = new Worst(id, "prev_sample", tol);
            Worst pred = new Worst(id, "pred_original_sample", tol);
            List<JsonElement> steps = new ArrayList<>();
            c.json().getAsJsonArray("per_step").forEach(steps::add);
            if (steps.size() != ts.length) {
                out.add(new ReferenceCases.Comparison(id, "loop_length", Math.abs(steps.size() - ts.length), 0, false,
                        "our loop has " + ts.length + " iterations, reference " + steps.size()));
                return out;
            }
            NDArray finalSample = null;
            for (int k = 0; k < ts.length; k++) {
                JsonObject ps = steps.get(k).getAsJsonObject();
                double t = ts[k];
                try (NDManager sm = manager.newSubManager()) {
                    NDArray xk = teacherForced ? (k == 0 ? xInitRef : cases.tensor(steps.get(k - 1).getAsJsonObject()
                            .get("prev_sample").getAsString(), sm)) : x;
                    NDArray input = s.scaleModelInput(xk, t);
                    scaled.add(k, ReferenceCases.toDoubles(input), cases.doubles(ps.get("scaled_model_input").getAsString()));
                    NDArray m = teacherForced ? cases.tensor(ps.get("model_output").getAsString(), sm)
                            : input.mul(0.3f).sub((float) (0.02 * (t / 1000.0)));
                    model.add(k, ReferenceCases.toDoubles(m), cases.doubles(ps.get("model_output").getAsString()));
                    StepOutput o = s.step(m, t, xk);
                    prev.add(k, ReferenceCases.toDoubles(o.prevSample()), cases.doubles(ps.get("prev_sample").getAsString()));
                    if (ps.has("pred_original_sample")) {
                        double[] e = cases.doubles(ps.get("pred_original_sample").getAsString());
                        pred.add(k, o.predOriginalSample() == null ? new double[0] : ReferenceCases.toDoubles(o.predOriginalSample()), e);
                    }
                    NDArray next = o.prevSample();
                    next.attach(manager); // keep the loop sample beyond this step's sub-manager
                    if (!teacherForced && x != xT) {
                        x.close();
                    }
                    x = next;
                    finalSample = next;
                }
            }
            for (Worst w : List.of(scaled, model, prev, pred)) {
                if (w.count > 0) {
                    out.add(w.result());
                }
            }
            if (!teacherForced) {
                out.add(ReferenceCases.Comparison.of(id, "final_sample", ReferenceCases.toDoubles(finalSample),
                        cases.doubles(c.output("final_sample")), tol));
            }
            out.add(ReferenceCases.Comparison.exact(id, "noise_draws", new double[] {replay.drawn()}, new double[] {replay.recorded()}));
        }
        return out;
    }

    private static void applyStepKwargs(Scheduler s, JsonObject kwargs) {
        if (kwargs == null) {
            return;
        }
        for (Map.Entry<String, JsonElement> e : kwargs.entrySet()) {
            if (e.getKey().equals("eta") && s instanceof DDIMScheduler d) {
                d.setEta(e.getValue().getAsDouble());
            } else {
                throw new IllegalArgumentException(s.name() + ": step kwarg '" + e.getKey() + "' is not supported by the verifier");
            }
        }
    }

    /** Every non-underscore key of the reference effective config must equal ours (numbers compared as doubles). */
    private static ReferenceCases.Comparison effectiveConfig(String id, Scheduler s, JsonObject expected) {
        JsonObject ours = s.config().toJson();
        int bad = 0;
        StringBuilder note = new StringBuilder();
        for (Map.Entry<String, JsonElement> e : expected.entrySet()) {
            if (e.getKey().startsWith("_")) {
                continue;
            }
            JsonElement mine = ours.get(e.getKey());
            if (!sameJson(mine, e.getValue())) {
                bad++;
                note.append(e.getKey()).append(": ").append(mine).append(" != ").append(e.getValue()).append("; ");
            }
        }
        return new ReferenceCases.Comparison(id, "effective_config", bad, 0, bad == 0, note.toString());
    }

    private static boolean sameJson(JsonElement a, JsonElement b) {
        if (a == null || a.isJsonNull()) {
            return b == null || b.isJsonNull();
        }
        if (a.isJsonPrimitive() && b.isJsonPrimitive()) {
            var pa = a.getAsJsonPrimitive();
            var pb = b.getAsJsonPrimitive();
            if ((pa.isNumber() || isInf(pa)) && (pb.isNumber() || isInf(pb))) {
                return num(pa) == num(pb);
            }
        }
        return a.equals(b);
    }

    private static boolean isInf(com.google.gson.JsonPrimitive p) {
        return p.isString() && p.getAsString().toLowerCase().contains("inf");
    }

    private static double num(com.google.gson.JsonPrimitive p) {
        if (p.isString()) {
            return p.getAsString().startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        return p.getAsDouble();
    }

    private static final class Worst {
        final String caseId;
        final String field;
        final ReferenceCases.Tolerance tol;
        ReferenceCases.Comparison worst;
        int worstStep = -1;
        int count;
        int failed;

        Worst(String caseId, String field, ReferenceCases.Tolerance tol) {
            this.caseId = caseId;
            this.field = field;
            this.tol = tol;
        }

        void add(int step, double[] actual, double[] expected) {
            ReferenceCases.Comparison cmp = ReferenceCases.Comparison.of(caseId, field, actual, expected, tol);
            count++;
            if (!cmp.passed()) {
                failed++;
            }
            if (worst == null || ratio(cmp) > ratio(worst)) {
                worst = cmp;
                worstStep = step;
            }
        }

        static double ratio(ReferenceCases.Comparison c) {
            return Double.isNaN(c.maxAbsError()) ? Double.POSITIVE_INFINITY : c.maxAbsError() / Math.max(c.bound(), 1e-300);
        }

        ReferenceCases.Comparison result() {
            return new ReferenceCases.Comparison(caseId, field + "[" + count + " steps]", worst.maxAbsError(), worst.bound(),
                    failed == 0, "worst at step " + worstStep + (failed > 0 ? ", " + failed + " steps fail" : "") + worst.note());
        }
    }

    private static double[] nullToEmpty(double[] a) {
        return a == null ? new double[0] : a;
    }
}
