package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A server whose sessions read committed by default ({@code transaction_isolation = READ-COMMITTED}, as many run):
 * InnoDB ignores {@code WITH CONSISTENT SNAPSHOT} under it, so the freeze-point checksums, read after the writers
 * resume, would see the serving table as the writers had changed it since, and the other as inverse replication had
 * caught up with it. The checksum session takes REPEATABLE READ for itself. Before, the cut-over under writes
 * reported a checksum mismatch where there was none.
 */
class ReadCommittedServerIT {
    @Test
    void theFreezePointChecksumsMatchUnderWritesOnAServerThatReadsCommitted() throws Exception {
        Flipside f = Flipside.get();
        TableName t = new TableName("read_committed", "users");
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS read_committed");
            s.execute("DROP TABLE IF EXISTS " + t.quoted());
            s.execute("CREATE TABLE " + t.quoted() + " (id BIGINT PRIMARY KEY, name VARCHAR(64), title VARCHAR(64))");
            s.execute("SET SESSION cte_max_recursion_depth = 5001");
            s.execute("INSERT INTO " + t.quoted() + " WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1"
                    + " FROM seq WHERE n < 5000) SELECT n, CONCAT('user-', n), IF(n % 10 = 0, NULL,"
                    + " CONCAT('title-', n)) FROM seq");
            s.execute("SET GLOBAL transaction_isolation = 'READ-COMMITTED'");
            try (OperatorClient client = new OperatorClient(f.config);
                    Workload writers = new Workload(t.quoted(), 5_000, f::connect, 2, 400)) {
                writers.start();
                Flipside.Run r = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT");
                assertEquals(Main.OK, r.exit(), r.toString());
                String id = r.lastLine();
                ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
                MigrationState cut = client.awaitState(id, x -> !x.getChecksums().isEmpty(), Duration.ofSeconds(60))
                        .orElseThrow(() -> new AssertionError("no checksum reported"));
                assertTrue(cut.getChecksums().get(0).getMatched(), String.valueOf(cut.getChecksums()));
                assertEquals(Main.OK, f.cli("revert", id, "--wait").exit());
                MigrationState reverted = client.awaitState(id, x -> x.getChecksums().size() >= 2,
                        Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError("no second checksum"));
                assertTrue(reverted.getChecksums().get(1).getMatched(), String.valueOf(reverted.getChecksums()));
                writers.pause();
                assertNull(Workload.awaitEqual(f::connect, t, writers.expected(), true, Duration.ofSeconds(60)),
                        "every write kept");
                writers.resume();
                assertTrue(writers.committed() > 500, "the writers were busy: " + writers.committed());
                assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
                writers.close();
                assertEquals(0, writers.failed(), writers.failures().toString());
            } finally {
                s.execute("SET GLOBAL transaction_isolation = 'REPEATABLE-READ'");
            }
        }
    }
}
