#!/usr/bin/env python3
"""Writes notebooks/04-cross-attention.ipynb (nbformat v4, no outputs).

With --jsh FILE it also writes the code cells as one JShell script (with a display() stub).
"""
import os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nbgen

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
cells = []
def md(s): cells.append(nbgen.md(s))
def code(s): cells.append(nbgen.code(s))

md("""
# 04 · Cross-attention: which word paints which pixels?

While the UNet denoises, every patch of the latent image **asks a question of every token of the prompt**:
inside each cross-attention layer, the patch's query is compared with the L token keys (L = the tokenizer's
`model_max_length`: 77 for SD, 32 for the shapes model), and a softmax turns the scores into L
probabilities that sum to 1. Those probabilities say how much of each word's meaning flows into that patch.
Collect them for every layer, head and step, and you get a heat map per word: *where did "circle" go?*
This is the method of **DAAM** (Tang et al., 2022, "What the DAAM").

The library does it through the UNet's attention hook (`dev.diffusionlab.attention`):
`AttentionCapture` takes the probabilities of the **conditional** half of the guidance batch, sums them over
heads, upsamples each layer's map to the latent size and adds it to one accumulator per resolution level.
Memory stays constant however many steps you run; per-step maps are opt-in (`keepPerStep()`).

> **About the model.** By default (and in CI) this notebook runs on the embedded shapes-world model,
> `toy-data/models/shapes-world`, which this project trained on 32×32 pictures of one or two coloured
> shapes with captions such as "a red circle on the left and a blue square on the right". Its maps are
> **meaningful**, and notebook 05 (`05-shapes-world`) scores them against the ground-truth masks of the
> shapes world over many captions: a shape word's map peaks on its object about half the time (chance: about
> 1 in 20), while colour words' maps mostly do not, because the text encoder is causal and the shape token
> that follows "red" already carries "red circle". It is still a tiny model: its cross-attention works on an 8×8 grid (the latent) and a 4×4
> one, so on a 32×32 picture a map is a coarse blob, not an outline, and a small model makes mistakes
> (a colour can leak onto the other object, an object can come out wrong). One picture is an anecdote;
> the tables of notebook 05 are the measurement. `DLAB_MODEL=/path/to/stable-diffusion-v1-5` (a
> diffusers folder) switches the same cells to real SD weights and an SD prompt.

Quick mode (`DLAB_QUICK=1`, used in CI) runs 4 steps; full mode 20.
""")
code("""
import ai.djl.ndarray.*;
import dev.diffusionlab.attention.*;
import dev.diffusionlab.clip.*;
import dev.diffusionlab.core.*;
import dev.diffusionlab.image.*;
import dev.diffusionlab.pipeline.*;
import dev.diffusionlab.shapes.Caption;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.*;
import tech.tablesaw.api.*;

Engines.Choice engine = Engines.startAndReport();
// The embedded shapes-world model, or real weights: export DLAB_MODEL=/path/to/stable-diffusion-v1-5
// (a diffusers folder) before starting Jupyter.
Path folder = DefaultModel.folder();
boolean shapes = DefaultModel.isShapesWorld(folder);   // prompts must then be captions of the shapes world
StableDiffusionPipeline sd = StableDiffusionPipeline.load(folder);
NDManager m = Engines.newManager();
int STEPS = Quick.pick(4, 20);
int L = sd.tokenizer().modelMaxLength();               // 77 for SD, 32 for the shapes model
int SIZE = sd.unet().config().sampleSize() * sd.vaeScaleFactor();   // 32 px (shapes), 512 px (SD 1.5)
int ZOOM = SIZE <= 32 ? 6 : SIZE <= 64 ? 3 : 1;        // enlarge small pictures so they stay visible
String PROMPT = shapes ? "a red circle on the left and a blue square on the right" : "a cat and a dog sitting on a red sofa";
System.out.println((shapes ? "trained shapes-world model: " : "model: ") + folder + "\\n" + L + " tokens per prompt, "
    + SIZE + "x" + SIZE + " px, steps " + STEPS + ", prompt \\"" + PROMPT + "\\"");
""")
code("""
// Small pictures: overlays are shown without their colour bar (the caption gives the top of the scale) and
// enlarged ZOOM times; at SD size (ZOOM 1) they keep the bar, as the library draws them.
BufferedImage tile(TokenHeatmaps hm, TokenHeatmaps.Heatmap h, BufferedImage img) {
    BufferedImage o = hm.overlay(img, h);
    return ZOOM == 1 ? o : o.getSubimage(0, 0, h.width(), h.height());
}
BufferedImage heatGrid(TokenHeatmaps hm, List<TokenHeatmaps.Heatmap> list, BufferedImage img) {
    List<BufferedImage> t = new ArrayList<>();
    List<String> c = new ArrayList<>();
    for (TokenHeatmaps.Heatmap h : list) {
        t.add(tile(hm, h, img));
        c.add(ZOOM == 1 ? h.label() : h.label() + String.format(Locale.ROOT, " (max %.2f)", h.vmax()));
    }
    return ImageGrid.of(t, c, Math.min(4, t.size()), ZOOM);
}
System.out.println("heat maps at " + SIZE + " px, shown " + (ZOOM == 1 ? "as drawn, with colour bars" : ZOOM + "x enlarged, without colour bars"));
""")
md("""
## 1 · The tokens the UNet attends to

Attention maps are per **token position**, so first look at how the prompt was cut. Position 0 is the start
token, then the BPE tokens of each word (in SD a long word may take several tokens; in the shapes model
every caption word is one token), the end token, and padding up to L (77 for SD, 32 for the shapes model).
The heat map of a word is the mean of its tokens' maps.
""")
code("""
TokenizedPrompt tp = sd.tokenizer().inspect(PROMPT);
Table tokens = Table.create("tokens of \\"" + PROMPT + "\\"",
        IntColumn.create("position"), StringColumn.create("token"), StringColumn.create("word"));
for (TokenizedPrompt.Token t : tp.tokens()) {
    if (t.position() > tp.eosPosition() + 1) break;   // the rest is padding
    tokens.intColumn(0).append(t.position());
    tokens.stringColumn(1).append(t.text());
    tokens.stringColumn(2).append(t.bos() ? "<start>" : t.eos() ? "<end>" : t.padding() ? "<pad>" : t.word());
}
System.out.println(tp.tokens().size() + " positions (L), of which " + (L - tp.eosPosition() - 1) + " padding");
display(tokens);
""")
md("""
## 2 · Generate while capturing

`AttentionRun.generate` installs the capture on the UNet, advances its step counter through the pipeline's
step callback and removes it afterwards. We keep per-step maps here (for the step bands and the animation);
their cost is stated up front by `estimatedBytes`.
""")
code("""
AttentionCapture capture = AttentionCapture.builder().keepPerStep().build();
GenerationRequest request = GenerationRequest.of(PROMPT).steps(STEPS).seed(7);
int factor = sd.vaeScaleFactor();
int side = sd.unet().config().sampleSize();
System.out.printf("per-step maps will hold about %.1f MB%n", capture.estimatedBytes(1, side, side, STEPS) / 1e6);
StableDiffusionPipeline.Result result = AttentionRun.generate(sd, request, m, capture);
AttentionMaps maps = capture.maps();
BufferedImage image = result.images().get(0);
System.out.println("layers captured: " + maps.layers().size() + ", levels " + maps.levels() + ", steps " + maps.steps().size()
    + ", maps " + maps.height() + "x" + maps.width() + " (latent) shown at " + image.getHeight() + "x" + image.getWidth());
display(Images.enlarge(image, ZOOM));
""")
md("""
## 3 · One map per word

Each tile is the image with one word's map on top (inferno colour map: black = no attention, yellow = the
most). `PER_TOKEN` scales every map to its own maximum, so it shows *where* a word looks regardless of how
strongly.

What to look for. On the shapes model: does "circle" light up the circle and "square" the square? Does
"red" follow "circle", or does it look elsewhere (the causal text encoder lets "circle" carry the colour)? Are the position words ("left", "right") on their object or spread out, and the
function words ("a", "on", "the", "and") diffuse? Compare with the picture above: if the model drew an
object wrongly, its words may still point at where it drew it. With SD weights, "cat" and "dog" typically
light up their animals, "sofa" the furniture, and small words are diffuse.
""")
code("""
TokenHeatmaps words = TokenHeatmaps.of(maps, 0).normalization(TokenHeatmaps.Normalization.PER_TOKEN);
display(heatGrid(words, words.words(), image));
""")
md("""
## 4 · The special tokens and a shared scale

With a **shared** scale the tiles become comparable. In real SD the start token is an *attention sink*
that takes most of the probability mass at every pixel (this is why DAAM drops it and renormalises over
the prompt words, our `PER_PIXEL` option); check in the table below whether the small model behaves the
same. The end token and padding carry a summary of the whole prompt.
""")
code("""
TokenHeatmaps all = TokenHeatmaps.of(maps, 0).normalization(TokenHeatmaps.Normalization.SHARED).showSpecial(true);
display(heatGrid(all, all.words(), image));
""")
code("""
Table share = Table.create("mean attention per word (all pixels)", StringColumn.create("word"), DoubleColumn.create("mean prob"));
for (TokenHeatmaps.Heatmap h : all.words()) {
    share.stringColumn(0).append(h.label());
    share.doubleColumn(1).append(HeatmapStats.of(h.label(), h.raw(), h.width(), h.height()).mean());
}
display(share);
""")
md("""
## 5 · Per resolution level

SD's UNet attends at several resolutions (latent/1, /2, /4, /8 of a 64×64 latent). The coarse levels decide
*layout*, the fine ones *detail*. DAAM found the middle levels (16×16 and 32×32 at 512 px) the most
faithful; the 8×8 level is blurry and the 64×64 one noisy. The shapes model has two levels only, the 8×8
latent and 4×4, both coarse on a 32×32 picture. Here is one word at every level (PER_PIXEL: its share
among the prompt words).
""")
code("""
String WORD = shapes ? "circle" : "dog";
List<BufferedImage> tiles = new ArrayList<>();
List<String> captions = new ArrayList<>();
for (int level : maps.levels()) {
    TokenHeatmaps hm = TokenHeatmaps.of(maps.atLevels(level), 0).normalization(TokenHeatmaps.Normalization.PER_PIXEL);
    tiles.add(tile(hm, hm.word(WORD), image));
    captions.add(WORD + " @ 1/" + level + " (" + (maps.height() / level) + "×" + (maps.width() / level) + ")");
}
display(ImageGrid.of(tiles, captions, 4, ZOOM));
""")
md("""
## 6 · Per timestep band

Early steps (high noise) fix the composition, late steps refine texture. With SD weights a word's map is
typically vague in the first band and sharper in the last one. In quick mode (4 steps) a band is one or two
steps.
""")
code("""
int third = Math.max(1, STEPS / 3);
int[][] bands = {{0, third}, {third, 2 * third}, {2 * third, STEPS}};
tiles = new ArrayList<>();
captions = new ArrayList<>();
for (int[] b : bands) {
    TokenHeatmaps hm = TokenHeatmaps.of(maps.atSteps(b[0], b[1]), 0);
    tiles.add(tile(hm, hm.word(WORD), image));
    captions.add(WORD + ", steps " + b[0] + "–" + (b[1] - 1));
}
display(ImageGrid.of(tiles, captions, 3, ZOOM));
""")
md("""
## 7 · How one word's map sharpens over the steps

Cumulative maps (steps 0..i) as frames, written as a GIF next to the notebook run and shown here as a strip.
""")
code("""
List<BufferedImage> frames = TokenHeatmaps.animation(maps, 0, WORD, image, true);
Path gif = Gifs.write(dev.diffusionlab.core.Paths.home().resolve("out/attention-" + WORD + ".gif"),
        frames.stream().map(f -> Images.enlarge(f, Math.max(1, ZOOM / 2))).toList(), 300);
System.out.println("animation: " + gif.toAbsolutePath());
tiles = new ArrayList<>();
captions = new ArrayList<>();
int first = maps.steps().get(0).index();
for (AttentionMaps.StepMaps s : maps.steps()) {   // the same frames, without the text drawn on them
    TokenHeatmaps hm = TokenHeatmaps.of(maps.atSteps(first, s.index() + 1), 0);
    tiles.add(tile(hm, hm.word(WORD), image));
    captions.add("steps 0–" + s.index() + ", t=" + Math.round(s.timestep()));
}
display(ImageGrid.of(tiles, captions, Math.min(tiles.size(), 5), ZOOM));
""")
md("""
## 8 · Statistics: where does each word concentrate?

Peak location (in image pixels) and the share of the map's mass in its brightest 10 % of pixels (0.1 = flat,
1 = one spot). `./dlab generate ... --attention-maps DIR` writes the same numbers to `stats.json`/`stats.csv`.
On the shapes model the last column says where the caption puts the object a word belongs to (the caption
grammar knows it): compare it with the peak, keeping in mind that the picture may not follow the caption.
Notebook 05 turns this comparison into a score (pointing game, IoU) against the world's ground-truth masks.
""")
code("""
List<Caption.Word> grammar = shapes ? Caption.words(Caption.parse(PROMPT)) : List.of();
Table stats = Table.create("word statistics", StringColumn.create("word"), IntColumn.create("peak x"),
        IntColumn.create("peak y"), DoubleColumn.create("top-10% mass"), StringColumn.create("caption puts its object"));
for (TokenHeatmaps.Heatmap h : words.words()) {
    HeatmapStats s = HeatmapStats.of(h.label(), h.raw(), h.width(), h.height());
    stats.stringColumn(0).append(s.label());
    stats.intColumn(1).append(s.peakX());
    stats.intColumn(2).append(s.peakY());
    stats.doubleColumn(3).append(s.top10Mass());
    int object = h.wordIndex() < grammar.size() ? grammar.get(h.wordIndex()).object() : -1;
    stats.stringColumn(4).append(object < 0 ? "" : Caption.parse(PROMPT).get(object).position().word());
}
System.out.println("image " + image.getWidth() + "x" + image.getHeight() + " px; x grows to the right, y downwards");
display(stats);
""")
md("""
## 9 · Re-weighting a word (prompt-to-prompt style)

The hook can also *change* the probabilities. `AttentionReweight` multiplies the attention to one word's
tokens by a factor in the conditional branch and renormalises each row. Same seed, same prompt; only the
attention to "red" changes. With SD weights, ×0 typically gives a sofa of another colour and ×4 a very red
scene. On the shapes model, look at the object the caption calls red: does ×0 lose the colour, and does ×4
strengthen it or spread it to the other object?
""")
code("""
double[] factors = {0.0, 1.0, 4.0};
tiles = new ArrayList<>();
captions = new ArrayList<>();
for (double f : factors) {
    AttentionReweight rw = AttentionReweight.of(tp, "red", f);
    try (AttentionCapture c = AttentionCapture.builder().build()) {
        StableDiffusionPipeline.Result r = AttentionRun.generate(sd, GenerationRequest.of(PROMPT).steps(STEPS).seed(7), m, rw, c);
        TokenHeatmaps hm = TokenHeatmaps.of(c.maps(), 0).normalization(TokenHeatmaps.Normalization.PER_PIXEL);
        tiles.add(r.images().get(0));
        captions.add("red ×" + f);
        tiles.add(tile(hm, hm.word("red"), r.images().get(0)));
        captions.add("map of red, ×" + f);
    }
}
display(ImageGrid.of(tiles, captions, 2, ZOOM));
""")
md("""
## What to look for

* **The shapes model (default, and this run in CI):** in a well-trained model the colour and shape words
  concentrate on their object (peak on it, high top-10 % mass), position words follow their object, and
  function words are diffuse; check how far this checkpoint gets. Mistakes of a small model are worth
  spotting: *attribute leakage* (a colour word lighting up both objects), words that light up the
  background rather than an object, a word pointing at an object drawn in the wrong place or colour. Maps
  are 8×8 or 4×4 upsampled to 32×32: expect blobs. Re-weighting "red" should change the picture, which shows
  the edit reaches the result. The plumbing is checked by the tests (probabilities sum to 1 per pixel, levels
  and step bands add up); how often the maps point at the right object is measured in notebook 05.
* **Real Stable Diffusion 1.5** (`DLAB_MODEL=/path/to/stable-diffusion-v1-5`, 20–50 steps, 512×512): nouns
  ("cat", "dog", "sofa") light up their objects with high top-10 % mass; adjectives follow their noun ("red"
  over the sofa, or leaking onto the wrong object: *attribute leakage*); function words are diffuse; the
  start token is bright everywhere; the 16×16 level gives the cleanest maps; late steps are sharper than
  early ones; re-weighting "red" ×0 removes the colour, ×4 spreads it.

## What you saw

1. Cross-attention probabilities are a (patch × token) table per layer, head and step; summing them as DAAM
   does gives one heat map per token, and per word by averaging its BPE tokens.
2. The default capture keeps one accumulator per resolution level, so memory does not grow with steps;
   per-step maps are opt-in and priced up front.
3. Normalisation changes the question: per token (*where*), shared (*how much*), per pixel (*who wins here*).
4. The same hook that reads attention can edit it: re-weighting a word changes the picture.

## Exercises

1. Add `.layers(LayerFilter.all().blocks("up"))` to the capture. How do the maps of the up path differ from
   the down path?
2. Write the maps of the first cell with `AttentionMapsWriter.write(dev.diffusionlab.core.Paths.home().resolve("out/maps"), maps, 0, image)`
   and open `stats.csv`. Which word has the highest top-10 % mass?
3. Re-weight `WORD` ("circle"; "dog" on SD) with 0.0 only for the last third of the steps
   (`.steps(2 * STEPS / 3, STEPS)`). What changes compared with re-weighting from the start?
4. Swap the colours: "a blue circle on the left and a red square on the right" (same seed). Does "red"
   move with its shape? Try a few seeds and count how often a colour word lands on the wrong object. (With
   SD weights: "a red cube and a blue sphere".)
""")
code("""
capture.close();
m.close();
sd.close();
"notebook 04 done"
""")

nbgen.write(os.path.join(ROOT, "notebooks", "04-cross-attention.ipynb"), cells)
if len(sys.argv) >= 3 and sys.argv[1] == "--jsh":
    nbgen.write_jsh(sys.argv[2], cells)
