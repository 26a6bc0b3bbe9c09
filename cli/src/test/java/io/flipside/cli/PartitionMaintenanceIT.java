package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.migration.Names;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.Schemas;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Partition maintenance that removes or replaces a table's rows without a row event in the binlog ({@code TRUNCATE
 * PARTITION}, {@code DROP PARTITION}, {@code EXCHANGE PARTITION}, of the table or of a partitioned table whose partition
 * is exchanged with it) while the table is migrated. Before,
 * the migration went on: {@code TRUNCATE PARTITION} and {@code EXCHANGE PARTITION} leave the table's definition as it
 * was, so no check saw them, and the cut-over served the rows the shadow table still had (a {@code DROP PARTITION}
 * after the cut-over left them in the old table, for a revert to serve again). Now such a statement ends the migration
 * as a {@code TRUNCATE} does: before the cut-over the shadow table is dropped and the table keeps what was done to it;
 * after it, the new table serves and the old one is left. Maintenance that keeps the rows (a reorganisation) changes
 * the table's definition, which ends a migration before its cut-over as an index added outside does.
 */
class PartitionMaintenanceIT {
    static final String PARTITIONED = " (id INT NOT NULL, created DATE NOT NULL, note VARCHAR(20),"
            + " PRIMARY KEY (id, created)) PARTITION BY RANGE COLUMNS (created) ("
            + "PARTITION p2024 VALUES LESS THAN ('2025-01-01'), PARTITION pmax VALUES LESS THAN (MAXVALUE))";

    @Test
    void partitionMaintenanceThatRemovesRowsFailsTheMigration() throws Exception {
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
        String droppedId;
        try (OperatorClient client = new OperatorClient(f.config)) {
            String reorganisedId = ChangedOutsideIT.submit(f, reorganised, true);
            String truncatedId = ChangedOutsideIT.submit(f, truncated, true);
            String exchangedId = ChangedOutsideIT.submit(f, exchanged, true);
            String swappedOutId = ChangedOutsideIT.submit(f, swappedOut, true);
            droppedId = ChangedOutsideIT.submit(f, dropped, false);
            ConcurrencyIT.await(client, truncatedId, MigrationStatus.READY);
            ConcurrencyIT.await(client, exchangedId, MigrationStatus.READY);
            ConcurrencyIT.await(client, swappedOutId, MigrationStatus.READY);
            ConcurrencyIT.await(client, droppedId, MigrationStatus.CUT_OVER);
            ConcurrencyIT.await(client, reorganisedId, MigrationStatus.READY);

            f.exec("ALTER TABLE " + truncated.quoted() + " TRUNCATE PARTITION p2024",
                    "ALTER TABLE " + exchanged.quoted() + " EXCHANGE PARTITION p2024 WITH TABLE " + swapIn.quoted(),
                    "ALTER TABLE " + host.quoted() + " EXCHANGE PARTITION p2024 WITH TABLE " + swappedOut.quoted(),
                    "ALTER TABLE " + dropped.quoted() + " DROP PARTITION p2024",
                    "ALTER TABLE " + reorganised.quoted() + " REORGANIZE PARTITION pmax INTO (PARTITION p2025 VALUES"
                            + " LESS THAN ('2026-01-01'), PARTITION pmax VALUES LESS THAN (MAXVALUE))");

            for (Object[] c : new Object[][] {{truncatedId, truncated, "removed", "TRUNCATE PARTITION"},
                    {exchangedId, exchanged, "replaced", "EXCHANGE PARTITION"},
                    {swappedOutId, swappedOut, "replaced", "EXCHANGE PARTITION"}}) {
                MigrationState s = ConcurrencyIT.await(client, (String) c[0], MigrationStatus.FAILED);
                assertTrue(s.getError().contains("the rows of " + c[1] + " were " + c[2] + " outside Flipside")
                        && s.getError().contains((String) c[3]) && s.getError().contains("the shadow table is dropped"),
                        s.getError());
            }
            MigrationState r = ConcurrencyIT.await(client, reorganisedId, MigrationStatus.FAILED);
            assertTrue(r.getError().contains("the definition of " + reorganised + " was changed outside Flipside")
                    && r.getError().contains("PARTITION p2025"), "maintenance that keeps the rows changes the"
                            + " definition, which a cut-over would undo: " + r.getError());
            MigrationState d = ConcurrencyIT.await(client, droppedId, MigrationStatus.FAILED);
            assertTrue(d.getError().contains("the rows of " + dropped + " were removed outside Flipside")
                    && d.getError().contains("DROP PARTITION")
                    && d.getError().contains("serves the new schema with every write"), d.getError());
        }
        try (Connection c = f.connect()) {
            List<String> tables = Schemas.tables(c, "partitions");
            assertTrue(tables.stream().noneMatch(t -> t.startsWith("_truncated_") || t.startsWith("_exchanged_")
                    || t.startsWith("_swapped_out_")), "their shadow tables are dropped: " + tables);
            assertTrue(tables.contains(Names.oldTable(dropped.table(), droppedId)), "the old table is left: " + tables);
            assertEquals(List.of("id", "created", "note"), Schemas.columns(c, "partitions", "truncated"));
            assertEquals(List.of("id", "created", "note"), Schemas.columns(c, "partitions", "exchanged"));
            assertEquals(List.of("id", "created", "note", "extra"), Schemas.columns(c, "partitions", "dropped"),
                    "the new schema serves");
        }
        assertEquals(100, f.rows(truncated), "the truncated partition's rows stay gone");
        assertEquals(101, f.rows(exchanged), "the partition holds the row exchanged in, not its rows before");
        assertEquals(100, f.rows(dropped), "the dropped partition's rows stay gone");
        assertEquals(100, f.rows(swappedOut), "the table holds the partition's rows exchanged in");
        assertEquals(200, f.rows(reorganised), "a reorganisation keeps the rows");
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
