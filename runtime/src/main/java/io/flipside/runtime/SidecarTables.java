package io.flipside.runtime;

import io.flipside.core.sql.SidecarSchema;
import io.flipside.core.sql.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Creates the sidecar's tables where missing and adds the columns later builds added to them: the capture (before it
 * first reads the binlog, and before it writes a marker row) and the applier (before it writes any) each do, so
 * that either may be the first of a new build to start on an earlier build's sidecar.
 */
public final class SidecarTables {
    /** MySQL's ER_DUP_FIELDNAME: the column is already there. */
    private static final int DUPLICATE_COLUMN = 1060;

    private SidecarTables() {}

    public static void ensure(Connection c, String database) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String ddl : SidecarSchema.create(database)) {
                s.execute(ddl);
            }
            for (List<String> added : SidecarSchema.ADDED_COLUMNS) {
                if (!hasColumn(c, database, added.get(0), added.get(1))) {
                    try {
                        s.execute("ALTER TABLE " + Sql.qualified(database, added.get(0)) + " ADD COLUMN "
                                + added.get(2));
                    } catch (SQLException e) {
                        if (e.getErrorCode() != DUPLICATE_COLUMN) { // else another role added it meanwhile
                            throw e;
                        }
                    }
                }
            }
        }
    }

    private static boolean hasColumn(Connection c, String database, String table, String column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?"
                + " AND TABLE_NAME = ? AND COLUMN_NAME = ?")) {
            ps.setString(1, database);
            ps.setString(2, table);
            ps.setString(3, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
