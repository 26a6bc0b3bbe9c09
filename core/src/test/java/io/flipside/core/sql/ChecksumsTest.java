package io.flipside.core.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    void aWriteMayRoundSilentlyIntoFewerFractionalDigitsASmallerScaleOrAFloat() {
        assertTrue(Checksums.rounds("time(6)", "time(3)"));
        assertTrue(Checksums.rounds("datetime(3)", "timestamp"));
        assertTrue(Checksums.rounds("decimal(12,4)", "decimal(10,2)"));
        assertTrue(Checksums.rounds("double", "float"));
        assertTrue(Checksums.rounds("double(10,4)", "double(10,2)"));
        assertTrue(Checksums.rounds("float", "float(7,3)"));
        assertFalse(Checksums.rounds("time(3)", "time(6)"), "widened");
        assertFalse(Checksums.rounds("decimal(10,2)", "decimal(12,2)"), "more digits, the same scale");
        assertFalse(Checksums.rounds("decimal(12,2)", "decimal(10,2)"), "too large a value is refused, not rounded");
        assertFalse(Checksums.rounds("float", "double"));
        assertFalse(Checksums.rounds("datetime(3)", "timestamp(3)"));
        assertFalse(Checksums.rounds("int", "smallint"), "refused in strict mode, not rounded");
        assertTrue(Checksums.rounds("decimal(12,2)", "int(11)"), "1.5 is 2");
        assertTrue(Checksums.rounds("bigint(20)", "float"), "16777217 is 16777216");
        assertTrue(Checksums.rounds("double", "decimal(10,0)"));
        assertTrue(Checksums.rounds("datetime", "date"));
        assertTrue(Checksums.rounds("datetime(6)", "time"));
        assertFalse(Checksums.rounds("int(11)", "decimal(12,2)"), "exact, or refused when too large");
        assertFalse(Checksums.rounds("date", "datetime"));
        assertFalse(Checksums.rounds("int(11)", "varchar(20)"));
        assertFalse(Checksums.rounds("varchar(20)", "varchar(5)"));
    }

    @Test
    void typesThatWriteTheSameValueAsOtherTextHaveACommonType() {
        assertEquals(Optional.of("TIME(6)"), Checksums.commonType("time(3)", "time(6)"));
        assertEquals(Optional.of("TIME(6)"), Checksums.commonType("time", "time(2)"));
        assertEquals(Optional.of("DATETIME(6)"), Checksums.commonType("datetime", "datetime(3)"));
        assertEquals(Optional.of("DATETIME(6)"), Checksums.commonType("timestamp(3)", "datetime(6)"));
        assertEquals(Optional.of("DECIMAL(65, 4)"), Checksums.commonType("decimal(10,2)", "decimal(12,4) unsigned"));
        assertEquals(Optional.of("DOUBLE"), Checksums.commonType("float", "double"));
    }

    @Test
    void theSameTypeOrOtherKindsHaveNone() {
        assertEquals(Optional.empty(), Checksums.commonType("time(3)", "TIME(3)"));
        assertEquals(Optional.empty(), Checksums.commonType("int", "bigint"));
        assertEquals(Optional.empty(), Checksums.commonType("time(3)", "datetime(3)"));
        assertEquals(Optional.empty(), Checksums.commonType("varchar(10)", "varchar(20)"));
        assertEquals(Optional.empty(), Checksums.commonType("decimal(10,2)", "double"));
    }

    @Test
    void aColumnWithACommonTypeIsHashedAsIt() {
        String sql = Checksums.query("m1", new TableName("d", "t"), List.of("tm", "f", "s"), Set.of("s"),
                Map.of("tm", "TIME(6)", "f", "DOUBLE"));
        assertTrue(sql.contains("CONCAT_WS('#', CAST(`tm` AS TIME(6)), (`f` + 0E0), CONVERT(`s` USING utf8mb4),"), sql);
    }

    @Test
    void columnsMySqlWouldStoreOtherwiseThanItsAlterAreSelectedAsAnotherType() {
        assertEquals(Optional.of("UNSIGNED"), Checksums.selectedAs("int(10) unsigned", "int(11)"));
        assertEquals(Optional.of("UNSIGNED"), Checksums.selectedAs("tinyint(3) unsigned", "tinyint(4)"));
        assertEquals(Optional.of("UNSIGNED"), Checksums.selectedAs("bigint(20) unsigned zerofill", "bigint(20)"));
        assertEquals(Optional.of("UNSIGNED"), Checksums.selectedAs("int(10) unsigned", "bigint(20)"));
        assertEquals(Optional.empty(), Checksums.selectedAs("int(11)", "int(10) unsigned"), "MySQL refuses -1");
        assertEquals(Optional.empty(), Checksums.selectedAs("int(10) unsigned", "int(10) unsigned"));
        assertEquals(Optional.empty(), Checksums.selectedAs("decimal(10,0) unsigned", "decimal(10,0)"));
        assertEquals(Optional.empty(), Checksums.selectedAs("int(10) unsigned", "decimal(12,0)"));
        assertEquals(Optional.of("CHAR"), Checksums.selectedAs("float", "varchar(40)"));
        assertEquals(Optional.of("CHAR"), Checksums.selectedAs("year(4)", "char(10)"));
        assertEquals(Optional.of("CHAR"), Checksums.selectedAs("decimal(10,2)", "enum('a','b')"));
        assertEquals(Optional.of("CHAR"), Checksums.selectedAs("int(11)", "varbinary(8)"));
        assertEquals(Optional.of("CHAR"), Checksums.selectedAs("decimal(10,2)", "json"), "its text, read as JSON");
        assertEquals(Optional.empty(), Checksums.selectedAs("varchar(10)", "int(11)"));
        assertEquals(Optional.empty(), Checksums.selectedAs("date", "varchar(40)"), "a DATE's text either way");
        assertEquals(Optional.empty(), Checksums.selectedAs("varchar(10)", "text"));
        assertEquals(Optional.of("CHAR"), Checksums.selectedAs("bigint(20)", "date"), "read as the ALTER reads it");
        assertEquals(Optional.of("CHAR"), Checksums.selectedAs("float", "time(3)"));
        assertEquals(Optional.of("SIGNED"), Checksums.selectedAs("date", "bigint(20)"), "20300101, not 20300101000000");
        assertEquals(Optional.of("DOUBLE"), Checksums.selectedAs("time(3)", "double"));
        assertEquals(Optional.empty(), Checksums.selectedAs("time(3)", "decimal(10,3)"));
        assertEquals(Optional.of("SIGNED"), Checksums.selectedAs("double", "year(4)"), "2001.5 rounds to 2002");
        assertEquals(Optional.of("SIGNED"), Checksums.selectedAs("decimal(10,2)", "bit(64)"), "-1.00 is all ones");
        assertEquals(Optional.of("UNSIGNED"), Checksums.selectedAs("char(10)", "bit(8)"), "'3' is 3, not its byte");
        assertEquals(Optional.empty(), Checksums.selectedAs("int(11)", "bit(64)"));
        assertEquals(Optional.empty(), Checksums.selectedAs("bit(8)", "bit(64)"));
        assertEquals(Optional.empty(), Checksums.selectedAs("bit(8)", "bit(8)"));
    }

    @Test
    void aCastToSeveralTypesAppliesThemInTurn() {
        assertEquals("CAST(CAST(`n` AS CHAR) AS DATE)", Checksums.cast("`n`", "CHAR" + Checksums.THEN + "DATE"));
        assertEquals("(CAST(`t` AS SIGNED) + 0E0)", Checksums.cast("`t`", "SIGNED" + Checksums.THEN + "DOUBLE"));
    }
}
