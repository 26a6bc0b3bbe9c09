package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.capture.Capture;
import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.migration.Names;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.EmbeddedMySql;
import io.flipside.testkit.Schemas;
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
    private static final String LOST = "lost";
    private static final TableName HELD = new TableName("shop", "held");
    private static final TableName SWAPPED = new TableName("shop", "swapped");
    private static final int COPIED_ROWS = 10_000;

    @Test
    void migrationsGoOnOnAPromotedReplicaWithoutLosingItsWrites(@TempDir Path dir) throws Exception {
        Flipside f = Flipside.get();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        try (EmbeddedMySql source = EmbeddedMySql.start(dir.resolve("source"), 11);
                EmbeddedMySql replica = EmbeddedMySql.start(dir.resolve("replica"), 12)) {
            replicate(source, replica, true, HELD, SWAPPED);
            FlipsideConfig onSource = Flipside.on(Flipside.isolated(f.config, "fo", tag), source);
            List<String> ids = CaptureExcludeIT.heldAndCutOver(f, onSource, HELD, SWAPPED);

            failOver(source, replica);
            FlipsideConfig onReplica = Flipside.on(onSource, replica);
            try (Roles roles = Roles.start(onReplica, EnumSet.allOf(Roles.Role.class));
                    OperatorClient client = new OperatorClient(onReplica)) {
                cutOverAndRevert(f, onReplica, client, ids);
            }
            assertServesTheWritesAfter(replica, HELD, SWAPPED);
        }
    }

    /**
     * A failover under running roles, in the middle of a copy: the address they use (a relay here, as a virtual IP or
     * a proxy would be) moves from the source to its promoted replica, closing their connections, while one migration
     * copies its table in small chunks under writes and the other has cut over. The copy goes on from the chunks the
     * replica has, the capture and the applier reconnect and read on there, and the copying migration's cut-over and
     * the other's revert match their checksums.
     */
    @Test
    void migrationsGoOnWhenTheAddressMovesToAPromotedReplicaInTheMiddleOfACopy(@TempDir Path dir) throws Exception {
        Flipside f = Flipside.get();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        try (EmbeddedMySql source = EmbeddedMySql.start(dir.resolve("source"), 11);
                EmbeddedMySql replica = EmbeddedMySql.start(dir.resolve("replica"), 12);
                Relay relay = new Relay(source.port())) {
            replicate(source, replica, true, HELD, SWAPPED);
            try (Connection c = source.connect(); Statement s = c.createStatement()) {
                s.execute("SET SESSION cte_max_recursion_depth = " + COPIED_ROWS);
                s.execute("INSERT INTO " + HELD.quoted() + " SELECT n, CONCAT('note ', n) FROM (WITH RECURSIVE seq (n)"
                        + " AS (SELECT 501 UNION ALL SELECT n + 1 FROM seq WHERE n < " + COPIED_ROWS + ") SELECT n FROM"
                        + " seq) AS x");
            }
            // Chunks of 50 rows, each followed by a rest three times as long: the copy takes seconds.
            FlipsideConfig config = Flipside.on(Flipside.isolated(f.config, "fr", tag), source)
                    .with("mysql.port", String.valueOf(relay.port())).with("copy.chunk.max.rows", "50")
                    .with("copy.rest.percent", "300");
            try (Roles roles = Roles.start(config, EnumSet.allOf(Roles.Role.class));
                    OperatorClient client = new OperatorClient(config)) {
                Flipside.Run cut = f.cli(config, "submit", "--table", SWAPPED.toString(), "--alter",
                        "ADD COLUMN extra INT");
                assertEquals(Main.OK, cut.exit(), cut.toString());
                ConcurrencyIT.await(client, cut.lastLine(), MigrationStatus.CUT_OVER);
                Flipside.Run held = f.cli(config, "submit", "--table", HELD.toString(), "--alter",
                        "ADD COLUMN extra INT", "--postpone-cutover");
                assertEquals(Main.OK, held.exit(), held.toString());
                client.awaitState(held.lastLine(), x -> x.getRowsCopied() >= 1000, Duration.ofSeconds(60))
                        .orElseThrow(() -> new AssertionError("the copy never got going"));
                try (Connection c = source.connect(); PreparedStatement ps = c.prepareStatement("UPDATE "
                        + HELD.quoted() + " SET note = ? WHERE id = ?")) {
                    for (int id = 100; id <= COPIED_ROWS; id += 100) { // behind and ahead of the copy's cursor
                        ps.setString(1, "during the copy");
                        ps.setInt(2, id);
                        ps.executeUpdate();
                    }
                }

                failOver(source, replica);
                relay.moveTo(replica.port());
                MigrationState copying = client.state(held.lastLine()).orElseThrow();
                assertEquals(MigrationStatus.COPYING, copying.getStatus(), "the failover came in the middle of the copy");
                assertTrue(copying.getRowsCopied() < COPIED_ROWS, String.valueOf(copying.getRowsCopied()));

                ConcurrencyIT.await(client, held.lastLine(), MigrationStatus.READY);
                cutOverAndRevert(f, config, client, List.of(held.lastLine(), cut.lastLine()));
            }
            assertServesTheWritesAfter(replica, HELD, SWAPPED);
        }
    }

    /**
     * A failover that lost transactions, under running roles: the replica stopped replicating before the held
     * migration's cut-over and writes made with it, and was promoted without them. The changelog has changes its
     * tables lack (the cut-over's among them), which no server will send it: both migrations fail, each leaving the
     * tables as the promoted server has them. The capture, started again, stops and says so, and goes on once reset
     * (without --force: the server lacks what it published).
     */
    @Test
    void aFailoverThatLostTransactionsFailsTheMigrationsInProgress(@TempDir Path dir) throws Exception {
        Flipside f = Flipside.get();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        try (EmbeddedMySql source = EmbeddedMySql.start(dir.resolve("source"), 11);
                EmbeddedMySql replica = EmbeddedMySql.start(dir.resolve("replica"), 12);
                Relay relay = new Relay(source.port())) {
            replicate(source, replica, false, HELD, SWAPPED);
            FlipsideConfig config = Flipside.on(Flipside.isolated(f.config, "fl", tag), source)
                    .with("mysql.port", String.valueOf(relay.port()));
            String sourceUuid;
            List<String> ids;
            try (Roles roles = Roles.start(config, EnumSet.allOf(Roles.Role.class));
                    OperatorClient client = new OperatorClient(config)) {
                ids = CaptureExcludeIT.heldAndCutOver(f, config, client, HELD, SWAPPED);
                awaitCaughtUp(source, replica);
                try (Connection c = replica.connect(); Statement s = c.createStatement()) {
                    s.execute("STOP SLAVE");
                }
                try (Connection c = source.connect(); Statement s = c.createStatement()) {
                    for (TableName t : List.of(HELD, SWAPPED)) {
                        s.execute("UPDATE " + t.quoted() + " SET note = '" + LOST + "' WHERE id > 450");
                    }
                    try (ResultSet rs = s.executeQuery("SELECT @@server_uuid")) {
                        rs.next();
                        sourceUuid = rs.getString(1);
                    }
                }
                assertEquals(Main.OK, f.cli(config, "cutover", ids.get(0), "--wait").exit());

                promote(replica, HELD, SWAPPED);
                relay.moveTo(replica.port());
                for (String id : ids) {
                    MigrationState failed = ConcurrencyIT.await(client, id, MigrationStatus.FAILED);
                    assertTrue(failed.getError().contains("were not committed on the server")
                            && failed.getError().contains("replicates from no other server"), failed.getError());
                }
            }
            try (Connection c = replica.connect()) {
                assertFalse(Schemas.tables(c, "shop").contains(Names.shadowTable("held", ids.get(0))),
                        "never cut over on this server: its shadow goes");
                assertEquals(List.of("id", "note"), Schemas.columns(c, "shop", "held"));
                assertTrue(Schemas.tables(c, "shop").contains(Names.oldTable("swapped", ids.get(1))),
                        "cut over on this server: the old table is left for the operator");
                assertEquals(List.of("id", "note", "extra"), Schemas.columns(c, "shop", "swapped"));
            }
            assertServesTheWritesAfter(replica, HELD, SWAPPED);
            try (Connection c = replica.connect(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + HELD.quoted() + " WHERE note = '" + LOST
                            + "'")) {
                rs.next();
                assertEquals(0, rs.getLong(1), "the promoted replica never had the lost writes");
            }

            try (Capture capture = new Capture(config).start()) {
                String why = ChangelogGapIT.awaitFailure(capture, "has not executed transactions");
                assertTrue(why.contains("GTIDs " + sourceUuid + ":") && why.contains("flipside capture-reset")
                        && why.contains("A failover to a replica"), why);
                Flipside.Run reset = f.cli(config, "capture-reset");
                assertEquals(Main.OK, reset.exit(), reset.toString());
                assertTrue(capture.awaitStreaming(Duration.ofSeconds(60)), "the capture begins anew");
            }
        }
    }

    /**
     * Creates {@code tables} on {@code source} (after FLUSHing its binlog thrice when {@code binlogsAhead}, so that its
     * files are numbered past the replica's) and makes {@code replica} replicate it by GTID.
     */
    private static void replicate(EmbeddedMySql source, EmbeddedMySql replica, boolean binlogsAhead,
            TableName... tables) throws Exception {
        try (Connection c = source.connect(); Statement s = c.createStatement()) {
            for (int i = 0; binlogsAhead && i < 3; i++) {
                s.execute("FLUSH BINARY LOGS");
            }
            ChangelogGapIT.createShop(c, tables);
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
    }

    /** Cuts the first migration over and reverts the second: both freeze-point checksums must match. */
    private static void cutOverAndRevert(Flipside f, FlipsideConfig config, OperatorClient client, List<String> ids)
            throws Exception {
        assertEquals(Main.OK, f.cli(config, "cutover", ids.get(0), "--wait").exit());
        MigrationState cut = client.awaitState(ids.get(0), x -> !x.getChecksums().isEmpty(), Duration.ofSeconds(60))
                .orElseThrow();
        assertTrue(cut.getChecksums().get(0).getMatched(), String.valueOf(cut.getChecksums()));
        assertEquals(Main.OK, f.cli(config, "revert", ids.get(1), "--wait").exit());
        MigrationState reverted = client.awaitState(ids.get(1), x -> x.getChecksums().size() > 1,
                Duration.ofSeconds(60)).orElseThrow();
        assertTrue(reverted.getChecksums().get(1).getMatched(), String.valueOf(reverted.getChecksums()));
    }

    /** A failover without loss: the source stops taking writes, and the replica has them all before it is promoted. */
    private static void failOver(EmbeddedMySql source, EmbeddedMySql replica) throws Exception {
        try (Connection c = source.connect(); Statement s = c.createStatement()) {
            s.execute("SET GLOBAL super_read_only = ON");
        }
        awaitCaughtUp(source, replica);
        promote(replica, HELD, SWAPPED);
    }

    /** The replica stops replicating and serves the writes from now on: 50 rows of each table updated. */
    private static void promote(EmbeddedMySql replica, TableName... tables) throws Exception {
        try (Connection c = replica.connect(); Statement s = c.createStatement()) {
            s.execute("STOP SLAVE");
            s.execute("RESET SLAVE ALL");
            for (TableName t : tables) {
                s.execute("UPDATE " + t.quoted() + " SET note = '" + AFTER + "' WHERE id <= 50");
            }
        }
    }

    private static void assertServesTheWritesAfter(EmbeddedMySql replica, TableName... tables) throws Exception {
        try (Connection c = replica.connect(); Statement s = c.createStatement()) {
            for (TableName t : tables) {
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + t.quoted() + " WHERE note = '" + AFTER
                        + "'")) {
                    rs.next();
                    assertEquals(50, rs.getLong(1), t + " serves the writes made after the failover");
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
