package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.migration.Names;
import io.flipside.core.sql.TableName;
import io.flipside.schema.ChecksumVerdict;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.Schemas;
import java.sql.Connection;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Partition maintenance of a table while it is migrated. Maintenance that removes or replaces rows without a row
 * event in the binlog and that Flipside cannot do again on the table that does not serve ({@code EXCHANGE PARTITION},
 * of the table or of a partitioned table whose partition is exchanged with it; a {@code TRUNCATE PARTITION} of a table
 * whose migration partitions it anew, before or after the cut-over) ends the migration as a {@code TRUNCATE} does:
 * before the cut-over the shadow table is dropped and the table keeps what was done to it; after it, the new table
 * serves and the old one is left. Before, the migration went on and the cut-over served the rows the shadow table
 * still had. Maintenance that names its partitions ({@code TRUNCATE}, {@code DROP}, {@code REORGANIZE PARTITION}),
 * in READY or while the copy runs, is done again on the shadow table before the cut-over and on the old table after
 * it, and the migration goes on (before, it ended the migration): the cut-over, and a revert, serve it with matching
 * checksums. A
 * shadow table whose partitions were changed from elsewhere fails the cut-over. A rotation under writers, with a kill
 * of the applier between doing it again and recording it: {@code PartitionRotationIT} in the chaos module.
 */
class PartitionMaintenanceIT {
    static final String PARTITIONED = " (id INT NOT NULL, created DATE NOT NULL, note VARCHAR(20),"
            + " PRIMARY KEY (id, created)) PARTITION BY RANGE COLUMNS (created) ("
            + "PARTITION p2024 VALUES LESS THAN ('2025-01-01'), PARTITION pmax VALUES LESS THAN (MAXVALUE))";

    /** A migration that partitions the table anew: its shadow table does not have the table's partitions. */
    static final String REPARTITION = "ADD COLUMN extra INT PARTITION BY RANGE COLUMNS (created) (PARTITION p2023"
            + " VALUES LESS THAN ('2024-01-01'), PARTITION p2024 VALUES LESS THAN ('2025-01-01'), PARTITION pmax VALUES"
            + " LESS THAN (MAXVALUE))";

    @Test
    void partitionMaintenanceIsCarriedOrEndsTheMigration() throws Exception {
        Flipside f = Flipside.get();
        TableName truncated = partitioned(f, "truncated");
        TableName exchanged = partitioned(f, "exchanged");
        TableName dropped = partitioned(f, "dropped");
        TableName host = partitioned(f, "host");
        TableName swapIn = new TableName("partitions", "swap_in");
        TableName swappedOut = new TableName("partitions", "swapped_out");
        for (TableName t : List.of(swapIn, swappedOut)) {
            f.exec("DROP TABLE IF EXISTS " + t.quoted(), "CREATE TABLE " + t.quoted() + " (id INT NOT NULL, created"
                    + " DATE NOT NULL, note VARCHAR(20), PRIMARY KEY (id, created))",
                    "INSERT INTO " + t.quoted() + " VALUES (7000, '2024-06-01', 'swapped in')");
        }
        TableName reorganised = partitioned(f, "reorganised");
        TableName repartitioned = partitioned(f, "repartitioned");
        TableName diverged = partitioned(f, "diverged");
        TableName repartitionedAfter = partitioned(f, "repartitioned_after");
        String droppedId;
        String repartitionedAfterId;
        try (OperatorClient client = new OperatorClient(f.config)) {
            String reorganisedId = ChangedOutsideIT.submit(f, reorganised, true);
            String truncatedId = ChangedOutsideIT.submit(f, truncated, true);
            String divergedId = ChangedOutsideIT.submit(f, diverged, true);
            Flipside.Run r0 = f.cli("submit", "--table", repartitioned.toString(), "--alter", REPARTITION,
                    "--postpone-cutover");
            assertEquals(Main.OK, r0.exit(), r0.toString());
            String repartitionedId = r0.lastLine();
            String exchangedId = ChangedOutsideIT.submit(f, exchanged, true);
            String swappedOutId = ChangedOutsideIT.submit(f, swappedOut, true);
            droppedId = ChangedOutsideIT.submit(f, dropped, false);
            Flipside.Run r1 = f.cli("submit", "--table", repartitionedAfter.toString(), "--alter", REPARTITION);
            assertEquals(Main.OK, r1.exit(), r1.toString());
            repartitionedAfterId = r1.lastLine();
            ConcurrencyIT.await(client, truncatedId, MigrationStatus.READY);
            ConcurrencyIT.await(client, exchangedId, MigrationStatus.READY);
            ConcurrencyIT.await(client, swappedOutId, MigrationStatus.READY);
            ConcurrencyIT.await(client, droppedId, MigrationStatus.CUT_OVER);
            ConcurrencyIT.await(client, repartitionedAfterId, MigrationStatus.CUT_OVER);
            ConcurrencyIT.await(client, reorganisedId, MigrationStatus.READY);
            ConcurrencyIT.await(client, repartitionedId, MigrationStatus.READY);
            ConcurrencyIT.await(client, divergedId, MigrationStatus.READY);

            // Run in another database, naming the table's: carried all the same.
            f.exec("CREATE DATABASE IF NOT EXISTS elsewhere", "USE elsewhere",
                    "ALTER TABLE " + truncated.quoted() + " TRUNCATE PARTITION p2024");
            f.exec(
                    "ALTER TABLE " + exchanged.quoted() + " EXCHANGE PARTITION p2024 WITH TABLE " + swapIn.quoted(),
                    "ALTER TABLE " + host.quoted() + " EXCHANGE PARTITION p2024 WITH TABLE " + swappedOut.quoted(),
                    "ALTER TABLE " + dropped.quoted() + " DROP PARTITION p2024",
                    "INSERT INTO " + dropped.quoted() + " (id, created, note) VALUES (1000, '2024-12-01', 'after')",
                    "ALTER TABLE " + repartitionedAfter.quoted() + " TRUNCATE PARTITION p2024",
                    "ALTER TABLE " + reorganised.quoted() + " REORGANIZE PARTITION pmax INTO (PARTITION p2025 VALUES"
                            + " LESS THAN ('2026-01-01'), PARTITION pmax VALUES LESS THAN (MAXVALUE))",
                    "ALTER TABLE " + repartitioned.quoted() + " TRUNCATE PARTITION p2024",
                    // The shadow table's partitions, changed from elsewhere: the cut-over would serve them.
                    "ALTER TABLE " + diverged.sibling(Names.shadowTable(diverged.table(), divergedId)).quoted()
                            + " REORGANIZE PARTITION pmax INTO (PARTITION p2025 VALUES LESS THAN ('2026-01-01'),"
                            + " PARTITION pmax VALUES LESS THAN (MAXVALUE))",
                    "INSERT INTO " + truncated.quoted() + " VALUES (1000, '2024-12-01', 'after'),"
                            + " (1001, '2025-12-01', 'after')",
                    "INSERT INTO " + reorganised.quoted() + " VALUES (1000, '2025-12-01', 'after')");

            for (Object[] c : new Object[][] {{exchangedId, exchanged, "replaced", "EXCHANGE PARTITION"},
                    {swappedOutId, swappedOut, "replaced", "EXCHANGE PARTITION"}}) {
                MigrationState s = ConcurrencyIT.await(client, (String) c[0], MigrationStatus.FAILED);
                assertTrue(s.getError().contains("the rows of " + c[1] + " were " + c[2] + " outside Flipside")
                        && s.getError().contains((String) c[3]) && s.getError().contains("the shadow table is dropped"),
                        s.getError());
            }
            MigrationState p = ConcurrencyIT.await(client, repartitionedId, MigrationStatus.FAILED);
            assertTrue(p.getError().contains("the rows of " + repartitioned + " were removed outside Flipside")
                    && p.getError().contains("the migration changes the table's partitioning"), p.getError());
            assertEquals(Main.OK, f.cli("cutover", divergedId).exit());
            MigrationState dv = ConcurrencyIT.await(client, divergedId, MigrationStatus.FAILED);
            assertTrue(dv.getError().contains("the partitions of " + diverged.sibling(Names.shadowTable(
                    diverged.table(), divergedId)) + " were changed outside Flipside: at the cut-over they are not"
                    + " those of " + diverged) && dv.getError().contains("p2025"), dv.getError());
            for (String id : List.of(truncatedId, reorganisedId)) {
                assertEquals(Main.OK, f.cli("cutover", id).exit());
                MigrationState s = ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
                assertEquals(MigrationStatus.CUT_OVER, s.getStatus(), "the maintenance was carried: " + s.getError());
                ChecksumVerdict v = LossyRevertIT.awaitVerdict(id, "CUT_OVER");
                assertTrue(v.getMatched(), "the new table has the maintenance and the rows after it: " + v);
            }
            MigrationState x = ConcurrencyIT.await(client, repartitionedAfterId, MigrationStatus.FAILED);
            assertTrue(x.getError().contains("the rows of " + repartitionedAfter + " were removed outside Flipside")
                    && x.getError().contains("TRUNCATE PARTITION")
                    && x.getError().contains("serves the new schema with every write"), x.getError());
            // After the cut-over, to the old table: a revert serves it with the partition dropped.
            assertEquals(Main.OK, f.cli("revert", droppedId).exit());
            MigrationState d = ConcurrencyIT.await(client, droppedId, MigrationStatus.REVERTED);
            assertEquals(MigrationStatus.REVERTED, d.getStatus(), "the DROP PARTITION was carried: " + d.getError());
            ChecksumVerdict v = LossyRevertIT.awaitVerdict(droppedId, "REVERT");
            assertTrue(v.getMatched(), "the old table has the maintenance and the row after it: " + v);
        }
        try (Connection c = f.connect()) {
            List<String> tables = Schemas.tables(c, "partitions");
            assertTrue(tables.stream().noneMatch(t -> t.matches("_repartitioned_[0-9a-f]+_new")
                    || t.startsWith("_exchanged_") || t.startsWith("_diverged_") || t.startsWith("_swapped_out_")),
                    "their shadow tables are dropped: " + tables);
            assertTrue(tables.contains(Names.oldTable(repartitionedAfter.table(), repartitionedAfterId)), "the old"
                    + " table is left: " + tables);
            assertEquals(List.of("id", "created", "note", "extra"), Schemas.columns(c, "partitions", "truncated"));
            assertEquals(List.of("p2024", "pmax"), partitions(c, truncated));
            assertEquals(List.of("p2024", "p2025", "pmax"), partitions(c, reorganised), "the new table serves with"
                    + " the partition made while it was the shadow table");
            assertEquals(List.of("id", "created", "note"), Schemas.columns(c, "partitions", "exchanged"));
            assertEquals(List.of("id", "created", "note", "extra"), Schemas.columns(c, "partitions",
                    "repartitioned_after"), "the new schema serves");
            assertEquals(List.of("id", "created", "note"), Schemas.columns(c, "partitions", "dropped"),
                    "the old schema serves again");
            assertEquals(List.of("pmax"), partitions(c, dropped));
        }
        assertEquals(102, f.rows(truncated), "the truncated partition's rows stay gone, the rows after it are there");
        assertEquals(101, f.rows(exchanged), "the partition holds the row exchanged in, not its rows before");
        assertEquals(101, f.rows(dropped), "the dropped partition's rows stay gone, the row after it is there");
        assertEquals(100, f.rows(swappedOut), "the table holds the partition's rows exchanged in");
        assertEquals(201, f.rows(reorganised), "a reorganisation keeps the rows");
        assertEquals(100, f.rows(repartitioned), "the repartitioned table keeps its truncation");
        assertEquals(200, f.rows(diverged), "the table whose shadow table diverged keeps serving");
    }

    /**
     * Maintenance while the copy runs is carried too (before, it failed the migration and asked for a retry): the
     * capture is held back so that the statements reach the applier while the copy runs, and rows are written to the
     * emptied partition after them. The cut-over serves the table as the maintenance and those rows left it. Beside
     * it, a shadow table whose LIST partitions lose a value from elsewhere: the copy, which waits for partitions the
     * shadow table lacks while the applier may still carry them, fails once the applier has read its marker, saying so.
     */
    @Test
    void partitionMaintenanceWhileTheCopyRunsIsCarried() throws Exception {
        Flipside f = Flipside.get();
        FlipsideConfig config = Flipside.isolated(f.config, "pm", UUID.randomUUID().toString().substring(0, 8));
        TableName copying = partitioned(f, "copying");
        TableName first = partitioned(f, "first");
        TableName diverging = new TableName("partitions", "diverging");
        f.exec("DROP TABLE IF EXISTS " + diverging.quoted(), "CREATE TABLE " + diverging.quoted() + " (id INT NOT NULL,"
                + " region INT NOT NULL, PRIMARY KEY (id, region)) PARTITION BY LIST (region) (PARTITION pa VALUES IN"
                + " (1, 2), PARTITION pb VALUES IN (3, 4))");
        f.fill(diverging, 200, "n, 1 + n % 4");
        try (Roles applying = Roles.start(config, EnumSet.of(Roles.Role.CONTROLLER, Roles.Role.APPLIER));
                OperatorClient client = new OperatorClient(config)) {
            // A first migration, so that the capture has published and stored a position before it stops.
            try (Roles capture = Roles.start(config, EnumSet.of(Roles.Role.CAPTURE))) {
                Flipside.Run r = f.cli(config, "submit", "--table", first.toString(), "--alter", "ADD COLUMN extra INT",
                        "--postpone-cutover");
                assertEquals(Main.OK, r.exit(), r.toString());
                ConcurrencyIT.await(client, r.lastLine(), MigrationStatus.READY);
                assertEquals(Main.OK, f.cli(config, "cancel", r.lastLine()).exit());
                ConcurrencyIT.await(client, r.lastLine(), MigrationStatus.CANCELLED);
            }
            Flipside.Run r = f.cli(config, "submit", "--table", copying.toString(), "--alter", "ADD COLUMN extra INT",
                    "--postpone-cutover");
            assertEquals(Main.OK, r.exit(), r.toString());
            String id = r.lastLine();
            ConcurrencyIT.await(client, id, MigrationStatus.COPYING);
            Flipside.Run d = f.cli(config, "submit", "--table", diverging.toString(), "--alter", "ADD COLUMN extra INT",
                    "--postpone-cutover");
            assertEquals(Main.OK, d.exit(), d.toString());
            String divergingId = d.lastLine();
            ConcurrencyIT.await(client, divergingId, MigrationStatus.COPYING);
            // From elsewhere, on the shadow table: the rows of region 4 have no partition there any more.
            f.exec("ALTER TABLE " + diverging.sibling(Names.shadowTable(diverging.table(), divergingId)).quoted()
                    + " REORGANIZE PARTITION pb INTO (PARTITION pb VALUES IN (3))");
            f.exec("ALTER TABLE " + copying.quoted() + " TRUNCATE PARTITION p2024",
                    "ALTER TABLE " + copying.quoted() + " REORGANIZE PARTITION pmax INTO (PARTITION p2025 VALUES LESS"
                            + " THAN ('2026-01-01'), PARTITION pmax VALUES LESS THAN (MAXVALUE))",
                    "INSERT INTO " + copying.quoted() + " VALUES (1001, '2024-05-01', 'after'), (1002, '2024-06-01',"
                            + " 'after')");
            try (Roles capture = Roles.start(config, EnumSet.of(Roles.Role.CAPTURE))) {
                MigrationState failed = ConcurrencyIT.await(client, divergingId, MigrationStatus.FAILED);
                assertTrue(failed.getError().contains("Table has no partition for value 4, and the partitions of "
                        + diverging.sibling(Names.shadowTable(diverging.table(), divergingId)) + " were changed outside"
                        + " Flipside"), failed.getError());
                MigrationState ready = ConcurrencyIT.await(client, id, MigrationStatus.READY);
                assertEquals(MigrationStatus.READY, ready.getStatus(), ready.getError());
                try (Connection c = f.connect()) {
                    assertEquals(List.of("p2024", "p2025", "pmax"), partitions(c, copying.sibling(
                            Names.shadowTable(copying.table(), id))), "the shadow table has the maintenance");
                }
                assertEquals(Main.OK, f.cli(config, "cutover", id).exit());
                MigrationState cut = ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
                assertEquals(MigrationStatus.CUT_OVER, cut.getStatus(), cut.getError());
                ChecksumVerdict verdict = LossyRevertIT.awaitVerdict(config, id, "CUT_OVER");
                assertTrue(verdict.getMatched(), "the new table has the maintenance and the rows after it: " + verdict);
                assertEquals(Main.OK, f.cli(config, "complete", id, "--wait").exit());
            }
        }
        assertEquals(102, f.rows(copying), "the truncated partition's rows stay gone, the rows after it are there");
        try (Connection c = f.connect()) {
            assertEquals(List.of("id", "created", "note", "extra"), Schemas.columns(c, "partitions", "copying"));
            assertEquals(List.of("p2024", "p2025", "pmax"), partitions(c, copying));
        }
    }

    /**
     * A migration that partitions the table anew, leaving no partition for some of its rows, fails its copy with
     * MySQL's error at once: the copy waits for a partition the shadow table lacks only where the migration keeps the
     * table's partitions (an {@code ADD PARTITION} not carried yet).
     */
    @Test
    void aNewPartitioningWithoutRoomForEveryRowFailsTheCopy() throws Exception {
        Flipside f = Flipside.get();
        TableName narrowed = partitioned(f, "narrowed");
        Flipside.Run r = f.cli("submit", "--table", narrowed.toString(), "--alter", "PARTITION BY RANGE COLUMNS"
                + " (created) (PARTITION p2024 VALUES LESS THAN ('2025-01-01'))");
        assertEquals(Main.OK, r.exit(), r.toString());
        try (OperatorClient client = new OperatorClient(f.config)) {
            MigrationState s = client.awaitState(r.lastLine(), x -> x.getStatus() == MigrationStatus.FAILED
                    || x.getStatus() == MigrationStatus.READY, java.time.Duration.ofMinutes(2)).orElseThrow();
            assertEquals(MigrationStatus.FAILED, s.getStatus());
            assertTrue(s.getError().contains("Table has no partition for value"), s.getError());
        }
        assertEquals(200, f.rows(narrowed), "the table keeps its rows");
        try (Connection c = f.connect()) {
            assertEquals(List.of("p2024", "pmax"), partitions(c, narrowed), "and its partitions");
        }
    }

    /** The names of {@code t}'s partitions, in order. */
    static List<String> partitions(Connection c, TableName t) throws Exception {
        return Schemas.partitions(c, t.database(), t.table());
    }

    /** A table of 100 rows in 2024's partition and 100 in the other. */
    private static TableName partitioned(Flipside f, String name) throws Exception {
        TableName t = new TableName("partitions", name);
        f.exec("CREATE DATABASE IF NOT EXISTS partitions", "DROP TABLE IF EXISTS " + t.quoted(),
                "CREATE TABLE " + t.quoted() + PARTITIONED);
        f.fill(t, 200, "n, IF(n <= 100, '2024-03-01', '2025-03-01') + INTERVAL n DAY, CONCAT('note ', n)");
        return t;
    }
}
