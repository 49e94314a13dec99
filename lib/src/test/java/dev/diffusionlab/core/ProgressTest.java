package dev.diffusionlab.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ProgressTest {
    @AfterEach
    void restore() {
        Progress.setFactory(null);
    }

    @Test
    void anInstalledFactoryMakesTheBarsUntilReset() {
        List<String> seen = new ArrayList<>();
        Progress.setFactory((label, total) -> new Progress() {
            @Override
            public void update(long index, String message) {
                seen.add(label + " " + (index + 1) + "/" + total + " " + message);
            }
        });
        Progress bar = Progress.bar("denoising", 2);
        bar.update(0, "t=999");
        bar.update(1, "t=0");
        assertEquals(List.of("denoising 1/2 t=999", "denoising 2/2 t=0"), seen);
        Progress.setFactory(null);
        Progress.bar("text", 2).update(0, "back to DJL's text bar");
        assertEquals(2, seen.size(), "the reset factory no longer receives updates");
    }
}
