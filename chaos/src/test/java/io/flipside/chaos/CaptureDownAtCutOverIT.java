package io.flipside.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.cli.Workload;
import io.flipside.core.sql.TableName;
import io.flipside.schema.Complete;
import io.flipside.schema.CutOver;
import io.flipside.schema.CutOverAttemptFailed;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.Submit;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The two ways the probe before a swap's locks gives up. The capture is down when the cut-over is asked for: the probe
 * marker does not come back, so each attempt gives up without locking anything; the writers never wait for the freeze
 * marker's timeout, and nothing is renamed. Then the capture streams again, but no round trip comes back within
 * {@code cutover.probe.max.ms} (1 ms: writing the marker alone takes longer), so the probing goes on for the swap's
 * 30 s budget and the locks are taken anyway: the cut-over goes through, and no write is lost.
 */
class CaptureDownAtCutOverIT {
    static final int ROWS = 5_000;
    static final int MARKER_TIMEOUT_MS = 3000;
    static final Pattern PROBE_LOST = Pattern.compile("a probe marker did not come back");
    static final Pattern PROBES_SLOW = Pattern.compile("the changelog's round trip still took \\d+ ms after (\\d+)"
            + " probes \\(cutover.probe.max.ms 1\\); taking the locks anyway");

    @Test
    void aCutOverWithTheCaptureDownHoldsNoWritesAndGoesThroughOnceItIsBack() throws Exception {
        TableName users = new TableName("capture_down", "users");
        try (Cluster c = new Cluster("capture-down", 6004, Map.of("cutover.marker.timeout.ms",
                String.valueOf(MARKER_TIMEOUT_MS), "cutover.probe.max.ms", "1"))) {
            c.start(users, ROWS, "");
            try (Workload writers = new Workload(users.quoted(), ROWS, c::connect, 2, 50)) {
                writers.start();
                String id = c.submit(new Submit(users.toString(), "DROP COLUMN title", true, null, "ALTER"));
                c.await(id, s -> s.getStatus() == MigrationStatus.READY, "READY");

                c.capture.kill();
                int mark = c.applier.mark();
                long from = System.currentTimeMillis();
                c.send(new CutOver(id, false));
                Cluster.require(c.applier.awaitLine(mark, PROBE_LOST, Duration.ofSeconds(60)), "a probe is lost");
                int second = c.applier.mark();
                Cluster.require(c.applier.awaitLine(second, PROBE_LOST, Duration.ofSeconds(60)),
                        "a second attempt's probe is lost");
                long to = System.currentTimeMillis();
                assertEquals(MigrationStatus.CUTTING_OVER, c.status(id), "still cutting over");
                assertTrue(hasColumn(c, users, "title"), "nothing was renamed: the old schema serves");
                double longest = writers.longestWriteBetween(from, to);
                assertTrue(longest < MARKER_TIMEOUT_MS / 2.0, "no write waited for a marker's timeout: the longest"
                        + " took " + longest + " ms");

                int back = c.applier.mark();
                c.startCapture();
                MigrationState cut = c.await(id, s -> s.getStatus() == MigrationStatus.CUT_OVER, "CUT_OVER");
                String slow = c.applier.awaitLine(back, PROBES_SLOW, Duration.ofSeconds(10));
                Cluster.require(slow, "the probing gave up on the bound and took the locks anyway");
                java.util.regex.Matcher probes = PROBES_SLOW.matcher(slow);
                assertTrue(probes.find() && Integer.parseInt(probes.group(1)) > 1, slow);
                assertTrue(!hasColumn(c, users, "title"), "the new schema serves");
                List<CutOverAttemptFailed> failed = RestartsIT.journal(c, id).stream()
                        .filter(p -> p instanceof CutOverAttemptFailed).map(p -> (CutOverAttemptFailed) p).toList();
                assertTrue(failed.size() >= 2, "the journal has the attempts given up: " + failed);
                for (CutOverAttemptFailed f : failed) {
                    assertEquals(0, f.getHeldMillis(), "no lock was taken: " + f);
                    assertTrue(f.getReason().contains("is the capture running?"), f.getReason());
                }

                writers.pause();
                Map<Long, Workload.Row> expected = writers.expected();
                assertNull(FencingIT.waitForEqual(c, users, expected, false), "the new table equals the ledger");
                assertNull(FencingIT.waitForEqual(c, users.sibling(cut.getOldTable()), expected, true),
                        "inverse replication keeps the old table equal to the ledger");
                writers.resume();
                c.send(new Complete(id));
                c.await(id, s -> s.getStatus() == MigrationStatus.COMPLETED, "COMPLETED");
                writers.close();
                assertEquals(0, writers.failed(), "no write failed: " + writers.failures());
                assertTrue(writers.committed() > 0, "the writers wrote");
            }
        }
    }

    private static boolean hasColumn(Cluster c, TableName t, String column) throws Exception {
        try (Connection conn = c.connect(); Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery("SHOW COLUMNS FROM " + t.quoted())) {
            while (rs.next()) {
                if (column.equals(rs.getString(1))) {
                    return true;
                }
            }
            return false;
        }
    }
}
