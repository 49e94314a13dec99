package dev.diffusionlab.kernel;

/**
 * Carries a throwable from user code that is not a RuntimeException (checked exceptions, Errors such as
 * OutOfMemoryError) out of {@link JShellEngine#eval}. RuntimeExceptions are rethrown as they are.
 */
public final class UserCodeException extends RuntimeException {
    UserCodeException(Throwable userThrowable) {
        super(userThrowable.toString(), userThrowable, false, false);
    }

    static RuntimeException of(Throwable t) {
        return t instanceof RuntimeException r ? r : new UserCodeException(t);
    }

    /** The exception as the user's code threw it. */
    public static Throwable unwrap(Throwable t) {
        return t instanceof UserCodeException ? t.getCause() : t;
    }
}
