package io.flipside.core.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
        assertEquals(Optional.of("DECIMAL(65, 2)"), Checksums.compareAs("json", "decimal(10,2)"));
        assertEquals(Optional.of("JSON"), Checksums.compareAs("varchar(200)", "json"), "{\"k\":1} is {\"k\": 1}");
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
        assertEquals(Optional.of("DATETIME(0);DATE"), Checksums.compareAs("time(6)", "date"), "23:59:59.5 is tomorrow");
        assertEquals(Optional.of("OR_ZERO TIME(3);DECIMAL(65, 3)"), Checksums.compareAs("text", "time(3)"),
                "'' is 00:00:00.000, '-0' too");
        assertEquals(Optional.empty(), Checksums.compareAs("enum('a','b')", "enum('a','b','c')"), "members' text");
    }

    @Test
    void aNumberIntoJsonOrABitIntoAFloatOrADateComparesEachSideAsTheValueTheCopyWrote() {
        Checksums.ComparedAs asJson = new Checksums.ComparedAs("CHAR;JSON", "JSON", List.of());
        assertEquals(Optional.of(asJson), Checksums.compareAs(column("decimal(20,6)"), column("json")),
                "12345678901234.123456 is 12345678901234.125 in JSON, 1.50 is 1.5");
        assertEquals(Optional.of(asJson), Checksums.compareAs(column("float"), column("json")),
                "0.1, not 0.10000000149011612");
        assertEquals(Optional.empty(), Checksums.compareAs(column("int(11)"), column("json")), "its text");
        assertEquals(Optional.of(new Checksums.ComparedAs("UNSIGNED;DOUBLE", "DOUBLE", List.of())),
                Checksums.compareAs(column("bit(64)"), column("double")),
                "all 64 bits set: -1 in arithmetic, 1.8446744073709552e19 written, 9223372036854775808 as an integer");
        assertEquals(Optional.of(new Checksums.ComparedAs("UNSIGNED;DOUBLE;AS_FLOAT", "DOUBLE;AS_FLOAT", List.of())),
                Checksums.compareAs(column("bit(64)"), column("float")));
        assertEquals(Optional.empty(), Checksums.compareAs("bit(64)", "double"), "no one type for both");
        assertEquals(Optional.of(new Checksums.ComparedAs("UNSIGNED;DATE", "DATE", List.of())),
                Checksums.compareAs(column("bit(64)"), column("date")), "10000000000 is 2001-00-00, not 2010-00-00");
        assertEquals(Optional.of(new Checksums.ComparedAs("UNSIGNED;DATETIME(3)", "DATETIME(3)", List.of())),
                Checksums.compareAs(column("bit(64)"), column("timestamp(3)")));
        assertEquals(Optional.of(Checksums.ComparedAs.both("UNSIGNED;CHAR;OR_ZERO TIME(0);DECIMAL(65, 0)")),
                Checksums.compareAs(column("bit(64)"), column("time")));
        assertEquals(Optional.of(Checksums.ComparedAs.both("UNSIGNED")),
                Checksums.compareAs(column("bit(8)"), column("int(10) unsigned")));
    }

    private static ColumnDef column(String type) {
        return new ColumnDef("v", type, true, false, true, null, null);
    }

    @Test
    void textIntoACharAnEnumOrASetComparesAsTheCharOrTheMembersItBecame() {
        ColumnDef varchar = new ColumnDef("v", "varchar(40)", true, false, true, "latin1", "latin1_swedish_ci");
        ColumnDef varbinary = new ColumnDef("v", "varbinary(40)", true, false, true, null, null);
        ColumnDef json = new ColumnDef("v", "json", true, false, true, null, null);
        ColumnDef fixed = new ColumnDef("v", "char(10)", true, false, true, "utf8mb4", "utf8mb4_0900_ai_ci");
        ColumnDef oneOf = new ColumnDef("v", "enum('a','it''s')", true, false, true, "utf8mb4", "utf8mb4_0900_ai_ci");
        ColumnDef someOf = new ColumnDef("v", "set('a','b','c')", true, false, true, "latin1", "latin1_bin");
        assertEquals(Optional.of(Checksums.ComparedAs.both("CHAR CHARACTER SET `utf8mb4`;RTRIM")),
                Checksums.compareAs(varchar, fixed), "'A  ' is 'A' in a CHAR");
        Checksums.ComparedAs number = new Checksums.ComparedAs(
                "CHAR CHARACTER SET `utf8mb4`;RTRIM;MEMBER_NUMBER `utf8mb4` `utf8mb4_0900_ai_ci`", "UNSIGNED",
                List.of("a", "it's"));
        assertEquals(Optional.of(number), Checksums.compareAs(varchar, oneOf),
                "'A  ' is 'a' in the ENUM, '2' is 'it''s'");
        assertEquals(Optional.of(number), Checksums.compareAs(json, oneOf), "the JSON document's text");
        assertEquals(Optional.of(new Checksums.ComparedAs(
                "CHAR CHARACTER SET `latin1`;RTRIM;MEMBER_BITS `latin1` `latin1_bin`", "UNSIGNED",
                List.of("a", "b", "c"))),
                Checksums.compareAs(varbinary, someOf), "'c,a' is 'a,c' in the SET, '3' is 'a,b'");
        assertEquals(Optional.of(Checksums.ComparedAs.both("CHAR CHARACTER SET `latin1`")),
                Checksums.compareAs(varbinary, varchar), "bytes read in the new column's character set");
        assertEquals(Optional.empty(), Checksums.compareAs(varchar, varchar));
        assertEquals(Optional.of(Checksums.ComparedAs.both("SIGNED")),
                Checksums.compareAs(new ColumnDef("v", "int(11)", true, false, true, null, null), oneOf),
                "a number names a member by its number, as before");
        assertEquals("COALESCE(NULLIF(FIELD(RTRIM(CAST(`v` AS CHAR CHARACTER SET `utf8mb4`)) COLLATE "
                + "`utf8mb4_0900_ai_ci`, CONVERT(? USING `utf8mb4`), CONVERT(? USING `utf8mb4`)), 0), "
                + "CAST(RTRIM(CAST(`v` AS CHAR CHARACTER SET `utf8mb4`)) AS UNSIGNED))",
                TypeConversions.cast("`v`", number.oldAs(), 2), "the members are parameters, never in the text");
        assertEquals("COALESCE(NULLIF(((FIND_IN_SET(CONVERT(? USING `latin1`), `v` COLLATE `latin1_bin`) > 0) << 0)"
                + " | ((FIND_IN_SET(CONVERT(? USING `latin1`), `v` COLLATE `latin1_bin`) > 0) << 1), 0), "
                + "CAST(`v` AS UNSIGNED))", TypeConversions.cast("`v`", "MEMBER_BITS `latin1` `latin1_bin`", 2));
    }

    @Test
    void theMembersOfAnEnumOrASetAreTheStatementsParametersInColumnOrder() {
        Checksums.Hashed hashed = new Checksums.Hashed(List.of("s", "e", "n"), Set.of(), Map.of("n", "SIGNED",
                "e", "MEMBER_NUMBER `utf8mb4` `utf8mb4_bin`", "s", "MEMBER_BITS `utf8mb4` `utf8mb4_bin`"),
                Map.of("e", List.of("x", "y"), "s", List.of("a", "b", "c"), "n", List.of("ignored")));
        assertEquals(List.of("a", "b", "c", "x", "y"), hashed.parameters());
        String sql = Checksums.query("m1", new TableName("d", "t"), hashed);
        assertEquals(5, sql.chars().filter(ch -> ch == '?').count(), sql);
        assertThrows(IllegalArgumentException.class, () -> new Checksums.Hashed(List.of("e"), Set.of(),
                Map.of("e", "MEMBER_NUMBER `utf8mb4` `utf8mb4_bin`")), "an ENUM's number without its members");
        Checksums.ComparedAs as = new Checksums.ComparedAs("MEMBER_NUMBER `utf8mb4` `utf8mb4_bin`", "UNSIGNED",
                List.of("x", "y"));
        Checksums.Hashed written = Checksums.Hashed.of(List.of("e"), Set.of(), Map.of("e", as), false);
        assertEquals(List.of(), written.parameters(), "the new table's ENUM hashed as its own number");
        assertEquals("CAST(`e` AS UNSIGNED)", written.rowHash("").split("'#', ")[1].split(", CONCAT")[0]);
        assertEquals(List.of("x", "y"), Checksums.Hashed.of(List.of("e"), Set.of(), Map.of("e", as), true)
                .parameters());
    }

    @Test
    void aColumnWithACommonTypeIsHashedAsIt() {
        String sql = Checksums.query("m1", new TableName("d", "t"), new Checksums.Hashed(List.of("tm", "f", "s"),
                Set.of("s"), Map.of("tm", "TIME(6)", "f", "DOUBLE")));
        assertTrue(sql.contains("CONCAT_WS('#', CAST(`tm` AS TIME(6)), (`f` + 0E0), CONVERT(`s` USING utf8mb4),"), sql);
    }
}
