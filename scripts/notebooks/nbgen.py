"""Writes Diffusion Lab notebooks (nbformat v4, kernel "diffusionlab", no outputs) for every generator here.

    from nbgen import md, code, write, write_jsh
    cells = [md("# Title"), code("1 + 1")]
    write("notebooks/NN-name.ipynb", cells)
    write_jsh("/tmp/NN.jsh", cells)   # the code cells as one JShell script, to check them without Jupyter
"""
import json
import os
import textwrap

KERNELSPEC = {"name": "diffusionlab", "display_name": "Java (Diffusion Lab)", "language": "java"}

# a display() for plain jshell: says what the kernel would render
JSH_DISPLAY = ('void display(Object o) { System.out.println(o instanceof java.awt.image.BufferedImage b ? "[image " '
               '+ b.getWidth() + "x" + b.getHeight() + "]" : o instanceof org.knowm.xchart.internal.chartpart.Chart<?, ?> c '
               '? "[chart " + c.getTitle() + "]" : o); }')


def md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": textwrap.dedent(text).strip("\n")}


def code(text):
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
            "source": textwrap.dedent(text).strip("\n")}


def _lines(src):
    lines = src.split("\n")
    return [l + "\n" for l in lines[:-1]] + [lines[-1]]


def write(path, cells):
    """Writes the notebook; sources are stored as lists of lines, as Jupyter saves them."""
    nb = {"nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "java"}},
          "cells": [dict(c, id=f"cell-{i:02d}", source=_lines(c["source"])) for i, c in enumerate(cells)]}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote", path)


def write_jsh(path, cells, stub=None):
    """The code cells as one JShell script with a display() stub, ending in /exit."""
    parts = [open(stub).read() if stub else JSH_DISPLAY]
    parts += [c["source"] for c in cells if c["cell_type"] == "code"]
    parts.append("/exit")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(parts) + "\n")
    print("wrote", path)
