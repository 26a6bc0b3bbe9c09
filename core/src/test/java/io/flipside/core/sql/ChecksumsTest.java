package io.flipside.core.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChecksumsTest {
    @Test
    void aChangedColumnComparesAsTheNewTypesDigits() {
        assertEquals(Optional.of("DECIMAL(65, 2)"), Checksums.compareAs("decimal(12,4)", "decimal(10,2)"));
        assertEquals(Optional.of("DECIMAL(65, 4)"), Checksums.compareAs("decimal(10,2)", "decimal(12,4)"));
        assertEquals(Optional.of("TIME(3)"), Checksums.compareAs("time(6)", "time(3)"));
        assertEquals(Optional.of("DATETIME(0)"), Checksums.compareAs("datetime(6)", "timestamp"));
        assertEquals(Optional.of("DATETIME(6)"), Checksums.compareAs("timestamp(3)", "datetime(6)"));
        assertEquals(Optional.of("DOUBLE"), Checksums.compareAs("double", "float"));
        assertEquals(Optional.of("DECIMAL(65, 2)"), Checksums.compareAs("int(11)", "decimal(12,2)"));
        assertEquals(Optional.of("SIGNED"), Checksums.compareAs("decimal(12,2)", "bigint(20)"));
        assertEquals(Optional.of("UNSIGNED"), Checksums.compareAs("int(11)", "int(10) unsigned"));
        assertEquals(Optional.of("DOUBLE"), Checksums.compareAs("decimal(10,4)", "double"));
        assertEquals(Optional.of("DECIMAL(65, 2)"), Checksums.compareAs("varchar(40)", "decimal(10,2)"));
        assertEquals(Optional.of("DATETIME(3)"), Checksums.compareAs("text", "datetime(3)"));
        assertEquals(Optional.of("DECIMAL(65, 0)"), Checksums.compareAs("char(10)", "int(11)"), "'1.5' is 2 there");
        assertEquals(Optional.empty(), Checksums.compareAs("varbinary(40)", "int(11)"), "bytes as they are");
        assertEquals(Optional.of("DATETIME(0)"), Checksums.compareAs("date", "datetime"));
        assertEquals(Optional.of("DATE"), Checksums.compareAs("datetime(6)", "date"));
        assertEquals(Optional.of("TIME(2)"), Checksums.compareAs("datetime", "time(2)"));
        assertEquals(Optional.empty(), Checksums.compareAs("date", "year(4)"));
        assertEquals(Optional.empty(), Checksums.compareAs("int(11)", "varchar(20)"), "other kinds: as they are");
        assertEquals(Optional.empty(), Checksums.compareAs("time(3)", "time(3)"));
        assertEquals(Optional.of("SIGNED"), Checksums.compareAs("date", "bigint(20)"), "20300101 in both");
        assertEquals(Optional.of("DOUBLE"), Checksums.compareAs("time(3)", "double"));
        assertEquals(Optional.of("CHAR;DATETIME(3)"), Checksums.compareAs("decimal(20,6)", "datetime(3)"),
                "the number's text read as the new type, as it is written");
        assertEquals(Optional.of("CHAR;TIME(3)"), Checksums.compareAs("decimal(20,6)", "time(3)"));
        assertEquals(Optional.empty(), Checksums.compareAs("bigint(20)", "time"), "its cast reads 1E10 as NULL");
        assertEquals(Optional.of("SIGNED"), Checksums.compareAs("decimal(10,2)", "bit(64)"));
        assertEquals(Optional.of("UNSIGNED"), Checksums.compareAs("double", "bit(64)"));
        assertEquals(Optional.of("SIGNED"), Checksums.compareAs("year(4)", "smallint(6)"), "2024 in both");
        assertEquals(Optional.of("UNSIGNED"), Checksums.compareAs("bit(8)", "int(10) unsigned"));
        assertEquals(Optional.empty(), Checksums.compareAs("bit(64)", "double"));
        assertEquals(Optional.of("DECIMAL(65, 2)"), Checksums.compareAs("json", "decimal(10,2)"));
        assertEquals(Optional.of("JSON"), Checksums.compareAs("varchar(200)", "json"), "{\"k\":1} is {\"k\": 1}");
        assertEquals(Optional.empty(), Checksums.compareAs("decimal(20,6)", "json"));
    }

    @Test
    void aColumnWithACommonTypeIsHashedAsIt() {
        String sql = Checksums.query("m1", new TableName("d", "t"), List.of("tm", "f", "s"), Set.of("s"),
                Map.of("tm", "TIME(6)", "f", "DOUBLE"));
        assertTrue(sql.contains("CONCAT_WS('#', CAST(`tm` AS TIME(6)), (`f` + 0E0), CONVERT(`s` USING utf8mb4),"), sql);
    }
}
