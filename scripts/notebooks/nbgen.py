"""Tiny helper to write Diffusion Lab notebooks (nbformat v4, kernel "diffusionlab", no outputs)."""
import json
import os
import textwrap

KERNELSPEC = {"name": "diffusionlab", "display_name": "Java (Diffusion Lab)", "language": "java"}


def md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": textwrap.dedent(text).strip("\n")}


def code(text):
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
            "source": textwrap.dedent(text).strip("\n")}


def write(path, cells):
    nb = {"nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "java"}},
          "cells": [dict(c, id=f"cell-{i:02d}") for i, c in enumerate(cells)]}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")
