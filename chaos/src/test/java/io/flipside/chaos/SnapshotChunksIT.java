package io.flipside.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.cli.Workload;
import io.flipside.core.sql.TableName;
import io.flipside.schema.CutOver;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.Submit;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A chunk reads a snapshot, without locks: a writer of one of its rows does not wait for it, and what the writer
 * changed, deleted or inserted while the chunk was open reaches the shadow table, even when the applier dies after
 * the chunk committed and before the replicator applied its cursor (the replicator then reads again from the chunk's
 * opening). The same for two chunks copied at once: the writers change rows of both while the first one's cursor
 * waits, and the replicator must hold the changes until the second one's cursor, across the restart.
 */
class SnapshotChunksIT {
    static final int ROWS = 3_000;
    static final int CHANGED = 300;

    @ParameterizedTest(name = "{0} chunk(s) at once")
    @ValueSource(ints = {1, 2})
    void writersOfAnOpenChunksRowsDoNotWaitAndTheirChangesSurviveACrashAtItsCursor(int atOnce) throws Exception {
        String name = atOnce == 1 ? "snapshot" : "snapshot_at_once";
        TableName users = new TableName(name, "users");
        try (Cluster c = new Cluster(name, 6005 + atOnce, Map.of("copy.chunk.max.rows", "200", "copy.chunk.target.ms",
                "50", "copy.parallel.chunks", String.valueOf(atOnce)))) {
            int mark = c.applier.mark();
            // The third chunk pauses 8 s between its read and its cursor's update; the replicator pauses where it meets
            // a chunk's cursor with changes held since the chunk's opening, and is killed there. Two at once: the third
            // chunk is the first of the second round (rows 2,001 to 2,200), and the second (2,201 to 2,400) has read
            // its rows and waits for it; the writers change rows of both.
            c.start(users, ROWS, "copy.chunk:8000:1:2,apply.chunk:60000:1");
            String id = c.submit(new Submit(users.toString(), "DROP COLUMN title", true, null, "ALTER"));
            Cluster.require(c.applier.awaitLine(mark, Pattern.compile("failpoint copy.chunk: pausing"),
                    Duration.ofSeconds(120)), "the third chunk is open");
            long pausedAt = System.nanoTime();
            TableName shadow = users.sibling(c.await(id, s -> s.getShadowTable() != null, "the shadow table named")
                    .getShadowTable());
            long cursor = maxId(c, shadow); // the chunks committed so far
            if (atOnce == 2) {
                org.junit.jupiter.api.Assertions.assertEquals(2_000, cursor,
                        "the first round committed two chunks of 1,000 rows, and the second one's are of 200");
            }
            Map<Long, Workload.Row> expected = new TreeMap<>();
            for (long i = 1; i <= ROWS; i++) {
                expected.put(i, Workload.initialRow(i));
            }
            long slowestMs = 0;
            try (Connection w = c.connect();
                    PreparedStatement rename = w.prepareStatement("UPDATE " + users.quoted() + " SET name = ? WHERE id = ?");
                    PreparedStatement delete = w.prepareStatement("DELETE FROM " + users.quoted() + " WHERE id = ?")) {
                for (long i = cursor + 1; i <= cursor + CHANGED; i++) {
                    long t0 = System.nanoTime();
                    if (i % 7 == 0) {
                        delete.setLong(1, i);
                        delete.executeUpdate();
                        expected.remove(i);
                    } else {
                        rename.setString(1, "changed-" + i);
                        rename.setLong(2, i);
                        rename.executeUpdate();
                        expected.put(i, new Workload.Row("changed-" + i, Workload.initialRow(i).title()));
                    }
                    slowestMs = Math.max(slowestMs, (System.nanoTime() - t0) / 1_000_000);
                }
                // A row inserted where the open chunk has read (one of those just deleted, back with a new name).
                long reborn = (cursor / 7 + 1) * 7;
                try (PreparedStatement insert = w.prepareStatement("INSERT INTO " + users.quoted()
                        + " (id, name) VALUES (?, ?)")) {
                    long t0 = System.nanoTime();
                    insert.setLong(1, reborn);
                    insert.setString(2, "reborn-" + reborn);
                    insert.executeUpdate();
                    slowestMs = Math.max(slowestMs, (System.nanoTime() - t0) / 1_000_000);
                }
                expected.put(reborn, new Workload.Row("reborn-" + reborn, null));
            }
            long writingMs = (System.nanoTime() - pausedAt) / 1_000_000;
            assertTrue(writingMs < 7_000, "the writes ended while the chunk was still open: " + writingMs + " ms");
            assertTrue(slowestMs < 2_000, "no write waited for the open chunk (the slowest took " + slowestMs + " ms)");

            Cluster.require(c.applier.awaitLine(mark, Pattern.compile("failpoint apply.chunk: pausing"),
                    Duration.ofSeconds(60)), "the replicator meets the chunk's cursor with the writers' changes held");
            assertTrue(maxId(c, shadow) > cursor, "the chunk that was open committed rows the writers changed");
            c.applier.kill();
            c.startApplier("");
            c.await(id, s -> s.getStatus() == MigrationStatus.READY, "READY after the restart");
            cutOverToTheLedger(c, id, users, expected);
        }
    }

    /**
     * {@code binlog_order_commits} switched OFF between the copier's read of it and a chunk's opening: the opening may
     * then commit before a change ahead of it in the binlog, which the chunk's snapshot would miss. The copier reads the
     * variable again once the opening committed, and that chunk reads with shared locks: a writer of one of its rows
     * waits for its commit. Its changes reach both tables.
     */
    @Test
    void aChunkOpenedAsBinlogOrderCommitsIsSwitchedOffReadsWithLocks() throws Exception {
        TableName users = new TableName("snapshot_switch", "users");
        try (Cluster c = new Cluster("snapshot_switch", 6008, Map.of("copy.chunk.max.rows", "200",
                "copy.chunk.target.ms", "50"))) {
            int mark = c.applier.mark();
            Map<Long, Workload.Row> expected = new TreeMap<>();
            for (long i = 1; i <= ROWS; i++) {
                expected.put(i, Workload.initialRow(i));
            }
            // The third chunk pauses 4 s before its opening, then 6 s between its read and its cursor's update.
            c.start(users, ROWS, "copy.open:4000:1:2,copy.chunk:6000:1:2");
            try {
                String id = c.submit(new Submit(users.toString(), "DROP COLUMN title", true, null, "ALTER"));
                Cluster.require(c.applier.awaitLine(mark, Pattern.compile("failpoint copy.open: pausing"),
                        Duration.ofSeconds(120)), "the third chunk is about to open");
                setOrderCommits(c, false);
                Cluster.require(c.applier.awaitLine(mark, Pattern.compile("failpoint copy.chunk: pausing"),
                        Duration.ofSeconds(60)), "the third chunk has read its rows");
                TableName shadow = users.sibling(c.await(id, s -> s.getShadowTable() != null, "the shadow table named")
                        .getShadowTable());
                long row = maxId(c, shadow) + 1; // the first row of the chunk that is open
                long waitedMs;
                try (Connection w = c.connect(); PreparedStatement rename = w.prepareStatement("UPDATE "
                        + users.quoted() + " SET name = ? WHERE id = ?")) {
                    long t0 = System.nanoTime();
                    rename.setString(1, "changed-" + row);
                    rename.setLong(2, row);
                    assertEquals(1, rename.executeUpdate());
                    waitedMs = (System.nanoTime() - t0) / 1_000_000;
                }
                expected.put(row, new Workload.Row("changed-" + row, Workload.initialRow(row).title()));
                assertTrue(waitedMs >= 2_000, "the writer of row " + row + " waited for the chunk's shared lock ("
                        + waitedMs + " ms)");
                Cluster.require(c.applier.awaitLine(mark, Pattern.compile("binlog_order_commits was switched OFF as a"
                        + " chunk opened, so it reads with shared locks"), Duration.ofSeconds(5)), "the copier says so");
                c.await(id, s -> s.getStatus() == MigrationStatus.READY, "READY");
                cutOverToTheLedger(c, id, users, expected);
            } finally {
                setOrderCommits(c, true);
            }
        }
    }

    /** Cuts {@code id} over; then the new table (without the dropped title) and the old one equal {@code expected}. */
    static void cutOverToTheLedger(Cluster c, String id, TableName users, Map<Long, Workload.Row> expected)
            throws Exception {
        c.send(new CutOver(id, false));
        MigrationState cut = c.await(id, s -> s.getStatus() == MigrationStatus.CUT_OVER, "CUT_OVER");
        assertNull(Workload.awaitEqual(c::connect, users, expected, false, Duration.ofSeconds(90)),
                "the new table equals the ledger");
        assertNull(Workload.awaitEqual(c::connect, users.sibling(cut.getOldTable()), expected, true,
                Duration.ofSeconds(90)), "the old table equals the ledger");
    }

    private static void setOrderCommits(Cluster c, boolean on) throws SQLException {
        try (Connection conn = c.connect(); Statement s = conn.createStatement()) {
            s.execute("SET GLOBAL binlog_order_commits = " + (on ? "ON" : "OFF"));
        }
    }

    /** The highest id committed in {@code t}. */
    static long maxId(Cluster c, TableName t) throws SQLException {
        try (Connection conn = c.connect(); Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(id), 0) FROM " + t.quoted())) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
