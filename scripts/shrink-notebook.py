#!/usr/bin/env python3
"""Shrinks an executed notebook's figures for the HTML course pages: every image/png output goes through
pngquant (palette quantisation; charts and flat-colour shape pictures lose nothing visible) when that makes
it smaller, and the text/plain copy of an HTML output (the kernel sends both; HTML pages show the HTML) is
dropped; the checkout's absolute path in printed text becomes "." (a reader's checkout is elsewhere).
Usage: shrink-notebook.py IN.ipynb OUT.ipynb [ROOT]   (needs pngquant: apt-get install pngquant)"""
import base64, json, shutil, subprocess, sys

def quantise(png: bytes) -> bytes:
    r = subprocess.run(["pngquant", "--quality=0-90", "--speed=1", "--strip", "-"], input=png, capture_output=True)
    return r.stdout if r.returncode == 0 and 0 < len(r.stdout) < len(png) else png

def relative(text, root):
    return text.replace(root.rstrip("/") + "/", "./").replace(root.rstrip("/"), ".") if root else text

def main(src, dst, root=None):
    if shutil.which("pngquant") is None:
        sys.exit("shrink-notebook.py: pngquant not found (apt-get install pngquant)")
    nb = json.load(open(src, encoding="utf-8"))
    before = after = 0
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data:
                raw = base64.b64decode("".join(data["image/png"]))
                small = quantise(raw)
                before += len(raw)
                after += len(small)
                data["image/png"] = base64.b64encode(small).decode("ascii")
            if "text/html" in data and "text/plain" in data:
                del data["text/plain"]
            for key in ("text/plain", "text/html"):
                if key in data:
                    data[key] = relative("".join(data[key]), root)
            if "text" in out:
                out["text"] = relative("".join(out["text"]), root)
    json.dump(nb, open(dst, "w", encoding="utf-8"), ensure_ascii=False)
    print(f"{src}: PNG figures {before // 1024} KiB -> {after // 1024} KiB")

if __name__ == "__main__":
    main(*sys.argv[1:4])
