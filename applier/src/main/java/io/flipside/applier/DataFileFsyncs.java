package io.flipside.applier;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;

/**
 * InnoDB's fsyncs of data files in flight, from {@code SHOW GLOBAL STATUS} (which needs no privilege). A RENAME TABLE
 * that meets the page cleaner's fsync of the table's file waits for it; a swap waits for none to be in flight before it
 * takes its locks.
 */
final class DataFileFsyncs {
    static final String ALL = "Innodb_data_pending_fsyncs";
    static final String REDO_LOG = "Innodb_os_log_pending_fsyncs";

    private DataFileFsyncs() {}

    /** The two counters, by name; a server that lacks one (not InnoDB's) lacks it here too. */
    static Map<String, Long> status(Statement s) throws SQLException {
        Map<String, Long> status = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        try (ResultSet rs = s.executeQuery("SHOW GLOBAL STATUS LIKE 'Innodb_%pending_fsyncs'")) {
            while (rs.next()) {
                status.put(rs.getString(1), rs.getLong(2));
            }
        }
        return status;
    }

    /** InnoDB's count of fsyncs in flight includes the redo log's: those of data files are the difference. */
    static long inFlight(Map<String, Long> status) {
        return Math.max(0, status.getOrDefault(ALL, 0L) - status.getOrDefault(REDO_LOG, 0L));
    }

    static long inFlight(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            return inFlight(status(s));
        }
    }
}
