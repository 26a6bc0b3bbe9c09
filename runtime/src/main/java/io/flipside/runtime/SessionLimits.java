package io.flipside.runtime;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The bounds a server may put on its sessions against runaway queries and leaked connections, lifted for Flipside's
 * own: {@code max_execution_time} cuts a SELECT short, and the copy's and the checksums' reads of a large table take as
 * long as they take; {@code sql_select_limit} returns at most so many rows, and the apply reads which keys of a batch
 * the table still has (each one not returned is deleted from the other table), the capture a table's unique key
 * columns, and Debezium the tables and columns it decodes rows with; {@code wait_timeout} closes idle sessions early,
 * and a migration waiting for its cut-over idles by design, as do Debezium's sessions while it streams (kept at least
 * at MySQL's default of 8 hours).
 */
public final class SessionLimits {
    private SessionLimits() {}

    /**
     * The statement (no semicolon: Debezium's {@code database.initial.statements} takes it too); sql_select_limit's
     * own default is no limit, the largest unsigned 64-bit number; wait_timeout takes no expression but an integer's
     * (GREATEST of it and a number is refused without the CAST).
     */
    public static final String LIFT = "SET SESSION max_execution_time = 0, SESSION sql_select_limit ="
            + " 18446744073709551615, SESSION wait_timeout = CAST(GREATEST(@@GLOBAL.wait_timeout, 28800) AS UNSIGNED)";

    /** Lifts them for the session of {@code c}. */
    public static void lift(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(LIFT);
        }
    }
}
