#!/usr/bin/env python3
"""Writes 02-toy-2d-diffusion.ipynb (nbformat v4, no outputs). Run: python3 scripts/notebooks/make_02_toy_2d.py"""
import os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nbgen

cells = []
def md(s): cells.append(nbgen.md(s))
def code(s): cells.append(nbgen.code(s))

md("""
# 02 · Toy 2D diffusion: the learned vector field, trajectories and guidance

A diffusion model's denoiser learns a **dense vector field** that points back to the data from *anywhere*.
Sampling starts from pure noise and walks along that field, step by step. Which part of the data a sample
reaches is *pure chance and proximity*: it depends on where its noise started. Text (here a class label) is
a **GPS** that biases every step towards what you asked for.

In 2D we can *see* all of this. We train a small MLP denoiser (DJL, CPU) on point clouds, then look at its
field, its particles' paths, and what guidance does to both. Quick mode (`DLAB_QUICK=1`) trains for a few
seconds; full mode trains to convergence.
""")
code("""
import dev.diffusionlab.core.*;
import dev.diffusionlab.toy.*;
import java.nio.file.Path;
import java.util.*;
import tech.tablesaw.api.Table;
Engines.startAndReport();
int STEPS = Quick.pick(600, 8000);   // training steps per model
int N = Quick.pick(400, 2000);       // samples per plot
STEPS
""")
md("""
## 1 · Datasets

Every dataset is a Tablesaw table with columns `x`, `y`, `label`, made by seeded code in `Datasets2D`
(the cat is the seed's favourite: an outline with ears, eyes and whiskers). `clusters` is a labelled mixture
of named blobs, used for guidance later.
""")
code("""
List<String> names = Datasets2D.NAMES;
var charts = new ArrayList<org.knowm.xchart.XYChart>();
for (String n : names) {
    var c = ToyPlots.scatter(n, Datasets2D.byName(n, 1500, 0));
    c.getStyler().setLegendVisible(false);
    charts.add(c);
}
display(ToyPlots.row(charts.subList(0, 4).toArray(new org.knowm.xchart.XYChart[0])));
ToyPlots.row(charts.subList(4, 7).toArray(new org.knowm.xchart.XYChart[0]))
""")
md("""
Any CSV/TSV with columns `x`, `y` (and optionally `label`) loads with `Datasets2D.load(path)`. The Datasaurus
"dino" is read in place from `../shared/data/c-points` when that folder is there (it is never copied into
the project); otherwise we fall back to the built-in cat.
""")
code("""
Table dino = Datasets2D.dino().orElseGet(() -> Datasets2D.cat(1500, 0));
String dinoName = Datasets2D.dino().isPresent() ? "dino (Datasaurus)" : "cat (dino not found)";
ToyPlots.scatter(dinoName + ", " + dino.rowCount() + " points", dino)
""")
md("""
## 2 · Training the denoiser

The network sees a noised point `x_t = sqrt(ᾱ_t)·x_0 + sqrt(1-ᾱ_t)·ε`, the timestep `t` (as a sinusoidal
embedding) and a label embedding, and predicts the noise `ε`. Points are standardised (mean 0, std 1 per
axis) for training; samples are mapped back to the data's own coordinates. The loss is a plain MSE, trained
with DJL's Trainer, autograd and Adam (cosine learning-rate decay).
""")
code("""
Table moons = Datasets2D.moons(2000, 0);
var cfg = ToyTrainer.Config.auto().withSteps(STEPS);
var moonsRun = ToyTrainer.train(moons, cfg);
ToyModel moonsModel = moonsRun.model();
System.out.printf("%n%.1f s, %.0f steps/s%n", moonsRun.seconds(), moonsRun.stepsPerSecond());
ToyPlots.lossCurve(moonsRun.loss())
""")
md("""
The loss does not go to zero: at large `t` the noise is genuinely unpredictable from `x_t`, so the best
possible MSE stays well above 0. What matters is whether the samples look like the data.
""")
md("""
## 3 · Sampling: DDPM and DDIM

DDPM (ancestral) adds fresh noise at every step; DDIM (η = 0) is deterministic: the same starting noise
always gives the same sample.
""")
code("""
Trajectories ddpm = ToySampler.sample(moonsModel, ToySampler.Kind.DDPM, N, 100, 1, null, 0);
Trajectories ddim = ToySampler.sample(moonsModel, ToySampler.Kind.DDIM, N, 50, 1, null, 0);
ToyPlots.row(ToyPlots.dataAndSamples("DDPM, 100 steps", moons, ddpm.samples()),
             ToyPlots.dataAndSamples("DDIM, 50 steps", moons, ddim.samples()))
""")
md("""
### Quality, measured

Eyeballing is not a metric. We compute the **sliced Wasserstein-2 distance** between samples and data
(in standardised units) for the trained model, for the *untrained* model (same initial weights: its
random field throws particles far away), and for plain N(0, I) noise.
""")
code("""
var rows = new ArrayList<QualityReport.Row>();
rows.add(QualityReport.evaluate("moons", moonsRun, moons, cfg, 1000));
var dinoCfg = cfg.withConditional(false);
var dinoRun = ToyTrainer.train(dino, dinoCfg);
rows.add(QualityReport.evaluate(dinoName, dinoRun, dino, dinoCfg, 1000));
if (!Quick.isOn()) {
    for (String n : List.of("swissroll", "spirals", "circle", "line", "cat")) {
        Table d = Datasets2D.byName(n, 2000, 0);
        var r = ToyTrainer.train(d, cfg.withConditional(false));
        rows.add(QualityReport.evaluate(n, r, d, cfg, 1000));
        r.model().close();
    }
}
QualityReport.table(rows)
""")
code("""
ToyPlots.dataAndSamples(dinoName + ": samples", dino,
    ToySampler.sample(dinoRun.model(), ToySampler.Kind.DDPM, N, 100, 2, null, 0).samples())
""")
md("""
## 4 · Trajectories

Each line is one particle's path from its starting noise (grey circle) to its sample (red dot). DDPM paths
jitter (fresh noise at every step); DDIM paths are smooth curves, the discretised *probability-flow ODE*.
""")
code("""
ToyPlots.row(ToyPlots.trajectories(ddpm, moons, 40, "DDPM trajectories"),
             ToyPlots.trajectories(ddim, moons, 40, "DDIM trajectories"))
""")
md("""
## 5 · The vector field

On a grid we evaluate the learned direction: the **score** `-ε̂ / sqrt(1-ᾱ_t)`, the direction in which the
noised data gets denser. Arrows are drawn as short XChart line series (length ∝ √magnitude) over the data.

* at `t = T-1` (almost pure noise) the field is smooth and points to the data's **centre**: from far away
  all the model knows is "the data is over there";
* as `t → 0` it sharpens and points to the **nearest** piece of data: the moons themselves appear as sinks.
""")
code("""
float[][] moonPts = Datasets2D.xy(moons);
var fields = new ArrayList<org.knowm.xchart.XYChart>();
for (int t : new int[] {99, 50, 20, 3}) {
    VectorField f = VectorField.compute(moonsModel, t, VectorField.Kind.SCORE, 17, moonPts, null, 0);
    fields.add(ToyPlots.vectorField(f, moons, "score at t = " + t));
}
display(ToyPlots.row(fields.get(0), fields.get(1)));
ToyPlots.row(fields.get(2), fields.get(3))
""")
md("""
The same field in the other form, `x̂_0 − x` ("where the model thinks the clean point is, minus where I am"),
at a middle timestep:
""")
code("""
ToyPlots.vectorField(VectorField.compute(moonsModel, 30, VectorField.Kind.DENOISE, 17, moonPts, null, 0), moons,
    "x0_hat - x at t = 30")
""")
md("""
## 6 · Guidance: the label as a GPS

We train one model on the labelled `clusters` data (cat, dog, banana, tree, car). During training the label
is replaced by a *null* label 15 % of the time, so the same network learns both the conditional field
`ε̂(x, t, label)` and the unconditional one `ε̂(x, t, ∅)`. Classifier-free guidance mixes them:
`ε̂ = ε̂_u + w·(ε̂_c − ε̂_u)`.
""")
code("""
Table clusters = Datasets2D.clusters(2000, 0);
var clusterRun = ToyTrainer.train(clusters, cfg);
ToyModel cm = clusterRun.model();
float[][] cPts = Datasets2D.xy(clusters);
int tg = 30;
ToyPlots.row(
    ToyPlots.vectorField(VectorField.compute(cm, tg, VectorField.Kind.SCORE, 15, cPts, null, 0), clusters, "unconditional, t = " + tg),
    ToyPlots.vectorField(VectorField.compute(cm, tg, VectorField.Kind.SCORE, 15, cPts, "cat", 1), clusters, "conditional: cat"),
    ToyPlots.vectorField(VectorField.compute(cm, tg, VectorField.Kind.SCORE, 15, cPts, "cat", 3), clusters, "guided: cat, w = 3"))
""")
md("""
Trajectories from the *same* starting noise (DDIM, deterministic) for guidance scales 0, 1, 3 and 7: as `w`
grows, more and more particles are pulled to the cat cluster (top). At `w = 7` they overshoot: the guided
field `ε̂_u + w·(ε̂_c − ε̂_u)` is no longer the field of any distribution, and samples pile up in a narrow
streak beyond the cluster: strong guidance buys adherence with diversity and fidelity.
""")
code("""
float[][] start = ToySampler.noise(60, 11);
var guidedCharts = new ArrayList<org.knowm.xchart.XYChart>();
for (double w : new double[] {0, 1, 3, 7}) {
    Trajectories tr = ToySampler.sample(cm, ToySampler.Kind.DDIM, start, 50, 12, w == 0 ? null : "cat", w);
    guidedCharts.add(ToyPlots.trajectories(tr, clusters, 60, "w = " + w));
}
ToyPlots.row(guidedCharts.toArray(new org.knowm.xchart.XYChart[0]))
""")
code("""
Proximity prox = Proximity.of(clusters);
var hit = tech.tablesaw.api.Table.create("share of samples landing in 'cat'",
    tech.tablesaw.api.DoubleColumn.create("guidance w"), tech.tablesaw.api.DoubleColumn.create("hit rate"));
for (double w : new double[] {0, 1, 3, 7}) {
    Trajectories tr = ToySampler.sample(cm, ToySampler.Kind.DDPM, N, 100, 5, w == 0 ? null : "cat", w);
    hit.doubleColumn(0).append(w);
    hit.doubleColumn(1).append(prox.hitRate(tr, "cat"));
}
hit
""")
md("""
## 7 · "Pure chance and proximity"

Without guidance, which cluster does a sample end in? For each of N noise starts we compare the cluster its
*starting point* was nearest to (in the standardised space where the noise lives) with the cluster its
*sample* ends in. A heavy diagonal means the outcome is decided by where the noise happened to start.
With guidance, every row is pushed into the requested column.
""")
code("""
Trajectories free = ToySampler.sample(cm, ToySampler.Kind.DDIM, N, 50, 21, null, 0);
System.out.printf("unguided: %.1f %% end in the cluster nearest their start (chance: 20 %%)%n", 100 * prox.agreement(free));
prox.confusion(free)
""")
code("""
Trajectories steered = ToySampler.sample(cm, ToySampler.Kind.DDIM, N, 50, 21, "banana", 3);
System.out.printf("guided to banana (w = 3): %.1f %% land in banana%n", 100 * prox.hitRate(steered, "banana"));
prox.confusion(steered)
""")
md("""
## 8 · Animation: noise flowing onto the data

The GIF is written to `out/toy2d-flow.gif` at the repository root (frames rendered by XChart, encoded by
`AnimatedGifEncoder`); below, a filmstrip of the same flow.
""")
code("""
Trajectories flow = ToySampler.sample(moonsModel, ToySampler.Kind.DDPM, N, 100, 31, null, 0);
Path gif = ToyPlots.flowGif(flow, moons, Quick.pick(12, 40), dev.diffusionlab.core.Paths.home().resolve("out/toy2d-flow.gif"));
System.out.println("wrote " + gif);
ToyPlots.filmstrip(flow, moons, 5)
""")
md("""
![flow](../out/toy2d-flow.gif)

## What you saw

* The denoiser is a **vector field** over the whole plane, not a lookup of training points: it has an opinion
  about every location, at every noise level.
* At high noise the field is smooth and points to the data's centre; at low noise it is sharp and points to
  the nearest data. Sampling walks particles through this changing field.
* Training is measured: the sliced Wasserstein distance to the data drops far below the untrained model's
  and below plain noise.
* Unguided, the cluster a sample reaches is mostly decided by where its noise started: **chance and
  proximity**. A label, via classifier-free guidance, biases every step so samples land where you asked,
  and larger `w` pulls harder (at the cost of diversity).

## Exercises

1. Train with `ToyModel.Spec.defaults().withPrediction(ToyModel.Prediction.SAMPLE)` (x0 prediction) or
   `V_PREDICTION`. Compare the loss curves and the quality table.
2. Switch to the cosine schedule (`withSchedule("cosine", 100)`). How does the field at `t = 50` change?
3. Sample DDIM with 5, 10 and 50 steps: at which point do the moons fall apart?
4. Guidance at `w = 15`: what happens to the diversity *within* the cat cluster?
5. Load your own points with `Datasets2D.load(Path.of("my.csv"))` (columns x, y) and train on them; or from the
   shell: `./dlab toy2d --data my.csv --steps 3000 --samples 1000 --out samples.csv`.
""")

nbgen.write(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "notebooks", "02-toy-2d-diffusion.ipynb"), cells)
