package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.Checksums;
import io.flipside.core.sql.TableName;
import io.flipside.schema.ChecksumVerdict;
import io.flipside.schema.CutOverAttemptFailed;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationRejected;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.EmbeddedMySql;
import io.flipside.testkit.Schemas;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A server that does not log every change as a whole row with its GTID would let writes past the changelog: a
 * migration submitted to it is rejected with the setting named and no table touched, and a cut-over asked for while
 * such a setting is in force takes no lock and is tried again until it is set back. So with a session that sets its
 * own, while it is connected. A session that logs a change as a statement and has gone by the next check is beyond
 * them; the freeze-point checksum names what it made the new table miss.
 */
class ServerRequirementsIT {
    static final String DB = "srvreq";
    static Flipside f;

    @BeforeAll
    static void start() throws Exception {
        f = Flipside.get();
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DB);
            s.execute("CREATE DATABASE " + DB);
            s.execute("CREATE TABLE srvreq.users (id BIGINT PRIMARY KEY, name VARCHAR(64))");
            s.execute("INSERT INTO srvreq.users VALUES (1, 'a'), (2, 'b'), (3, 'c')");
            s.execute("CREATE TABLE srvreq.later (id BIGINT PRIMARY KEY, name VARCHAR(64))");
            s.execute("INSERT INTO srvreq.later VALUES (1, 'a'), (2, 'b'), (3, 'c')");
            s.execute("CREATE TABLE srvreq.stmt (id BIGINT PRIMARY KEY, name VARCHAR(64))");
            s.execute("INSERT INTO srvreq.stmt VALUES (1, 'a'), (2, 'b'), (3, 'c')");
            s.execute("CREATE TABLE srvreq.sessions (id BIGINT PRIMARY KEY, name VARCHAR(64))");
            s.execute("INSERT INTO srvreq.sessions VALUES (1, 'a'), (2, 'b'), (3, 'c')");
        }
    }

    /** Sets a global binlog setting; only those this test changes, the value as a parameter. */
    static void setGlobal(String name, String value) throws SQLException {
        String sql = switch (name) {
            case "binlog_format" -> "SET GLOBAL binlog_format = ?";
            case "binlog_row_image" -> "SET GLOBAL binlog_row_image = ?";
            case "binlog_row_value_options" -> "SET GLOBAL binlog_row_value_options = ?";
            default -> throw new IllegalArgumentException(name);
        };
        try (Connection c = f.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, value);
            ps.execute();
        }
    }

    /**
     * The users table and any table named after it (a shadow table left behind), each with its definition and a
     * checksum of its columns.
     */
    static List<String> fingerprint() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT TABLE_NAME FROM information_schema.TABLES"
                    + " WHERE TABLE_SCHEMA = '" + DB + "' AND (TABLE_NAME = 'users' OR TABLE_NAME LIKE '\\_users\\_%')"
                    + " ORDER BY TABLE_NAME")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String t : tables) {
                TableName name = new TableName(DB, t);
                try (ResultSet rs = s.executeQuery("SHOW CREATE TABLE " + name.quoted())) {
                    rs.next();
                    out.add(rs.getString(2));
                }
                try (ResultSet rs = s.executeQuery(Checksums.query("it", name, List.of("id", "name")))) {
                    rs.next();
                    out.add(t + " " + rs.getLong(1) + " " + rs.getString(2));
                }
            }
        }
        return out;
    }

    static String definition(String table) throws SQLException {
        try (Connection c = f.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW CREATE TABLE " + new TableName(DB, table).quoted())) {
            rs.next();
            return rs.getString(2);
        }
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({"binlog_row_image, MINIMAL, FULL", "binlog_format, MIXED, ROW",
            "binlog_row_value_options, PARTIAL_JSON, ''"})
    void aMigrationSubmittedToAServerThatDoesNotLogWholeRowsIsRejectedAndChangesNothing(String name, String value,
            String needed) throws Exception {
        List<String> before = fingerprint();
        String reason = name + " is " + value + ", not " + (needed.isEmpty() ? "''" : needed);
        Flipside.Run run;
        setGlobal(name, value);
        try {
            run = f.cli("submit", "--table", DB + ".users", "--alter", "ADD COLUMN extra INT");
        } finally {
            setGlobal(name, needed);
        }
        assertEquals(Main.REJECTED, run.exit(), run.toString());
        assertTrue(run.err().contains(reason), "stderr says " + run.err());
        assertTrue(run.err().contains("Nothing was changed"), run.err());
        assertTrue(JournalReader.all(f.config).stream().anyMatch(e -> e.getPayload() instanceof MigrationRejected r
                && r.getReason().contains(reason)), "the journal records the reason");
        assertEquals(before, fingerprint(), "no table was touched, none created");
    }

    /** Submits ADD COLUMN extra on {@code table} with its cut-over postponed; returns its id once READY. */
    static String ready(OperatorClient client, String table) {
        Flipside.Run r = f.cli("submit", "--table", DB + "." + table, "--alter", "ADD COLUMN extra INT",
                "--postpone-cutover");
        assertEquals(Main.OK, r.exit(), r.toString());
        String id = r.lastLine();
        ConcurrencyIT.await(client, id, MigrationStatus.READY);
        return id;
    }

    /** Asks for the cut-over of {@code id} and waits until it was tried twice and is still to be done. */
    static void cutOverIsTriedAndHeld(FlipsideConfig config, OperatorClient client, String id) throws IOException {
        assertEquals(Main.OK, f.cli(config, "cutover", id).exit());
        MigrationState tried = client.awaitState(id, x -> x.getCutOverAttempts() >= 2, Duration.ofMinutes(1))
                .orElseThrow(() -> new AssertionError("the cut-over was not tried twice: " + client.state(id)));
        assertEquals(MigrationStatus.CUTTING_OVER, tried.getStatus());
    }

    /**
     * Waits for the cut-over of {@code id}, and checks that every attempt refused before it named {@code reason} and
     * took no lock, and that the freeze-point checksums matched.
     */
    static void cutOverAfterAttemptsRefused(FlipsideConfig config, OperatorClient client, String id, String reason) {
        ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
        List<JournalEvent> failed = JournalReader.of(config, id).stream()
                .filter(e -> e.getPayload() instanceof CutOverAttemptFailed).toList();
        assertFalse(failed.isEmpty(), "the refused attempts are journalled");
        for (JournalEvent e : failed) {
            CutOverAttemptFailed a = (CutOverAttemptFailed) e.getPayload();
            assertTrue(a.getReason().contains(reason), a.getReason());
            assertTrue(a.getReason().contains("no locks were taken"), a.getReason());
        }
        assertTrue(client.awaitState(id, x -> !x.getChecksums().isEmpty(), Duration.ofSeconds(60))
                .orElseThrow().getChecksums().get(0).getMatched());
    }

    @Test
    void aCutOverAskedForWhileChangesAreLoggedAsStatementsTakesNoLockAndWaitsForRows() throws Exception {
        try (OperatorClient client = new OperatorClient(f.config)) {
            String id = ready(client, "later");
            setGlobal("binlog_format", "MIXED");
            try {
                cutOverIsTriedAndHeld(f.config, client, id);
                assertFalse(definition("later").contains("`extra`"), "no swap: " + definition("later"));
            } finally {
                setGlobal("binlog_format", "ROW");
            }
            cutOverAfterAttemptsRefused(f.config, client, id, "binlog_format is MIXED, not ROW");
            assertTrue(definition("later").contains("`extra`"), "swapped once set back: " + definition("later"));
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        }
    }

    /**
     * A server that does not log what it applies from a source ({@code log_slave_updates} off) given a replication
     * channel while a migration waits to cut over: the channel may be started at any time, and a write it applies to
     * the table would never reach the changelog, so the cut-over takes no lock and is tried again until the channel is
     * gone. On a server of its own, started so.
     */
    @Test
    void aCutOverOnAServerGivenAChannelWhoseChangesItDoesNotLogTakesNoLockUntilItIsGone(@TempDir Path dir)
            throws Exception {
        TableName t = new TableName("shop", "held");
        try (EmbeddedMySql mysql = EmbeddedMySql.start(dir, 7, List.of("--skip-log-slave-updates"))) {
            try (Connection c = mysql.connect()) {
                ChangelogGapIT.createShop(c, t);
            }
            FlipsideConfig config = Flipside.on(Flipside.isolated(f.config, "lu",
                    UUID.randomUUID().toString().substring(0, 8)), mysql);
            try (Roles roles = Roles.start(config, EnumSet.allOf(Roles.Role.class));
                    OperatorClient client = new OperatorClient(config); Connection c = mysql.connect();
                    Statement s = c.createStatement()) {
                Flipside.Run held = f.cli(config, "submit", "--table", t.toString(), "--alter",
                        "ADD COLUMN extra INT", "--postpone-cutover");
                assertEquals(Main.OK, held.exit(), held.toString());
                String id = held.lastLine();
                ConcurrencyIT.await(client, id, MigrationStatus.READY);
                try (PreparedStatement ps = c.prepareStatement("CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?,"
                        + " MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_AUTO_POSITION = 1")) {
                    ps.setString(1, "source.invalid");
                    ps.setInt(2, 3306);
                    ps.setString(3, "repl");
                    ps.setString(4, "repl");
                    ps.execute(); // not started: what matters is that it may be
                }
                cutOverIsTriedAndHeld(config, client, id);
                assertEquals(List.of("id", "note"), Schemas.columns(c, "shop", "held"),
                        "no swap");
                s.execute("RESET SLAVE ALL");
                cutOverAfterAttemptsRefused(config, client, id, "the server applies transactions replicated from"
                        + " another (the default channel) and does not log them");
                assertEquals(List.of("id", "note", "extra"), Schemas.columns(c, "shop", "held"));
            }
        }
    }

    /**
     * A server restarted with a binary log filter that leaves the table's database out ({@code binlog-ignore-db}) while
     * a migration waits to cut over: its writes to the table no longer reach the changelog, so the cut-over takes no
     * lock and is tried again until the server is restarted without it. On a server of its own.
     */
    @Test
    void aCutOverOnAServerRestartedWithAFilterLeavingItsDatabaseOutTakesNoLockUntilRestartedWithout(
            @TempDir Path dir) throws Exception {
        TableName t = new TableName("shop", "held");
        try (EmbeddedMySql mysql = EmbeddedMySql.start(dir, 9)) {
            try (Connection c = mysql.connect()) {
                ChangelogGapIT.createShop(c, t);
            }
            FlipsideConfig config = Flipside.on(Flipside.isolated(f.config, "bf",
                    UUID.randomUUID().toString().substring(0, 8)), mysql);
            try (Roles roles = Roles.start(config, EnumSet.allOf(Roles.Role.class));
                    OperatorClient client = new OperatorClient(config)) {
                Flipside.Run held = f.cli(config, "submit", "--table", t.toString(), "--alter",
                        "ADD COLUMN extra INT", "--postpone-cutover");
                assertEquals(Main.OK, held.exit(), held.toString());
                String id = held.lastLine();
                ConcurrencyIT.await(client, id, MigrationStatus.READY);
                mysql.restart(List.of("--binlog-ignore-db=shop"));
                cutOverIsTriedAndHeld(config, client, id);
                try (Connection c = mysql.connect()) {
                    assertEquals(List.of("id", "note"), Schemas.columns(c, "shop", "held"), "no swap");
                }
                mysql.restart(List.of());
                cutOverAfterAttemptsRefused(config, client, id, "the binary log leaves out the changes of database"
                        + " shop (binlog-ignore-db names it)");
                try (Connection c = mysql.connect()) {
                    assertEquals(List.of("id", "note", "extra"), Schemas.columns(c, "shop", "held"));
                }
            }
        }
    }

    /**
     * Another client's session that sets its own binlog_format is seen while it is connected (performance_schema):
     * a migration submitted then is rejected naming the session, and a cut-over takes no lock until it has gone. So is
     * one that turns its logging off ({@code sql_log_bin=0}): before, it was not looked for.
     */
    @Test
    void aSessionThatLogsItsOwnChangesAsStatementsIsNamedAndHoldsOffTheSubmitAndTheCutOver() throws Exception {
        try (OperatorClient client = new OperatorClient(f.config)) {
            List<String> before = fingerprint();
            try (Connection app = f.connect(); Statement s = app.createStatement();
                    Connection admin = f.connect(); Statement a = admin.createStatement()) {
                s.execute("SET SESSION binlog_format = 'STATEMENT'");
                a.execute("SET SESSION sql_log_bin = 0");
                Flipside.Run run = f.cli("submit", "--table", DB + ".users", "--alter", "ADD COLUMN extra INT");
                assertEquals(Main.REJECTED, run.exit(), run.toString());
                assertTrue(run.err().contains("session " + connectionId(app) + " of ") && run.err().contains(
                        "has its own binlog_format STATEMENT, not ROW"), "stderr says " + run.err());
                assertTrue(run.err().contains("session " + connectionId(admin) + " of ") && run.err().contains(
                        "has its own sql_log_bin OFF, not ON: a change not logged never reaches the changelog"),
                        run.err());
                assertTrue(run.err().contains("Nothing was changed"), run.err());
            }
            assertEquals(before, fingerprint(), "no table was touched, none created");

            String id = ready(client, "sessions");
            String named;
            try (Connection app = f.connect(); Statement s = app.createStatement()) {
                s.execute("SET SESSION binlog_format = 'STATEMENT'");
                named = "session " + connectionId(app) + " of ";
                cutOverIsTriedAndHeld(f.config, client, id);
                assertFalse(definition("sessions").contains("`extra`"), "no swap: " + definition("sessions"));
            }
            ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            List<JournalEvent> failed = JournalReader.of(f.config, id).stream()
                    .filter(e -> e.getPayload() instanceof CutOverAttemptFailed).toList();
            assertTrue(failed.size() >= 2, "the refused attempts are journalled: " + failed);
            for (JournalEvent e : failed.subList(0, 2)) {
                CutOverAttemptFailed a = (CutOverAttemptFailed) e.getPayload();
                assertTrue(a.getReason().contains(named) && a.getReason().contains("no locks were taken"),
                        a.getReason());
            }
            assertTrue(LossyRevertIT.awaitVerdict(id, "CUT_OVER").getMatched(), "nothing was missed");
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        }
    }

    static long connectionId(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * What the checks cannot see (README, Limitations): a writer session that logs its own change as a statement and
     * has gone by the next check, and one that does not log it at all ({@code sql_log_bin=0}). Their changes never
     * reach the changelog; the freeze-point checksum says so, naming the rows, and a revert serves the old table,
     * which has them.
     */
    @Test
    void aWriterThatLogsItsChangeAsAStatementOrNotAtAllIsNamedByTheFreezePointChecksum() throws Exception {
        try (OperatorClient client = new OperatorClient(f.config)) {
            String id = ready(client, "stmt");
            try (Connection c = f.connect(); Statement s = c.createStatement()) {
                s.execute("SET SESSION binlog_format = 'STATEMENT'");
                assertEquals(1, s.executeUpdate("UPDATE srvreq.stmt SET name = 'changed' WHERE id = 2"));
            }
            try (Connection c = f.connect(); Statement s = c.createStatement()) {
                s.execute("SET SESSION sql_log_bin = 0");
                assertEquals(1, s.executeUpdate("UPDATE srvreq.stmt SET name = 'unlogged' WHERE id = 3"));
            }
            assertEquals(Main.OK, f.cli("cutover", id).exit());
            ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            ChecksumVerdict v = LossyRevertIT.awaitVerdict(id, "CUT_OVER");
            assertFalse(v.getMatched(), v.toString());
            assertEquals(List.of("key 2", "key 3", "replaced table: key 2", "replaced table: key 3"),
                    v.getDifferences(), v.toString());
            assertEquals("b", name(2), "the new table missed the change");
            assertEquals("c", name(3), "and the one never logged");
            assertEquals(Main.OK, f.cli("revert", id).exit());
            ConcurrencyIT.await(client, id, MigrationStatus.REVERTED);
            assertEquals("changed", name(2), "the old table has it");
            assertEquals("unlogged", name(3), "and the one never logged");
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        }
    }

    static String name(long id) throws SQLException {
        try (Connection c = f.connect();
                PreparedStatement ps = c.prepareStatement("SELECT name FROM srvreq.stmt WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
