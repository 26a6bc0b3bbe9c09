package io.flipside.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.migration.Names;
import io.flipside.core.sql.TableName;
import io.flipside.schema.ChangeEvent;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.Submit;
import io.flipside.testkit.Schemas;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A capture restarted with {@code capture.exclude.tables} naming a table in migration leaves that table's changes out,
 * and is killed after its offsets passed them but before it published its first marker; the next capture, without
 * the pattern, reads on from those offsets and never publishes them. The marker's row names the pattern of the capture
 * that wrote it, so the applier (configured without the pattern) fails the migration when the next capture publishes
 * that marker, instead of cutting over to a shadow table without those changes.
 */
class CaptureStoppedBeforeItsMarkerIT {
    static final int ROWS = 2_000;
    /** More row events than one of the capture's batches holds (4,096), so some are published before the marker. */
    static final int OTHER_ROWS = 10_000;
    static final Pattern AT_MARKER = Pattern.compile("failpoint capture.marker: pausing");

    @Test
    void aMigrationFailsWhenACaptureThatLeftItsTableOutStoppedBeforeItsMarker() throws Exception {
        TableName users = new TableName("capture_gap", "users");
        TableName other = users.sibling("other");
        try (Cluster c = new Cluster("capture-gap", 6009)) {
            c.start(users, ROWS, "");
            String id = c.submit(new Submit(users.toString(), "ADD COLUMN extra INT", true, null, "ALTER"));
            c.await(id, s -> s.getStatus() == MigrationStatus.READY, "READY");
            TableName shadow = users.sibling(Names.shadowTable(users.table(), id));

            c.capture.close();
            try (Connection conn = c.connect(); Statement s = conn.createStatement()) {
                assertEquals(50, s.executeUpdate("UPDATE " + users.quoted() + " SET title = 'gap' WHERE id <= 50"));
                s.execute("CREATE TABLE " + other.quoted() + " (id BIGINT PRIMARY KEY, v INT)");
                s.execute("SET SESSION cte_max_recursion_depth = " + (OTHER_ROWS + 1));
                s.execute("INSERT INTO " + other.quoted() + " WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT"
                        + " n + 1 FROM seq WHERE n < " + OTHER_ROWS + ") SELECT n, n FROM seq");
            }
            // Each batch waits 1.5 s, so that the first ones' offsets (past the updates it leaves out) are committed
            // (every second) before the batch with its marker, where it is killed.
            RoleProcess excluding = c.variant("capture", "capture-excluding",
                    Map.of("capture.exclude.tables", "capture_gap[.]users"));
            int mark = excluding.mark();
            excluding.start("capture.batch:1500,capture.marker:120000");
            Cluster.require(excluding.awaitLine(mark, AT_MARKER, Duration.ofSeconds(120)),
                    "the excluding capture reaches its marker");
            excluding.kill();

            c.startCapture();
            MigrationState failed = c.client.awaitState(id, s -> s.getStatus() == MigrationStatus.FAILED,
                    Duration.ofSeconds(120)).orElseThrow(() -> new AssertionError("migration " + id + " is "
                    + c.status(id) + ", not FAILED"));
            assertTrue(failed.getError().contains("capture.exclude.tables of the capture that wrote the marker")
                    && failed.getError().contains("the shadow table is dropped"), failed.getError());

            long[] published = published(c, users, other);
            assertEquals(0, published[0], "the updates the excluding capture left out were never published (else"
                    + " this test shows nothing)");
            assertTrue(published[1] >= OTHER_ROWS, "the other table's rows were: " + published[1]);
            try (Connection conn = c.connect(); Statement s = conn.createStatement()) {
                List<String> tables = Schemas.tables(conn, users.database());
                assertFalse(tables.contains(shadow.table()), "the shadow table is dropped: " + tables);
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + users.quoted() + " WHERE title = 'gap'")) {
                    rs.next();
                    assertEquals(50, rs.getLong(1), "the table keeps every write");
                }
                assertFalse(Schemas.columns(conn, users.database(), users.table()).contains("extra"),
                        "the table keeps its schema");
            }
        }
    }

    /** Changes in the changelog: of {@code users} with the title 'gap', and of {@code other}. */
    private static long[] published(Cluster c, TableName users, TableName other) {
        long[] counts = new long[2];
        for (ChangeEvent e : c.read(c.config.topics().changelog(), ChangeEvent.class)) {
            if (users.database().equals(e.getDatabase()) && users.table().equals(e.getTable()) && e.getAfter() != null
                    && e.getAfter().stream().anyMatch(v -> "title".equals(v.getName())
                            && "gap".equals(String.valueOf(v.getValue())))) {
                counts[0]++;
            } else if (other.database().equals(e.getDatabase()) && other.table().equals(e.getTable())) {
                counts[1]++;
            }
        }
        return counts;
    }
}
