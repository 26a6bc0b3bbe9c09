package io.flipside.core.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BinlogLimitsTest {
    static TableDef table(int numeric, int years, String... others) {
        List<ColumnDef> cols = new ArrayList<>();
        String[] types = {"int", "tinyint(1)", "bigint unsigned", "decimal(65,30)", "float", "double", "smallint",
            "mediumint unsigned"};
        for (int i = 0; i < numeric; i++) {
            cols.add(MigrationPlanTest.col("n" + i, types[i % types.length], true));
        }
        for (int i = 0; i < years; i++) {
            cols.add(MigrationPlanTest.col("y" + i, "year", true));
        }
        for (int i = 0; i < others.length; i++) {
            cols.add(MigrationPlanTest.col("o" + i, others[i], true));
        }
        return new TableDef("t", cols, List.of());
    }

    @Test
    void aYearThatPushesTheCountOverAByteIsUnreadable() {
        for (int numeric : new int[] {8, 16, 24}) {
            Optional<String> why = BinlogLimits.unreadable(table(numeric, 1));
            assertTrue(why.isPresent(), numeric + " numeric columns");
            assertTrue(why.get().startsWith("1 YEAR column and " + numeric + " numeric columns"), why.get());
        }
        assertTrue(BinlogLimits.unreadable(table(7, 2)).isPresent());
    }

    @Test
    void readableShapes() {
        assertEquals(Optional.empty(), BinlogLimits.unreadable(table(7, 1)));
        assertEquals(Optional.empty(), BinlogLimits.unreadable(table(9, 7)));
        assertEquals(Optional.empty(), BinlogLimits.unreadable(table(8, 0)));
        assertEquals(Optional.empty(), BinlogLimits.unreadable(table(0, 1)), "no signedness field is written");
        // Types that carry no signedness bit do not count, whatever their number.
        assertEquals(Optional.empty(), BinlogLimits.unreadable(table(7, 1, "bit(8)", "date", "datetime(6)",
                "varchar(10)", "json", "enum('a')", "set('a')", "timestamp", "time", "blob", "point")));
    }
}
