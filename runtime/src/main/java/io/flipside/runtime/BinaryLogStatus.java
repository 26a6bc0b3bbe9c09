package io.flipside.runtime;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;

/**
 * The statement that shows the binary log's status (its file and position, its filters, the GTIDs executed): MySQL
 * 8.2 named it {@code SHOW BINARY LOG STATUS} and 8.4 removed the older {@code SHOW MASTER STATUS}, which earlier
 * releases alone know. Both take REPLICATION CLIENT and show the same columns.
 */
public final class BinaryLogStatus {
    private BinaryLogStatus() {}

    /** The statement for the server at {@code c}, by the release mysql-connector-j read when it connected. */
    public static String statement(Connection c) throws SQLException {
        DatabaseMetaData m = c.getMetaData();
        return statement(m.getDatabaseMajorVersion(), m.getDatabaseMinorVersion());
    }

    static String statement(int major, int minor) {
        return major > 8 || major == 8 && minor >= 2 ? "SHOW BINARY LOG STATUS" : "SHOW MASTER STATUS";
    }
}
