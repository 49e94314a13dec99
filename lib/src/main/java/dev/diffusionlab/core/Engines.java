package dev.diffusionlab.core;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The one place that starts DJL's PyTorch engine: offline (the natives come from the
 * pytorch-native-cpu jar on the classpath, nothing is downloaded), CUDA when present, CPU otherwise.
 *
 * <pre>{@code
 * Engines.Choice c = Engines.start();        // "Diffusion Lab: PyTorch 2.7.1 on cpu(), float32"
 * try (NDManager m = Engines.newManager()) { ... }
 * }</pre>
 */
public final class Engines {
    private static volatile Choice choice;

    private Engines() {}

    /** The device and dtype the library uses by default. */
    public record Choice(String engine, String version, Device device, DataType dtype) {
        @Override
        public String toString() {
            return "Diffusion Lab: " + engine + " " + version + " on " + device + ", " + dtype;
        }
    }

    /** Starts the engine once (offline) and returns the default device and dtype. */
    public static Choice start() {
        Choice c = choice;
        if (c != null) {
            return c;
        }
        synchronized (Engines.class) {
            if (choice == null) {
                configureOffline();
                Engine engine = Engine.getEngine("PyTorch");
                Device device = engine.getGpuCount() > 0 ? Device.gpu() : Device.cpu();
                DataType dtype = device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
                choice = new Choice(engine.getEngineName(), engine.getVersion(), device, dtype);
            }
            return choice;
        }
    }

    /** Starts the engine and prints the single status line (device and dtype). */
    public static Choice startAndReport() {
        Choice c = start();
        System.out.println(c);
        return c;
    }

    /** A fresh NDManager on the default device; close it (try-with-resources) to free native memory. */
    public static NDManager newManager() {
        return NDManager.newBaseManager(start().device());
    }

    /** A fresh NDManager on the CPU, whatever the default device is. */
    public static NDManager newCpuManager() {
        start();
        return NDManager.newBaseManager(Device.cpu());
    }

    static void configureOffline() {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.default_engine", "PyTorch");
        // DJL's usage telemetry is a network call; it is never wanted here.
        setIfAbsent("OPT_OUT_TRACKING", "true");
        // The CPU build logs a CUDA-driver warning at start; users see our one status line instead.
        setIfAbsent("org.slf4j.simpleLogger.log.ai.djl.pytorch.jni.LibUtils", "error");
        setIfAbsent("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
