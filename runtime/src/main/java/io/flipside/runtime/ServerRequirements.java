package io.flipside.runtime;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary log settings without which Flipside would lose writes, read from the server: every change of a migrated
 * table must reach the changelog as a row event carrying the whole row, tagged with its GTID. The global values are
 * what the applications' new sessions get; Flipside's own session's values are checked too, since its markers travel
 * the same way. Flipside never changes them itself: they concern every application on the server.
 */
public final class ServerRequirements {
    private ServerRequirements() {}

    private static final String QUERY = "SELECT @@GLOBAL.log_bin, @@GLOBAL.gtid_mode,"
            + " @@GLOBAL.enforce_gtid_consistency, @@GLOBAL.binlog_format, @@GLOBAL.binlog_row_image,"
            + " @@SESSION.binlog_format, @@SESSION.binlog_row_image";

    /** A setting, the value Flipside needs, why; {@code perSession} when a session can change it for itself. */
    private record Setting(String name, String wanted, boolean perSession, String why) {}

    private static final List<Setting> SETTINGS = List.of(
            new Setting("gtid_mode", "ON", false, "changes are ordered, and the freeze placed, by their GTIDs"),
            new Setting("enforce_gtid_consistency", "ON", false, "gtid_mode=ON requires it"),
            new Setting("binlog_format", "ROW", true, "a change logged as a statement never reaches the changelog,"
                    + " and would be missing from the new table"),
            new Setting("binlog_row_image", "FULL", true, "the changelog must carry whole rows (the key the tables"
                    + " share need not be the primary key, and the capture's Debezium refuses any other image)"));

    /** What the server at {@code c} lacks, one sentence each; empty when it has everything. */
    public static List<String> unmet(Connection c) throws SQLException {
        Map<String, String> values = new LinkedHashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(QUERY)) {
            rs.next();
            values.put("log_bin", rs.getString(1));
            values.put("gtid_mode", rs.getString(2));
            values.put("enforce_gtid_consistency", rs.getString(3));
            values.put("binlog_format", rs.getString(4));
            values.put("binlog_row_image", rs.getString(5));
            values.put("session binlog_format", rs.getString(6));
            values.put("session binlog_row_image", rs.getString(7));
        }
        return unmet(values);
    }

    /** The same from the values read (keys as in {@link #unmet(Connection)}); for tests. */
    static List<String> unmet(Map<String, String> v) {
        List<String> out = new ArrayList<>();
        if (!"1".equals(v.get("log_bin")) && !"ON".equalsIgnoreCase(v.get("log_bin"))) {
            out.add("the binary log is off (log_bin): the capture reads every change from it");
        }
        for (Setting setting : SETTINGS) {
            String global = v.get(setting.name());
            if (!setting.wanted().equalsIgnoreCase(global)) {
                out.add(setting.name() + " is " + global + ", not " + setting.wanted() + ": " + setting.why());
            } else if (setting.perSession() && !setting.wanted().equalsIgnoreCase(v.get("session " + setting.name()))) {
                // Only when the global value is right: a session opened before a global change keeps the old value.
                out.add(setting.name() + " is " + v.get("session " + setting.name()) + " in Flipside's own sessions ("
                        + global + " globally): its markers must be logged as the applications' changes are; see"
                        + " mysql.jdbc.options and the server's init_connect");
            }
        }
        return out;
    }

    /** What is unmet, in one sentence for a rejection or a log line. */
    public static String describe(List<String> unmet) {
        return "MySQL is not configured as Flipside needs: " + String.join("; ", unmet);
    }
}
