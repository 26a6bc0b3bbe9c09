package io.flipside.runtime;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The binary log settings without which Flipside would lose writes, read from the server: every change of a migrated
 * table must reach the changelog as a row event carrying the whole row, tagged with its GTID. The global values are
 * what the applications' new sessions get; Flipside's own session's values are checked too, since its markers travel
 * the same way, and so are the other sessions' (a session may set its own binlog_format, or turn its logging off with
 * sql_log_bin), where the user may read them from performance_schema. Flipside never changes them itself: they
 * concern every application on the server.
 */
public final class ServerRequirements {
    private ServerRequirements() {}

    private static final String QUERY = "SELECT @@GLOBAL.log_bin, @@GLOBAL.gtid_mode,"
            + " @@GLOBAL.enforce_gtid_consistency, @@GLOBAL.binlog_format, @@GLOBAL.binlog_row_image,"
            + " @@SESSION.binlog_format, @@SESSION.binlog_row_image, @@SESSION.sql_log_bin,"
            + " @@GLOBAL.binlog_row_value_options, @@SESSION.binlog_row_value_options";

    /**
     * A setting, the value Flipside needs, why; {@code perSession} when a session can change it for itself,
     * {@code global} unless it has no global value.
     */
    private record Setting(String name, String wanted, boolean perSession, boolean global, String why) {
        Setting(String name, String wanted, boolean perSession, String why) {
            this(name, wanted, perSession, true, why);
        }
    }

    private static final List<Setting> SETTINGS = List.of(
            new Setting("gtid_mode", "ON", false, "changes are ordered, and the freeze placed, by their GTIDs"),
            new Setting("enforce_gtid_consistency", "ON", false, "gtid_mode=ON requires it"),
            new Setting("binlog_format", "ROW", true, "a change logged as a statement never reaches the changelog,"
                    + " and would be missing from the new table"),
            new Setting("binlog_row_image", "FULL", true, "the changelog must carry whole rows (the key the tables"
                    + " share need not be the primary key, and the capture's Debezium refuses any other image)"),
            new Setting("sql_log_bin", "ON", true, false, "a change not logged never reaches the changelog, and would"
                    + " be missing from the new table"),
            new Setting("binlog_row_value_options", "", true, "an update of a JSON column logged in part"
                    + " (PARTIAL_JSON, which MySQL honours with a full row image too) is an event the capture's"
                    + " Debezium does not read: it never reaches the changelog, and would be missing from the new"
                    + " table"));

    private static final List<Setting> PER_SESSION = SETTINGS.stream().filter(Setting::perSession).toList();

    /** At most this many other sessions are named; the rest are counted. */
    static final int SESSIONS_NAMED = 5;

    /**
     * The other clients' sessions (not binlog readers) whose own value of a per-session setting is not the one
     * Flipside needs, one row per session and setting.
     */
    private static final String SESSIONS_QUERY = "SELECT t.PROCESSLIST_ID, t.PROCESSLIST_USER, t.PROCESSLIST_HOST,"
            + " v.VARIABLE_NAME, v.VARIABLE_VALUE FROM performance_schema.variables_by_thread v"
            + " JOIN performance_schema.threads t ON t.THREAD_ID = v.THREAD_ID"
            + " WHERE t.PROCESSLIST_ID IS NOT NULL AND t.PROCESSLIST_ID <> CONNECTION_ID()"
            + " AND COALESCE(t.PROCESSLIST_COMMAND, '') NOT LIKE 'Binlog Dump%' AND ("
            + String.join(" OR ", Collections.nCopies(PER_SESSION.size(),
                    "(v.VARIABLE_NAME = ? AND UPPER(v.VARIABLE_VALUE) <> ?)"))
            + ") ORDER BY t.PROCESSLIST_ID, v.VARIABLE_NAME";

    /** MySQL's error for a table the user may not read (ER_TABLEACCESS_DENIED_ERROR). */
    private static final int TABLE_ACCESS_DENIED = 1142;

    /**
     * What the server at {@code c} lacks, one sentence each; empty when it has everything. Other sessions are looked
     * at only when the global settings and Flipside's own are right, and only where {@link #otherSessions} can.
     */
    public static List<String> unmet(Connection c) throws SQLException {
        List<String> out = unmet(settings(c));
        if (out.isEmpty()) {
            out.addAll(otherSessions(c).orElse(List.of()));
        }
        return out;
    }

    /**
     * The other clients' sessions that would log a change otherwise than the server does (a session may set its own
     * binlog_format and binlog_row_image), named up to {@link #SESSIONS_NAMED}; empty when they cannot be seen:
     * performance_schema is off, or the user may not read its threads and variables_by_thread.
     */
    public static Optional<List<String>> otherSessions(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@GLOBAL.performance_schema")) {
            if (!rs.next() || !rs.getBoolean(1)) {
                return Optional.empty(); // off since the server started: its tables are there, and empty
            }
        }
        List<String> found = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(SESSIONS_QUERY)) {
            int i = 1;
            for (Setting setting : PER_SESSION) {
                ps.setString(i++, setting.name());
                ps.setString(i++, setting.wanted());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(sessionUnmet(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5)));
                }
            }
        } catch (SQLException e) {
            if (e.getErrorCode() == TABLE_ACCESS_DENIED) {
                return Optional.empty();
            }
            throw e;
        }
        return Optional.of(named(found));
    }

    /** The first {@link #SESSIONS_NAMED} of {@code found}, and how many more there are. */
    static List<String> named(List<String> found) {
        if (found.size() <= SESSIONS_NAMED) {
            return found;
        }
        List<String> out = new ArrayList<>(found.subList(0, SESSIONS_NAMED));
        out.add("and " + (found.size() - SESSIONS_NAMED) + " more like these");
        return out;
    }

    /** One other session's setting that is not what Flipside needs, in a sentence. */
    static String sessionUnmet(long id, String user, String host, String name, String value) {
        Setting setting = SETTINGS.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
        return "session " + id + " of " + user + "@" + host + " has its own " + name + " " + shown(value)
                + ", not " + shown(setting.wanted()) + ": " + setting.why() + " (end the session, or have it set "
                + name + " back)";
    }

    private static Map<String, String> settings(Connection c) throws SQLException {
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
            values.put("session sql_log_bin", rs.getBoolean(8) ? "ON" : "OFF");
            values.put("binlog_row_value_options", rs.getString(9));
            values.put("session binlog_row_value_options", rs.getString(10));
        }
        return values;
    }

    /** What the global settings and Flipside's own session's lack, from the values read by {@code settings}. */
    static List<String> unmet(Map<String, String> v) {
        List<String> out = new ArrayList<>();
        if (!"1".equals(v.get("log_bin")) && !"ON".equalsIgnoreCase(v.get("log_bin"))) {
            out.add("the binary log is off (log_bin): the capture reads every change from it");
        }
        for (Setting setting : SETTINGS) {
            String global = v.get(setting.name());
            String own = v.get("session " + setting.name());
            if (setting.global() && !setting.wanted().equalsIgnoreCase(global)) {
                out.add(setting.name() + " is " + shown(global) + ", not " + shown(setting.wanted()) + ": "
                        + setting.why());
            } else if (setting.perSession() && !setting.wanted().equalsIgnoreCase(own)) {
                // Only when the global value is right: a session opened before a global change keeps the old value.
                out.add(setting.name() + " is " + shown(own) + " in Flipside's own sessions"
                        + (setting.global() ? " (" + shown(global) + " globally)" : "") + ": its markers must be"
                        + " logged as the applications' changes are; see mysql.jdbc.options and the server's"
                        + " init_connect");
            }
        }
        return out;
    }

    /**
     * {@link #unmet(Connection)}, and the binary log's filters that leave out one of {@code databases} (where they can
     * be seen: {@link #unloggedDatabases}).
     */
    public static List<String> unmet(Connection c, List<String> databases) throws SQLException {
        List<String> out = new ArrayList<>(unmet(c));
        out.addAll(unloggedDatabases(c, databases).orElse(List.of()));
        out.addAll(unloggedReplication(c).orElse(List.of()));
        return out;
    }

    /** The server's replication channels, and whether it logs what they apply (both names of the setting). */
    private static final String CHANNELS_QUERY = "SELECT CHANNEL_NAME FROM"
            + " performance_schema.replication_applier_status ORDER BY CHANNEL_NAME";
    private static final String LOGS_REPLICATED_QUERY = "SELECT VARIABLE_VALUE FROM performance_schema.global_variables"
            + " WHERE VARIABLE_NAME IN ('log_replica_updates', 'log_slave_updates')";

    /**
     * A server that applies another's transactions (a replication channel is configured, started or not) and does not
     * log them ({@code log_slave_updates}, {@code log_replica_updates} from 8.0.26, OFF): a change that reaches the
     * table by replication never reaches the binary log, so the capture never sees it, and the new table would miss
     * it. In one sentence; empty when the server logs them or replicates from none. Empty optional when it cannot be
     * read: performance_schema is off, or the user may not read {@code replication_applier_status}.
     */
    public static Optional<List<String>> unloggedReplication(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@GLOBAL.performance_schema")) {
            if (!rs.next() || !rs.getBoolean(1)) {
                return Optional.empty();
            }
        }
        List<String> channels = new ArrayList<>();
        String logged = null;
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery(CHANNELS_QUERY)) {
                while (rs.next()) {
                    channels.add(rs.getString(1));
                }
            }
            try (ResultSet rs = s.executeQuery(LOGS_REPLICATED_QUERY)) {
                if (rs.next()) {
                    logged = rs.getString(1);
                }
            }
        } catch (SQLException e) {
            if (e.getErrorCode() == TABLE_ACCESS_DENIED) {
                return Optional.empty();
            }
            throw e;
        }
        return Optional.of(unloggedReplication(channels, logged));
    }

    /** {@link #unloggedReplication(Connection)}'s rule, from the channels' names and the setting's value. */
    static List<String> unloggedReplication(List<String> channels, String logged) {
        if (channels.isEmpty() || "ON".equalsIgnoreCase(logged) || "1".equals(logged)) {
            return List.of();
        }
        String named = channels.stream().map(n -> n.isEmpty() ? "the default channel" : "channel " + n)
                .collect(java.util.stream.Collectors.joining(", "));
        return List.of("the server applies transactions replicated from another (" + named + ") and does not log them"
                + " (log_replica_updates, log_slave_updates before 8.0.26, is " + shown(logged) + ", not ON): a change"
                + " that reaches the table by replication would never reach the capture, and would be missing from"
                + " the new table");
    }

    /** MySQL's error for a statement that needs a privilege the user lacks (ER_SPECIFIC_ACCESS_DENIED_ERROR). */
    private static final int SPECIFIC_ACCESS_DENIED = 1227;

    /**
     * Which of {@code databases} the server leaves out of its binary log, one sentence each: its startup options
     * {@code binlog-do-db} and {@code binlog-ignore-db}, which the binary log's status shows
     * ({@link BinaryLogStatus}), filter a row change by its table's database, so the capture never sees a change of
     * one left out, and the new table would miss every write made to it while the migration runs. Empty when that
     * status is refused (it takes REPLICATION CLIENT).
     */
    public static Optional<List<String>> unloggedDatabases(Connection c, List<String> databases) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(BinaryLogStatus.statement(c))) {
            if (!rs.next()) {
                return Optional.of(List.of()); // the binary log is off, which unmet() says
            }
            return Optional.of(unlogged(rs.getString("Binlog_Do_DB"), rs.getString("Binlog_Ignore_DB"), databases));
        } catch (SQLException e) {
            if (e.getErrorCode() == SPECIFIC_ACCESS_DENIED) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * MySQL's rule for a row change: with any {@code binlog-do-db}, only the databases it names are logged; else the
     * databases {@code binlog-ignore-db} names are not. Names are compared as written, and, where that would log a
     * database, also ignoring case (a server whose names are not case-sensitive): a doubt counts as not logged.
     */
    static List<String> unlogged(String doDbs, String ignoreDbs, List<String> databases) {
        List<String> doList = names(doDbs);
        List<String> ignoreList = names(ignoreDbs);
        List<String> out = new ArrayList<>();
        for (String db : databases) {
            if (!doList.isEmpty() && !doList.contains(db)) {
                out.add("the binary log leaves out the changes of database " + db + " (binlog-do-db names only "
                        + String.join(", ", doList) + "): the capture would never see them");
            } else if (doList.isEmpty() && ignoreList.stream().anyMatch(db::equalsIgnoreCase)) {
                out.add("the binary log leaves out the changes of database " + db + " (binlog-ignore-db names it):"
                        + " the capture would never see them");
            }
        }
        return out;
    }

    private static List<String> names(String list) {
        if (list == null || list.isBlank()) {
            return List.of();
        }
        return java.util.Arrays.stream(list.split(",")).map(String::strip).filter(n -> !n.isEmpty()).toList();
    }

    /** A setting's value as a message shows it: an empty one as {@code ''}. */
    private static String shown(String value) {
        return value == null || value.isEmpty() ? "''" : value;
    }

    /** What is unmet, in one sentence for a rejection or a log line. */
    public static String describe(List<String> unmet) {
        return "MySQL is not configured as Flipside needs: " + String.join("; ", unmet);
    }
}
