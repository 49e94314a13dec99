package dev.diffusionlab.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** torch.nn.ModuleList: children named "0", "1", ... */
public final class ModuleList<M extends Module> extends Module {
    private final List<M> items = new ArrayList<>();

    /** Appends {@code m} under the next index. */
    public M add(M m) {
        child(Integer.toString(items.size()), m);
        items.add(m);
        return m;
    }

    public M get(int i) {
        return items.get(i);
    }

    public int size() {
        return items.size();
    }

    public List<M> items() {
        return Collections.unmodifiableList(items);
    }
}
