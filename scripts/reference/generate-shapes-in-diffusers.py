#!/usr/bin/python3
"""Generates pictures of a shapes-world model folder with the REAL diffusers pipeline (DDIM 20 steps, guidance
7.5, seed = caption index, as the issue-16 protocol), so the folder's quality can be read outside this project.
One caption per line in CAPTIONS; writes OUT/000.png, OUT/001.png, ... and OUT/sheet.png (all, enlarged 3×).
Needs the reference environment of ../shared/baselines (diffusers 0.30.3 / transformers 4.44 on Debian torch):

    . <(SKIP_APT=1 ../shared/baselines/setup_env.sh | tail -1)
    /usr/bin/python3 scripts/reference/generate-shapes-in-diffusers.py toy-data/models/shapes-world-v2 captions.txt /tmp/out
"""
import os
import sys

sys.modules["ftfy"] = None
# The reference environment has no Rust `tokenizers`: transformers' fallback AddedToken dataclass lacks the
# hash and setstate the slow tokenizer needs (no behaviour change).
import transformers.tokenization_utils_base as _base  # noqa: E402

_base.AddedToken.__hash__ = lambda self: hash(self.content)
_base.AddedToken.__setstate__ = lambda self, d: self.__dict__.update(d)

import torch  # noqa: E402
from diffusers import DDIMScheduler, StableDiffusionPipeline  # noqa: E402
from PIL import Image  # noqa: E402

model, captions, out = sys.argv[1], sys.argv[2], sys.argv[3]
caps = [line.strip() for line in open(captions) if line.strip()]
pipe = StableDiffusionPipeline.from_pretrained(model, safety_checker=None, requires_safety_checker=False,
                                               torch_dtype=torch.float32)
pipe.scheduler = DDIMScheduler.from_config(pipe.scheduler.config)
side = pipe.unet.config.sample_size * pipe.vae_scale_factor
pipe.set_progress_bar_config(disable=True)
os.makedirs(out, exist_ok=True)
images = []
for i, c in enumerate(caps):
    g = torch.Generator().manual_seed(i)
    img = pipe(c, num_inference_steps=20, guidance_scale=7.5, generator=g, height=side, width=side).images[0]
    img.save(f"{out}/{i:03d}.png")
    images.append(img.resize((3 * side, 3 * side), Image.NEAREST))
sheet = Image.new("RGB", (3 * side * min(8, len(images)), 3 * side * ((len(images) + 7) // 8)), "white")
for i, im in enumerate(images):
    sheet.paste(im, (3 * side * (i % 8), 3 * side * (i // 8)))
sheet.save(f"{out}/sheet.png")
print(f"wrote {len(caps)} pictures of {side}x{side} and sheet.png to {out}")
