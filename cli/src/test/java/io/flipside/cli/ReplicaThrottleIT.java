package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.ThrottleEnded;
import io.flipside.testkit.EmbeddedMySql;
import io.flipside.testkit.Indexes;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real replica of the embedded MySQL (a second server, GTID auto-position) named in {@code throttle.replicas}: while
 * its SQL thread is stopped, its lag grows and the copy waits; once the migration's own threshold turns the check off
 * ({@code throttle --max-replica-lag-ms 0}), the copy goes on while the replica still lags.
 */
class ReplicaThrottleIT {
    @Test
    void theCopyWaitsWhileAReplicaLags(@TempDir Path dir) throws Exception {
        Flipside f = Flipside.get();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        FlipsideConfig isolated = Flipside.isolated(f.config, "rl", tag);
        String sidecar = isolated.get(FlipsideConfig.SIDECAR_DATABASE);
        // The replica applies only this test's databases: what other tests leave running on the shared stack (a
        // migration still replicating into its shadow table, a retirement's purge) names tables it does not have.
        try (EmbeddedMySql replica = EmbeddedMySql.start(dir, 2,
                List.of("--replicate-wild-do-table=" + sidecar + ".%", "--replicate-wild-do-table=replicated.%"))) {
            // The replica starts from the source's present, not its history (earlier tests' data).
            String executed;
            try (Connection c = f.connect(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT @@GLOBAL.gtid_executed")) {
                rs.next();
                executed = rs.getString(1).replaceAll("\\s", "");
            }
            try (Connection c = replica.connect(); Statement s = c.createStatement();
                    PreparedStatement purged = c.prepareStatement("SET GLOBAL gtid_purged = ?")) {
                s.execute("RESET MASTER");
                purged.setString(1, executed);
                purged.execute();
            }
            try (Connection c = replica.connect(); PreparedStatement ps = c.prepareStatement("CHANGE MASTER TO"
                    + " MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_AUTO_POSITION = 1")) {
                ps.setString(1, f.stack.mysql().host());
                ps.setInt(2, f.stack.mysql().port());
                ps.setString(3, f.stack.mysql().user());
                ps.setString(4, f.stack.mysql().password());
                ps.execute();
                try (Statement s = c.createStatement()) {
                    s.execute("START SLAVE");
                }
            }
            FlipsideConfig config = isolated.with("throttle.replicas", replica.host() + ":" + replica.port())
                    .with("throttle.max.replica.lag.ms", "500");
            TableName t = f.recreate(new TableName("replicated", "orders"), "id BIGINT PRIMARY KEY, note VARCHAR(20),"
                    + " KEY by_note (note)");
            f.fill(t, 50_000, "n, CONCAT('note ', n)");
            try (Roles roles = Roles.start(config, EnumSet.allOf(Roles.Role.class));
                    OperatorClient client = new OperatorClient(config); Connection r = replica.connect();
                    Statement rs = r.createStatement(); Connection c = f.connect(); Statement s = c.createStatement()) {
                awaitReplicated(r, sidecar);
                // A first heartbeat on the replica, then its SQL thread stopped: from now on its copy only ages.
                s.execute("INSERT INTO " + io.flipside.core.sql.Sql.qualified(sidecar, "heartbeat")
                        + " VALUES (1, NOW(6)) ON DUPLICATE KEY UPDATE ts = NOW(6)");
                awaitHeartbeat(r, sidecar);
                rs.execute("STOP SLAVE SQL_THREAD");
                Flipside.Run submit = f.cli(config, "submit", "--table", t.toString(), "--alter",
                        "ADD COLUMN extra INT NULL", "--postpone-cutover");
                assertEquals(Main.OK, submit.exit(), submit.toString());
                String id = submit.lastLine();
                MigrationState throttled = client.awaitState(id, x -> x.getThrottled() != null
                        && x.getThrottled().contains(" lag "), Duration.ofSeconds(60))
                        .orElseThrow(() -> new AssertionError(String.valueOf(client.state(id))));
                assertTrue(throttled.getThrottled().startsWith("replica " + replica.host() + ":" + replica.port()
                        + " lag "), throttled.getThrottled());
                TableName shadow = t.sibling(throttled.getShadowTable());
                long before = f.rows(shadow);
                Thread.sleep(2000);
                assertEquals(before, f.rows(shadow), "no chunk copied while the replica lags");
                // copy.defer.indexes is auto: with a replica watched, the shadow table keeps its index during the
                // copy, so that no index build after it makes the replicas lag past the bound.
                assertTrue(Indexes.has(c, shadow.database(), shadow.table(), "by_note"), "the index is not deferred while a replica is watched");

                // The migration's own threshold overrides the configuration's: 0 turns the check off for it.
                assertEquals(Main.OK, f.cli(config, "throttle", id, "--max-replica-lag-ms", "0").exit());
                ConcurrencyIT.await(client, id, MigrationStatus.READY);
                assertEquals(0L, client.state(id).orElseThrow().getThrottleMaxReplicaLagMillis());
                assertEquals(null, client.state(id).orElseThrow().getIndexMillis(), "no index built after the copy");
                assertTrue(JournalReader.of(config, id).stream().anyMatch(e -> e.getPayload() instanceof ThrottleEnded end
                        && end.getReason().startsWith("replica ") && end.getMillis() >= 2000), "the episode is journalled");
                assertTrue(replicaSqlThreadStopped(r), "the copy finished while the replica still lagged");
                rs.execute("START SLAVE SQL_THREAD");
                assertEquals(Main.OK, f.cli(config, "cutover", id, "--wait").exit());
                assertTrue(client.awaitState(id, x -> !x.getChecksums().isEmpty(), Duration.ofSeconds(60))
                        .orElseThrow().getChecksums().get(0).getMatched());
                assertEquals(Main.OK, f.cli(config, "complete", id, "--wait").exit());
            } finally {
                try (Connection c = replica.connect(); Statement s = c.createStatement()) {
                    s.execute("STOP SLAVE");
                }
            }
        }
    }

    private static boolean replicaSqlThreadStopped(Connection replica) throws Exception {
        try (Statement s = replica.createStatement(); ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
            return rs.next() && "No".equals(rs.getString("Slave_SQL_Running"));
        }
    }

    /** Waits until the replica has the sidecar schema (created by the roles at start) and applies as it should. */
    private static void awaitReplicated(Connection replica, String sidecar) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            try (PreparedStatement ps = replica.prepareStatement("SELECT COUNT(*) FROM information_schema.TABLES"
                    + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'heartbeat'")) {
                ps.setString(1, sidecar);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) == 1) {
                        return;
                    }
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the replica never caught up with the source");
    }

    private static void awaitHeartbeat(Connection replica, String sidecar) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            try (Statement s = replica.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM "
                    + io.flipside.core.sql.Sql.qualified(sidecar, "heartbeat"))) {
                rs.next();
                if (rs.getLong(1) == 1) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the heartbeat never reached the replica");
    }
}
