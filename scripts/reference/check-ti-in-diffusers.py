#!/usr/bin/python3
"""Loads an embedding file written by `./dlab textual-inversion` into the REAL diffusers pipeline
(`load_textual_inversion`, unchanged) and checks that the token(s) arrive and the embedding rows equal the file.
Needs the reference environment of ../shared/baselines (diffusers 0.30.3 / transformers 4.44 on Debian torch):

    eval "$(SKIP_APT=1 ../shared/baselines/setup_env.sh | tail -1)"
    ./dlab textual-inversion --model ../shared/fixtures/sd-tiny-v1 --token "<zorp>" --images toy-data/photos \\
        --steps 3 --batch 2 --vectors 2 --out /tmp/zorp.safetensors
    /usr/bin/python3 scripts/reference/check-ti-in-diffusers.py ../shared/fixtures/sd-tiny-v1 /tmp/zorp.safetensors
"""
import sys

sys.modules["ftfy"] = None
# The reference environment has no Rust `tokenizers`: transformers' fallback AddedToken dataclass lacks the
# hash and setstate the slow tokenizer needs when it loads added tokens. Give it both (no behaviour change).
import transformers.tokenization_utils_base as _base  # noqa: E402

_base.AddedToken.__hash__ = lambda self: hash(self.content)
_base.AddedToken.__setstate__ = lambda self, d: self.__dict__.update(d)

from diffusers import StableDiffusionPipeline  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

model, emb = sys.argv[1], sys.argv[2]
pipe = StableDiffusionPipeline.from_pretrained(model, safety_checker=None, requires_safety_checker=False)
before = len(pipe.tokenizer)
pipe.load_textual_inversion(emb)
(token, vectors), = load_file(emb).items()
vectors = vectors.reshape(-1, vectors.shape[-1])
tokens = [token] + [f"{token}_{i}" for i in range(1, vectors.shape[0])]
ids = [pipe.tokenizer.convert_tokens_to_ids(t) for t in tokens]
rows = pipe.text_encoder.get_input_embeddings().weight[ids]
diff = float((rows - vectors).abs().max())
print(f"tokenizer {before} -> {len(pipe.tokenizer)} tokens; {tokens} -> ids {ids}; max |row - file| = {diff}")
print("prompt 'a " + token + " cat' becomes:", pipe.maybe_convert_prompt("a " + token + " cat", pipe.tokenizer))
ok = len(pipe.tokenizer) == before + len(tokens) and diff == 0.0
print("check-ti-in-diffusers: " + ("1 passed, 0 failed" if ok else "0 passed, 1 failed"))
sys.exit(0 if ok else 1)
