package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flipside.core.migration.Names;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.Schemas;
import java.sql.Connection;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The optimizer's histograms follow their table through a RENAME: before, the table swapped in served without the
 * histograms the application's query plans were made with. Now the shadow table gets the table's histograms after the
 * copy, with as many buckets, on the columns of the same name and type, and what changed on the table since before
 * the first cut-over: as MySQL's own ALTER keeps them (compared with one in the same test). A swap builds none (a
 * histogram reads the whole table): after the first cut-over each table keeps its own.
 */
class HistogramsIT {
    static final String ALTER = "ADD COLUMN extra INT, MODIFY c VARCHAR(40), CHANGE d d2 INT";

    @Test
    void theNewTableHasTheHistogramsMySqlsOwnAlterKeeps() throws Exception {
        Flipside f = Flipside.get();
        String columns = "id BIGINT PRIMARY KEY, k INT, c VARCHAR(20), d INT, e INT";
        TableName t = f.recreate(new TableName("histograms", "orders"), columns);
        TableName altered = f.recreate(t.sibling("altered_by_mysql"), columns);
        for (TableName table : new TableName[] {t, altered}) {
            f.fill(table, 200, "n, n % 17, CONCAT('c', n % 5), n % 3, n % 11");
            f.exec("ANALYZE TABLE " + table.quoted() + " UPDATE HISTOGRAM ON k WITH 16 BUCKETS",
                    "ANALYZE TABLE " + table.quoted() + " UPDATE HISTOGRAM ON c WITH 8 BUCKETS",
                    "ANALYZE TABLE " + table.quoted() + " UPDATE HISTOGRAM ON d WITH 4 BUCKETS");
        }
        try (OperatorClient client = new OperatorClient(f.config)) {
            Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", ALTER, "--postpone-cutover");
            assertEquals(Main.OK, submit.exit(), submit.toString());
            String id = submit.lastLine();
            ConcurrencyIT.await(client, id, MigrationStatus.READY);
            TableName shadow = t.sibling(Names.shadowTable(t.table(), id));
            assertEquals(Map.of("k", 16), histograms(f, shadow), "built after the copy, before READY");

            // Changed after the copy, on both tables; MySQL's ALTER of the twin sees them.
            for (TableName table : new TableName[] {t, altered}) {
                f.exec("ANALYZE TABLE " + table.quoted() + " DROP HISTOGRAM ON k",
                        "ANALYZE TABLE " + table.quoted() + " UPDATE HISTOGRAM ON e WITH 8 BUCKETS");
            }
            f.exec("ALTER TABLE " + altered.quoted() + " " + ALTER + ", ALGORITHM=COPY");
            assertEquals(Map.of("e", 8), histograms(f, altered), "what MySQL's own ALTER keeps");
            assertEquals(Main.OK, f.cli("cutover", id, "--wait").exit());
            ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            assertEquals(histograms(f, altered), histograms(f, t),
                    "after the cut-over, as after MySQL's ALTER, with what changed since the copy");

            f.exec("ANALYZE TABLE " + t.quoted() + " UPDATE HISTOGRAM ON k WITH 32 BUCKETS");
            assertEquals(Main.OK, f.cli("revert", id, "--wait").exit());
            ConcurrencyIT.await(client, id, MigrationStatus.REVERTED);
            assertEquals(Map.of("c", 8, "d", 4, "e", 8), histograms(f, t), "after the revert, the old table's own");

            f.exec("ANALYZE TABLE " + t.quoted() + " DROP HISTOGRAM ON e");
            assertEquals(Main.OK, f.cli("cutover", id, "--wait").exit());
            ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            assertEquals(Map.of("k", 32, "e", 8), histograms(f, t), "after the second cut-over, the new table's own");
        }
    }

    private static Map<String, Integer> histograms(Flipside f, TableName t) throws Exception {
        try (Connection c = f.connect()) {
            return Schemas.histograms(c, t.database(), t.table());
        }
    }
}
