#!/usr/bin/python3
"""The notebooks are the course's source: each must be valid nbformat 4, use the diffusionlab kernel and be
committed without outputs (no outputs, no execution counts). Prints one line per problem and
'notebooks-source: N passed, M failed'.

    /usr/bin/python3 scripts/check-notebooks.py [notebooks/*.ipynb ...]
"""
import glob
import os
import sys

import nbformat

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
paths = sys.argv[1:] or sorted(glob.glob(os.path.join(root, "notebooks", "*.ipynb")))
passed = failed = 0
for path in paths:
    problems = []
    try:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        if nb.nbformat != 4:
            problems.append(f"nbformat {nb.nbformat}, expected 4")
        nbformat.validate(nb)
        spec = nb.metadata.get("kernelspec", {}).get("name")
        if spec != "diffusionlab":
            problems.append(f"kernelspec {spec!r}, expected 'diffusionlab'")
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                if cell.get("outputs"):
                    problems.append(f"cell {i} has {len(cell.outputs)} output(s): clear outputs before committing")
                if cell.get("execution_count") is not None:
                    problems.append(f"cell {i} has execution_count {cell.execution_count}")
    except Exception as e:  # unreadable JSON or a schema violation
        problems.append(f"{type(e).__name__}: {str(e).splitlines()[0]}")
    name = os.path.relpath(path, root)
    if problems:
        failed += 1
        for p in problems:
            print(f"{name}: {p}")
    else:
        passed += 1
print(f"notebooks-source: {passed} passed, {failed} failed")
sys.exit(1 if failed or not paths else 0)
