package io.flipside.runtime;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The bounds a server may put on its sessions' SELECTs against runaway queries, lifted for Flipside's own:
 * {@code max_execution_time} cuts a SELECT short, and the copy's and the checksums' reads of a large table take as long
 * as they take; {@code sql_select_limit} returns at most so many rows, and the apply reads which keys of a batch the
 * table still has (each one not returned is deleted from the other table), the capture a table's unique key columns,
 * and Debezium the tables and columns it decodes rows with.
 */
public final class SessionLimits {
    private SessionLimits() {}

    /**
     * The statement (no semicolon: Debezium's {@code database.initial.statements} takes it too); sql_select_limit's
     * own default is no limit, the largest unsigned 64-bit number.
     */
    public static final String LIFT =
            "SET SESSION max_execution_time = 0, SESSION sql_select_limit = 18446744073709551615";

    /** Lifts them for the session of {@code c}. */
    public static void lift(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(LIFT);
        }
    }
}
