package dev.diffusionlab.kernel;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Keeps cells from ending the kernel's JVM. Every snippet class JShell compiles passes through
 * {@link #rewrite} (from {@link CellClassLoader#declare}), which redirects calls to {@code System.exit(int)},
 * {@code Runtime.exit(int)} and {@code Runtime.halt(int)}, direct or as method references, to the methods
 * below; they throw {@link SystemExitRefusedException}, so the cell gets an error reply instead.
 * Library code (jars on the notebook classpath) is not rewritten.
 */
public final class ExitGuard {
    private static final String SELF = "dev/diffusionlab/kernel/ExitGuard";
    private static final String RUNTIME_CALL = "(Ljava/lang/Runtime;I)V";

    private ExitGuard() {}

    /** Replaces {@code System.exit(status)} in cell code. */
    public static void exit(int status) {
        throw new SystemExitRefusedException("System.exit(" + status + ")");
    }

    /** Replaces {@code runtime.exit(status)} in cell code. */
    public static void exit(Runtime runtime, int status) {
        throw new SystemExitRefusedException("Runtime.exit(" + status + ")");
    }

    /** Replaces {@code runtime.halt(status)} in cell code. */
    public static void halt(Runtime runtime, int status) {
        throw new SystemExitRefusedException("Runtime.halt(" + status + ")");
    }

    /** The class with exit/halt calls redirected; the same array when it has none. */
    static byte[] rewrite(byte[] classBytes) {
        ClassReader reader = new ClassReader(classBytes);
        ClassWriter writer = new ClassWriter(reader, 0); // same stack shapes: frames and maxs stay valid
        boolean[] changed = {false};
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9, super.visitMethod(access, name, desc, sig, exceptions)) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String mName, String mDesc, boolean itf) {
                        String target = target(opcode == Opcodes.INVOKESTATIC, owner, mName, mDesc);
                        if (target == null) {
                            super.visitMethodInsn(opcode, owner, mName, mDesc, itf);
                        } else {
                            changed[0] = true;
                            super.visitMethodInsn(Opcodes.INVOKESTATIC, SELF, mName,
                                    opcode == Opcodes.INVOKESTATIC ? mDesc : RUNTIME_CALL, false);
                        }
                    }

                    @Override
                    public void visitInvokeDynamicInsn(String iName, String iDesc, Handle bsm, Object... args) {
                        Object[] mapped = args.clone();
                        for (int i = 0; i < mapped.length; i++) {
                            mapped[i] = handle(mapped[i]);
                        }
                        super.visitInvokeDynamicInsn(iName, iDesc, bsm, mapped);
                    }

                    @Override
                    public void visitLdcInsn(Object value) {
                        super.visitLdcInsn(handle(value));
                    }

                    /** {@code System::exit} and {@code runtime::exit} method handles point to the guard too. */
                    private Object handle(Object o) {
                        if (o instanceof Handle h) {
                            boolean isStatic = h.getTag() == Opcodes.H_INVOKESTATIC;
                            boolean isVirtual = h.getTag() == Opcodes.H_INVOKEVIRTUAL;
                            if ((isStatic || isVirtual) && target(isStatic, h.getOwner(), h.getName(), h.getDesc()) != null) {
                                changed[0] = true;
                                return new Handle(Opcodes.H_INVOKESTATIC, SELF, h.getName(),
                                        isStatic ? h.getDesc() : RUNTIME_CALL, false);
                            }
                        }
                        return o;
                    }
                };
            }
        }, 0);
        return changed[0] ? writer.toByteArray() : classBytes;
    }

    /** The guard method replacing this call, or null when it is not an exit. */
    private static String target(boolean isStatic, String owner, String name, String desc) {
        if (!"(I)V".equals(desc)) {
            return null;
        }
        if (isStatic && "java/lang/System".equals(owner) && "exit".equals(name)) {
            return name;
        }
        if (!isStatic && "java/lang/Runtime".equals(owner) && ("exit".equals(name) || "halt".equals(name))) {
            return name;
        }
        return null;
    }
}
