package io.flipside.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ServerRequirementsTest {

    /** A server set as Flipside needs, as MySQL 8.0 reports it. */
    static Map<String, String> fit() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("log_bin", "1");
        v.put("gtid_mode", "ON");
        v.put("enforce_gtid_consistency", "ON");
        v.put("binlog_format", "ROW");
        v.put("binlog_row_image", "FULL");
        v.put("session binlog_format", "ROW");
        v.put("session binlog_row_image", "FULL");
        v.put("session sql_log_bin", "ON");
        v.put("binlog_row_value_options", "");
        v.put("session binlog_row_value_options", "");
        return v;
    }

    @Test
    void aServerSetAsNeededLacksNothing() {
        assertEquals(List.of(), ServerRequirements.unmet(fit()));
    }

    @Test
    void eachUnmetSettingIsNamedWithItsValueAndWhy() {
        Map<String, String> v = fit();
        v.put("log_bin", "0");
        v.put("gtid_mode", "OFF_PERMISSIVE");
        v.put("enforce_gtid_consistency", "WARN");
        v.put("binlog_format", "MIXED");
        v.put("session binlog_format", "MIXED");
        v.put("binlog_row_image", "MINIMAL");
        v.put("session binlog_row_image", "MINIMAL");
        List<String> unmet = ServerRequirements.unmet(v);
        assertEquals(5, unmet.size(), unmet.toString());
        assertTrue(unmet.get(0).startsWith("the binary log is off (log_bin)"), unmet.get(0));
        assertTrue(unmet.get(1).startsWith("gtid_mode is OFF_PERMISSIVE, not ON: "), unmet.get(1));
        assertTrue(unmet.get(2).startsWith("enforce_gtid_consistency is WARN, not ON"), unmet.get(2));
        assertTrue(unmet.get(3).startsWith("binlog_format is MIXED, not ROW: a change logged as a statement"),
                unmet.get(3));
        assertTrue(unmet.get(4).startsWith("binlog_row_image is MINIMAL, not FULL"), unmet.get(4));
        assertTrue(ServerRequirements.describe(unmet).startsWith("MySQL is not configured as Flipside needs: the"
                + " binary log is off"), ServerRequirements.describe(unmet));
    }

    @Test
    void flipsidesOwnSessionsMustLogAsTheApplicationsDo() {
        Map<String, String> v = fit();
        v.put("session binlog_format", "STATEMENT");
        List<String> unmet = ServerRequirements.unmet(v);
        assertEquals(1, unmet.size(), unmet.toString());
        assertTrue(unmet.get(0).startsWith("binlog_format is STATEMENT in Flipside's own sessions (ROW globally)"),
                unmet.get(0));
    }

    @Test
    void flipsidesOwnSessionsMustBeLogged() {
        Map<String, String> v = fit();
        v.put("session sql_log_bin", "OFF");
        assertEquals(List.of("sql_log_bin is OFF in Flipside's own sessions: its markers must be logged as the"
                + " applications' changes are; see mysql.jdbc.options and the server's init_connect"),
                ServerRequirements.unmet(v));
    }

    @Test
    void aSessionOpenedBeforeAGlobalChangeDoesNotAddASecondSentence() {
        Map<String, String> v = fit();
        v.put("binlog_format", "MIXED");
        List<String> unmet = ServerRequirements.unmet(v);
        assertEquals(1, unmet.size(), unmet.toString());
        assertTrue(unmet.get(0).startsWith("binlog_format is MIXED, not ROW"), unmet.get(0));
    }

    @Test
    void anotherSessionIsNamedWithItsUserHostValueAndWhy() {
        String s = ServerRequirements.sessionUnmet(57, "app", "10.0.0.5", "binlog_format", "STATEMENT");
        assertEquals("session 57 of app@10.0.0.5 has its own binlog_format STATEMENT, not ROW: a change logged as a"
                + " statement never reaches the changelog, and would be missing from the new table (end the session,"
                + " or have it set binlog_format back)", s);
        assertTrue(ServerRequirements.sessionUnmet(58, "app", "h", "binlog_row_image", "MINIMAL")
                .startsWith("session 58 of app@h has its own binlog_row_image MINIMAL, not FULL: the changelog must"));
        assertEquals("session 59 of admin@h has its own sql_log_bin OFF, not ON: a change not logged never reaches"
                + " the changelog, and would be missing from the new table (end the session, or have it set"
                + " sql_log_bin back)", ServerRequirements.sessionUnmet(59, "admin", "h", "sql_log_bin", "OFF"));
    }

    @Test
    void beyondFiveSessionsTheRestAreCounted() {
        List<String> seven = IntStream.rangeClosed(1, 7).mapToObj(i -> "session " + i).toList();
        assertEquals(List.of("session 1", "session 2", "session 3", "session 4", "session 5",
                "and 2 more like these"), ServerRequirements.named(seven));
        assertEquals(seven.subList(0, 5), ServerRequirements.named(seven.subList(0, 5)));
    }

    @Test
    void aDatabaseTheBinaryLogLeavesOutIsNamed() {
        List<String> dbs = List.of("app", "_flipside");
        assertEquals(List.of(), ServerRequirements.unlogged(null, null, dbs), "no filter");
        assertEquals(List.of(), ServerRequirements.unlogged("", "", dbs), "empty filters");
        assertEquals(List.of(), ServerRequirements.unlogged("", "other,more", dbs), "others ignored");
        assertEquals(List.of("the binary log leaves out the changes of database app (binlog-ignore-db names it): the"
                + " capture would never see them"), ServerRequirements.unlogged("", "other,app", dbs));
        assertEquals(1, ServerRequirements.unlogged("", "APP", dbs).size(), "a doubt of case counts as left out");
        assertEquals(List.of(), ServerRequirements.unlogged("app,_flipside", "", dbs), "both named");
        assertEquals(List.of("the binary log leaves out the changes of database _flipside (binlog-do-db names only"
                + " app): the capture would never see them"), ServerRequirements.unlogged("app", "", dbs));
        assertEquals(List.of(), ServerRequirements.unlogged("app,_flipside", "app", dbs),
                "with binlog-do-db, binlog-ignore-db is not looked at (MySQL's rule for row events)");
        assertEquals(2, ServerRequirements.unlogged("App,_Flipside", "", dbs).size(),
                "a doubt of case counts as left out");
    }

    @Test
    void jsonUpdatesLoggedInPartAreNamed() {
        Map<String, String> v = fit();
        v.put("binlog_row_value_options", "PARTIAL_JSON");
        List<String> unmet = ServerRequirements.unmet(v);
        assertEquals(1, unmet.size(), unmet.toString());
        assertTrue(unmet.get(0).startsWith("binlog_row_value_options is PARTIAL_JSON, not '': an update of a JSON"
                + " column logged in part"), unmet.get(0));
        v = fit();
        v.put("session binlog_row_value_options", "PARTIAL_JSON");
        unmet = ServerRequirements.unmet(v);
        assertEquals(List.of("binlog_row_value_options is PARTIAL_JSON in Flipside's own sessions ('' globally): its"
                + " markers must be logged as the applications' changes are; see mysql.jdbc.options and the server's"
                + " init_connect"), unmet);
        assertTrue(ServerRequirements.sessionUnmet(7, "app", "host", "binlog_row_value_options", "PARTIAL_JSON")
                .startsWith("session 7 of app@host has its own binlog_row_value_options PARTIAL_JSON, not '': "));
    }

    @Test
    void aReplicaThatDoesNotLogWhatItAppliesIsNamed() {
        assertEquals(List.of("the server applies transactions replicated from another (the default channel, channel"
                + " east) and does not log them (log_replica_updates, log_slave_updates before 8.0.26, is OFF, not"
                + " ON): a change that reaches the table by replication would never reach the capture, and would be"
                + " missing from the new table"), ServerRequirements.unloggedReplication(List.of("", "east"), "OFF"));
        assertEquals(List.of(), ServerRequirements.unloggedReplication(List.of(""), "ON"));
        assertEquals(List.of(), ServerRequirements.unloggedReplication(List.of(), "OFF"), "replicates from none");
    }
}
