#!/usr/bin/env python3
"""Writes notebooks/00-getting-started.ipynb and kernel/src/test/notebooks/failing.ipynb.
Run from anywhere: python3 scripts/notebooks/make_kernel_notebooks.py"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nbgen import code, md, write  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

getting_started = [
    md("""
    # 00 · Getting started

    Every notebook in this course is plain Java, run by the **Diffusion Lab kernel** (JShell inside the
    kernel's JVM, with the Diffusion Lab library on the classpath). A cell shows the value of its last
    expression; `display(x)` shows something in the middle of a cell. Images and XChart charts appear as
    pictures, Tablesaw tables as HTML tables, everything else as text.

    This notebook checks that everything works: the tensor engine, a chart, a table and an image.

    ## Map of the course

    | Notebook | Idea it teaches |
    |---|---|
    | **01 · Image space & noise** | An image is a point in a huge space of pixel values; the forward process mixes it with Gaussian noise step by step until nothing of it is left. |
    | **02 · A toy 2D diffusion** | In two dimensions we can *see* the learned vector field that points from noise back to data, and how classifier-free guidance bends it towards a class. |
    | **03 · The latent pipeline** | Stable Diffusion denoises in a small latent space: the CLIP tokenizer and text encoder turn the prompt into vectors, the UNet predicts noise, the scheduler steps, and the VAE decodes latents into pixels. |
    | **04 · Cross-attention maps** | Where each word of the prompt "looks" in the image: the UNet's cross-attention maps, token by token. |
    | **05 · The shapes world** | A small Stable Diffusion trained on captioned shapes, where the true pixels of every word are known: generations, guidance and attention maps checked against ground truth, and what breaks. |
    """),
    code("""
    import dev.diffusionlab.core.*;
    import ai.djl.ndarray.*;
    import ai.djl.ndarray.types.Shape;
    import org.knowm.xchart.*;
    import tech.tablesaw.api.*;
    import java.awt.Color;
    import java.awt.GradientPaint;
    import java.awt.Graphics2D;
    import java.awt.RenderingHints;
    import java.awt.image.BufferedImage;
    """),
    md("""
    ## The engine

    The library runs tensors with DJL on PyTorch, offline. This line says which device (CPU or GPU) and
    which number type the rest of the course will use. `DLAB_QUICK=1` (used by CI) makes notebooks
    pick smaller sizes; it is on here: see the second line.
    """),
    code("""
    Engines.Choice choice = Engines.startAndReport();
    System.out.println("quick mode: " + Quick.isOn());
    """),
    md("""
    ## A tensor

    Tensors live in an `NDManager`; closing the manager frees their native memory, so every computation
    sits in a try-with-resources block and only plain Java values (arrays, numbers) leave it.
    """),
    code("""
    float[] values;
    Shape shape;
    try (NDManager m = Engines.newManager()) {
        NDArray x = m.arange(0f, 6f).reshape(2, 3);   // (6) -> (2, 3)
        NDArray y = x.mul(x).add(1f);                 // x² + 1, elementwise
        values = y.toFloatArray();
        shape = y.getShape();
    }
    "shape " + shape + ": " + Arrays.toString(values)
    """),
    md("""
    ## A chart: how much of the image survives the noise

    A preview of notebook 01. Diffusion adds a little Gaussian noise at each of T = 1000 steps (the
    variance β grows linearly). After t steps the noisy image is √ᾱ·image + √(1−ᾱ)·noise, where
    ᾱ is the product of (1 − β) over the first t steps. The chart shows both weights.
    """),
    code("""
    int T = 1000;
    double[] steps = new double[T], signal = new double[T], noise = new double[T];
    try (NDManager m = Engines.newManager()) {
        NDArray betas = m.linspace(1e-4f, 0.02f, T);           // (T)
        NDArray alphasCumprod = betas.neg().add(1f).cumProd(0); // (T): ᾱ_t = Π (1 - β_s)
        float[] ab = alphasCumprod.toFloatArray();
        for (int t = 0; t < T; t++) {
            steps[t] = t;
            signal[t] = Math.sqrt(ab[t]);
            noise[t] = Math.sqrt(1 - ab[t]);
        }
    }
    XYChart chart = new XYChartBuilder().width(640).height(320)
            .title("Signal and noise weights of the forward process").xAxisTitle("timestep t").yAxisTitle("weight").build();
    chart.getStyler().setMarkerSize(0);
    chart.addSeries("signal √ᾱ", steps, signal);
    chart.addSeries("noise √(1−ᾱ)", steps, noise);
    chart
    """),
    md("""
    ## A table

    The same numbers every 20th step, as a Tablesaw table. Long tables show their first 20 rows.
    """),
    code("""
    int every = 20;
    int rows = T / every;
    int[] ts = new int[rows];
    double[] sig = new double[rows], noi = new double[rows];
    for (int r = 0; r < rows; r++) {
        ts[r] = r * every;
        sig[r] = signal[r * every];
        noi[r] = noise[r * every];
    }
    Table schedule = Table.create("forward process, every 20th step",
            IntColumn.create("t", ts), DoubleColumn.create("signal", sig), DoubleColumn.create("noise", noi));
    schedule
    """),
    md("""
    ## An image, and the same image with noise

    No photo is needed yet: Java2D draws a small landscape. Then DJL adds noise at three timesteps with
    exactly the formula from the chart (pixels scaled to [−1, 1] first, as Stable Diffusion does).
    """),
    code("""
    int size = Quick.pick(96, 192);
    BufferedImage scene = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = scene.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setPaint(new GradientPaint(0, 0, new Color(70, 130, 220), 0, size, new Color(250, 210, 160)));
    g.fillRect(0, 0, size, size);
    g.setColor(new Color(255, 220, 60));
    g.fillOval(size * 6 / 10, size / 8, size / 4, size / 4);
    g.setColor(new Color(40, 120, 60));
    g.fillOval(-size / 4, size * 6 / 10, size, size);
    g.setColor(new Color(30, 90, 45));
    g.fillOval(size / 3, size * 7 / 10, size, size);
    g.dispose();
    scene
    """),
    code("""
    /** x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε, on pixels scaled to [-1, 1]. */
    BufferedImage noised(BufferedImage img, double alphaBar, long seed) {
        int w = img.getWidth(), h = img.getHeight();
        float[] px = new float[h * w * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                for (int c = 0; c < 3; c++)
                    px[(y * w + x) * 3 + c] = ((rgb >> (16 - 8 * c)) & 0xff) / 127.5f - 1f;
            }
        float[] out;
        try (NDManager m = Engines.newCpuManager()) {
            m.getEngine().setRandomSeed((int) seed);
            NDArray x0 = m.create(px, new Shape(h, w, 3));         // (H, W, 3) in [-1, 1]
            NDArray eps = m.randomNormal(x0.getShape());           // (H, W, 3)
            NDArray xt = x0.mul((float) Math.sqrt(alphaBar)).add(eps.mul((float) Math.sqrt(1 - alphaBar)));
            out = xt.clip(-1f, 1f).toFloatArray();
        }
        BufferedImage res = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < w * h; i++) {
            int r = Math.round((out[i * 3] + 1f) * 127.5f), gg = Math.round((out[i * 3 + 1] + 1f) * 127.5f),
                b = Math.round((out[i * 3 + 2] + 1f) * 127.5f);
            res.setRGB(i % w, i / w, (r << 16) | (gg << 8) | b);
        }
        return res;
    }

    int[] shown = {0, 100, 300, 999};
    BufferedImage strip = new BufferedImage(size * shown.length, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D sg = strip.createGraphics();
    for (int i = 0; i < shown.length; i++) {
        sg.drawImage(noised(scene, signal[shown[i]] * signal[shown[i]], 42), i * size, 0, null);
    }
    sg.dispose();
    strip
    """),
    md("""
    ## Live output

    `display(x)` returns an id; `updateDisplay(id, y)` replaces that output in place. Later notebooks use
    this to animate the denoising loop. Here the landscape drowns in noise, step by step.
    """),
    code("""
    String frameId = display(scene);
    for (int t = 0; t < T; t += Quick.pick(333, 50)) {
        updateDisplay(frameId, noised(scene, signal[t] * signal[t], 7));
    }
    "last frame: t = " + (T - 1 - (T - 1) % Quick.pick(333, 50))
    """),
    md("""
    ## What you saw

    * The kernel runs plain Java cells; the last expression of a cell is shown (text, chart, table or image).
    * DJL tensors are created and freed inside an `NDManager`; only plain arrays leave it.
    * The forward process keeps √ᾱ of the image and adds √(1−ᾱ) of noise; by t = 999 almost nothing of
      the image is left. Notebook 01 looks at this closely; Stable Diffusion learns to run it backwards.

    ### Exercises

    1. Change the β range of the chart to `1e-4 … 0.05`. At which timestep does the signal weight drop below 0.5?
    2. Draw something else on the image (a house, your initials) and show it at t = 50 and t = 500.
    3. Make the table show every 100th step, so that it fits without truncation.
    """),
]

failing = [
    md("A deliberately failing notebook: `scripts/run-notebooks.sh` must report FAIL and exit non-zero on it."),
    code("int before = 1;\nbefore"),
    code('throw new IllegalStateException("this notebook fails on purpose");'),
    code('"never reached"'),
]

write(os.path.join(ROOT, "notebooks", "00-getting-started.ipynb"), getting_started)
write(os.path.join(ROOT, "kernel", "src", "test", "notebooks", "failing.ipynb"), failing)
print("wrote notebooks/00-getting-started.ipynb and kernel/src/test/notebooks/failing.ipynb")
