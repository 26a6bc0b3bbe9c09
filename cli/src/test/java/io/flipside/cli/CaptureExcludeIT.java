package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.migration.Names;
import io.flipside.core.sql.Checksums;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.Schemas;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code capture.exclude.tables} set while migrations of a table it names are in flight (the roles restarted with it):
 * the capture no longer publishes the table's changes, so the applier ends each such migration as FAILED rather than go
 * on without them. Before the cut-over the shadow table is dropped and the table is as it was; after it, the table
 * keeps serving the new schema and the old table is left, never swapped back in stale.
 */
class CaptureExcludeIT {
    @Test
    void migrationsInFlightOfATableTakenOutOfTheCaptureFailAndKeepTheServingTable() throws Exception {
        Flipside f = Flipside.get();
        FlipsideConfig config = isolated(f);
        TableName ready = f.recreate(new TableName("excluding", "held"), "id BIGINT PRIMARY KEY, note VARCHAR(20)");
        TableName cutOver = f.recreate(new TableName("excluding", "swapped"), "id BIGINT PRIMARY KEY, note VARCHAR(20)");
        f.fill(ready, 500, "n, CONCAT('note ', n)");
        f.fill(cutOver, 500, "n, CONCAT('note ', n)");
        List<String> ids = heldAndCutOver(f, config, ready, cutOver);
        String heldId = ids.get(0);
        String swappedId = ids.get(1);
        String heldBefore = fingerprint(f, ready);
        String swappedBefore = fingerprint(f, cutOver);
        TableName shadow = ready.sibling(Names.shadowTable(ready.table(), heldId));
        TableName old = cutOver.sibling(Names.oldTable(cutOver.table(), swappedId));
        List<String> before = tables(f, "excluding");
        assertTrue(before.contains(shadow.table()), "the held migration's shadow table exists: " + before);

        FlipsideConfig excluding = config.with(FlipsideConfig.CAPTURE_EXCLUDE_TABLES.key(), "excluding\\.(held|swapped)");
        try (Roles roles = Roles.start(excluding, EnumSet.allOf(Roles.Role.class));
                OperatorClient client = new OperatorClient(excluding)) {
            MigrationState h = ConcurrencyIT.await(client, heldId, MigrationStatus.FAILED);
            assertTrue(h.getError().contains("now matches capture.exclude.tables")
                    && h.getError().contains("the shadow table is dropped"), h.getError());
            MigrationState s = ConcurrencyIT.await(client, swappedId, MigrationStatus.FAILED);
            assertTrue(s.getError().contains("serves the new schema with every write"), s.getError());
        }
        List<String> left = tables(f, "excluding");
        assertFalse(left.contains(shadow.table()), "the shadow table is dropped: " + left);
        assertEquals(heldBefore, fingerprint(f, ready), "the held migration's table is as it was");
        assertEquals(swappedBefore, fingerprint(f, cutOver), "the cut-over table still serves, as it was");
        assertTrue(fingerprint(f, cutOver).contains("`extra`"), "with the new schema");
        assertTrue(left.contains(old.table()), "the old table is left for the operator: " + left);
    }

    /**
     * The capture restarted with the pattern while the applier still runs without it (each role reads its own
     * configuration). The applier learns it from the markers the capture publishes (TableFilter.MARKER_HEADER): a
     * migration in flight ends FAILED as above, with the writes made since in the serving table, even with a cut-over
     * asked for (its probes wait for the capture); a migration submitted then is prepared (its applier does not know)
     * and fails at its first marker, before any swap.
     */
    @Test
    void aCaptureThatLeavesATableOutIsNoticedByAnApplierConfiguredWithoutThePattern() throws Exception {
        Flipside f = Flipside.get();
        FlipsideConfig config = isolated(f);
        String columns = "id BIGINT PRIMARY KEY, note VARCHAR(20)";
        TableName ready = f.recreate(new TableName("excluding_gap", "held"), columns);
        TableName cutOver = f.recreate(new TableName("excluding_gap", "swapped"), columns);
        TableName later = f.recreate(new TableName("excluding_gap", "later"), columns);
        for (TableName t : List.of(ready, cutOver, later)) {
            f.fill(t, 500, "n, CONCAT('note ', n)");
        }
        List<String> ids = heldAndCutOver(f, config, ready, cutOver);
        String heldId = ids.get(0);
        String swappedId = ids.get(1);
        TableName shadow = ready.sibling(Names.shadowTable(ready.table(), heldId));
        TableName old = cutOver.sibling(Names.oldTable(cutOver.table(), swappedId));

        // Only the capture has the pattern; the applier and the controller keep the configuration they had. The
        // cut-over is asked for, and the writes made, before the capture is back: its probes wait for it.
        FlipsideConfig capturing = config.with(FlipsideConfig.CAPTURE_EXCLUDE_TABLES.key(),
                config.get(FlipsideConfig.CAPTURE_EXCLUDE_TABLES).text() + ",excluding_gap\\..*");
        try (Roles others = Roles.start(config, EnumSet.of(Roles.Role.CONTROLLER, Roles.Role.APPLIER));
                OperatorClient client = new OperatorClient(config)) {
            assertEquals(Main.OK, f.cli(config, "cutover", heldId).exit());
            for (TableName t : List.of(ready, cutOver)) {
                writeSince(f, t);
            }
            try (Roles capture = Roles.start(capturing, EnumSet.of(Roles.Role.CAPTURE))) {
                MigrationState h = ConcurrencyIT.await(client, heldId, MigrationStatus.FAILED);
                assertTrue(h.getError().contains("matches the capture's capture.exclude.tables")
                        && h.getError().contains("the shadow table is dropped"), h.getError());
                MigrationState s = ConcurrencyIT.await(client, swappedId, MigrationStatus.FAILED);
                assertTrue(s.getError().contains("serves the new schema with every write"), s.getError());

                Flipside.Run submitted = f.cli(config, "submit", "--table", later.toString(), "--alter",
                        "ADD COLUMN extra INT");
                assertEquals(Main.OK, submitted.exit(), submitted.toString());
                MigrationState l = ConcurrencyIT.await(client, submitted.lastLine(), MigrationStatus.FAILED);
                assertTrue(l.getError().contains("matches the capture's capture.exclude.tables"), l.getError());
            }
        }
        List<String> left = tables(f, "excluding_gap").stream().sorted().toList();
        assertFalse(left.contains(shadow.table()), "the held migration's shadow table is dropped: " + left);
        assertEquals(List.of("held", "later", old.table(), "swapped").stream().sorted().toList(), left,
                "no shadow table is left, and the old table of the cut-over one is");
        assertFalse(fingerprint(f, ready).contains("`extra`"), "the held table was not swapped");
        assertFalse(fingerprint(f, later).contains("`extra`"), "the later table was not swapped");
        assertTrue(fingerprint(f, cutOver).contains("`extra`"), "the cut-over table keeps serving the new schema");
        for (TableName t : List.of(ready, cutOver)) {
            assertEquals(50, writtenSince(f, t), "the writes made since are in " + t);
        }
    }

    /**
     * With every role running on {@code config}: a migration of {@code ready} held in READY (its cut-over postponed)
     * and one of {@code cutOver} cut over, both adding a column; their ids, in that order. The roles stop after.
     */
    static List<String> heldAndCutOver(Flipside f, FlipsideConfig config, TableName ready, TableName cutOver)
            throws Exception {
        try (Roles roles = Roles.start(config, EnumSet.allOf(Roles.Role.class));
                OperatorClient client = new OperatorClient(config)) {
            return heldAndCutOver(f, config, client, ready, cutOver);
        }
    }

    /** {@link #heldAndCutOver(Flipside, FlipsideConfig, TableName, TableName)} with the roles already running. */
    static List<String> heldAndCutOver(Flipside f, FlipsideConfig config, OperatorClient client, TableName ready,
            TableName cutOver) throws Exception {
        Flipside.Run held = f.cli(config, "submit", "--table", ready.toString(), "--alter", "ADD COLUMN extra INT",
                "--postpone-cutover");
        assertEquals(Main.OK, held.exit(), held.toString());
        Flipside.Run swapped = f.cli(config, "submit", "--table", cutOver.toString(), "--alter",
                "ADD COLUMN extra INT");
        assertEquals(Main.OK, swapped.exit(), swapped.toString());
        ConcurrencyIT.await(client, held.lastLine(), MigrationStatus.READY);
        ConcurrencyIT.await(client, swapped.lastLine(), MigrationStatus.CUT_OVER);
        return List.of(held.lastLine(), swapped.lastLine());
    }

    private static final String SINCE = "since";

    private static void writeSince(Flipside f, TableName t) throws Exception {
        try (Connection c = f.connect();
                PreparedStatement ps = c.prepareStatement("UPDATE " + t.quoted() + " SET note = ? WHERE id <= 50")) {
            ps.setString(1, SINCE);
            assertEquals(50, ps.executeUpdate());
        }
    }

    private static long writtenSince(Flipside f, TableName t) throws Exception {
        try (Connection c = f.connect();
                PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + t.quoted() + " WHERE note = ?")) {
            ps.setString(1, SINCE);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static FlipsideConfig isolated(Flipside f) {
        return Flipside.isolated(f.config, "cx", UUID.randomUUID().toString().substring(0, 8));
    }

    /** The table's definition and a checksum of every column. */
    private static String fingerprint(Flipside f, TableName t) throws Exception {
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            String definition;
            try (ResultSet rs = s.executeQuery("SHOW CREATE TABLE " + t.quoted())) {
                rs.next();
                definition = rs.getString(2);
            }
            List<String> cols = Schemas.columns(c, t.database(), t.table());
            try (ResultSet rs = s.executeQuery(Checksums.query("it", t, cols))) {
                rs.next();
                return definition + " " + rs.getLong(1) + " " + rs.getString(2);
            }
        }
    }

    private static List<String> tables(Flipside f, String database) throws Exception {
        try (Connection c = f.connect()) {
            return Schemas.tables(c, database);
        }
    }
}
