package io.flipside.core.ddl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.ddl.PartitionMaintenance.Kind;
import io.flipside.core.sql.TableName;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PartitionMaintenanceTest {

    private static PartitionMaintenance of(String ddl) {
        return PartitionMaintenance.of(ddl, "app").orElseThrow(() -> new AssertionError("none in " + ddl));
    }

    @Test
    void theFormsThatNameTheirPartitions() {
        PartitionMaintenance add = of("ALTER TABLE t ADD PARTITION (PARTITION p2026 VALUES LESS THAN ('2027-01-01'),"
                + " PARTITION `P2027` VALUES LESS THAN ('2028-01-01'))");
        assertEquals(new TableName("app", "t"), add.table());
        assertEquals(Kind.ADD, add.kind());
        assertEquals(List.of("p2026", "p2027"), add.added(), "in lower case, as MySQL compares them");
        assertEquals(List.of(), add.removed());
        assertEquals("ADD PARTITION (PARTITION p2026 VALUES LESS THAN ('2027-01-01'), PARTITION `P2027` VALUES LESS"
                + " THAN ('2028-01-01'))", add.clause(), "the clause as it was run");

        PartitionMaintenance drop = of("alter table `other`.`t` drop partition p2020, p2021");
        assertEquals(new TableName("other", "t"), drop.table());
        assertEquals(Kind.DROP, drop.kind());
        assertEquals(List.of("p2020", "p2021"), drop.removed());
        assertEquals("drop partition p2020, p2021", drop.clause());

        PartitionMaintenance truncate = of("ALTER TABLE t TRUNCATE PARTITION ALL");
        assertEquals(Kind.TRUNCATE, truncate.kind());
        assertEquals(List.of("all"), truncate.removed());

        PartitionMaintenance reorganise = of("ALTER TABLE /* rotation */ t REORGANIZE PARTITION pmax INTO"
                + " (PARTITION p2026 VALUES LESS THAN ('2027-01-01') (SUBPARTITION s0, SUBPARTITION s1),"
                + " PARTITION pmax VALUES LESS THAN (MAXVALUE))");
        assertEquals(Kind.REORGANIZE, reorganise.kind());
        assertEquals(List.of("p2026", "pmax"), reorganise.added(), "not the subpartitions");
        assertEquals(List.of("pmax"), reorganise.removed());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "ALTER TABLE t COALESCE PARTITION 2",
        "ALTER TABLE t ADD PARTITION PARTITIONS 3",
        "ALTER TABLE t ADD COLUMN x INT, ADD PARTITION (PARTITION p9 VALUES LESS THAN (90))",
        "ALTER TABLE t ALGORITHM=INPLACE, DROP PARTITION p0",
        "ALTER TABLE t DROP PARTITION p0, ADD COLUMN x INT",
        "ALTER TABLE t REORGANIZE PARTITION",
        "ALTER TABLE t REORGANIZE PARTITION p0 INTO (PARTITION p1 VALUES LESS THAN (9)) COMMENT 'x'",
        "ALTER TABLE t /*!50100 DROP PARTITION p0 */",
    })
    void otherChangesOfThePartitionsAreNotDoneAgain(String ddl) {
        PartitionMaintenance m = of(ddl);
        assertEquals(Kind.OTHER, m.kind(), ddl);
        assertEquals("", m.clause());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "ALTER TABLE t ADD COLUMN x INT",
        "ALTER TABLE t ANALYZE PARTITION p0",
        "ALTER TABLE t OPTIMIZE PARTITION p0, p1",
        "ALTER TABLE t REBUILD PARTITION p0",
        "ALTER TABLE t EXCHANGE PARTITION p0 WITH TABLE x",
        "ALTER TABLE t PARTITION BY HASH (id) PARTITIONS 4",
        "ALTER TABLE t REMOVE PARTITIONING",
        "ALTER TABLE t DROP `partition`",
        "TRUNCATE TABLE t",
        "DROP TABLE t",
        "ALTER TABLE t COMMENT 'ADD PARTITION'",
        "ALTER TABLE 'unterminated",
    })
    void otherStatementsAreNoPartitionMaintenance(String ddl) {
        assertEquals(Optional.empty(), PartitionMaintenance.of(ddl, "app"), ddl);
    }

    @Test
    void aTableWithoutADatabaseIsNotTold() {
        assertEquals(Optional.empty(), PartitionMaintenance.of("ALTER TABLE t DROP PARTITION p0", null));
        assertEquals(new TableName("a", "t"), PartitionMaintenance.of("ALTER TABLE a.t DROP PARTITION p0", null)
                .orElseThrow().table());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ALTER TABLE t ADD PARTITION (PARTITION p3 VALUES LESS THAN (30))|p1,p2|false",
        "ALTER TABLE t ADD PARTITION (PARTITION p3 VALUES LESS THAN (30))|p1,p2,p3|true",
        "ALTER TABLE t DROP PARTITION p1, p2|p1,p2,p3|false",
        "ALTER TABLE t DROP PARTITION p1, p2|p2,p3|false",
        "ALTER TABLE t DROP PARTITION P1, p2|p3|true",
        "ALTER TABLE t REORGANIZE PARTITION pmax INTO (PARTITION p3 VALUES LESS THAN (30), PARTITION pmax VALUES"
                + " LESS THAN MAXVALUE)|p1,pmax|false",
        "ALTER TABLE t REORGANIZE PARTITION pmax INTO (PARTITION p3 VALUES LESS THAN (30), PARTITION pmax VALUES"
                + " LESS THAN MAXVALUE)|p1,p3,pmax|true",
        "ALTER TABLE t REORGANIZE PARTITION p1, p2 INTO (PARTITION p12 VALUES LESS THAN (20))|p1,p2,p3|false",
        "ALTER TABLE t REORGANIZE PARTITION p1, p2 INTO (PARTITION p12 VALUES LESS THAN (20))|p12,p2,p3|false",
        "ALTER TABLE t REORGANIZE PARTITION p1, p2 INTO (PARTITION p12 VALUES LESS THAN (20))|p12,p3|true",
        "ALTER TABLE t TRUNCATE PARTITION p1|p2|false",
    })
    void doneWhenTheTableHasThePartitionsTheClauseMakes(String ddl, String partitions, boolean done) {
        assertEquals(done, of(ddl).doneOn(List.of(partitions.split(","))), ddl + " on " + partitions);
    }

    @Test
    void aTruncationIsNeverDoneAlready() {
        assertFalse(of("ALTER TABLE t TRUNCATE PARTITION p1").doneOn(List.of()));
        assertTrue(of("ALTER TABLE t DROP PARTITION p1").doneOn(List.of()));
    }

    @Test
    void onlyADropOrATruncationRemovesRows() {
        assertTrue(of("ALTER TABLE t DROP PARTITION p1").removesRows());
        assertTrue(of("ALTER TABLE t TRUNCATE PARTITION ALL").removesRows());
        assertFalse(of("ALTER TABLE t ADD PARTITION (PARTITION p9 VALUES LESS THAN (90))").removesRows());
        assertFalse(of("ALTER TABLE t REORGANIZE PARTITION p1 INTO (PARTITION p1 VALUES LESS THAN (10))")
                .removesRows());
    }
}
