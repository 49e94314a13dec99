package dev.diffusionlab.image;

import dev.diffusionlab.core.Paths;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rebuilds the toy-data files of stage 1 from ../shared/data (run {@code scripts/make-toy-data.sh}):
 * four photos as 128×128 centre-cropped PNGs and the first 100 images of each class of the Fashion-MNIST
 * test split (in file order), as gzipped IDX files.
 */
public final class MakeToyData {
    static final Map<String, String> SOURCES = Map.of(
            "cat", "chelsea.png", "coffee", "coffee.png", "astronaut", "astronaut.png", "rocket", "rocket.jpg");

    private MakeToyData() {}

    public static void main(String[] args) throws Exception {
        Path shared = Paths.sharedData().orElseThrow(() -> new IllegalStateException(
                "../shared/data not found (set DLAB_SHARED to the folder holding data/)"));
        Path toy = Paths.toyData();
        for (String name : ToyData.PHOTOS) {
            Path src = shared.resolve("a-photos").resolve(SOURCES.get(name));
            Path dst = toy.resolve("photos").resolve(name + ".png");
            Images.savePng(Images.fit(Images.load(src), 128), dst);
            System.out.println(src + " -> " + dst);
        }
        FashionMnist all = FashionMnist.load(shared.resolve("b-fashion-mnist/t10k-images-idx3-ubyte.gz"),
                shared.resolve("b-fashion-mnist/t10k-labels-idx1-ubyte.gz"));
        int[] taken = new int[10];
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (taken[all.label(i)]++ < 100) {
                idx.add(i);
            }
        }
        Path dir = toy.resolve("fashion-mnist");
        all.writeSubset(idx, dir.resolve("images-idx3-ubyte.gz"), dir.resolve("labels-idx1-ubyte.gz"));
        System.out.println("Fashion-MNIST: " + idx.size() + " of " + all.size() + " test images -> " + dir);
    }
}
