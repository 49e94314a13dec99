/**
 * Stage 3, weights on disk. Memory-mapped, validated safetensors reader and atomic writer (never pickle); entry points
 * {@link dev.diffusionlab.safetensors.SafetensorsFile}, {@link dev.diffusionlab.safetensors.SafetensorsWriter}.
 */
package dev.diffusionlab.safetensors;
