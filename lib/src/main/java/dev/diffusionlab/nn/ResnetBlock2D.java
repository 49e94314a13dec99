package dev.diffusionlab.nn;

import ai.djl.ndarray.NDArray;
import java.util.function.UnaryOperator;

/**
 * diffusers' ResnetBlock2D ("default" time-scale shift): norm1, act, conv1, + time_emb_proj(act(temb)),
 * norm2, act, conv2, plus the (1×1 conv_shortcut when channels change) input, divided by
 * {@code output_scale_factor}. {@code tembChannels = 0} builds the VAE variant without time input.
 */
public final class ResnetBlock2D extends Module {
    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear timeEmbProj;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d convShortcut;
    private final UnaryOperator<NDArray> act;
    private final float outputScaleFactor;

    public ResnetBlock2D(int in, int out, int tembChannels, int groups, float eps, UnaryOperator<NDArray> act, float outputScaleFactor) {
        this.act = act;
        this.outputScaleFactor = outputScaleFactor;
        norm1 = child("norm1", new GroupNorm(groups, in, eps));
        conv1 = child("conv1", new Conv2d(in, out, 3, 1, 1));
        timeEmbProj = tembChannels > 0 ? child("time_emb_proj", new Linear(tembChannels, out, true)) : null;
        norm2 = child("norm2", new GroupNorm(groups, out, eps));
        conv2 = child("conv2", new Conv2d(out, out, 3, 1, 1));
        convShortcut = in != out ? child("conv_shortcut", new Conv2d(in, out, 1, 1, 0)) : null;
    }

    /** (B, in, H, W), temb (B, tembChannels) or null -> (B, out, H, W). */
    public NDArray forward(NDArray x, NDArray temb) {
        return Ops.scoped(x, in -> {
            NDArray h = conv1.forward(act.apply(norm1.forward(in)));
            if (timeEmbProj != null && temb != null) {
                temb.tempAttach(in.getManager()); // its projections are freed with this scope
                NDArray t = timeEmbProj.forward(act.apply(temb));
                h = h.add(t.expandDims(2).expandDims(3)); // (B, out) -> (B, out, 1, 1)
            }
            h = conv2.forward(act.apply(norm2.forward(h)));
            NDArray skip = convShortcut != null ? convShortcut.forward(in) : in;
            NDArray hh = h;
            NDArray o = Profiler.time(Profiler.Kind.ELEMENTWISE, () -> skip.add(hh));
            return outputScaleFactor == 1f ? o : Ops.div(o, outputScaleFactor);
        });
    }
}
