package io.flipside.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.cli.Workload;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.Submit;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * An XA transaction prepared while the copy runs, whose rows the copy reads before it commits: the replicator reads
 * them again once the copy is done, and until then records the position before the transaction's first change, so
 * that an applier killed in between (after it applied the changes that followed the commit, before the copy was done)
 * reads the transaction's changes again and still reads the rows again after the copy.
 */
class XaRestartIT {
    static final int ROWS = 30_000;

    @Test
    void rowsAnXaTransactionChangedWhileTheCopyRanAreReadAgainAfterARestart() throws Exception {
        TableName users = new TableName("xa_restart", "users");
        try (Cluster c = new Cluster("xa_restart", 6014, Map.of("copy.chunk.max.rows", "200", "copy.chunk.target.ms",
                "50"))) {
            // The second chunk pauses before its opening, while the XA transaction is prepared.
            c.start(users, ROWS, "copy.open:10000:1:1");
            String id = c.submit(new Submit(users.toString(), "DROP COLUMN title", true, null, "ALTER"));
            TableName shadow = users.sibling(c.await(id, s -> s.getShadowTable() != null, "the shadow table named")
                    .getShadowTable());
            Map<Long, Workload.Row> expected = new TreeMap<>();
            for (long i = 1; i <= ROWS; i++) {
                expected.put(i, Workload.initialRow(i));
            }
            try (Connection xa = c.connect(); Statement s = xa.createStatement();
                    Connection copyHolder = c.connect()) {
                assertTrue(SnapshotChunksIT.maxId(c, shadow) < 2_500, "the copy has not reached the rows yet");
                s.execute("XA START 'restart'");
                s.execute("UPDATE " + users.quoted() + " SET name = 'xa-2500' WHERE id = 2500");
                s.execute("DELETE FROM " + users.quoted() + " WHERE id = 2501");
                s.execute("INSERT INTO " + users.quoted() + " (id, name) VALUES (40000, 'xa-40000')");
                s.execute("XA END 'restart'");
                s.execute("XA PREPARE 'restart'");
                expected.put(2500L, new Workload.Row("xa-2500", Workload.initialRow(2500).title()));
                expected.remove(2501L);
                expected.put(40000L, new Workload.Row("xa-40000", null));

                // The copy goes on past the rows (the apply waits for the transaction; the copy does not wait for it:
                // throttle.max.lag.ms is 0), and is stopped before its end by a lock on its copy_state row.
                long deadline = System.currentTimeMillis() + 120_000;
                while (SnapshotChunksIT.maxId(c, shadow) < 2_700) {
                    assertTrue(System.currentTimeMillis() < deadline, "the copy never passed row 2,700");
                    Thread.sleep(5);
                }
                copyHolder.setAutoCommit(false);
                try (PreparedStatement ps = copyHolder.prepareStatement("SELECT migration_id FROM `_xa_restart`"
                        + ".`copy_state` WHERE migration_id = ? FOR UPDATE")) {
                    ps.setString(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertTrue(rs.next());
                    }
                }
                long copied = SnapshotChunksIT.maxId(c, shadow);
                assertTrue(copied < ROWS, "the copy is stopped before its end: " + copied);
                assertEquals("user-2500", name(c, shadow, 2500), "the copy read the row as it was");
                s.execute("XA COMMIT 'restart'");
                // The apply goes on past the transaction's changes (nothing else changes: it records its position).
                Thread.sleep(3000);
                c.applier.kill();
                copyHolder.rollback();
            }
            c.startApplier("");
            c.await(id, s -> s.getStatus() == MigrationStatus.READY, "READY after the restart");
            SnapshotChunksIT.cutOverToTheLedger(c, id, users, expected);
        }
    }

    private static String name(Cluster c, TableName t, long id) throws Exception {
        try (Connection conn = c.connect(); PreparedStatement ps = conn.prepareStatement("SELECT name FROM "
                + t.quoted() + " WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
