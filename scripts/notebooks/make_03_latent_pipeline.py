#!/usr/bin/env python3
"""Writes notebooks/03-latent-pipeline.ipynb (nbformat v4, no outputs): python3 scripts/notebooks/make_03_latent_pipeline.py"""
import pathlib, sys
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from nbgen import md, code, write

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
cells = []
M = lambda s: cells.append(md(s))
C = lambda s: cells.append(code(s))

M("""
# 03 · The latent pipeline: from a prompt to an image

Stable Diffusion in one sentence: **a text encoder turns the prompt into vectors, a UNet removes noise
from a small latent picture step by step while looking at those vectors, and a VAE decoder turns the
latent into pixels.** This notebook takes the pipeline apart and puts it back together:

tokenizer → text encoder → (noise → UNet × steps, with classifier-free guidance) → VAE decoder → image

> **About the model.** By default this notebook runs on `DefaultModel.folder()`: the embedded
> `toy-data/models/shapes-world`, a small Stable Diffusion model in the real diffusers layout (CLIP-style
> text encoder, UNet, VAE, DDIM scheduler) that this project **trained itself** (`./dlab train-shapes`) on
> a generated *shapes world*: 32×32 pictures of one or two flat shapes, with captions such as
> "a red circle on the left and a small blue square at the bottom". It only knows that world, so the
> prompts below are captions of its grammar; its pictures are tiny and a small model makes mistakes, but
> they are real generations, and every stage is the same code and math as for Stable Diffusion. To run
> the same cells on real weights, point the notebook at a diffusers SD 1.x/2.x folder before starting
> Jupyter, ideally on a GPU machine: `DLAB_MODEL=/path/to/stable-diffusion-v1-5 ./lab.sh` (see the
> README's GPU section); the prompts then switch to ordinary SD prompts.

Quick mode (`DLAB_QUICK=1`) uses fewer steps and smaller sweeps.
""")
C("""
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import dev.diffusionlab.core.*;
import dev.diffusionlab.clip.*;
import dev.diffusionlab.image.*;
import dev.diffusionlab.pipeline.*;
import dev.diffusionlab.schedulers.*;
import dev.diffusionlab.shapes.Caption;
import dev.diffusionlab.shapes.ObjectSpec;
import dev.diffusionlab.shapes.ShapesSample;
import dev.diffusionlab.shapes.ShapesWorld;
import dev.diffusionlab.shapes.Vocab;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.*;
import org.knowm.xchart.*;
import tech.tablesaw.api.*;

Engines.Choice engine = Engines.startAndReport();
Path modelDir = DefaultModel.folder();
boolean shapes = DefaultModel.isShapesWorld(modelDir);   // the embedded default: prompts must be shapes-world captions
StableDiffusionPipeline sd = StableDiffusionPipeline.load(modelDir);
NDManager m = Engines.newManager();      // one manager for the notebook; closed in the last cell
int STEPS = Quick.pick(4, 20);
long SEED = 7;
int L = sd.tokenizer().modelMaxLength(); // tokens per prompt: 77 for SD, 32 for the shapes model
int D = sd.textEncoder().config().hiddenSize();
int SIZE = sd.unet().config().sampleSize() * sd.vaeScaleFactor();   // 8 x 4 = 32 px (shapes); 64 x 8 = 512 px (SD 1.5)
int ZOOM = SIZE <= 32 ? 6 : SIZE <= 64 ? 3 : 1;                     // enlarge small pictures so they stay visible
String PROMPT = shapes ? "a red circle on the left and a blue square on the right"
                       : "a photo of a cat sitting on a red chair in the sun";
System.out.println(modelDir + (shapes ? "  (trained shapes-world model: prompts are captions of its grammar)" : "")
    + "\\n" + L + " tokens per prompt, text vectors of size " + D + ", " + SIZE + "x" + SIZE + " px, steps " + STEPS);
""")

M("""
## 1. The tokenizer: text → L ids

CLIP reads a fixed number **L** of tokens, the tokenizer's `model_max_length` (`sd.tokenizer().modelMaxLength()`:
**77 for SD, 32 for the shapes model**): `<|startoftext|>`, the prompt's byte-pair-encoded pieces,
`<|endoftext|>`, then padding. `</w>` marks the end of a word; words the vocabulary does not know are cut
into smaller pieces (every byte is in the vocabulary, so nothing is ever lost). The shapes model's
vocabulary (~580 tokens) was learned on the words of its caption grammar, so every caption word is one
token and anything else falls apart into letters; SD 1.5's has 49 408.
""")
C("""
TokenizedPrompt tp = sd.tokenizer().inspect(shapes ? "A small red circle, on the left, and a zyzzyva" : "A photo of a cat, wearing a zyzzyva hat");
Table t = Table.create("tokens").addColumns(
    IntColumn.create("position"), IntColumn.create("id"), StringColumn.create("token"), StringColumn.create("word"));
for (TokenizedPrompt.Token k : tp.tokens().subList(0, Math.min(L, 20))) {
    t.intColumn("position").append(k.position()); t.intColumn("id").append(k.id());
    t.stringColumn("token").append(k.text()); t.stringColumn("word").append(k.word());
}
System.out.println("vocabulary: " + sd.tokenizer().vocabSize() + " tokens; ids: " + tp.ids().length + " (= L), prompt tokens: "
    + (tp.untruncatedLength() - 2) + ", the rest is padding");
display(t);
""")
M("""
A prompt longer than L − 2 tokens (75 for SD, 30 for the shapes model) is **truncated**: the pipeline
keeps the first L − 2 and warns with the words that were cut. This is why very long prompts lose their
ending.
""")
C("""
String longPrompt = String.join(", ", Collections.nCopies(20, PROMPT));
TokenizedPrompt lp = sd.tokenizer().inspect(longPrompt);
System.out.println("tokens before truncation: " + lp.untruncatedLength() + ", truncated: " + lp.truncated()
    + ", dropped words: " + lp.droppedWords().size() + " (e.g. " + lp.droppedWords().subList(0, 4) + ")");
System.out.println("last ids: " + Arrays.toString(Arrays.copyOfRange(lp.ids(), L - 5, L)) + "  (eos kept at " + (L - 1) + ")");
""")

M("""
## 2. Text embeddings: L vectors per prompt

The text encoder (a small transformer with a causal mask) turns the L ids into L vectors of size
`hidden_size` D (64 for the shapes model, 768 in SD 1.5). Each vector sees only the tokens before it;
padding positions after `<|endoftext|>` still get vectors, and the UNet attends to all L of them.
""")
C("""
List<String> prompts = shapes ? List.of("a red circle on the left", "a red circle on the right", "a blue square at the top")
                               : List.of("a photo of a cat", "a photo of a dog", "a red circle above a blue square");
NDArray emb = sd.textEncoder().encode(sd.tokenizer().encodeBatch(prompts, m)).lastHiddenState(); // (3, L, D), L = 77 for SD
float[] norms = emb.get("0").norm(new int[] {1}).toFloatArray();                                  // (L, D) -> (L)
CategoryChart nc = new CategoryChartBuilder().width(700).height(250).title("per-token norm, '" + prompts.get(0) + "'")
    .xAxisTitle("position").yAxisTitle("|e|").build();
List<Integer> pos = new ArrayList<>(); List<Float> nv = new ArrayList<>();
for (int i = 0; i < 12; i++) { pos.add(i); nv.add(norms[i]); }
nc.addSeries("norm", pos, nv);
display(nc);
""")
C("""
Table cos = Table.create("cosine similarity of the embeddings (all " + L + " vectors)").addColumns(StringColumn.create("prompt"));
for (String p : prompts) cos.addColumns(DoubleColumn.create(p));
for (int i = 0; i < 3; i++) {
    cos.stringColumn("prompt").append(prompts.get(i));
    for (int j = 0; j < 3; j++) cos.doubleColumn(j + 1).append(LatentViews.cosine(emb.get(i + ""), emb.get(j + "")));
}
display(cos);
""")
M("""
Shared tokens weigh a lot here: the causal mask makes the vectors of a shared prefix identical ("a red circle
on the", or "a photo of a"), and the padding vectors after the end token summarise the whole prompt. Compare
the first two prompts, which differ only in their last word, with the third, which shares only "a". With
trained CLIP, *cat* and *dog* are also close in meaning; the shapes model's encoder only had to learn what
its captions need.

## 3. Why latent space

The UNet does not denoise pixels: it denoises a **latent** with 4 channels, `sd.vaeScaleFactor()` times
smaller per side (8 for SD; 4 for the shapes model, whose 32×32 pictures become 8×8×4 latents). The VAE
encoder compresses an image into it, the decoder expands it back.
""")
C("""
Table sizes = Table.create("pixels vs latent").addColumns(StringColumn.create("image"), IntColumn.create("pixel numbers"),
    IntColumn.create("latent numbers"), DoubleColumn.create("ratio"));
String[] names3 = {"this model", "SD 1.5", "SD 2.1"};
int[][] sideAndFactor = {{SIZE, sd.vaeScaleFactor()}, {512, 8}, {768, 8}};
for (int i = 0; i < names3.length; i++) {
    int s = sideAndFactor[i][0], f = sideAndFactor[i][1], px = 3 * s * s, lat = 4 * (s / f) * (s / f);
    sizes.stringColumn("image").append(names3[i] + ", " + s + "x" + s); sizes.intColumn("pixel numbers").append(px);
    sizes.intColumn("latent numbers").append(lat); sizes.doubleColumn("ratio").append(px / (double) lat);
}
display(sizes);
""")
M("""
Every UNet step costs roughly in proportion to the number of positions it processes, so working on
64×64×4 instead of 512×512×3 makes each of the 20–50 steps ~48× cheaper. The VAE round trip
(encode → latent → decode) shows what the compression keeps. On the shapes model the input is a picture
of its world (`ShapesWorld`, with its true caption); on SD it is a photo. Look at the edges and the
colours: a VAE trained on these pictures should give back something close to them, and the printed
mean error says how close (SD's VAE returns a photo almost unchanged).
""")
C("""
ShapesSample sample = shapes ? new ShapesWorld(ShapesWorld.Config.defaults()).sample(2, ShapesWorld.Split.TRAIN) : null;
BufferedImage photo = shapes ? sample.image() : ToyData.photo("cat", SIZE);   // a shapes-world picture, or a photo
String photoCaption = shapes ? sample.caption() : "a cat";
NDArray x = ImageTensors.toTensor(m, photo).expandDims(0);            // (3, H, W) -> (1, 3, H, W) in [-1, 1]
NDArray z = sd.vae().encode(x).mean().mul(sd.vae().scalingFactor());  // (1, 4, H/f, W/f), f = sd.vaeScaleFactor()
NDArray back = sd.generateDecodedTensor(z);                           // (1, 3, H, W) in [0, 1]
BufferedImage backImg = ImageTensors.toImage(back.get("0").mul(2).sub(1));
System.out.println("input \\"" + photoCaption + "\\" " + x.getShape() + " -> latent " + z.getShape() + " -> decoded " + back.getShape());
System.out.printf("mean |input - round trip| = %.3f (pixel values in [0, 1])%n", x.add(1).div(2).sub(back).abs().mean().getFloat());
display(ImageGrid.of(List.of(photo, backImg), List.of("input", "VAE round trip"), 2, ZOOM));
""")
C("""
display(LatentViews.channels(z, sd.vaeScaleFactor() * ZOOM));   // the 4 latent channels of the input, each scaled to its own range
""")

M("""
## 4. Forward noising in latent space vs pixel space

Training adds noise to the **latent**, not to the pixels: `x_t = √ᾱ_t · x_0 + √(1−ᾱ_t) · ε` with the
scheduler's `addNoise`. Decoding a noised latent shows what "noise" means after the VAE, next to the
same amount of noise added to the pixels (stage 1).
""")
C("""
Scheduler fwd = sd.newScheduler("ddpm");
List<BufferedImage> tiles = new ArrayList<>(); List<String> caps = new ArrayList<>();
NoiseSource ns = NoiseSource.seeded(SEED);
NDArray epsZ = ns.randn(z.getShape(), m), epsX = ns.randn(x.getShape(), m);
for (int tt : new int[] {0, 250, 500, 750, 999}) {
    NDArray zt = fwd.addNoise(z, epsZ, tt), xt = fwd.addNoise(x, epsX, tt);
    tiles.add(ImageTensors.toImage(sd.generateDecodedTensor(zt).get("0").mul(2).sub(1))); caps.add("latent t=" + tt);
    tiles.add(ImageTensors.toImage(xt.get("0").clip(-1, 1))); caps.add("pixels t=" + tt);
}
display(ImageGrid.of(tiles, caps, 2, ZOOM));
""")

M("""
## 5. The denoising loop, written out

Here is the whole of text-to-image in about 15 lines, from the components: encode `[negative; prompt]`,
start from seeded noise, and at every timestep run the UNet on both halves, mix them with
**classifier-free guidance** `ε = ε_uncond + g·(ε_text − ε_uncond)`, and let the scheduler step. Then
decode. We check it against the one-call pipeline.
""")
C("""
String prompt = PROMPT;
double g = 7.5;
NDArray text = sd.textEncoder().encode(sd.tokenizer().encodeBatch(List.of(prompt), m)).lastHiddenState();  // (1, L, D), L = 77 for SD
NDArray uncond = sd.textEncoder().encode(sd.tokenizer().encodeBatch(List.of(""), m)).lastHiddenState();    // (1, L, D)
NDArray cond = uncond.concat(text, 0);                                       // (2, L, D): [negative; prompt]
Scheduler sch = sd.newScheduler("ddim");
sch.setTimesteps(STEPS);
int side = SIZE / sd.vaeScaleFactor();                                       // latent side: 8 (shapes), 64 (SD 1.5)
NDArray lat = NoiseSource.seeded(SEED).randn(new Shape(1, 4, side, side), m).mul(sch.initNoiseSigma());
for (double tt : sch.timesteps()) {
    NDArray in = sch.scaleModelInput(lat.concat(lat, 0), tt);                // (1, 4, h, w) -> (2, 4, h, w)
    NDList eps = sd.unet().forward(in, m.create((float) tt), cond).split(2, 0); // (2, 4, h, w) -> 2 x (1, 4, h, w)
    NDArray guided = eps.get(0).add(eps.get(1).sub(eps.get(0)).mul(g));
    lat = sch.step(guided, tt, lat).prevSample();
}
NDArray mine = sd.generateDecodedTensor(lat);                                // (1, 3, H, W) in [0, 1]
StableDiffusionPipeline.Result ref = sd.generate(GenerationRequest.of(prompt).steps(STEPS).guidance(g).seed(SEED).scheduler("ddim"), m);
double diff = mine.sub(ref.imageTensor()).abs().max().getFloat();
System.out.printf("\\"%s\\": max |hand-written loop - pipeline| = %.2e  (%s)%n", prompt, diff, diff < 1e-4 ? "equal up to float rounding" : "DIFFERENT");
display(ImageGrid.of(List.of(ImageTensors.toImage(mine.get("0").mul(2).sub(1)), ref.images().get(0)), List.of("by hand", "pipeline"), 2, ZOOM));
""")

M("""
## 6. Watching the steps: x_t and the predicted x_0

`PreviewCollector` is a step callback that decodes the current latent x_t and the scheduler's guess of the
clean latent (predicted x_0) every k steps. Early on x_0 is a blurry guess; watch it sharpen as t falls
(in quick mode there are only 4 steps, so the change is abrupt).
""")
C("""
PreviewCollector pc = new PreviewCollector(sd, Quick.pick(1, 4));
sd.generate(GenerationRequest.of(prompt).steps(STEPS).seed(SEED).scheduler("euler").callback(pc), m);
display(pc.grid(ZOOM));
""")
C("""
Path gif = pc.gif(dev.diffusionlab.core.Paths.home().resolve("out/03-denoising.gif"), 300);
String anim = display(Images.enlarge(pc.latentImages().get(0), ZOOM));
for (BufferedImage frame : pc.latentImages()) { Thread.sleep(150); updateDisplay(anim, Images.enlarge(frame, ZOOM)); }
System.out.println("animation written to " + gif);
""")

M("""
## 7. Schedulers at the same seed and steps

The scheduler decides *which* timesteps to visit and how to move from one to the next. Same noise, same
UNet, same number of steps — different paths.
""")
C("""
List<String> names = Quick.isOn() ? List.of("ddim", "euler", "dpmpp_2m_karras") : List.of("pndm", "ddim", "euler", "euler_a", "dpmpp_2m_karras", "unipc");
List<BufferedImage> simgs = new ArrayList<>();
Table st = Table.create("schedulers").addColumns(StringColumn.create("scheduler"), IntColumn.create("UNet calls"), DoubleColumn.create("ms"));
for (String n : names) {
    int[] calls = {0};
    long t0 = System.nanoTime();
    simgs.add(sd.generate(GenerationRequest.of(prompt).steps(STEPS).seed(SEED).scheduler(n).callback(s -> { calls[0]++; return true; }), m).images().get(0));
    st.stringColumn("scheduler").append(n); st.intColumn("UNet calls").append(calls[0]); st.doubleColumn("ms").append((System.nanoTime() - t0) / 1e6);
}
display(ImageGrid.of(simgs, names, names.size(), ZOOM));
display(st);
""")

M("""
## 8. Guidance scale

`g = 1` uses only the prompt branch (the pipeline then runs the UNet once per step instead of twice);
larger `g` pushes further away from the unconditional prediction — usually closer adherence to the
prompt, and with very large values oversaturated pictures. On the shapes model, check in each tile
whether the colours, shapes and places match the caption printed above the grid.
""")
C("""
double[] scales = Quick.isOn() ? new double[] {1, 7.5, 15} : new double[] {1, 3, 5, 7.5, 10, 15};
List<BufferedImage> gimgs = new ArrayList<>(); List<String> gcaps = new ArrayList<>();
for (double s : scales) {
    StableDiffusionPipeline.Result r = sd.generate(GenerationRequest.of(prompt).steps(STEPS).seed(SEED).guidance(s).scheduler("ddim"), m);
    gimgs.add(r.images().get(0)); gcaps.add("g=" + s + " mean|z| " + String.format("%.2f", r.latents().abs().mean().getFloat()));
}
System.out.println("prompt: " + prompt);
display(ImageGrid.of(gimgs, gcaps, scales.length, ZOOM));
""")

M("""
## 9. A negative prompt

The negative prompt replaces the empty prompt in the unconditional branch, so guidance pushes *away*
from it. On the shapes model the negative is a single word of the prompt, "red": compare the colour of
the red object with and without it (the model was only trained on captions, so what a lone word means
to it is part of the experiment). On SD the negative is the classic "blurry, low quality".
""")
C("""
StableDiffusionPipeline.Result plain = sd.generate(GenerationRequest.of(prompt).steps(STEPS).seed(SEED).scheduler("ddim"), m);
String NEGATIVE = shapes ? "red" : "blurry, low quality, green triangle";
StableDiffusionPipeline.Result neg = sd.generate(GenerationRequest.of(prompt).negative(NEGATIVE)
    .steps(STEPS).seed(SEED).scheduler("ddim"), m);
System.out.printf("mean |difference| of the images: %.4f%n", plain.imageTensor().sub(neg.imageTensor()).abs().mean().getFloat());
display(ImageGrid.of(List.of(plain.images().get(0), neg.images().get(0)), List.of("no negative", "negative: " + NEGATIVE), 2, ZOOM));
""")

M("""
## 10. Image to image

img2img encodes a picture, noises it to `strength` (0 = unchanged, 1 = pure noise) and runs only the last
`strength · steps` steps. Low strength keeps the picture's layout; high strength keeps little of it.
The prompt does not have to describe the input: on the shapes model we take the input's own caption and
**recolour its first object** (e.g. "orange circle" → "blue circle"), so you can watch at which strength
the new colour wins and how much of the layout survives. On SD the input is the cat photo and the
prompt "a cat".
""")
C("""
double[] strengths = Quick.isOn() ? new double[] {0.3, 0.6, 0.9} : new double[] {0.2, 0.4, 0.6, 0.8, 1.0};
String editPrompt = "a cat";
if (shapes) {   // the input's caption with its first object recoloured (two objects never share a colour)
    List<ObjectSpec> objs = new ArrayList<>(Caption.parse(photoCaption));
    ObjectSpec first = objs.get(0);
    Vocab.Colour to = Arrays.asList(Vocab.Colour.BLUE, Vocab.Colour.RED, Vocab.Colour.GREEN).stream()
        .filter(c -> objs.stream().noneMatch(o -> o.colour() == c)).findFirst().get();
    objs.set(0, new ObjectSpec(to, first.shape(), first.size(), first.position()));
    editPrompt = Caption.format(objs);
}
System.out.println("input:  " + photoCaption + "\\nprompt: " + editPrompt);
List<BufferedImage> iimgs = new ArrayList<>(List.of(photo)); List<String> icaps = new ArrayList<>(List.of("input"));
int i2iSteps = Math.max(STEPS, 4);
for (double s : strengths) {
    StableDiffusionPipeline.Result r = sd.generate(GenerationRequest.of(editPrompt).initImage(photo, s).steps(i2iSteps).seed(SEED).scheduler("ddim"), m);
    iimgs.add(r.images().get(0)); icaps.add("strength " + s + " (" + (int) (i2iSteps * s) + " steps)");
}
display(ImageGrid.of(iimgs, icaps, iimgs.size(), ZOOM));
""")

M("""
## 11. What each stage costs

The pipeline records the time of its last run per stage. The UNet dominates: it runs once (or twice with
guidance) per step; the text encoder runs once; the VAE decoder once at the end.
""")
C("""
Table cost = Table.create("time per stage (ms)").addColumns(StringColumn.create("run"), DoubleColumn.create("text encoder"),
    DoubleColumn.create("UNet per step"), IntColumn.create("steps"), DoubleColumn.create("VAE decode"), DoubleColumn.create("total"));
for (double s : new double[] {1.0, 7.5}) {
    sd.generate(GenerationRequest.of(prompt).steps(STEPS).seed(SEED).guidance(s).scheduler("ddim"), m);
    StableDiffusionPipeline.Timings tm = sd.lastTimings();
    cost.stringColumn("run").append("guidance " + s); cost.doubleColumn("text encoder").append(tm.textEncodeMs());
    cost.doubleColumn("UNet per step").append(tm.unetStepMs()); cost.intColumn("steps").append(tm.steps());
    cost.doubleColumn("VAE decode").append(tm.vaeDecodeMs()); cost.doubleColumn("total").append(tm.totalMs());
}
System.out.println(engine);
display(cost);
""")

M("""
## What you saw

* The tokenizer turns text into exactly L ids (77 for SD, 32 for the shapes model): start, BPE pieces,
  end, padding; long prompts are cut.
* The text encoder gives one vector per position; these vectors are what the UNet's cross-attention reads.
* Stable Diffusion works in a latent 8× smaller per side (48× fewer numbers at 512 px; the shapes
  model's is 4× smaller per side); the VAE translates between latents and pixels.
* The denoising loop is short: scale the input, run the UNet on `[negative; prompt]`, mix with guidance,
  step the scheduler, repeat, decode — our 15 hand-written lines match the pipeline.
* Schedulers, guidance, negative prompts and img2img strength are all knobs on that same loop; img2img
  can edit a picture by changing its caption.
* The UNet is where the time goes.

The shapes model is tiny (32×32 pictures, a few MB of weights) and was trained on one small world;
rerun with `DLAB_MODEL` pointing at SD 1.5 (on a GPU) to see the same cells on photographs.

## Exercises

1. Add a fourth prompt to section 2 (shapes: `"a blue circle on the left"`; SD: `"a photo of a kitten"`).
   Which prompt is it closest to, and why (look at the shared tokens)?
2. Rewrite the loop of section 5 for guidance 1 with a single UNet branch; check it against
   `GenerationRequest.guidance(1)`.
3. Use a `StepCallback` that returns `false` after 3 steps. What does `generate` do?
4. In section 7, count the UNet calls of `heun` and `pndm` for 10 steps. Why are they not 10?
5. Time `.size(SIZE, SIZE)` vs `.size(2 * SIZE, 2 * SIZE)` in section 11: how does the UNet step time
   scale with the number of latent positions? (What does the shapes model draw at a size it never saw?)
6. Shapes model: generate the held-out combination "a purple triangle in the center" (never in the
   training split). Does the model compose a colour and a shape it never saw together?
""")
C("""
m.close();
sd.close();
System.out.println("closed");
""")

write(str(ROOT / "notebooks/03-latent-pipeline.ipynb"), cells)
print("wrote notebooks/03-latent-pipeline.ipynb with", len(cells), "cells")
