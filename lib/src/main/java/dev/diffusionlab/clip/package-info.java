/**
 * Stage 3, text. {@link dev.diffusionlab.clip.CLIPTokenizer} (byte-level BPE, inspection API),
 * {@link dev.diffusionlab.clip.CLIPTextModel}, and the tokenizer-folder toolkit: {@link dev.diffusionlab.clip.BpeTrainer}
 * (vocabulary from a text or a word list, vocab.json/merges.txt) and {@link dev.diffusionlab.clip.TokenizerConfigFiles}.
 */
package dev.diffusionlab.clip;
