package io.flipside.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.cli.Workload;
import io.flipside.core.migration.Names;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.schema.ChecksumVerified;
import io.flipside.schema.ChecksumVerdict;
import io.flipside.schema.Complete;
import io.flipside.schema.CutOver;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.Submit;
import io.flipside.testkit.Schemas;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A job rotates the partitions of a table that waits in READY, under writers that update, delete, insert and move rows
 * in the partitions it drops, empties and reorganises: the applier does each statement again on the shadow table as it
 * reads it from the changelog, and the cut-over serves the table as the rotation left it. The applier is killed right
 * after it did the first statement again, before it recorded a position after it: the next applier reads the statement
 * again, finds it done, and does not do it twice. One more statement comes between the cut-over's look at the
 * partitions and its locks: read with writes held, it is carried then, and the partitions compared again before the
 * rename. Checked by the freeze-point checksums and by the old and the new table holding the same rows afterwards (the
 * writers' ledger cannot tell: a rotation removes rows behind it), and by the partitions each table ends with. The same
 * while the copy runs, and while the indexes the copy deferred are built.
 */
class PartitionRotationIT {
    static final int ROWS = 10_000;
    static final Pattern PAUSED = Pattern.compile("failpoint apply\\.partitions: pausing");
    static final Pattern PROBED = Pattern.compile("failpoint swap\\.probed: pausing");
    static final Pattern SWAPPED = Pattern.compile("swapped \\S+ and \\S+ at ");
    static final Pattern FOUND_DONE = Pattern.compile("has the partitions of ALTER TABLE \\S+ DROP PARTITION p1"
            + " already");

    @Test
    void aRotationUnderWritersIsDoneOnceOnTheShadowTableThroughAKill() throws Exception {
        TableName users = new TableName("rotation", "users");
        try (Cluster c = new Cluster("rotation", 6011, Map.of())) {
            // The writers' new ids start at 1,000,000,000: in pnew, which the rotation reorganises under them.
            createUsers(c, users, ROWS, "PARTITION p1 VALUES LESS THAN (2001), PARTITION p2 VALUES LESS THAN (4001),"
                    + " PARTITION p3 VALUES LESS THAN (1000000000), PARTITION pnew VALUES LESS THAN (2000000000)");
            c.startController();
            c.startCapture();
            c.startApplier("apply.partitions:30000:1");
            try (Workload writers = new Workload(users.quoted(), ROWS, c::connect, 2, 100)) {
                writers.start();
                String id = c.submit(new Submit(users.toString(), "DROP COLUMN title", true, null, "ALTER"));
                c.await(id, s -> s.getStatus() == MigrationStatus.READY, "READY");
                Thread.sleep(1000);

                int mark = c.applier.mark();
                exec(c, "ALTER TABLE " + users.quoted() + " DROP PARTITION p1");
                Cluster.require(c.applier.awaitLine(mark, PAUSED, Duration.ofSeconds(60)),
                        "the applier did the DROP again on the shadow table");
                c.applier.kill();
                int next = c.applier.mark();
                c.startApplier("swap.probed:8000:1");
                String foundDone = c.applier.awaitLine(next, FOUND_DONE, Duration.ofSeconds(60));
                assertNotNull(foundDone, "the next applier found the DROP done, and did not do it again; the"
                        + " migration is " + c.status(id));
                exec(c, "ALTER TABLE " + users.quoted() + " TRUNCATE PARTITION p2",
                        "ALTER TABLE " + users.quoted() + " REORGANIZE PARTITION pnew INTO (PARTITION pnew1 VALUES"
                                + " LESS THAN (1010000000), PARTITION pnew2 VALUES LESS THAN (2000000000))",
                        "ALTER TABLE " + users.quoted() + " ADD PARTITION (PARTITION p9 VALUES LESS THAN"
                                + " (3000000000))");
                Thread.sleep(2000);

                // One more while the cut-over, its partitions compared, has not taken its locks: read with writes
                // held, it is carried then, and the partitions are compared again before the rename.
                int swapping = c.applier.mark();
                c.send(new CutOver(id, false));
                Cluster.require(c.applier.awaitLine(swapping, PROBED, Duration.ofSeconds(60)),
                        "the cut-over compared the partitions before its locks");
                exec(c, "ALTER TABLE " + users.quoted() + " TRUNCATE PARTITION pnew1");
                MigrationState cut = c.await(id, s -> s.getStatus() == MigrationStatus.CUT_OVER, "CUT_OVER");
                String swapped = c.applier.awaitLine(swapping, SWAPPED, Duration.ofSeconds(30));
                assertNotNull(swapped, "the swap's log line");
                assertTrue(swapped.substring(swapped.indexOf("(in ms: "), swapped.indexOf("; before the locks"))
                        .contains("partitions compared"), "compared again with writes held: " + swapped);
                ChecksumVerdict verdict = awaitVerdict(c, id);
                assertTrue(verdict.getMatched(), "the shadow table had the rotation: " + verdict);

                writers.pause();
                TableName old = users.sibling(cut.getOldTable());
                assertEquals("", awaitSameRows(c, users, old), "inverse replication keeps the old table equal");
                List<String> rotated = List.of("p2", "p3", "pnew1", "pnew2", "p9");
                assertEquals(rotated, partitions(c, users), "the new table serves as the rotation left it");
                assertEquals(rotated, partitions(c, old));
                completeUnderWriters(c, id, writers);
            }
        }
    }

    static final Pattern CARRY_PAUSED = Pattern.compile("failpoint apply\\.carry: pausing");
    static final Pattern COPY_WAITS = Pattern.compile("the copy waits for the replicator to carry the partitions");

    /**
     * The same while the copy runs, which copies a chunk at a time, slowly: a partition in the middle of the table is
     * emptied, one dropped and one added, and rows are written to where each was after it. The applier reads the
     * first statement and waits (a failpoint) while the copier goes on: its chunks copy those rows, and it reaches
     * the rows of the added partition, which the shadow table does not have yet, and waits for it. The applier then
     * empties the partition on the shadow table, which takes the rows just copied with it, and is killed before it
     * copies them again. The next applier empties it again and copies the rows again, carries the rest, and the copy
     * goes on. Without the rows copied again, the rows written after the statements would be missing from the new
     * table: the checksum at the cut-over and the count of those rows afterwards tell (the writers meanwhile keep to
     * rows the rotation leaves alone).
     */
    @Test
    void aRotationWhileTheCopyRunsKeepsTheRowsWrittenAfterItThroughAKill() throws Exception {
        TableName users = new TableName("rotation_copy", "users");
        int rows = 40_000;
        try (Cluster c = new Cluster("rotation_copy", 6012, Map.of("copy.chunk.max.rows", "500"))) {
            createUsers(c, users, rows, "PARTITION p1 VALUES LESS THAN (10001), PARTITION p2 VALUES LESS THAN"
                    + " (20001), PARTITION p3 VALUES LESS THAN (25001), PARTITION p4 VALUES LESS THAN (30001),"
                    + " PARTITION p5 VALUES LESS THAN (1000000000), PARTITION pnew VALUES LESS THAN (2000000000)");
            c.startController();
            c.startCapture();
            c.startApplier("copy.chunk:100,apply.carry:12000:1,apply.partitions:30000:1");
            // The writers keep to the first partition and pnew: the rows written after the rotation are counted.
            try (Workload writers = new Workload(users.quoted(), 10_000, c::connect, 2, 100)) {
                writers.start();
                int mark = c.applier.mark();
                String id = c.submit(new Submit(users.toString(), "DROP COLUMN title", true, null, "ALTER"));
                c.await(id, s -> s.getStatus() == MigrationStatus.COPYING, "COPYING");
                Thread.sleep(1500);
                exec(c, "ALTER TABLE " + users.quoted() + " TRUNCATE PARTITION p3",
                        "INSERT INTO " + users.quoted() + " (id, name) SELECT id + 20000, CONCAT('after-', id) FROM "
                                + users.quoted() + " WHERE id <= 100",
                        "ALTER TABLE " + users.quoted() + " DROP PARTITION p4",
                        "INSERT INTO " + users.quoted() + " (id, name) SELECT id + 25000, CONCAT('after-', id) FROM "
                                + users.quoted() + " WHERE id <= 100",
                        "ALTER TABLE " + users.quoted() + " ADD PARTITION (PARTITION p9 VALUES LESS THAN"
                                + " (3000000000))",
                        "INSERT INTO " + users.quoted() + " (id, name) SELECT id + 2000000000, CONCAT('after-', id)"
                                + " FROM " + users.quoted() + " WHERE id <= 20");
                Cluster.require(c.applier.awaitLine(mark, CARRY_PAUSED, Duration.ofSeconds(60)),
                        "the applier read the TRUNCATE while the copy runs");
                Cluster.require(c.applier.awaitLine(mark, COPY_WAITS, Duration.ofSeconds(60)),
                        "the copy reached the added partition before the applier carried it");
                Cluster.require(c.applier.awaitLine(mark, PAUSED, Duration.ofSeconds(60)),
                        "the applier emptied the partition on the shadow table");
                c.applier.kill();
                c.startApplier("");
                c.await(id, s -> s.getStatus() == MigrationStatus.READY, "READY");

                c.send(new CutOver(id, false));
                MigrationState cut = c.await(id, s -> s.getStatus() == MigrationStatus.CUT_OVER, "CUT_OVER");
                ChecksumVerdict verdict = awaitVerdict(c, id);
                assertTrue(verdict.getMatched(), "the new table has the rows written after the rotation: " + verdict);

                writers.pause();
                TableName old = users.sibling(cut.getOldTable());
                assertEquals("", awaitSameRows(c, users, old), "inverse replication keeps the old table equal");
                List<String> rotated = List.of("p1", "p2", "p3", "p5", "pnew", "p9");
                assertEquals(rotated, partitions(c, users), "the new table serves as the rotation left it");
                assertEquals(rotated, partitions(c, old));
                try (Connection conn = c.connect(); Statement s = conn.createStatement();
                        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + users.quoted()
                                + " WHERE name LIKE 'after-%'")) {
                    rs.next();
                    assertEquals(220, rs.getLong(1), "the rows written after the statements are in the new table");
                }
                completeUnderWriters(c, id, writers);
            }
        }
    }

    static final Pattern INDEXES_PAUSED = Pattern.compile("failpoint copy\\.indexes: pausing");
    static final Pattern CARRIED = Pattern.compile("carried the partition maintenance of");

    /**
     * Maintenance that comes while the indexes deferred until after the copy are built: the online {@code ADD INDEX}
     * holds the shadow table's metadata lock until it ends, so the statement done again there waits for the build
     * (and the apply with it), then goes on. Here the build is held at its start by a transaction that read the shadow
     * table, as a long build holds it; the statement comes, the replicator reaches it, and it is not done while the
     * build waits. Once the transaction ends the build finishes, the statement is done again, and the cut-over serves
     * the table with the index, the emptied partition and the rows written to it after the statement.
     */
    @Test
    void maintenanceWhileTheDeferredIndexesAreBuiltWaitsForTheBuild() throws Exception {
        TableName users = new TableName("rotation_index", "users");
        try (Cluster c = new Cluster("rotation_index", 6013, Map.of())) {
            createUsers(c, users, 4000, "PARTITION p1 VALUES LESS THAN (2001), PARTITION p2 VALUES LESS THAN"
                    + " (1000000000)");
            exec(c, "ALTER TABLE " + users.quoted() + " ADD INDEX by_name (name)");
            c.startController();
            c.startCapture();
            c.startApplier("copy.indexes:4000:1,apply.carry:1:1");
            int mark = c.applier.mark();
            String id = c.submit(new Submit(users.toString(), "DROP COLUMN title", true, null, "ALTER"));
            Cluster.require(c.applier.awaitLine(mark, INDEXES_PAUSED, Duration.ofSeconds(60)),
                    "the copy is done and the deferred index not built yet");
            TableName shadow = users.sibling(Names.shadowTable(users.table(), id));
            try (Connection hold = c.connect(); Statement s = hold.createStatement()) {
                hold.setAutoCommit(false);
                s.executeQuery("SELECT COUNT(*) FROM " + shadow.quoted()).close();
                assertTrue(awaitMetadataLockWait(c, "%ADD INDEX%"), "the build waits for the shadow table");
                exec(c, "ALTER TABLE " + users.quoted() + " TRUNCATE PARTITION p1",
                        "INSERT INTO " + users.quoted() + " (id, name) SELECT id - 2000, CONCAT('after-', id) FROM "
                                + users.quoted() + " WHERE id <= 2100");
                Cluster.require(c.applier.awaitLine(mark, CARRY_PAUSED, Duration.ofSeconds(60)),
                        "the replicator read the TRUNCATE");
                Thread.sleep(1000);
                assertTrue(awaitMetadataLockWait(c, "%ADD INDEX%"), "the build still waits");
                assertEquals(0, c.applier.count(CARRIED), "the TRUNCATE is not done on the shadow table meanwhile");
                hold.commit();
            }
            c.await(id, st -> st.getStatus() == MigrationStatus.READY, "READY");
            Cluster.require(c.applier.awaitLine(mark, CARRIED, Duration.ofSeconds(30)), "the TRUNCATE was carried");

            c.send(new CutOver(id, false));
            MigrationState cut = c.await(id, st -> st.getStatus() == MigrationStatus.CUT_OVER, "CUT_OVER");
            ChecksumVerdict verdict = awaitVerdict(c, id);
            assertTrue(verdict.getMatched(), "the new table has the truncation and the rows after it: " + verdict);
            TableName old = users.sibling(cut.getOldTable());
            assertEquals("", awaitSameRows(c, users, old), "inverse replication keeps the old table equal");
            assertEquals(List.of("p1", "p2"), partitions(c, users));
            try (Connection conn = c.connect()) {
                assertEquals(List.of("by_name", "PRIMARY"), Schemas.indexes(conn, users.database(), users.table()),
                        "the new table has the deferred index");
            }
            try (Connection conn = c.connect(); Statement s = conn.createStatement();
                    ResultSet rs = s.executeQuery("SELECT COUNT(*), SUM(name LIKE 'after-%') FROM " + users.quoted())) {
                rs.next();
                assertEquals(2100, rs.getLong(1), "p1's rows gone, p2's and the rows written after it there");
                assertEquals(100, rs.getLong(2), "the rows written after the TRUNCATE are in the new table");
            }
            c.send(new Complete(id));
            c.await(id, st -> st.getStatus() == MigrationStatus.COMPLETED, "COMPLETED");
        }
    }

    /** Whether a statement like {@code like} waits for a table's metadata lock, within 30 s. */
    private static boolean awaitMetadataLockWait(Cluster c, String like) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        try (Connection conn = c.connect(); PreparedStatement ps = conn.prepareStatement("SELECT COUNT(*) FROM"
                + " information_schema.PROCESSLIST WHERE INFO LIKE ? AND STATE = 'Waiting for table metadata lock'")) {
            ps.setString(1, like);
            do {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        return true;
                    }
                }
                Thread.sleep(100);
            } while (System.currentTimeMillis() < deadline);
        }
        return false;
    }

    /** The migration's freeze-point checksum verdict at its cut-over, from the journal (within a minute). */
    private static ChecksumVerdict awaitVerdict(Cluster c, String id) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            List<ChecksumVerdict> verdicts = RestartsIT.journal(c, id).stream()
                    .filter(p -> p instanceof ChecksumVerified).map(p -> ((ChecksumVerified) p).getVerdict())
                    .filter(v -> v.getPhase().equals("CUT_OVER")).toList();
            if (!verdicts.isEmpty() || System.currentTimeMillis() > deadline) {
                assertEquals(1, verdicts.size(), "one freeze-point checksum: " + verdicts);
                return verdicts.get(0);
            }
            Thread.sleep(500);
        }
    }

    /** Resumes the writers, completes the migration, and checks that they wrote and that no write failed. */
    private static void completeUnderWriters(Cluster c, String id, Workload writers) throws Exception {
        writers.resume();
        c.send(new Complete(id));
        c.await(id, s -> s.getStatus() == MigrationStatus.COMPLETED, "COMPLETED");
        writers.close();
        assertEquals(0, writers.failed(), "no write failed: " + writers.failures());
        assertTrue(writers.committed() > 500, "the writers wrote: " + writers.committed());
    }

    /** Creates {@code users} (id, name, title) partitioned by RANGE (id) into {@code partitions}, with ids 1..rows. */
    private static void createUsers(Cluster c, TableName users, int rows, String partitions) throws Exception {
        try (Connection conn = c.connect(); Statement s = conn.createStatement()) {
            s.execute("CREATE DATABASE " + Sql.ident(users.database()));
            s.execute("CREATE TABLE " + users.quoted() + " (id BIGINT PRIMARY KEY, name VARCHAR(64), title"
                    + " VARCHAR(64)) PARTITION BY RANGE (id) (" + partitions + ")");
            s.execute("SET SESSION cte_max_recursion_depth = " + (rows + 1));
            s.execute("INSERT INTO " + users.quoted() + " WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1"
                    + " FROM seq WHERE n < " + rows + ") SELECT n, CONCAT('user-', n), IF(n % 10 = 0, NULL,"
                    + " CONCAT('title-', n)) FROM seq");
        }
    }

    private static void exec(Cluster c, String... statements) throws Exception {
        try (Connection conn = c.connect(); Statement s = conn.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** Waits up to 90 s for both tables to hold the same ids and names; "" when they do, else the last difference. */
    private static String awaitSameRows(Cluster c, TableName a, TableName b) throws Exception {
        long deadline = System.currentTimeMillis() + 90_000;
        String difference;
        do {
            List<String> left = rows(c, a);
            List<String> right = rows(c, b);
            difference = left.equals(right) ? "" : a + " has " + left.size() + " rows, " + b + " " + right.size()
                    + "; first differing: " + firstDifference(left, right);
            if (difference.isEmpty()) {
                return difference;
            }
            Thread.sleep(500);
        } while (System.currentTimeMillis() < deadline);
        return difference;
    }

    private static String firstDifference(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            if (!a.get(i).equals(b.get(i))) {
                return a.get(i) + " against " + b.get(i);
            }
        }
        return a.size() > b.size() ? a.get(b.size()) + " only in the first" : b.size() > a.size() ? b.get(a.size())
                + " only in the second" : "none";
    }

    private static List<String> rows(Cluster c, TableName t) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection conn = c.connect(); Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, name FROM " + t.quoted() + " ORDER BY id")) {
            while (rs.next()) {
                out.add(rs.getLong(1) + "=" + rs.getString(2));
            }
        }
        return out;
    }

    private static List<String> partitions(Cluster c, TableName t) throws Exception {
        try (Connection conn = c.connect()) {
            return Schemas.partitions(conn, t.database(), t.table());
        }
    }
}
