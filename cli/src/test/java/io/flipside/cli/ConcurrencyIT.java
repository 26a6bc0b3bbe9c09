package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.schema.CutOverAttemptFailed;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Migrations side by side, and a cut-over that meets a long transaction. */
class ConcurrencyIT {
    static Flipside f;

    @BeforeAll
    static void start() throws Exception {
        f = Flipside.get();
    }

    static TableName usersTable(String db, String table, int rows) throws Exception {
        TableName t = new TableName(db, table);
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS " + Sql.ident(db));
            s.execute("DROP TABLE IF EXISTS " + t.quoted());
            s.execute("CREATE TABLE " + t.quoted() + " (id BIGINT PRIMARY KEY, name VARCHAR(64), title VARCHAR(64))");
            s.execute("SET SESSION cte_max_recursion_depth = " + (rows + 1));
            s.execute("INSERT INTO " + t.quoted() + " WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL"
                    + " SELECT n + 1 FROM seq WHERE n < " + rows + ") SELECT n, CONCAT('user-', n), IF(n % 10 = 0, NULL,"
                    + " CONCAT('title-', n)) FROM seq");
        }
        return t;
    }

    static MigrationState await(OperatorClient client, String id, MigrationStatus status) {
        MigrationState s = client.awaitState(id, x -> x.getStatus() == status || x.getStatus() == MigrationStatus.FAILED,
                Duration.ofMinutes(4)).orElseThrow(() -> new AssertionError(id + " never " + status));
        assertEquals(status, s.getStatus(), String.valueOf(s.getError()));
        return s;
    }

    /** Submits {@code ADD COLUMN extra INT} on {@code t} with the cut-over postponed; returns its id once READY. */
    static String ready(Flipside f, OperatorClient client, TableName t) {
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT",
                "--postpone-cutover");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        await(client, submit.lastLine(), MigrationStatus.READY);
        return submit.lastLine();
    }

    static String equalOrDiff(TableName t, Map<Long, Workload.Row> expected, boolean withTitle) throws Exception {
        return Workload.awaitEqual(f::connect, t, expected, withTitle, Duration.ofSeconds(60));
    }

    @Test
    void threeMigrationsOfThreeTablesAtOnce() throws Exception {
        List<TableName> tables = new ArrayList<>();
        List<Workload> writers = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        try (OperatorClient client = new OperatorClient(f.config)) {
            for (String t : List.of("alpha", "beta", "gamma")) {
                TableName table = usersTable("three", t, 10_000);
                tables.add(table);
                Workload w = new Workload(table.quoted(), 10_000, f::connect, 2, 60);
                w.start();
                writers.add(w);
            }
            for (TableName t : tables) {
                Flipside.Run r = f.cli("submit", "--table", t.toString(), "--alter", "DROP COLUMN title");
                assertEquals(Main.OK, r.exit(), r.toString());
                ids.add(r.lastLine());
            }
            // A second migration of a table with one in flight is refused, and creates no second shadow table.
            Flipside.Run second = f.cli("submit", "--table", tables.get(0).toString(), "--alter",
                    "ADD COLUMN extra INT NULL");
            assertEquals(Main.REJECTED, second.exit(), second.toString());
            assertTrue(second.err().contains(ids.get(0)) && second.err().contains("in flight"), second.err());
            List<MigrationState> cut = new ArrayList<>();
            for (String id : ids) {
                cut.add(await(client, id, MigrationStatus.CUT_OVER));
            }
            for (int i = 0; i < 3; i++) {
                writers.get(i).pause();
                Map<Long, Workload.Row> expected = writers.get(i).expected();
                assertNull(equalOrDiff(tables.get(i), expected, false));
                assertNull(equalOrDiff(tables.get(i).sibling(cut.get(i).getOldTable()), expected, true));
                writers.get(i).resume();
            }
            try (Connection c = f.connect(); java.sql.Statement st = c.createStatement();
                    java.sql.ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM information_schema.TABLES"
                            + " WHERE TABLE_SCHEMA = 'three' AND TABLE_NAME LIKE '%\\_new'")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "no shadow table of the refused migration");
            }
            for (String id : ids) {
                assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
            }
            for (int i = 0; i < 3; i++) {
                writers.get(i).close();
                assertEquals(0, writers.get(i).failed(), writers.get(i).failures().toString());
                assertNull(equalOrDiff(tables.get(i), writers.get(i).expected(), false));
            }
        } finally {
            for (Workload w : writers) {
                w.close();
            }
        }
    }

    /**
     * The journalled start of a swap's freeze (this machine's clock, as the bench reads it) lies after the command and
     * leaves room for the writes held before the swap's report.
     */
    private static void assertFreezeWithin(long commandSent, Long startedAt, Long heldMillis, Long reportedAt) {
        assertNotNull(startedAt, "the freeze's start is journalled");
        assertTrue(startedAt >= commandSent, "the freeze began " + (commandSent - startedAt) + " ms before the command");
        // +1: the start is read from the wall clock and the hold from the monotonic one, each rounded down
        assertTrue(startedAt + heldMillis <= reportedAt + 1, "freeze from " + startedAt + " for " + heldMillis
                + " ms, but reported at " + reportedAt);
    }

    /**
     * A cut-over and a revert while writers change the table as fast as they can: every poll of the changelog then
     * carries changes right behind a marker (the probes and freeze markers of the swaps), and each must be applied.
     * The bench found that the changes behind a probe marker in the same poll were once dropped.
     */
    @Test
    void swapsUnderBusyWritersApplyEveryChangeBehindTheirMarkers() throws Exception {
        TableName table = usersTable("busy", "users", 20_000);
        try (OperatorClient client = new OperatorClient(f.config);
                Workload writers = new Workload(table.quoted(), 20_000, f::connect, 4, 2_000)) {
            writers.start();
            long submitted = System.currentTimeMillis();
            Flipside.Run r = f.cli("submit", "--table", table.toString(), "--alter", "DROP COLUMN title");
            assertEquals(Main.OK, r.exit(), r.toString());
            String id = r.lastLine();
            MigrationState cut = await(client, id, MigrationStatus.CUT_OVER);
            assertFreezeWithin(submitted, cut.getCutOverFreezeStartedAt(), cut.getWriteFreezeMillis(),
                    cut.getCutOverAt());
            writers.pause();
            Map<Long, Workload.Row> expected = writers.expected();
            assertNull(equalOrDiff(table, expected, false), "the new table, serving");
            assertNull(equalOrDiff(table.sibling(cut.getOldTable()), expected, true), "the old table");
            writers.resume();
            Thread.sleep(1000);
            long revertSent = System.currentTimeMillis();
            assertEquals(Main.OK, f.cli("revert", id).exit());
            MigrationState reverted = await(client, id, MigrationStatus.REVERTED);
            assertFreezeWithin(revertSent, reverted.getRevertFreezeStartedAt(), reverted.getRevertFreezeMillis(),
                    reverted.getRevertedAt());
            writers.pause();
            expected = writers.expected();
            assertNull(equalOrDiff(table, expected, true), "the old table, serving again");
            assertNull(equalOrDiff(table.sibling(cut.getShadowTable()), expected, false), "the new table");
            assertTrue(writers.committed() > 2_000, "the writers were busy: " + writers.committed());
            assertEquals(0, writers.failed(), writers.failures().toString());
            writers.resume();
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        }
    }

    @Test
    void aCutOverThatMeetsALongTransactionGivesUpReleasesWritersAndRetries() throws Exception {
        TableName t = usersTable("longtx", "users", 5_000);
        try (OperatorClient client = new OperatorClient(f.config);
                Workload writers = new Workload(t.quoted(), 5_000, f::connect, 2, 60)) {
            writers.start();
            Flipside.Run r = f.cli("submit", "--table", t.toString(), "--alter", "DROP COLUMN title", "--postpone-cutover");
            assertEquals(Main.OK, r.exit(), r.toString());
            String id = r.lastLine();
            await(client, id, MigrationStatus.READY);
            try (Connection longTx = f.connect(); Statement s = longTx.createStatement()) {
                // A transaction that has read the table holds a metadata lock on it until it ends.
                longTx.setAutoCommit(false);
                s.executeQuery("SELECT COUNT(*) FROM " + t.quoted() + " WHERE id = 1").close();
                assertEquals(Main.OK, f.cli("cutover", id).exit());
                MigrationState tried = client.awaitState(id, x -> x.getCutOverAttempts() >= 2, Duration.ofMinutes(2))
                        .orElseThrow(() -> new AssertionError("the cut-over did not retry"));
                assertEquals(MigrationStatus.CUTTING_OVER, tried.getStatus());
                assertTrue(tried.getError().contains("gave up"), tried.getError());
                longTx.commit();
            }
            MigrationState cut = await(client, id, MigrationStatus.CUT_OVER);
            assertTrue(cut.getCutOverAttempts() >= 3, "attempts: " + cut.getCutOverAttempts());
            List<JournalEvent> failed = JournalReader.of(f.config, id).stream()
                    .filter(e -> e.getPayload() instanceof CutOverAttemptFailed).toList();
            assertTrue(failed.size() >= 2, "the journal counts the attempts");
            for (JournalEvent e : failed) {
                CutOverAttemptFailed a = (CutOverAttemptFailed) e.getPayload();
                assertTrue(a.getReason().contains("Lock wait timeout"), a.getReason());
            }
            writers.pause();
            assertNull(equalOrDiff(t, writers.expected(), false));
            writers.resume();
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
            writers.close();
            assertEquals(0, writers.failed(), "writers waited while the freeze tried, they did not fail: "
                    + writers.failures());
        }
    }
}
