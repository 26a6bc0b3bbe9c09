package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.migration.Names;
import io.flipside.core.sql.TableName;
import io.flipside.schema.Interrupted;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The old table, locked by another session after the cut-over: the write replicated to it waits for the lock as any
 * write does, and the migration is not interrupted. Before, the replicator's session kept the freeze's short
 * {@code lock_wait_timeout} ({@code cutover.lock.wait.seconds}) after the swap, so such a write (or a partition
 * maintenance carried while the cut-over's checksum read the old table) gave up after 2 s and was tried again, and
 * after nine tries the applier journalled an interruption and started again. The revert's swap goes through the same
 * code.
 */
class OldTableLocksIT {

    @Test
    void theWritesReplicatedToTheOldTableWaitForAnotherSessionsLock() throws Exception {
        Flipside f = Flipside.get();
        TableName t = f.recreate(new TableName("standby_locks", "items"), "id BIGINT PRIMARY KEY, note VARCHAR(20)");
        f.fill(t, 100, "n, CONCAT('note ', n)");
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT NULL");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        try (OperatorClient client = new OperatorClient(f.config)) {
            ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            assertTrue(LossyRevertIT.awaitVerdict(id, "CUT_OVER").getMatched());
            TableName old = t.sibling(Names.oldTable(t.table(), id));
            writtenWhileLocked(f, t, old, 101);

            List<Object> interruptions = JournalReader.of(f.config, id).stream().map(JournalEvent::getPayload)
                    .filter(Interrupted.class::isInstance).map(Object.class::cast).toList();
            assertEquals(List.of(), interruptions, "the replication waited for the lock and was never interrupted");
            assertEquals(0, client.states().get(id).getInterruptions());
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        }
    }

    /**
     * Holds {@code standby} with LOCK TABLES ... READ while a row is written to {@code serving}: the apply's write to
     * {@code standby} waits for the lock, and is still the same wait two seconds past
     * {@code cutover.lock.wait.seconds} (before, it gave up then and tried again); the row reaches {@code standby} once
     * the lock is released.
     */
    private static void writtenWhileLocked(Flipside f, TableName serving, TableName standby, int id) throws Exception {
        int lockWait = f.config.get(FlipsideConfig.CUTOVER_LOCK_WAIT_SECONDS);
        try (Connection locker = f.connect(); Statement s = locker.createStatement()) {
            s.execute("LOCK TABLES " + standby.quoted() + " READ");
            try (Connection c = f.connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO " + serving.quoted()
                    + " (id, note) VALUES (?, ?)")) {
                ps.setInt(1, id);
                ps.setString(2, "while locked");
                ps.executeUpdate();
            }
            long[] first = null;
            long deadline = System.currentTimeMillis() + 30_000;
            while (first == null && System.currentTimeMillis() < deadline) {
                first = waiting(locker, standby);
                Thread.sleep(50);
            }
            assertNotNull(first, "the apply's write to " + standby + " waits for the lock");
            Thread.sleep((lockWait + 2) * 1000L);
            long[] later = waiting(locker, standby);
            assertNotNull(later, "the write still waits");
            assertEquals(first[0], later[0], "the same session waits");
            assertTrue(later[1] >= lockWait + 1, "the same statement has waited " + later[1] + " s, longer than the"
                    + " freeze's lock wait (" + lockWait + " s)");
            assertEquals(0, f.rows(standby, id), "the write waited for the lock");
            s.execute("UNLOCK TABLES");
        }
        long deadline = System.currentTimeMillis() + 60_000;
        while (f.rows(standby, id) == 0) {
            assertTrue(System.currentTimeMillis() < deadline, "row " + id + " never reached " + standby);
            Thread.sleep(200);
        }
    }

    /** The session whose statement on {@code t} waits for a metadata lock, and for how many seconds; else null. */
    private static long[] waiting(Connection c, TableName t) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT ID, TIME FROM information_schema.PROCESSLIST"
                + " WHERE STATE = 'Waiting for table metadata lock' AND LOCATE(?, INFO) > 0")) {
            ps.setString(1, t.table());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : null;
            }
        }
    }
}
