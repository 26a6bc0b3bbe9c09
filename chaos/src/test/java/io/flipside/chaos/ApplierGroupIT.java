package io.flipside.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.cli.Workload;
import io.flipside.core.sql.TableName;
import io.flipside.schema.CutOver;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.Submit;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Appliers under {@code instance.id} (each process's name here, as a StatefulSet pod's would be), with a session
 * timeout of 30 s: a standby that joins the group takes nothing from the owner and stops none of its work; the owner
 * killed with SIGKILL and started again takes its migration back at once, where a dynamic member
 * would have waited for the dead one's session to expire; one stopped cleanly hands the migration to the standby at
 * once, where a static member that stays in the group would have kept it 30 s; and a process started under a name
 * another applier is using takes the work over, the other one stopping with a clear error. Writes go on throughout,
 * and the migration ends equal to the ledger.
 */
class ApplierGroupIT {
    static final int ROWS = 20_000;
    static final Pattern OWNS = Pattern.compile("this applier owns the migrations now");
    static final Pattern CLAIMS = Pattern.compile("owned by this applier \\(epoch");

    @Test
    void aStandbyTakesNothingAndAnApplierStartedAgainUnderItsNameTakesItsWorkBackAtOnce() throws Exception {
        TableName users = new TableName("static", "users");
        try (Cluster c = new Cluster("static", 6003, Map.of("group.session.timeout.ms", "30000",
                "copy.chunk.max.rows", "500", "copy.chunk.target.ms", "50"));
                RoleProcess standby = new RoleProcess("applier", "standby", c.configFile, c.logDir);
                RoleProcess impostor = new RoleProcess("applier", "impostor", c.configFile, c.logDir)
                        .instanceId("standby")) {
            int mark = c.applier.mark();
            c.start(users, ROWS, "copy.chunk:60000:1");
            try (Workload writers = new Workload(users.quoted(), ROWS, c::connect, 4, 100)) {
                writers.start();
                String id = c.submit(new Submit(users.toString(), "DROP COLUMN title", true, null, "ALTER"));
                Cluster.require(c.applier.awaitLine(mark, Pattern.compile("failpoint copy.chunk: pausing"),
                        Duration.ofSeconds(120)), "the applier is inside a chunk");
                int standbyMark = standby.mark();
                standby.start("");
                Cluster.require(standby.awaitLine(standbyMark, Pattern.compile("this applier stands by"),
                        Duration.ofSeconds(120)), "the standby joins the group and is assigned nothing");
                assertEquals(0, c.applier.count(Pattern.compile("no longer owns the migrations")),
                        "the owner's work was not stopped when the standby joined");

                c.applier.kill();
                long killed = System.currentTimeMillis();
                int restart = c.applier.mark();
                c.startApplier("");
                Cluster.require(c.applier.awaitLine(restart, CLAIMS, Duration.ofSeconds(120)),
                        "the applier started again claims the migration");
                long back = System.currentTimeMillis() - killed;
                assertTrue(back < 20_000, "the applier started again owned its migration " + back
                        + " ms after the kill, not only once the dead member's 30 s session had expired");
                assertEquals(0, standby.count(OWNS), "the standby never owned the migrations");

                c.applier.close();
                long closed = System.currentTimeMillis();
                Cluster.require(standby.awaitLine(standbyMark, CLAIMS, Duration.ofSeconds(120)),
                        "the standby claims the migration once the applier is stopped");
                long handedOver = System.currentTimeMillis() - closed;
                assertTrue(handedOver < 20_000, "the standby owned the migration " + handedOver
                        + " ms after the applier stopped cleanly, not only once its 30 s session had expired");

                int fencedMark = standby.mark();
                int impostorMark = impostor.mark();
                impostor.start("");
                Cluster.require(impostor.awaitLine(impostorMark, CLAIMS, Duration.ofSeconds(120)),
                        "a process started under the standby's instance.id takes the migration over");
                String error = standby.awaitLine(fencedMark, Pattern.compile("another applier joined group \\S+ as"
                        + " instance.id=standby; this one stops its workers"), Duration.ofSeconds(60));
                assertNotNull(error, "the standby says another process took its name, and stops its workers");

                c.await(id, s -> s.getStatus() == MigrationStatus.READY, "READY");
                c.send(new CutOver(id, false));
                MigrationState cut = c.await(id, s -> s.getStatus() == MigrationStatus.CUT_OVER, "CUT_OVER");
                writers.pause();
                Map<Long, Workload.Row> expected = writers.expected();
                assertNull(FencingIT.waitForEqual(c, users, expected, false), "the new table equals the ledger");
                assertNull(FencingIT.waitForEqual(c, users.sibling(cut.getOldTable()), expected, true),
                        "the old table equals the ledger");
                writers.close();
                assertEquals(0, writers.failed(), writers.failures().toString());
            }
        }
    }
}
