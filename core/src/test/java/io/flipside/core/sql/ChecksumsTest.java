package io.flipside.core.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.mapping.ColumnDef;
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
        assertEquals(Optional.of("DOUBLE;AS_FLOAT"), Checksums.compareAs("double", "float"));
        assertEquals(Optional.of("DOUBLE"), Checksums.compareAs("float", "double"));
        assertEquals(Optional.of("DECIMAL(65, 2)"), Checksums.compareAs("int(11)", "decimal(12,2)"));
        assertEquals(Optional.of("SIGNED"), Checksums.compareAs("decimal(12,2)", "bigint(20)"));
        assertEquals(Optional.of("UNSIGNED"), Checksums.compareAs("int(11)", "int(10) unsigned"));
        assertEquals(Optional.of("DOUBLE"), Checksums.compareAs("decimal(10,4)", "double"));
        assertEquals(Optional.of("DECIMAL(65, 2)"), Checksums.compareAs("varchar(40)", "decimal(10,2)"));
        assertEquals(Optional.of("DATETIME(3)"), Checksums.compareAs("text", "datetime(3)"));
        assertEquals(Optional.of("DECIMAL(65, 0)"), Checksums.compareAs("char(10)", "int(11)"), "'1.5' is 2 there");
        assertEquals(Optional.of("DECIMAL(65, 0)"), Checksums.compareAs("varbinary(40)", "int(11)"),
                "bytes read as text: '1.5' is 2");
        assertEquals(Optional.of("DATETIME(0)"), Checksums.compareAs("date", "datetime"));
        assertEquals(Optional.of("DATE"), Checksums.compareAs("datetime(6)", "date"));
        assertEquals(Optional.of("TIME(2)"), Checksums.compareAs("datetime", "time(2)"));
        assertEquals(Optional.of("DECIMAL(65, 0);AS_YEAR"), Checksums.compareAs("date", "year(4)"));
        assertEquals(Optional.empty(), Checksums.compareAs("int(11)", "varchar(20)"), "other kinds: as they are");
        assertEquals(Optional.empty(), Checksums.compareAs("time(3)", "time(3)"));
        assertEquals(Optional.of("SIGNED"), Checksums.compareAs("date", "bigint(20)"), "20300101 in both");
        assertEquals(Optional.of("DOUBLE"), Checksums.compareAs("time(3)", "double"));
        assertEquals(Optional.of("CHAR;DATETIME(3)"), Checksums.compareAs("decimal(20,6)", "datetime(3)"),
                "the number's text read as the new type, as it is written");
        assertEquals(Optional.of("CHAR;OR_ZERO TIME(3);DECIMAL(65, 3)"),
                Checksums.compareAs("decimal(20,6)", "time(3)"));
        assertEquals(Optional.of("CHAR;OR_ZERO TIME(0);DECIMAL(65, 0)"), Checksums.compareAs("bigint(20)", "time"),
                "its cast reads 1E10 as NULL, stored as 00:00:00");
        assertEquals(Optional.of("SIGNED"), Checksums.compareAs("decimal(10,2)", "bit(64)"));
        assertEquals(Optional.of("UNSIGNED"), Checksums.compareAs("double", "bit(64)"));
        assertEquals(Optional.of("SIGNED"), Checksums.compareAs("year(4)", "smallint(6)"), "2024 in both");
        assertEquals(Optional.of("UNSIGNED"), Checksums.compareAs("bit(8)", "int(10) unsigned"));
        assertEquals(Optional.of("UNSIGNED;DOUBLE"), Checksums.compareAs("bit(64)", "double"), "its bits unsigned");
        assertEquals(Optional.of("DECIMAL(65, 2)"), Checksums.compareAs("json", "decimal(10,2)"));
        assertEquals(Optional.of("JSON"), Checksums.compareAs("varchar(200)", "json"), "{\"k\":1} is {\"k\": 1}");
        assertEquals(Optional.of("DOUBLE"), Checksums.compareAs("decimal(20,6)", "json"), "1.50 is 1.5 there");
    }

    @Test
    void aChangeOfKindComparesAsTheValueTheCopyWrote() {
        assertEquals(Optional.of("SIGNED;AS_YEAR"), Checksums.compareAs("int(11)", "year(4)"), "24 is 2024");
        assertEquals(Optional.of("DECIMAL(65, 0);AS_YEAR_OF_TEXT"), Checksums.compareAs("varchar(10)", "year(4)"),
                "'0' is 2000");
        assertEquals(Optional.of("SIGNED"), Checksums.compareAs("enum('a','b')", "int(11)"), "'b' is 2");
        assertEquals(Optional.of("SIGNED"), Checksums.compareAs("int(11)", "set('a','b')"), "3 is 'a,b'");
        assertEquals(Optional.of("UNSIGNED"), Checksums.compareAs("bit(8)", "varchar(10)"), "b'11000' is '24'");
        assertEquals(Optional.empty(), Checksums.compareAs("bit(8)", "text"), "its bytes");
        assertEquals(Optional.of("UNSIGNED"), Checksums.compareAs("time", "bit(64)"));
        assertEquals(Optional.of("CHAR;BINARY(8)"), Checksums.compareAs("decimal(10,2)", "binary(8)"));
        assertEquals(Optional.of("BINARY"), Checksums.compareAs("varchar(40)", "varbinary(40)"), "its own bytes");
        assertEquals(Optional.of("CHAR;DOUBLE"), Checksums.compareAs("float", "json"), "0.1, not 0.10000000149011612");
        assertEquals(Optional.of("DATETIME(0);DATE"), Checksums.compareAs("time(6)", "date"), "23:59:59.5 is tomorrow");
        assertEquals(Optional.of("OR_ZERO TIME(3);DECIMAL(65, 3)"), Checksums.compareAs("text", "time(3)"),
                "'' is 00:00:00.000, '-0' too");
        assertEquals(Optional.empty(), Checksums.compareAs("enum('a','b')", "enum('a','b','c')"), "members' text");
    }

    @Test
    void textIntoACharOrAnEnumComparesAsTheCharOrTheMemberItBecame() {
        ColumnDef varchar = new ColumnDef("v", "varchar(40)", true, false, true, "latin1", "latin1_swedish_ci");
        ColumnDef varbinary = new ColumnDef("v", "varbinary(40)", true, false, true, null, null);
        ColumnDef fixed = new ColumnDef("v", "char(10)", true, false, true, "utf8mb4", "utf8mb4_0900_ai_ci");
        ColumnDef members = new ColumnDef("v", "enum('a','b')", true, false, true, "utf8mb4", "utf8mb4_0900_ai_ci");
        assertEquals(Optional.of("CHAR CHARACTER SET `utf8mb4`;RTRIM"), Checksums.compareAs(varchar, fixed),
                "'A  ' is 'A' in a CHAR");
        assertEquals(Optional.of("CHAR CHARACTER SET `utf8mb4`;RTRIM;WEIGHT_STRING `utf8mb4_0900_ai_ci`"),
                Checksums.compareAs(varchar, members), "'A  ' is 'a' in the ENUM");
        assertEquals(Optional.of("CHAR CHARACTER SET `latin1`"), Checksums.compareAs(varbinary, varchar),
                "bytes read in the new column's character set");
        assertEquals(Optional.empty(), Checksums.compareAs(varchar, varchar));
        assertEquals("WEIGHT_STRING(RTRIM(CAST(`v` AS CHAR CHARACTER SET `utf8mb4`)) COLLATE `utf8mb4_0900_ai_ci`)",
                TypeConversions.cast("`v`", Checksums.compareAs(varchar, members).orElseThrow()));
    }

    @Test
    void aColumnWithACommonTypeIsHashedAsIt() {
        String sql = Checksums.query("m1", new TableName("d", "t"), new Checksums.Hashed(List.of("tm", "f", "s"),
                Set.of("s"), Map.of("tm", "TIME(6)", "f", "DOUBLE")));
        assertTrue(sql.contains("CONCAT_WS('#', CAST(`tm` AS TIME(6)), (`f` + 0E0), CONVERT(`s` USING utf8mb4),"), sql);
    }
}
