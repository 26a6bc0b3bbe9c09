package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.migration.Names;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.Schemas;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A table whose columns someone else changes while Flipside migrates it. Before, the migration went on: an ADD COLUMN
 * made outside while it waited in READY was gone from the table after the cut-over, with its values, and the
 * checksums (over the mapped columns) matched. Now the applier ends the migration as FAILED at that DDL statement:
 * before the cut-over the shadow table is dropped and the table keeps the change; after it, the table keeps serving
 * the new schema (and the change) and the old table is left, no longer kept in step. A TRUNCATE ends it too: no row
 * event says which rows went, and before a shadow table kept them all and served them again after the cut-over. So
 * does any other change of the old schema's table while it serves (an index, a column's comment), which the cut-over
 * undid before, serving the shadow table without it; a table rebuilt changes nothing and the migration goes on.
 */
class ChangedOutsideIT {
    static final String COLUMNS = "id BIGINT PRIMARY KEY, note VARCHAR(20)";

    @Test
    void aColumnOrAnIndexChangedOutsideFailsTheMigrationAndARebuildDoesNot() throws Exception {
        Flipside f = Flipside.get();
        TableName indexed = f.recreate(new TableName("outside", "indexed"), COLUMNS);
        TableName rebuilt = f.recreate(new TableName("outside", "rebuilt"), COLUMNS);
        TableName held = f.recreate(new TableName("outside", "held"), COLUMNS);
        TableName swapped = f.recreate(new TableName("outside", "swapped"), COLUMNS);
        TableName truncated = f.recreate(new TableName("outside", "truncated"), COLUMNS);
        TableName dropped = f.recreate(new TableName("outside", "dropped"), COLUMNS);
        TableName renamed = f.recreate(new TableName("outside", "renamed"), COLUMNS);
        f.recreate(new TableName("outside", "renamed_away"), COLUMNS);
        f.exec("DROP TABLE outside.renamed_away");
        for (TableName t : List.of(indexed, rebuilt, held, swapped, truncated, dropped, renamed)) {
            f.fill(t, 500, "n, CONCAT('note ', n)");
        }
        String indexedId;
        String heldId;
        String swappedId;
        String truncatedId;
        String droppedId;
        String renamedId;
        try (OperatorClient client = new OperatorClient(f.config)) {
            indexedId = submit(f, indexed, true);
            String rebuiltId = submit(f, rebuilt, true);
            heldId = submit(f, held, true);
            swappedId = submit(f, swapped, false);
            truncatedId = submit(f, truncated, true);
            droppedId = submit(f, dropped, true);
            renamedId = submit(f, renamed, true);
            ConcurrencyIT.await(client, droppedId, MigrationStatus.READY);
            ConcurrencyIT.await(client, renamedId, MigrationStatus.READY);
            ConcurrencyIT.await(client, indexedId, MigrationStatus.READY);
            ConcurrencyIT.await(client, rebuiltId, MigrationStatus.READY);
            ConcurrencyIT.await(client, heldId, MigrationStatus.READY);
            ConcurrencyIT.await(client, swappedId, MigrationStatus.CUT_OVER);
            ConcurrencyIT.await(client, truncatedId, MigrationStatus.READY);

            f.exec("ALTER TABLE " + indexed.quoted() + " ADD INDEX by_note (note)",
                    "ALTER TABLE " + rebuilt.quoted() + " FORCE",
                    "ALTER TABLE " + held.quoted() + " ADD COLUMN z INT NOT NULL DEFAULT 7",
                    "UPDATE " + held.quoted() + " SET z = 99 WHERE id <= 10",
                    "ALTER TABLE " + swapped.quoted() + " ADD COLUMN z INT NOT NULL DEFAULT 7",
                    "TRUNCATE TABLE " + truncated.quoted(),
                    "INSERT INTO " + truncated.quoted() + " VALUES (1000, 'new')",
                    "DROP TABLE " + dropped.quoted(),
                    "RENAME TABLE " + renamed.quoted() + " TO outside.renamed_away",
                    "INSERT INTO outside.renamed_away VALUES (1000, 'new')");

            MigrationState i = ConcurrencyIT.await(client, indexedId, MigrationStatus.FAILED);
            assertTrue(i.getError().contains("the definition of " + indexed + " was changed outside Flipside during"
                    + " the migration (ALTER TABLE " + indexed.quoted() + " ADD INDEX by_note (note); now KEY `by_note`"
                    + " (`note`)), which a cut-over would undo") && i.getError().contains("the shadow table is dropped"),
                    i.getError());
            MigrationState h = ConcurrencyIT.await(client, heldId, MigrationStatus.FAILED);
            assertTrue(h.getError().contains("the columns of " + held + " were changed outside Flipside")
                    && h.getError().contains("ADD COLUMN z") && h.getError().contains("the shadow table is dropped"),
                    h.getError());
            MigrationState s = ConcurrencyIT.await(client, swappedId, MigrationStatus.FAILED);
            assertTrue(s.getError().contains("the columns of " + swapped + " were changed outside Flipside")
                    && s.getError().contains("serves the new schema with every write"), s.getError());

            MigrationState t = ConcurrencyIT.await(client, truncatedId, MigrationStatus.FAILED);
            assertTrue(t.getError().contains("the rows of " + truncated + " were removed outside Flipside")
                    && t.getError().contains("TRUNCATE") && t.getError().contains("the shadow table is dropped"),
                    t.getError());

            for (String[] gone : new String[][] {{droppedId, dropped.toString(), "DROP TABLE"},
                    {renamedId, renamed.toString(), "RENAME TABLE"}}) {
                MigrationState g = ConcurrencyIT.await(client, gone[0], MigrationStatus.FAILED);
                assertTrue(g.getError().contains(gone[1] + " was dropped or renamed outside Flipside during the"
                        + " migration (" + gone[2]) && g.getError().contains("the shadow table is dropped"),
                        g.getError());
            }

            assertEquals(Main.OK, f.cli("cutover", rebuiltId, "--wait").exit(), "a table rebuilt is no change");
            assertEquals(MigrationStatus.CUT_OVER, client.awaitState(rebuiltId,
                    x -> x.getStatus() == MigrationStatus.CUT_OVER, java.time.Duration.ofSeconds(60)).orElseThrow()
                    .getStatus());
        }
        try (Connection c = f.connect()) {
            List<String> tables = Schemas.tables(c, "outside");
            assertEquals(List.of("id", "note", "z"), Schemas.columns(c, "outside", "held"),
                    "the held table keeps the change made outside, and no column of the migration");
            assertFalse(tables.contains(Names.shadowTable(held.table(), heldId)), "its shadow is dropped: " + tables);
            assertEquals(List.of("id", "note", "extra", "z"), Schemas.columns(c, "outside", "swapped"),
                    "the cut-over table serves the new schema with the change made outside");
            assertTrue(tables.contains(Names.oldTable(swapped.table(), swappedId)), "its old table is left: " + tables);
            assertEquals(List.of("id", "note", "extra"), Schemas.columns(c, "outside", "rebuilt"));
            assertEquals(List.of("id", "note"), Schemas.columns(c, "outside", "indexed"));
            assertTrue(show(c, indexed).contains("KEY `by_note` (`note`)"), "the index added is kept");
            assertFalse(tables.contains(Names.shadowTable(indexed.table(), indexedId)), "shadow dropped: " + tables);
            assertEquals(List.of("id", "note"), Schemas.columns(c, "outside", "truncated"), "not swapped");
            assertFalse(tables.contains(Names.shadowTable(dropped.table(), droppedId)), "shadow dropped: " + tables);
            assertFalse(tables.contains(Names.shadowTable(renamed.table(), renamedId)), "shadow dropped: " + tables);
            assertFalse(tables.contains("renamed"), "nothing took the renamed table's name: " + tables);
            assertEquals(501, f.rows(new TableName("outside", "renamed_away")), "the renamed table is as it was");
            try (Statement s = c.createStatement();
                    java.sql.ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + truncated.quoted())) {
                rs.next();
                assertEquals(1, rs.getLong(1), "the truncated table has only the row written since, none back");
            }
        }
    }

    /**
     * The same changes made while no applier runs: the applier that takes the migrations up again reads the tables as
     * they are, and the DDL events it then reads meet tables that already have the change. Before, it saw no change
     * and the held migration would have cut over without the column. Now each migration keeps the columns it was
     * prepared with, and the old schema's table's definition, and the applier compares them as it takes it up (a
     * column's comment changed, in a definition). A restart over a sidecar of an earlier build that had not recorded
     * them records them and goes on.
     */
    @Test
    void aColumnChangedWhileNoApplierRunsFailsTheMigrationWhenOneTakesItUp() throws Exception {
        Flipside f = Flipside.get();
        FlipsideConfig config = Flipside.isolated(f.config, "co", UUID.randomUUID().toString().substring(0, 8));
        TableName held = f.recreate(new TableName("outside_stopped", "held"), COLUMNS);
        TableName swapped = f.recreate(new TableName("outside_stopped", "swapped"), COLUMNS);
        TableName commented = f.recreate(new TableName("outside_stopped", "commented"), COLUMNS);
        TableName earlier = f.recreate(new TableName("outside_stopped", "earlier"), COLUMNS);
        for (TableName t : List.of(held, swapped, commented, earlier)) {
            f.fill(t, 500, "n, CONCAT('note ', n)");
        }
        List<String> ids = CaptureExcludeIT.heldAndCutOver(f, config, held, swapped);
        String heldId = ids.get(0);
        String swappedId = ids.get(1);
        ids = CaptureExcludeIT.heldAndCutOver(f, config, commented, earlier);
        String commentedId = ids.get(0);
        String earlierId = ids.get(1);
        String sidecarTable = Sql.ident(config.get(FlipsideConfig.SIDECAR_DATABASE)) + ".apply_state";
        f.exec("ALTER TABLE " + held.quoted() + " ADD COLUMN z INT NOT NULL DEFAULT 7",
                "ALTER TABLE " + swapped.quoted() + " MODIFY note VARCHAR(40)",
                "ALTER TABLE " + commented.quoted() + " MODIFY note VARCHAR(20) COMMENT 'said elsewhere'");
        try (Connection c = f.connect(); PreparedStatement ps = c.prepareStatement("UPDATE " + sidecarTable
                + " SET old_columns = NULL, new_columns = NULL, old_definition = NULL WHERE migration_id = ?")) {
            ps.setString(1, earlierId); // as a migration prepared by an earlier build
            assertEquals(1, ps.executeUpdate());
        }

        try (Roles roles = Roles.start(config, EnumSet.allOf(Roles.Role.class));
                OperatorClient client = new OperatorClient(config)) {
            MigrationState h = ConcurrencyIT.await(client, heldId, MigrationStatus.FAILED);
            assertTrue(h.getError().contains("the columns of " + held + " were changed outside Flipside while no"
                    + " applier was replicating the migration (now `z` int") // int(11) before MySQL 8.0.19
                    && h.getError().contains(" NOT NULL (has a default))")
                    && h.getError().contains("the shadow table is dropped"), h.getError());
            MigrationState s = ConcurrencyIT.await(client, swappedId, MigrationStatus.FAILED);
            assertTrue(s.getError().contains("the columns of " + swapped + " were changed outside Flipside while no"
                    + " applier was replicating the migration (now `note` varchar(40)") && s.getError().contains("was `note` varchar(20)")
                    && s.getError().contains("serves the new schema with every write"), s.getError());

            MigrationState m = ConcurrencyIT.await(client, commentedId, MigrationStatus.FAILED);
            assertTrue(m.getError().contains("the definition of " + commented + " was changed outside Flipside while"
                    + " no applier was replicating the migration (now `note` varchar(20) DEFAULT NULL COMMENT 'said"
                    + " elsewhere'; was `note` varchar(20) DEFAULT NULL), which a cut-over would undo")
                    && m.getError().contains("the shadow table is dropped"), m.getError());
            awaitRecorded(f, sidecarTable, earlierId);
            assertEquals(MigrationStatus.CUT_OVER, client.state(earlierId).orElseThrow().getStatus(),
                    "what an earlier build did not record is recorded, and the migration goes on");
        }
        try (Connection c = f.connect()) {
            assertEquals(List.of("id", "note", "z"), Schemas.columns(c, "outside_stopped", "held"));
            assertFalse(Schemas.tables(c, "outside_stopped").contains(Names.shadowTable(held.table(), heldId)));
            assertTrue(show(c, commented).contains("COMMENT 'said elsewhere'"), "the comment is kept");
            assertFalse(Schemas.tables(c, "outside_stopped").contains(Names.shadowTable(commented.table(),
                    commentedId)));
            try (PreparedStatement ps = c.prepareStatement("SELECT old_columns, new_columns, old_definition FROM "
                    + sidecarTable + " WHERE migration_id = ?")) {
                ps.setString(1, earlierId);
                java.sql.ResultSet rs = ps.executeQuery();
                assertTrue(rs.next());
                String note = java.util.regex.Pattern.quote("`note` varchar(20) CHARACTER SET utf8mb4 COLLATE"
                        + " utf8mb4_0900_ai_ci");
                assertTrue(rs.getString(1).matches("`id` bigint(\\(20\\))? NOT NULL\n" + note), rs.getString(1));
                assertTrue(rs.getString(2).matches("`id` bigint(\\(20\\))? NOT NULL\n" + note
                        + "\n`extra` int(\\(11\\))?"), rs.getString(2));
                assertTrue(rs.getString(3).startsWith("(\n  `id` bigint") && rs.getString(3).contains("`note`"
                        + " varchar(20)") && !rs.getString(3).contains("extra"), "the old schema's table, recorded"
                        + " where it is since the cut-over: " + rs.getString(3));
            }
        }
    }

    /**
     * A change too large for the changelog even without its long values keeps only the values of the table's unique
     * keys, as the capture reads them when it publishes the change. With the capture behind, the migration's key can
     * be dropped before then: the change reaches the applier without it. Before, the applier threw an
     * IllegalStateException at it and retried, and the retry failed the migration for a change made "while no applier
     * was replicating", which was not so. Now the migration fails at that change, saying what happened, and the table
     * keeps every row and the change.
     */
    @Test
    void aChangeThatReachesTheChangelogWithoutTheKeyFailsTheMigration() throws Exception {
        Flipside f = Flipside.get();
        FlipsideConfig config = Flipside.isolated(f.config, "co", UUID.randomUUID().toString().substring(0, 8));
        String wide = java.util.stream.IntStream.rangeClosed(1, 180).mapToObj(i -> "c" + i + " TEXT")
                .collect(java.util.stream.Collectors.joining(", "));
        TableName t = f.recreate(new TableName("outside_lagging", "wide"), "code VARCHAR(20) NOT NULL, note"
                + " VARCHAR(20), " + wide + ", UNIQUE KEY by_code (code)");
        String values = java.util.stream.IntStream.rangeClosed(1, 180).mapToObj(i -> "REPEAT('v', 3000)")
                .collect(java.util.stream.Collectors.joining(", "));
        f.exec("INSERT INTO " + t.quoted() + " VALUES ('k1', 'a', " + values + ")",
                "INSERT INTO " + t.quoted() + " VALUES ('k2', 'b', " + values + ")");
        String id;
        try (Roles applying = Roles.start(config, EnumSet.of(Roles.Role.CONTROLLER, Roles.Role.APPLIER));
                OperatorClient client = new OperatorClient(config)) {
            try (Roles capture = Roles.start(config, EnumSet.of(Roles.Role.CAPTURE))) {
                Flipside.Run r = f.cli(config, "submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT",
                        "--postpone-cutover");
                assertEquals(Main.OK, r.exit(), r.toString());
                id = r.lastLine();
                ConcurrencyIT.await(client, id, MigrationStatus.READY);
            }
            // 180 values of 3,000 bytes, none long enough to be left out: an UPDATE's two images take more than the
            // changelog's 1 MiB.
            String set = java.util.stream.IntStream.rangeClosed(1, 180).mapToObj(i -> "c" + i + " = REPEAT('w',"
                    + " 3000)").collect(java.util.stream.Collectors.joining(", "));
            f.exec("UPDATE " + t.quoted() + " SET " + set + " WHERE code = 'k1'",
                    "ALTER TABLE " + t.quoted() + " DROP INDEX by_code");
            try (Roles capture = Roles.start(config, EnumSet.of(Roles.Role.CAPTURE))) {
                MigrationState s = ConcurrencyIT.await(client, id, MigrationStatus.FAILED);
                assertTrue(s.getError().contains("a change of " + t + " reached the changelog without its key columns"
                        + " [code]: the table's keys were changed outside Flipside during the migration")
                        && s.getError().contains("the shadow table is dropped"), s.getError());
            }
        }
        try (Connection c = f.connect(); Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT code, LENGTH(c180) FROM " + t.quoted()
                        + " ORDER BY code")) {
            assertTrue(rs.next());
            assertEquals("k1", rs.getString(1));
            assertEquals(3000, rs.getInt(2), "the change is kept");
            assertTrue(rs.next());
            assertEquals("k2", rs.getString(1));
            assertFalse(rs.next());
            assertFalse(Schemas.tables(c, t.database()).contains(Names.shadowTable(t.table(), id)), "shadow dropped");
        }
    }

    /**
     * A zero date written into the key while the migration runs, by a session whose sql_mode allows it: the capture
     * gives it as 1970-01-01, under which that row's changes would be looked for. The applier looks into such a key in
     * both tables and ends the migration, naming the row; a real 1970-01-01 in a key is looked into and goes on.
     */
    @Test
    void aZeroDateWrittenIntoTheKeyEndsTheMigrationAndARealEpochDoesNot() throws Exception {
        Flipside f = Flipside.get();
        String columns = "d DATE NOT NULL, id INT NOT NULL, note VARCHAR(20), PRIMARY KEY (d, id)";
        TableName zeroed = f.recreate(new TableName("outside", "zero_dated"), columns);
        TableName epoch = f.recreate(new TableName("outside", "epoch_dated"), columns);
        for (TableName t : List.of(zeroed, epoch)) {
            f.fill(t, 200, "IF(n % 2 = 0, '1970-01-01', '2021-03-04'), n, CONCAT('note ', n)");
        }
        try (OperatorClient client = new OperatorClient(f.config)) {
            String zeroedId = submit(f, zeroed, true);
            String epochId = submit(f, epoch, true);
            ConcurrencyIT.await(client, zeroedId, MigrationStatus.READY);
            ConcurrencyIT.await(client, epochId, MigrationStatus.READY);
            f.exec("UPDATE " + epoch.quoted() + " SET note = 'changed' WHERE d = '1970-01-01' AND id <= 20",
                    "DELETE FROM " + epoch.quoted() + " WHERE d = '1970-01-01' AND id > 190",
                    "SET SESSION sql_mode = ''",
                    "INSERT INTO " + zeroed.quoted() + " VALUES ('0000-00-00', 1000, 'zero')");
            MigrationState failed = ConcurrencyIT.await(client, zeroedId, MigrationStatus.FAILED);
            assertTrue(failed.getError().contains("a zero date, or one with a zero month or day, was written into the"
                    + " key (d, id) of " + zeroed + " during the migration (the row (0000-00-00|1000))")
                    && failed.getError().contains("the shadow table is dropped"), failed.getError());
            assertEquals(Main.OK, f.cli("cutover", epochId).exit());
            ConcurrencyIT.await(client, epochId, MigrationStatus.CUT_OVER);
            assertTrue(LossyRevertIT.awaitVerdict(epochId, "CUT_OVER").getMatched(), "the 1970-01-01 keys followed");
            assertEquals(Main.OK, f.cli("complete", epochId, "--wait").exit());
            try (Connection c = f.connect()) {
                assertFalse(Schemas.tables(c, "outside").contains(Names.shadowTable(zeroed.table(), zeroedId)),
                        "shadow dropped");
            }
        }
        assertEquals(201, f.rows(zeroed), "the table keeps every row, the zero-dated one too");
    }

    /**
     * The same after the cut-over, in inverse replication: a zero date written into the new table's key ends the
     * migration; the new table keeps serving with the row, and the old one is left.
     */
    @Test
    void aZeroDateWrittenIntoTheKeyAfterTheCutOverEndsTheMigration() throws Exception {
        Flipside f = Flipside.get();
        TableName t = f.recreate(new TableName("outside", "zero_dated_after"),
                "d DATE NOT NULL, id INT NOT NULL, note VARCHAR(20), PRIMARY KEY (d, id)");
        f.fill(t, 200, "IF(n % 2 = 0, '1970-01-01', '2021-03-04'), n, CONCAT('note ', n)");
        try (OperatorClient client = new OperatorClient(f.config)) {
            String id = submit(f, t, false);
            ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            f.exec("UPDATE " + t.quoted() + " SET note = 'changed' WHERE d = '1970-01-01' AND id <= 20",
                    "SET SESSION sql_mode = ''",
                    "INSERT INTO " + t.quoted() + " (d, id, note) VALUES ('2021-00-00', 1000, 'zero day')");
            MigrationState failed = ConcurrencyIT.await(client, id, MigrationStatus.FAILED);
            assertTrue(failed.getError().contains("a zero date, or one with a zero month or day, was written into the"
                    + " key (d, id) of " + t + " during the migration (the row (2021-00-00|1000))"), failed.getError());
            TableName old = t.sibling(Names.oldTable(t.table(), id));
            try (Connection c = f.connect()) {
                assertTrue(Schemas.tables(c, "outside").contains(old.table()), "the old table is left");
            }
            assertEquals(1, f.rows(t, 1000), "the new table serves, with the row");
        }
    }

    /** Submits "ADD COLUMN extra INT" for {@code t}, its cut-over postponed or not; returns the migration's id. */
    static String submit(Flipside f, TableName t, boolean postpone) {
        Flipside.Run r = postpone ? f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT",
                "--postpone-cutover") : f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT");
        assertEquals(Main.OK, r.exit(), r.toString());
        return r.lastLine();
    }

    /** SHOW CREATE TABLE. */
    private static String show(Connection c, TableName t) throws Exception {
        try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("SHOW CREATE TABLE "
                + t.quoted())) {
            rs.next();
            return rs.getString(2);
        }
    }

    /** Waits until the applier has recorded what an earlier build did not. */
    private static void awaitRecorded(Flipside f, String sidecarTable, String id) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        try (Connection c = f.connect(); PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM "
                + sidecarTable + " WHERE migration_id = ? AND old_columns IS NOT NULL AND old_definition IS NOT NULL")) {
            ps.setString(1, id);
            while (true) {
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) == 1) {
                        return;
                    }
                }
                assertTrue(System.currentTimeMillis() < deadline, "never recorded for " + id);
                Thread.sleep(200);
            }
        }
    }
}
