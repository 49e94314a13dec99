package dev.diffusionlab.safetensors;

/** A safetensors file is missing, corrupt, hostile, or does not match what the model expects. */
public class SafetensorsException extends IllegalArgumentException {
    public SafetensorsException(String message) {
        super(message);
    }
}
