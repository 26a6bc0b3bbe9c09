package io.flipside.core.mapping;

/** A migration that cannot be planned; the message says why, for the operator. */
public final class PlanException extends Exception {
    public PlanException(String message) {
        super(message);
    }
}
