package io.flipside.chaos;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.cli.Workload;
import io.flipside.core.sql.TableName;
import io.flipside.schema.Complete;
import io.flipside.schema.CutOver;
import io.flipside.schema.Interrupted;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.Resumed;
import io.flipside.schema.Revert;
import io.flipside.schema.Submit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * MySQL and Kafka restart under a running migration: the Kafka broker restarted and MySQL killed with SIGKILL and
 * restarted in the middle of the copy, and both again during inverse replication. The roles reconnect by
 * themselves, the journal says so (Interrupted, then Resumed), and every table ends equal to the ledger (writes that
 * failed while MySQL was down were read back, so the ledger knows what really committed).
 */
class RestartsIT {
    static final int ROWS = 60_000;

    @Test
    void theRolesRideThroughMysqlAndKafkaRestarts() throws Exception {
        TableName users = new TableName("restarts", "users");
        // Chunks of 50 rows: the copy must last several progress reports (one every 2 s), or the first report of
        // rows copied can come after the copy is done (60,000 rows in 500-row chunks once took 1.9 s).
        try (Cluster c = new Cluster("restarts", 6002, Map.of("copy.chunk.max.rows", "50", "copy.chunk.target.ms",
                "100"))) {
            c.start(users, ROWS, "");
            try (Workload writers = new Workload(users.quoted(), ROWS, c::connect, 4, 100)) {
                writers.start();
                String id = c.submit(new Submit(users.toString(), "DROP COLUMN title", true, null, "ALTER"));
                MigrationState copying = c.await(id, s -> s.getRowsCopied() > 0, "copy progress");
                assertTrue(copying.getStatus() == MigrationStatus.COPYING && copying.getRowsCopied() < ROWS,
                        "the broker restarts in the middle of the copy");
                c.stack.kafka().restartBroker();
                c.await(id, s -> s.getRowsCopied() > copying.getRowsCopied(), "copy progress after a broker restart");
                restartMysql(c);
                c.await(id, s -> s.getStatus() == MigrationStatus.READY, "READY after a MySQL restart mid-copy");

                c.send(new CutOver(id, false));
                MigrationState cut = c.await(id, s -> s.getStatus() == MigrationStatus.CUT_OVER, "CUT_OVER");
                c.stack.kafka().restartBroker();
                Thread.sleep(3000);
                restartMysql(c);
                Thread.sleep(3000);

                writers.pause();
                Map<Long, Workload.Row> expected = writers.expected();
                assertNull(FencingIT.waitForEqual(c, users, expected, false), "the new table equals the ledger");
                assertNull(FencingIT.waitForEqual(c, users.sibling(cut.getOldTable()), expected, true),
                        "inverse replication caught up after the restarts");
                writers.resume();

                c.send(new Revert(id, false));
                c.await(id, s -> s.getStatus() == MigrationStatus.REVERTED, "REVERTED");
                c.send(new Complete(id));
                c.await(id, s -> s.getStatus() == MigrationStatus.COMPLETED, "COMPLETED");
                writers.close();
                assertTrue(writers.failed() > 0, "writes did fail while MySQL was down (the test would prove little)");
                assertNull(FencingIT.waitForEqual(c, users, writers.expected(), true), "after complete");

                List<Object> journal = journal(c, id);
                assertTrue(journal.stream().anyMatch(p -> p instanceof Interrupted), "the journal says it was interrupted");
                assertTrue(journal.stream().anyMatch(p -> p instanceof Resumed), "and that it resumed: " + journal);
            }
        }
    }

    private static void restartMysql(Cluster c) throws Exception {
        c.stack.mysql().kill();
        Thread.sleep(2000);
        c.stack.mysql().restart();
    }

    static List<Object> journal(Cluster c, String id) {
        return c.read(c.config.topics().journal(), JournalEvent.class).stream()
                .filter(e -> id.equals(e.getMigrationId())).map(JournalEvent::getPayload).toList();
    }
}
