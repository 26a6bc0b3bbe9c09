package io.flipside.core.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How the sidecar keeps a table's columns, and how two such descriptions differ for an operator. */
class ColumnDefTest {
    static final ColumnDef ID = new ColumnDef("id", "bigint", false, false, false, null, null);
    static final ColumnDef NOTE = new ColumnDef("note", "varchar(20)", true, false, true, "utf8mb4",
            "utf8mb4_0900_ai_ci");
    static final ColumnDef Z = new ColumnDef("z", "int", false, false, true, null, null);

    @Test
    void everyFieldShowsInTheLine() {
        assertEquals("`id` bigint NOT NULL\n`note` varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci",
                ColumnDef.describe(List.of(ID, NOTE)));
        assertEquals("`z` int NOT NULL (has a default)", Z.describe());
        assertEquals("`g` int GENERATED", new ColumnDef("g", "int", true, true, true, null, null).describe());
        List<ColumnDef> variants = List.of(ID, new ColumnDef("ID", "bigint", false, false, false, null, null),
                new ColumnDef("id", "int", false, false, false, null, null),
                new ColumnDef("id", "bigint", true, false, true, null, null),
                new ColumnDef("id", "bigint", false, true, false, null, null),
                new ColumnDef("id", "bigint", false, false, true, null, null),
                NOTE, new ColumnDef("note", "varchar(20)", true, false, true, "utf8mb4", "utf8mb4_bin"),
                new ColumnDef("note", "varchar(20)", true, false, true, "latin1", "latin1_swedish_ci"));
        assertEquals(variants.size(), variants.stream().map(ColumnDef::describe).distinct().count(),
                "columns that differ in any field have lines that differ: " + variants);
    }

    @Test
    void theDifferenceNamesWhatCameAndWhatWent() {
        String before = ColumnDef.describe(List.of(ID, NOTE));
        assertEquals("", ColumnDef.difference(before, before));
        assertEquals("now `z` int NOT NULL (has a default)",
                ColumnDef.difference(before, ColumnDef.describe(List.of(ID, NOTE, Z))));
        assertEquals("was `note` varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci",
                ColumnDef.difference(before, ColumnDef.describe(List.of(ID))));
        assertEquals("now `id` int NOT NULL; was `id` bigint NOT NULL", ColumnDef.difference(before,
                ColumnDef.describe(List.of(new ColumnDef("id", "int", false, false, false, null, null), NOTE))));
        assertEquals("the same columns in another order",
                ColumnDef.difference(before, ColumnDef.describe(List.of(NOTE, ID))));
    }

    @Test
    void theColumnsAsAnotherReleaseDescribesThemAreTheSame() {
        // information_schema.COLUMNS of MySQL 8.0.15, and of a later 8.0 release after an upgrade.
        String before = ColumnDef.describe(List.of(new ColumnDef("id", "bigint(20) unsigned", false, false, false,
                null, null), new ColumnDef("s", "varchar(8)", true, false, true, "utf8", "utf8_bin")));
        String after = ColumnDef.describe(List.of(new ColumnDef("id", "bigint unsigned", false, false, false, null,
                null), new ColumnDef("s", "varchar(8)", true, false, true, "utf8mb3", "utf8mb3_bin")));
        assertEquals("", ColumnDef.difference(before, after));
        assertEquals("now `id` int unsigned NOT NULL; was `id` bigint(20) unsigned NOT NULL",
                ColumnDef.difference(before, after.replace("bigint", "int")));
    }
}
