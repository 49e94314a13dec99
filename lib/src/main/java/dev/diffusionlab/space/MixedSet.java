package dev.diffusionlab.space;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusionlab.image.FashionMnist;
import dev.diffusionlab.image.ImageTensors;
import dev.diffusionlab.image.Images;
import dev.diffusionlab.image.ToyData;
import dev.diffusionlab.core.Gaussian;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A labelled mix of points of one image space, for looking at where good images live: the toy-data
 * photos, slightly perturbed copies of them, Fashion-MNIST images by class, and random images (every
 * pixel uniform in [−1, 1]). All are size×size RGB, values in [−1, 1].
 *
 * <pre>{@code
 * MixedSet set = MixedSet.build(m, 32, new int[] {1, 7, 8}, 20, 6, 20, 42);
 * Pca pca = Pca.fit(set.images(), 2);
 * XYChart chart = SpaceCharts.scatter("image space, 2D PCA", pca.project(set.images()), set.groups());
 * }</pre>
 *
 * @param images (N, 3, size, size)
 * @param groups the group of each image (used as chart series)
 * @param names  a short name per image
 */
public record MixedSet(NDArray images, List<String> groups, List<String> names) {
    public static final String PHOTOS = "photos";
    public static final String PERTURBED = "photos + small noise";
    public static final String RANDOM = "random images";

    /**
     * @param classes          Fashion-MNIST labels to include (0 … 9)
     * @param perClass         images per class
     * @param perturbedPerPhoto perturbed copies per photo (Gaussian noise σ = 0.1 plus a brightness shift ≤ 0.1)
     * @param randomCount      random images
     */
    public static MixedSet build(NDManager m, int size, int[] classes, int perClass, int perturbedPerPhoto,
                                 int randomCount, long seed) {
        Random rng = new Random(seed);
        FashionMnist fm = FashionMnist.toyData();
        NDList parts = new NDList();
        List<String> groups = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String p : ToyData.PHOTOS) {
            NDArray x = ImageTensors.toTensor(m, ToyData.photo(p, size));
            parts.add(x);
            groups.add(PHOTOS);
            names.add(p);
            for (int j = 0; j < perturbedPerPhoto; j++) {
                NDArray eps = Gaussian.noise(m, x.getShape(), rng.nextLong());
                float shift = (float) ((rng.nextDouble() * 2 - 1) * 0.1);
                parts.add(x.add(eps.mul(0.1f)).add(shift).clip(-1f, 1f));
                groups.add(PERTURBED);
                names.add(p + "~" + j);
            }
        }
        for (int c : classes) {
            List<Integer> idx = fm.indicesOf(c);
            if (perClass > idx.size()) {
                throw new IllegalArgumentException("only " + idx.size() + " Fashion-MNIST images of class " + c + " shipped, asked for " + perClass);
            }
            for (int j = 0; j < perClass; j++) {
                parts.add(ImageTensors.toTensor(m, Images.resize(fm.image(idx.get(j)), size, size)));
                groups.add("Fashion: " + FashionMnist.CLASSES.get(c));
                names.add(FashionMnist.CLASSES.get(c) + "#" + j);
            }
        }
        for (int j = 0; j < randomCount; j++) {
            float[] v = new float[3 * size * size];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (rng.nextDouble() * 2 - 1);
            }
            parts.add(m.create(v, new Shape(3, size, size)));
            groups.add(RANDOM);
            names.add("random#" + j);
        }
        NDArray all = ai.djl.ndarray.NDArrays.stack(parts); // N x (3, S, S) -> (N, 3, S, S)
        return new MixedSet(all, List.copyOf(groups), List.copyOf(names));
    }

    /** Indices of the images of one group. */
    public int[] indicesOf(String group) {
        return java.util.stream.IntStream.range(0, groups.size()).filter(i -> groups.get(i).equals(group)).toArray();
    }

    /** The sub-batch of one group: (n, 3, S, S). */
    public NDArray group(String group) {
        int[] idx = indicesOf(group);
        if (idx.length == 0) {
            throw new IllegalArgumentException("no group '" + group + "' in this set; groups are "
                    + new java.util.LinkedHashSet<>(groups));
        }
        return images.get(images.getManager().create(idx)); // (N, 3, S, S) -> (n, 3, S, S)
    }

    /** The images whose name does not start with {@code namePrefix} (e.g. "cat": every image but the cat and its perturbed copies). */
    public NDArray excluding(String namePrefix) {
        int[] idx = java.util.stream.IntStream.range(0, names.size()).filter(i -> !names.get(i).startsWith(namePrefix)).toArray();
        if (idx.length == 0) {
            throw new IllegalArgumentException("every image of this set starts with '" + namePrefix + "'");
        }
        return images.get(images.getManager().create(idx)); // (N, 3, S, S) -> (n, 3, S, S)
    }
}
