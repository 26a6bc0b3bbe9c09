package io.flipside.core.ddl;

/** An ALTER clause list that Flipside refuses before MySQL sees it; the message is for the operator. */
public final class InvalidAlterException extends IllegalArgumentException {
    public InvalidAlterException(String message) {
        super(message);
    }
}
