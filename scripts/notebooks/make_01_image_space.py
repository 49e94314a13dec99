#!/usr/bin/env python3
"""Writes notebooks/01-image-space-and-noise.ipynb (nbformat v4, no outputs).

With --jsh FILE it also writes the code cells as one JShell script (with a display() stub) so the cells
can be checked without the Jupyter kernel:
  jshell --class-path "lib/target/classes:$(ls lib/target/lib/*.jar | tr '\\n' ':')" FILE
"""
import os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nbgen

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
cells = []
def md(s): cells.append(nbgen.md(s))
def code(s): cells.append(nbgen.code(s))

md("""
# 01 · Image space and forward noising

Every picture is a **point in a space with one axis per pixel value**. A 64×64 RGB photo has
3·64·64 = 12 288 numbers, so it is one point of a 12 288-dimensional space. Almost every point of that
space looks like TV static; good pictures are rare and sit in small clusters (cats near cats, far from
bananas). Diffusion models learn to walk *back* from static to a cluster. This notebook shows the walk
*out*: the **forward process** adds Gaussian noise step by step until nothing of the picture is left.

Quick mode (`DLAB_QUICK=1`, used in CI) works on 32×32 pictures and fewer samples; full mode uses 64×64.
""")
code("""
import ai.djl.ndarray.*;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.core.*;
import dev.diffusionlab.image.*;
import dev.diffusionlab.noise.*;
import dev.diffusionlab.space.*;
import java.awt.image.BufferedImage;
import java.util.*;
import tech.tablesaw.api.*;

Engines.startAndReport();
NDManager m = Engines.newCpuManager();   // one manager for the notebook; closed in the last cell
int SIZE = Quick.pick(32, 64);
int ZOOM = Quick.pick(4, 2);             // enlarge tiles so pixels stay visible
long SEED = 42;
System.out.println("quick mode: " + Quick.isOn() + ", pictures " + SIZE + "x" + SIZE);
""")

md("""
## 1. A photo is a list of numbers

`ImageTensors.toTensor` turns an RGB picture into a tensor of shape (channels, height, width) with
values in [−1, 1] (0 → −1, 255 → +1), the range Stable Diffusion works in.
""")
code("""
BufferedImage catImg = ToyData.photo("cat", SIZE);
NDArray cat = ImageTensors.toTensor(m, catImg);
display(Images.enlarge(catImg, ZOOM));
""")
code("""
System.out.println("tensor shape " + cat.getShape() + " -> one point in a space of dimension "
        + ImageSpace.dimension(cat));
System.out.println("red values of the top-left 4 pixels: " + Arrays.toString(cat.get(new NDIndex("0, 0, 0:4")).toFloatArray()));
System.out.println("min " + cat.min().getFloat() + ", max " + cat.max().getFloat() + ", mean " + cat.mean().getFloat());
""")
md("""
The four toy-data photos (CC0 / public domain, see `toy-data/ATTRIBUTION.md`) are four points of this space.
How far apart are they? The L2 distance ‖a − b‖ treats each picture as a vector.
""")
code("""
List<BufferedImage> photoImgs = new ArrayList<>();
List<NDArray> photos = new ArrayList<>();
for (String p : ToyData.PHOTOS) { BufferedImage im = ToyData.photo(p, SIZE); photoImgs.add(im); photos.add(ImageTensors.toTensor(m, im)); }
List<String> caps = new ArrayList<>();
for (int i = 0; i < photos.size(); i++) caps.add(ToyData.PHOTOS.get(i) + String.format(" d=%.1f", ImageSpace.l2(cat, photos.get(i))));
display(ImageGrid.of(photoImgs, caps, 4, ZOOM));
""")
md("""
### One pixel changed

Change a single pixel of the cat to pure red. That is a different point of the space, but only a tiny
step away, and it is still obviously the cat. A picture with *every* pixel random is also a point of
the space, far from everything we would call a photo.
""")
code("""
NDArray cat1 = ImageSpace.withPixel(cat, SIZE / 2, SIZE / 2, 1f, -1f, -1f);
NDArray random = m.randomUniform(-1f, 1f, cat.getShape());
System.out.printf("one pixel changed: distance %.3f (cosine similarity %.5f)%n", ImageSpace.l2(cat, cat1), ImageSpace.cosine(cat, cat1));
System.out.printf("cat to coffee:      distance %.3f%n", ImageSpace.l2(cat, photos.get(1)));
System.out.printf("cat to random:      distance %.3f%n", ImageSpace.l2(cat, random));
display(ImageGrid.of(List.of(ImageTensors.toImage(cat), ImageTensors.toImage(cat1), ImageTensors.toImage(random)),
        List.of("cat", "one pixel red", "random pixels"), 3, ZOOM));
""")

md("""
## 2. Photos are rare points: a 2D map of image space

We mix the photos, slightly perturbed copies of them (noise σ = 0.1 and a small brightness shift),
Fashion-MNIST pictures of three classes (trousers, sneakers, bags; resized to the same size and copied to
RGB) and random pictures. PCA finds the two directions along which this mix varies most
(`Pca` diagonalises the N×N Gram matrix with commons-math3) and we plot every picture there.
""")
code("""
MixedSet set = MixedSet.build(m, SIZE, new int[] {1, 7, 8}, Quick.pick(15, 40), Quick.pick(4, 8), Quick.pick(10, 30), SEED);
Pca pca = Pca.fit(set.images(), 2);
var pcaChart = SpaceCharts.scatter("image space, 2D PCA of " + set.groups().size() + " pictures", pca.project(set.images()), set.groups());
display(pcaChart);
""")
md("""
Perturbed photos sit right on top of their photo; each clothing class forms its own cloud. The random
pictures (grey) land near the photos — but that is the projection lying: random directions are almost
orthogonal to the two PCA axes, so they project close to the centre. In the full space they are far from
everything. Keep PC 1 as the x-axis and put the true distance to the nearest other picture on the y-axis:
""")
code("""
double[][] pc = pca.project(set.images());
double[] nnd = ImageSpace.nearestOtherDistances(set.images());
double[][] emptiness = new double[pc.length][];
for (int i = 0; i < pc.length; i++) emptiness[i] = new double[] {pc[i][0], nnd[i]};
var emptyChart = SpaceCharts.scatter("how empty is the space around each picture?", emptiness, set.groups(),
        "PC 1", "L2 distance to the nearest other picture");
display(emptyChart);
""")
code("""
Table nn = Table.create("nearest neighbours (L2, in the full space)",
        StringColumn.create("query"), StringColumn.create("nearest"), DoubleColumn.create("distance"),
        StringColumn.create("2nd nearest"), DoubleColumn.create("distance 2"));
for (String q : List.of("cat~0", "Trouser#0", "Sneaker#0", "random#0")) {
    int i = set.names().indexOf(q);
    var near = ImageSpace.nearest(set.images().get(i), set.images(), 3);   // near.get(0) is the query itself
    nn.stringColumn(0).append(q);
    nn.stringColumn(1).append(set.names().get(near.get(1).index())); nn.doubleColumn(2).append(near.get(1).distance());
    nn.stringColumn(3).append(set.names().get(near.get(2).index())); nn.doubleColumn(4).append(near.get(2).distance());
}
display(nn);
""")
code("""
// Two independent uniform random pictures are about sqrt(2/3 · D) apart, whatever they are.
NDArray rnd = set.group(MixedSet.RANDOM);
System.out.printf("random-to-random distance: %.1f (theory sqrt(2D/3) = %.1f)%n",
        ImageSpace.l2(rnd.get(0), rnd.get(1)), Math.sqrt(2.0 * ImageSpace.dimension(cat) / 3));
System.out.printf("cat to its perturbed copy: %.1f%n", ImageSpace.l2(cat, set.images().get(set.names().indexOf("cat~0"))));
""")

md("""
## 3. The straight line between two photos leaves the clusters

Averaging the cat and the coffee pixel by pixel gives a double exposure, not a new photo. The midpoint is
half the cat–coffee distance from each, many times further than the cat's perturbed copies are from
the cat: straight lines in pixel space cut through the empty space between clusters.
""")
code("""
NDArray coffee = photos.get(1);
NDArray path = ImageSpace.lerpPath(cat, coffee, 7);   // (7, 3, S, S)
List<BufferedImage> frames = new ArrayList<>(); List<String> fcaps = new ArrayList<>();
for (int i = 0; i < 7; i++) { frames.add(ImageTensors.toImage(path.get(i))); fcaps.add(String.format("α=%.2f", i / 6.0)); }
display(ImageGrid.of(frames, fcaps, 7, ZOOM));
""")
code("""
NDArray mid = ImageSpace.lerp(cat, coffee, 0.5);
double[] dCatCluster = ImageSpace.distances(cat, set.group(MixedSet.PERTURBED));
double catSpread = Arrays.stream(dCatCluster).limit(Quick.pick(4, 8)).average().orElseThrow();  // the cat's own copies come first
var nearestToMid = ImageSpace.nearest(mid, set.images(), 1).get(0);
display(SpaceCharts.bars("how far is the midpoint?",
        List.of("cat to its perturbed copies", "midpoint to cat", "midpoint to coffee", "midpoint to nearest picture (" + set.names().get(nearestToMid.index()) + ")"),
        new double[] {catSpread, ImageSpace.l2(mid, cat), ImageSpace.l2(mid, coffee), nearestToMid.distance()}, "L2 distance"));
""")

md("""
## 4. Noise schedules

The forward process mixes the picture with Gaussian noise: **x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε**, with
ε ~ N(0, I). The schedule β_t (t = 0 … 999) decides how fast: α_t = 1 − β_t and ᾱ_t = α_0·…·α_t is the
share of the signal's variance left. `NoiseSchedule` builds the three schedules exactly as diffusers does
(tables bit-identical to diffusers' float32 values): `linear` (DDPM, β 1e-4 … 0.02), `scaled_linear`
(Stable Diffusion, β 0.00085 … 0.012 on a square-root scale) and `squaredcos_cap_v2` (cosine).
""")
code("""
List<NoiseSchedule> schedules = NoiseSchedule.standard();
Table sched = Table.create("schedules", StringColumn.create("schedule"), DoubleColumn.create("beta_0"), DoubleColumn.create("beta_999"),
        DoubleColumn.create("alpha_bar_999"), DoubleColumn.create("sigma_999"), DoubleColumn.create("log_snr_0"), DoubleColumn.create("log_snr_999"));
for (NoiseSchedule s : schedules) {
    sched.stringColumn(0).append(s.name());
    sched.doubleColumn(1).append(s.betas()[0]); sched.doubleColumn(2).append(s.betas()[999]);
    sched.doubleColumn(3).append(s.alphasCumprod()[999]); sched.doubleColumn(4).append(s.sigmas()[999]);
    sched.doubleColumn(5).append(s.logSnr()[0]); sched.doubleColumn(6).append(s.logSnr()[999]);
}
display(sched);
""")
md("Stable Diffusion's σ_999 = √((1−ᾱ)/ᾱ) ≈ 14.61 is the `sigma_max` that Euler-type samplers start from.")
code("display(NoiseCharts.alphasCumprod(schedules));")
code("display(NoiseCharts.snr(schedules));")
code("display(NoiseCharts.logSnr(schedules));")
md("""
The signal-to-noise ratio SNR_t = ᾱ_t/(1 − ᾱ_t) falls over many orders of magnitude, so log-SNR is the
natural axis: the cosine schedule falls almost linearly in log-SNR, the linear schedule destroys the
picture early and then spends hundreds of steps on near-pure noise. None of the three reaches SNR = 0;
`fromConfig(..., rescaleBetasZeroSnr = true)` rescales a schedule so that the last step is pure noise.
""")

md("""
## 5. The cat dissolving, one row per schedule

Each row uses the **same** ε: the closed form lets us jump straight to any t.
""")
code("""
int[] ts = {0, 50, 100, 250, 500, 750, 999};
display(NoiseCharts.noisingStrip(schedules, cat, ts, SEED, ZOOM / 2 + 1));
""")
code("""
NoiseSchedule sd = NoiseSchedule.of("scaled_linear");
int[] gifTs = java.util.stream.IntStream.iterate(0, t -> t < 1000, t -> t + Quick.pick(100, 20)).toArray();
java.nio.file.Path gif = Gifs.write(dev.diffusionlab.core.Paths.home().resolve("out/01-cat-noising.gif"),
        NoiseCharts.noisingFrames(sd, cat, gifTs, SEED).stream().map(f -> Images.enlarge(f, ZOOM)).toList(), 80);
System.out.println("wrote " + gif + " (" + gifTs.length + " frames, " + java.nio.file.Files.size(gif) / 1024 + " KiB)");
""")

md("""
## 6. Closed form and step by step agree

Adding a little noise 500 times (x_t = √α_t·x_{t−1} + √β_t·ε_t) gives the same distribution as the
closed form in one jump: mean √ᾱ_t·x_0 and variance 1 − ᾱ_t. We check it on many draws of an 8×8 patch
of the cat.
""")
code("""
ForwardProcess q = new ForwardProcess(sd);
int N = Quick.pick(200, 2000), T = 500;
NDArray patch = cat.get(new NDIndex(":, 0:8, 0:8"));                 // (3, 8, 8)
NDArray batch = patch.expandDims(0).repeat(0, N);                     // (3, 8, 8) -> (N, 3, 8, 8)
NDArray closed = q.sample(batch, T, SEED).xt();
NDArray walked = q.walk(batch, T, SEED + 1).xt();
double abar = sd.alphaCumprod(T);
NDArray expectedMean = patch.mul((float) Math.sqrt(abar));
System.out.printf("theory: mean = sqrt(abar) x0, variance 1 - abar = %.4f; standard error of a mean over N = %d draws: %.4f%n",
        1 - abar, N, Math.sqrt((1 - abar) / N));
Map<String, NDArray> runs = new LinkedHashMap<>();
runs.put("closed form", closed);
runs.put("step by step", walked);
for (var e : runs.entrySet()) {
    NDArray mean = e.getValue().mean(new int[] {0});
    NDArray var = e.getValue().sub(mean).square().mean(new int[] {0});
    System.out.printf("%-13s rms(mean - sqrt(abar) x0) = %.4f   mean variance = %.4f%n",
            e.getKey(), mean.sub(expectedMean).square().mean().sqrt().getFloat(), var.mean().getFloat());
}
""")

md("""
## 7. Pixel histograms drift to N(0, 1)

At t = 0 the histogram is the photo's own; as t grows it is squeezed by √ᾱ_t and blurred by the noise
until it is the standard normal density (dashed).
""")
code("""
Map<String, NDArray> hist = new LinkedHashMap<>();
for (int t : new int[] {0, 100, 300, 600, 999}) hist.put("t = " + t, q.sample(cat, t, SEED).xt());
display(NoiseCharts.histograms(hist, 48));
""")

md("""
## 8. The noise is an arrow leaving the cluster

With one fixed ε, x_t moves along a path from the cat towards pure noise. We follow it: distance to the
original cat, distance to the nearest *other* picture of our set (everything except the cat and its
copies), correlation with the cat and PSNR.
""")
code("""
int[] mts = java.util.stream.IntStream.iterate(0, t -> t < 1000, t -> t + Quick.pick(50, 10)).toArray();
mts = java.util.stream.IntStream.concat(Arrays.stream(mts), java.util.stream.IntStream.of(999)).distinct().toArray();
Table metrics = NoiseMetrics.table(sd, cat, set.excluding("cat"), mts, SEED);
display(metrics.where(metrics.intColumn("t").isIn(0, 100, 250, 500, 750, 999)));
""")
code("display(NoiseCharts.distances(metrics));")
code("display(NoiseCharts.signal(metrics));")
md("""
Early on the noisy cat is still nearest to the cat. The distance to the original grows like
√((1−√ᾱ)²‖x_0‖² + (1−ᾱ)·D); once the noise term dominates, every clean picture is about equally far
away and the point has left all clusters. On the "emptiness" map (PC 1 against the distance to the nearest
other picture) the noising path is the arrow: it climbs out of the cat's cluster into the empty region
where the random pictures live (for the path the cat's own copies are left out, so it starts at the
cat's distance to the nearest non-cat picture). It climbs past the random pictures because Gaussian noise
has variance 1, three times that of uniform random pixels.
""")
code("""
NDArray traj = NDArrays.stack(new NDList(Arrays.stream(new int[] {0, 100, 200, 300, 500, 700, 999})
        .mapToObj(t -> q.sample(cat, t, SEED).xt()).toArray(NDArray[]::new)));   // 7 x (3, S, S) -> (7, 3, S, S)
double[][] tpc = pca.project(traj);
double[][] tpath = new double[tpc.length][];
for (int i = 0; i < tpc.length; i++) tpath[i] = new double[] {tpc[i][0], ImageSpace.nearest(traj.get(i), set.excluding("cat"), 1).get(0).distance()};
var arrow = SpaceCharts.scatter("the cat's noising path (t = 0, 100, 200, 300, 500, 700, 999)", emptiness, set.groups(),
        "PC 1", "L2 distance to the nearest other picture");
display(SpaceCharts.addPath(arrow, "cat, t = 0 → 999", tpath));
""")

md("""
## What you saw

* A picture is a point with one coordinate per pixel value (3·64·64 = 12 288 here); changing one pixel
  moves it a tiny step.
* Photos and their small variations cluster; classes of a dataset form separate clouds; random pictures
  are far from everything and from each other — most of image space is noise.
* The straight line between two photos passes through double exposures that belong to no cluster.
* A schedule (β_t → α_t → ᾱ_t) sets how fast the signal fades; SNR and log-SNR compare schedules; Stable
  Diffusion's ends at σ ≈ 14.6, not at pure noise.
* The forward process needs no learning: closed form and step-by-step give the same N(√ᾱ_t x_0, 1−ᾱ_t);
  pixel histograms become N(0, 1) and the noisy picture walks out of its cluster along the noise direction ε.
  Stage 2 learns to walk back.

## Exercises

1. Change `withPixel` to alter a 4×4 block. How does the distance grow with the block size? At which size
   does the picture stop looking like the cat?
2. Add the `Ankle boot` class (label 9) to the mixed set. Does it overlap the sneakers on the PCA map?
   Check with `ImageSpace.nearest` in the full space.
3. Build `NoiseSchedule.fromConfig("scaled_linear", 0.00085, 0.012, 1000, true)` (zero terminal SNR) and
   plot its ᾱ_t next to Stable Diffusion's. What happens to σ_999 and to the last picture of the strip?
4. For each schedule, find the first t where the noisy cat is nearer to another picture than to the cat
   (`NoiseMetrics.table`). Which schedule keeps the cat recognisable longest?
5. Replace the uniform random pictures by Gaussian noise pictures. Does their distance to the cat change?
""")
code("""
m.close();
"notebook 01 done"
""")

nbgen.write(os.path.join(ROOT, "notebooks", "01-image-space-and-noise.ipynb"), cells)
if len(sys.argv) >= 3 and sys.argv[1] == "--jsh":
    nbgen.write_jsh(sys.argv[2], cells, sys.argv[3] if len(sys.argv) > 3 else None)
