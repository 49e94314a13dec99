package dev.diffusionlab.core;

/**
 * A failure the user can fix: a bad file, key, argument or size. The message names where (file, key or
 * option), the value and what was expected, in one line; {@code ./dlab} prints it alone and exits 2.
 * It is an {@link IllegalArgumentException}, so code that already catches those keeps working.
 */
public class UserInputException extends IllegalArgumentException {
    public UserInputException(String message) {
        super(message);
    }

    public UserInputException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code "<where>: <what> = <value>: expected <expected>"}. */
    public static UserInputException of(String where, String what, Object value, String expected) {
        return new UserInputException(where + ": " + what + " = " + value + ": expected " + expected);
    }
}
