package io.flipside.testkit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** What tests ask of InnoDB's row locks, read from performance_schema. */
public final class RowLocks {
    private RowLocks() {}

    /** How many transactions wait for a row lock on {@code schema.table}. */
    public static long waiting(Connection c, String schema, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(DISTINCT w.REQUESTING_ENGINE_TRANSACTION_ID)"
                + " FROM performance_schema.data_lock_waits w JOIN performance_schema.data_locks l"
                + " ON l.ENGINE_LOCK_ID = w.REQUESTING_ENGINE_LOCK_ID WHERE l.OBJECT_SCHEMA = ? AND l.OBJECT_NAME = ?")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
