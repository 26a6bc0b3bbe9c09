package io.flipside.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.flipside.cli.Workload;
import io.flipside.core.sql.TableName;
import io.flipside.schema.Complete;
import io.flipside.schema.CutOver;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.Submit;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * One owner per migration: an applier that froze (SIGSTOP: a long GC pause, a stalled VM) inside a chunk's
 * transaction loses the state topic's partition to a standby applier, which claims the migration with the next epoch
 * and goes on. When the frozen applier wakes up, its commit updates no progress row: it is fenced, rolls back, and
 * stops with a clear log line. The migration ends equal to the ledger.
 */
class FencingIT {
    static final int ROWS = 20_000;

    @Test
    void aFrozenApplierThatWakesUpAfterItsWorkWasReassignedIsFenced() throws Exception {
        TableName users = new TableName("fence", "users");
        // Small chunks, so that the copy is still going when the first applier freezes.
        try (Cluster c = new Cluster("fence", 6001, Map.of("copy.chunk.max.rows", "500", "copy.chunk.target.ms", "50"));
                RoleProcess standby = new RoleProcess("applier", "standby", c.configFile, c.logDir)) {
            // The first applier pauses 15 s inside its first chunk's transaction, and is frozen there.
            int mark = c.applier.mark();
            c.start(users, ROWS, "copy.chunk:15000:1");
            try (Workload writers = new Workload(users.quoted(), ROWS, c::connect, 4, 100)) {
                writers.start();
                String id = c.submit(new Submit(users.toString(), "DROP COLUMN title", true, null, "ALTER"));
                Cluster.require(c.applier.awaitLine(mark, Pattern.compile("failpoint copy.chunk: pausing"),
                        Duration.ofSeconds(120)), "the first applier is inside a chunk");
                c.applier.signal("STOP");

                int standbyMark = standby.mark();
                standby.start("");
                Cluster.require(standby.awaitLine(standbyMark, Pattern.compile("this applier owns the migrations now"),
                        Duration.ofSeconds(120)), "the standby takes the partition over");
                Cluster.require(standby.awaitLine(standbyMark, Pattern.compile("owned by this applier \\(epoch"),
                        Duration.ofSeconds(120)), "the standby claims the migration");

                int wake = c.applier.mark();
                c.applier.signal("CONT");
                String fenced = c.applier.awaitLine(wake, Pattern.compile("fenced; another applier owns it now"),
                        Duration.ofSeconds(120));
                assertNotNull(fenced, "the woken applier is fenced when it commits");

                c.await(id, s -> s.getStatus() == MigrationStatus.READY, "READY under the standby");
                c.send(new CutOver(id, false));
                MigrationState cut = c.await(id, s -> s.getStatus() == MigrationStatus.CUT_OVER, "CUT_OVER");
                writers.pause();
                Map<Long, Workload.Row> expected = writers.expected();
                assertNull(waitForEqual(c, users, expected, false), "the new table equals the ledger");
                assertNull(waitForEqual(c, users.sibling(cut.getOldTable()), expected, true),
                        "the old table equals the ledger");
                writers.resume();
                c.send(new Complete(id));
                c.await(id, s -> s.getStatus() == MigrationStatus.COMPLETED, "COMPLETED");
                writers.close();
                assertEquals(0, writers.failed(), writers.failures().toString());
                assertNull(waitForEqual(c, users, writers.expected(), false), "after complete");
            }
        }
    }

    static String waitForEqual(Cluster c, TableName t, Map<Long, Workload.Row> expected, boolean withTitle)
            throws Exception {
        return Workload.awaitEqual(c::connect, t, expected, withTitle, Duration.ofSeconds(90));
    }
}
