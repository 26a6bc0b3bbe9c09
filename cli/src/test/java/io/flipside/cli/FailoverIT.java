package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.EmbeddedMySql;
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
 * A failover while migrations wait: the roles, stopped on the source, are started again on its replica, promoted.
 * The replica's binlog has files and positions of its own (here lower than the source's), so the changes written on
 * it after the failover are not the capture re-publishing what the applier has: they reach both migrations.
 */
class FailoverIT {
    private static final String AFTER = "after failover";

    @Test
    void migrationsGoOnOnAPromotedReplicaWithoutLosingItsWrites(@TempDir Path dir) throws Exception {
        Flipside f = Flipside.get();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        TableName held = new TableName("shop", "held");
        TableName swapped = new TableName("shop", "swapped");
        try (EmbeddedMySql source = EmbeddedMySql.start(dir.resolve("source"), 11);
                EmbeddedMySql replica = EmbeddedMySql.start(dir.resolve("replica"), 12)) {
            try (Connection c = source.connect(); Statement s = c.createStatement()) {
                for (int i = 0; i < 3; i++) {
                    s.execute("FLUSH BINARY LOGS"); // the source's binlog files numbered past the replica's
                }
                ChangelogGapIT.createShop(c, held, swapped);
            }
            try (Connection c = replica.connect(); PreparedStatement ps = c.prepareStatement("CHANGE MASTER TO"
                    + " MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_AUTO_POSITION = 1")) {
                ps.setString(1, source.host());
                ps.setInt(2, source.port());
                ps.setString(3, source.user());
                ps.setString(4, source.password());
                ps.execute();
                try (Statement s = c.createStatement()) {
                    s.execute("START SLAVE");
                }
            }
            FlipsideConfig onSource = Flipside.isolated(f.config, "fo", tag).with("mysql.host", source.host())
                    .with("mysql.port", String.valueOf(source.port())).with("mysql.user", source.user())
                    .with("mysql.password", source.password());
            List<String> ids = CaptureExcludeIT.heldAndCutOver(f, onSource, held, swapped);

            // The failover: the replica has everything, stops replicating, and serves the writes from now on.
            try (Connection c = source.connect(); Statement s = c.createStatement()) {
                s.execute("SET GLOBAL super_read_only = ON");
            }
            awaitCaughtUp(source, replica);
            try (Connection c = replica.connect(); Statement s = c.createStatement()) {
                s.execute("STOP SLAVE");
                s.execute("RESET SLAVE ALL");
                for (TableName t : List.of(held, swapped)) {
                    s.execute("UPDATE " + t.quoted() + " SET note = '" + AFTER + "' WHERE id <= 50");
                }
            }
            FlipsideConfig onReplica = onSource.with("mysql.host", replica.host())
                    .with("mysql.port", String.valueOf(replica.port()));
            try (Roles roles = Roles.start(onReplica, EnumSet.allOf(Roles.Role.class));
                    OperatorClient client = new OperatorClient(onReplica)) {
                assertEquals(Main.OK, f.cli(onReplica, "cutover", ids.get(0), "--wait").exit());
                MigrationState cut = client.awaitState(ids.get(0), x -> !x.getChecksums().isEmpty(),
                        Duration.ofSeconds(60)).orElseThrow();
                assertTrue(cut.getChecksums().get(0).getMatched(), String.valueOf(cut.getChecksums()));
                assertEquals(Main.OK, f.cli(onReplica, "revert", ids.get(1), "--wait").exit());
                MigrationState reverted = client.awaitState(ids.get(1), x -> x.getChecksums().size() > 1,
                        Duration.ofSeconds(60)).orElseThrow();
                assertTrue(reverted.getChecksums().get(1).getMatched(), String.valueOf(reverted.getChecksums()));
            }
            try (Connection c = replica.connect(); Statement s = c.createStatement()) {
                for (TableName t : List.of(held, swapped)) {
                    try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + t.quoted() + " WHERE note = '"
                            + AFTER + "'")) {
                        rs.next();
                        assertEquals(50, rs.getLong(1), t + " serves the writes made after the failover");
                    }
                }
            }
        }
    }

    private static void awaitCaughtUp(EmbeddedMySql source, EmbeddedMySql replica) throws Exception {
        String executed;
        try (Connection c = source.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT @@GLOBAL.gtid_executed")) {
            rs.next();
            executed = rs.getString(1);
        }
        try (Connection c = replica.connect();
                PreparedStatement ps = c.prepareStatement("SELECT WAIT_FOR_EXECUTED_GTID_SET(?, 60)")) {
            ps.setString(1, executed);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(0, rs.getInt(1), "the replica has every transaction of the source");
            }
        }
    }
}
