package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.migration.Names;
import io.flipside.core.sql.TableName;
import io.flipside.schema.ChecksumVerdict;
import io.flipside.schema.MigrationStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * XA transactions on the migrated table. MySQL writes an XA transaction's rows to the binlog at {@code XA PREPARE},
 * before they are committed, and its {@code XA COMMIT} carries none: the apply, which re-reads each changed row from
 * the table, read the rows as they were before the transaction and nothing corrected them (the new table lacked the
 * transaction's update and insert; the freeze-point checksum named them after the cut-over). Now the apply waits for
 * the transaction to end before it reads its rows, and while the copy runs reads them again once the copy is done (a
 * chunk may have read them while the transaction was prepared).
 */
class XaTransactionsIT {

    /**
     * Caught up, before the cut-over: a committed XA transaction's changes reach the new table, a rolled back one's do
     * not; after the cut-over, the old table.
     */
    @Test
    void theChangesOfAnXaTransactionReachTheNewTableOnceItCommits() throws Exception {
        Flipside f = Flipside.get();
        TableName t = f.recreate(new TableName("xa_transactions", "ready"), "id BIGINT PRIMARY KEY, note VARCHAR(20)");
        f.fill(t, 100, "n, CONCAT('note ', n)");
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT NULL",
                "--postpone-cutover");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        try (OperatorClient client = new OperatorClient(f.config); Connection c = f.connect();
                Statement s = c.createStatement(); Connection other = f.connect();
                Statement rolledBack = other.createStatement()) {
            ConcurrencyIT.await(client, id, MigrationStatus.READY);
            prepare(s, "committed", "UPDATE " + t.quoted() + " SET note = 'xa update' WHERE id = 5",
                    "INSERT INTO " + t.quoted() + " VALUES (1000, 'xa insert')",
                    "DELETE FROM " + t.quoted() + " WHERE id = 7");
            prepare(rolledBack, "rolled back", "UPDATE " + t.quoted() + " SET note = 'rolled back' WHERE id = 6",
                    "INSERT INTO " + t.quoted() + " VALUES (1001, 'rolled back')");
            // Long enough for the capture to publish the rows and the apply to read the table before the end.
            Thread.sleep(3000);
            s.execute("XA COMMIT 'committed'");
            rolledBack.execute("XA ROLLBACK 'rolled back'");
            s.execute("UPDATE " + t.quoted() + " SET note = 'after' WHERE id = 9");
            TableName shadow = t.sibling(client.state(id).orElseThrow().getShadowTable());
            awaitNote(f, shadow, 9, "after");
            assertEquals("xa update", f.note(shadow, 5));
            assertEquals("xa insert", f.note(shadow, 1000));
            assertEquals(0, f.rows(shadow, 7), "the XA transaction's delete");
            assertEquals("note 6", f.note(shadow, 6), "a rolled back XA transaction changes nothing");
            assertEquals(0, f.rows(shadow, 1001), "a rolled back XA transaction changes nothing");
            // One prepared when the cut-over is asked for: the cut-over waits for it.
            prepare(s, "at cut-over", "UPDATE " + t.quoted() + " SET note = 'xa at cut-over' WHERE id = 20");
            assertEquals(Main.OK, f.cli("cutover", id).exit());
            Thread.sleep(3000);
            assertEquals(MigrationStatus.CUTTING_OVER, client.state(id).orElseThrow().getStatus(),
                    "the cut-over waits");
            s.execute("XA COMMIT 'at cut-over'");
            ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            ChecksumVerdict v = LossyRevertIT.awaitVerdict(id, "CUT_OVER");
            assertTrue(v.getMatched(), v.toString());
            assertEquals("xa at cut-over", f.note(t, 20), "the new table serves the transaction's change");

            // After the cut-over, inverse replication waits for the transaction in the same way.
            TableName old = t.sibling(Names.oldTable(t.table(), id));
            prepare(s, "inverse", "UPDATE " + t.quoted() + " SET note = 'xa inverse' WHERE id = 11");
            Thread.sleep(3000);
            s.execute("XA COMMIT 'inverse'");
            s.execute("UPDATE " + t.quoted() + " SET note = 'after' WHERE id = 12");
            awaitNote(f, old, 12, "after");
            assertEquals("xa inverse", f.note(old, 11));
            assertEquals(Main.OK, f.cli("revert", id, "--wait").exit());
            ChecksumVerdict r = LossyRevertIT.awaitVerdict(id, "REVERT");
            assertTrue(r.getMatched(), r.toString());
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        }
    }

    /**
     * While the copy runs: an XA transaction prepared before the copy reaches its rows, and committed after the copy
     * read them; the chunks read them as they were, and the apply reads them again once the copy is done.
     */
    @Test
    void rowsAnXaTransactionChangedWhileTheCopyReadThemAreReadAgain() throws Exception {
        Flipside f = Flipside.get();
        TableName t = f.recreate(new TableName("xa_transactions", "copying"),
                "id BIGINT PRIMARY KEY, note VARCHAR(20)");
        f.fill(t, 50_000, "n, CONCAT('note ', n)");
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT NULL",
                "--postpone-cutover");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        assertEquals(Main.OK, f.cli("pause", id).exit());
        // Small chunks, and no wait for the apply: the copy goes on while the apply waits for the transaction.
        assertEquals(Main.OK, f.cli("throttle", id, "--chunk-time-ms", "10", "--max-lag-ms", "0").exit());
        try (OperatorClient client = new OperatorClient(f.config); Connection copyHolder = f.connect();
                Connection c = f.connect(); Statement s = c.createStatement()) {
            client.awaitState(id, x -> Long.valueOf(0).equals(x.getThrottleMaxLagMillis()), Duration.ofSeconds(30))
                    .orElseThrow();
            copyHolder.setAutoCommit(false);
            assertEquals(Main.OK, f.cli("resume", id).exit());
            TableName shadow = t.sibling(client.awaitState(id, x -> x.getShadowTable() != null, Duration.ofSeconds(30))
                    .orElseThrow().getShadowTable());
            long deadline = System.currentTimeMillis() + 60_000;
            while (f.rows(shadow) < 1000 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            ThrottleIT.lockCopyState(f, copyHolder, id); // the copy stops at its next chunk
            long copied = f.rows(shadow);
            assertTrue(copied < 40_000, "the copy is stopped before the rows changed: " + copied);
            prepare(s, "copying", "UPDATE " + t.quoted() + " SET note = 'xa update' WHERE id = 45000",
                    "DELETE FROM " + t.quoted() + " WHERE id = 45001",
                    "INSERT INTO " + t.quoted() + " VALUES (60000, 'xa insert')");
            Thread.sleep(1000); // the capture publishes the rows, the apply waits for the transaction
            copyHolder.rollback(); // the copy goes on, and reads the rows as they were before the transaction
            deadline = System.currentTimeMillis() + 60_000;
            while (f.rows(shadow) < 49_999 && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertEquals("note 45000", f.note(shadow, 45000), "the copy read the row as it was");
            assertEquals(1, f.rows(shadow, 45001), "the copy read the row as it was");
            s.execute("XA COMMIT 'copying'");
            ConcurrencyIT.await(client, id, MigrationStatus.READY);
            s.execute("UPDATE " + t.quoted() + " SET note = 'after' WHERE id = 3");
            awaitNote(f, shadow, 3, "after");
            assertEquals("xa update", f.note(shadow, 45000));
            assertEquals(0, f.rows(shadow, 45001), "the XA transaction's delete");
            assertEquals("xa insert", f.note(shadow, 60000));
            assertEquals(Main.OK, f.cli("cutover", id, "--wait").exit());
            ChecksumVerdict v = LossyRevertIT.awaitVerdict(id, "CUT_OVER");
            assertTrue(v.getMatched(), v.toString());
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        }
    }

    /** Runs {@code statements} in XA transaction {@code xid} and prepares it. */
    private static void prepare(Statement s, String xid, String... statements) throws SQLException {
        s.execute("XA START '" + xid + "'");
        for (String sql : statements) {
            s.execute(sql);
        }
        s.execute("XA END '" + xid + "'");
        s.execute("XA PREPARE '" + xid + "'");
    }


    private static void awaitNote(Flipside f, TableName t, long id, String expected) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!expected.equals(f.note(t, id))) {
            assertTrue(System.currentTimeMillis() < deadline, "row " + id + " of " + t + " never became " + expected);
            Thread.sleep(100);
        }
    }
}
