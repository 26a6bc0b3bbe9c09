package io.flipside.core.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TypeConversionsTest {
    @Test
    void aWriteMayRoundSilentlyIntoFewerFractionalDigitsASmallerScaleOrAFloat() {
        assertTrue(TypeConversions.rounds("time(6)", "time(3)"));
        assertTrue(TypeConversions.rounds("datetime(3)", "timestamp"));
        assertTrue(TypeConversions.rounds("decimal(12,4)", "decimal(10,2)"));
        assertTrue(TypeConversions.rounds("double", "float"));
        assertTrue(TypeConversions.rounds("double(10,4)", "double(10,2)"));
        assertTrue(TypeConversions.rounds("float", "float(7,3)"));
        assertFalse(TypeConversions.rounds("time(3)", "time(6)"), "widened");
        assertFalse(TypeConversions.rounds("decimal(10,2)", "decimal(12,2)"), "more digits, the same scale");
        assertFalse(TypeConversions.rounds("decimal(12,2)", "decimal(10,2)"),
                "too large a value is refused, not rounded");
        assertFalse(TypeConversions.rounds("float", "double"));
        assertFalse(TypeConversions.rounds("datetime(3)", "timestamp(3)"));
        assertFalse(TypeConversions.rounds("int", "smallint"), "refused in strict mode, not rounded");
        assertTrue(TypeConversions.rounds("decimal(12,2)", "int(11)"), "1.5 is 2");
        assertTrue(TypeConversions.rounds("bigint(20)", "float"), "16777217 is 16777216");
        assertTrue(TypeConversions.rounds("double", "decimal(10,0)"));
        assertTrue(TypeConversions.rounds("datetime", "date"));
        assertTrue(TypeConversions.rounds("datetime(6)", "time"));
        assertFalse(TypeConversions.rounds("int(11)", "decimal(12,2)"), "exact, or refused when too large");
        assertFalse(TypeConversions.rounds("date", "datetime"));
        assertFalse(TypeConversions.rounds("int(11)", "varchar(20)"));
        assertFalse(TypeConversions.rounds("varchar(20)", "varchar(5)"));
    }

    @Test
    void valuesAWriteMayRoundAreShownAsTheirCommonTypeATimeIntoADateAsTheTimeItGivesBack() {
        assertEquals("DECIMAL(65, 4)", TypeConversions.shownAs("decimal(12,4)", "decimal(10,2)"));
        assertEquals("TIME(6)", TypeConversions.shownAs("time(3)", "time"));
        assertEquals("TIME(6)", TypeConversions.shownAs("time", "date"));
        assertEquals("TIME(6)", TypeConversions.shownAs("time(6)", "timestamp"));
        assertEquals("TIME(6)", TypeConversions.shownAs("time", "datetime(3)"));
        assertEquals("DOUBLE", TypeConversions.shownAs("double", "int(11)"));
        assertEquals("CHAR", TypeConversions.shownAs("time", "year"));
        assertEquals("CHAR", TypeConversions.shownAs("datetime", "time"));
        assertEquals("CHAR", TypeConversions.shownAs("int(11)", "date"));
        assertEquals("DECIMAL(65, 6)", TypeConversions.shownAs("datetime(6)", "bigint(20)"));
        assertEquals("DECIMAL(65, 4)", TypeConversions.shownAs("time(3)", "decimal(12,4)"));
        assertEquals("DECIMAL(65, 0)", TypeConversions.shownAs("date", "int(11)"));
        assertEquals("DOUBLE", TypeConversions.shownAs("time(6)", "float"));
        assertEquals("CHAR", TypeConversions.shownAs("year", "int(11)"));
    }

    @Test
    void aFloatAndADecimalOrATimeAreHeldExactlyWhenEachGivesTheOtherBack() {
        assertEquals(new TypeConversions.Rounding("DOUBLE", "DECIMAL(10, 2)"),
                TypeConversions.rounding("decimal(10,2)", "float"));
        assertEquals(new TypeConversions.Rounding("DOUBLE", "DOUBLE;AS_FLOAT"),
                TypeConversions.rounding("float", "decimal(12,4)"));
        assertEquals(new TypeConversions.Rounding("DOUBLE", "DOUBLE;AS_FLOAT"),
                TypeConversions.rounding("float", "time(3)"));
        assertEquals(new TypeConversions.Rounding("DOUBLE", null), TypeConversions.rounding("time(6)", "float"));
        assertEquals(new TypeConversions.Rounding("DOUBLE", null), TypeConversions.rounding("double", "float"));
        assertEquals("(CAST(w AS DECIMAL(10, 2)) <=> r)",
                TypeConversions.rounding("decimal(10,2)", "float").heldExactly("w", "r"));
        assertEquals("(w <=> r AND CAST(w AS DECIMAL(65, 30)) <=> CAST(r AS DECIMAL(65, 30)))",
                TypeConversions.rounding("datetime(6)", "bigint(20)").heldExactly("w", "r"));
        assertEquals("(w <=> r AND CAST(w AS TIME(6)) <=> r)",
                TypeConversions.rounding("time", "date").heldExactly("w", "r"));
        assertEquals("(w <=> r)", TypeConversions.rounding("datetime", "time").heldExactly("w", "r"));
    }

    @Test
    void typesThatWriteTheSameValueAsOtherTextHaveACommonType() {
        assertEquals(Optional.of("TIME(6)"), TypeConversions.commonType("time(3)", "time(6)"));
        assertEquals(Optional.of("TIME(6)"), TypeConversions.commonType("time", "time(2)"));
        assertEquals(Optional.of("DATETIME(6)"), TypeConversions.commonType("datetime", "datetime(3)"));
        assertEquals(Optional.of("DATETIME(6)"), TypeConversions.commonType("timestamp(3)", "datetime(6)"));
        assertEquals(Optional.of("DECIMAL(65, 4)"),
                TypeConversions.commonType("decimal(10,2)", "decimal(12,4) unsigned"));
        assertEquals(Optional.of("DOUBLE"), TypeConversions.commonType("float", "double"));
    }

    @Test
    void theSameTypeOrOtherKindsHaveNone() {
        assertEquals(Optional.empty(), TypeConversions.commonType("time(3)", "TIME(3)"));
        assertEquals(Optional.empty(), TypeConversions.commonType("int", "bigint"));
        assertEquals(Optional.empty(), TypeConversions.commonType("time(3)", "datetime(3)"));
        assertEquals(Optional.empty(), TypeConversions.commonType("varchar(10)", "varchar(20)"));
        assertEquals(Optional.empty(), TypeConversions.commonType("decimal(10,2)", "double"));
    }

    @Test
    void columnsMySqlWouldStoreOtherwiseThanItsAlterAreSelectedAsAnotherType() {
        assertEquals(Optional.of("UNSIGNED"), TypeConversions.selectedAs("int(10) unsigned", "int(11)"));
        assertEquals(Optional.of("UNSIGNED"), TypeConversions.selectedAs("tinyint(3) unsigned", "tinyint(4)"));
        assertEquals(Optional.of("UNSIGNED"), TypeConversions.selectedAs("bigint(20) unsigned zerofill", "bigint(20)"));
        assertEquals(Optional.of("UNSIGNED"), TypeConversions.selectedAs("int(10) unsigned", "bigint(20)"));
        assertEquals(Optional.empty(), TypeConversions.selectedAs("int(11)", "int(10) unsigned"), "MySQL refuses -1");
        assertEquals(Optional.empty(), TypeConversions.selectedAs("int(10) unsigned", "int(10) unsigned"));
        assertEquals(Optional.empty(), TypeConversions.selectedAs("decimal(10,0) unsigned", "decimal(10,0)"));
        assertEquals(Optional.empty(), TypeConversions.selectedAs("int(10) unsigned", "decimal(12,0)"));
        assertEquals(Optional.of("CHAR"), TypeConversions.selectedAs("float", "varchar(40)"));
        assertEquals(Optional.of("CHAR"), TypeConversions.selectedAs("year(4)", "char(10)"));
        assertEquals(Optional.of("CHAR"), TypeConversions.selectedAs("decimal(10,2)", "enum('a','b')"));
        assertEquals(Optional.of("CHAR"), TypeConversions.selectedAs("int(11)", "varbinary(8)"));
        assertEquals(Optional.of("CHAR"), TypeConversions.selectedAs("decimal(10,2)", "json"),
                "its text, read as JSON");
        assertEquals(Optional.empty(), TypeConversions.selectedAs("varchar(10)", "int(11)"));
        assertEquals(Optional.empty(), TypeConversions.selectedAs("date", "varchar(40)"), "a DATE's text either way");
        assertEquals(Optional.empty(), TypeConversions.selectedAs("varchar(10)", "text"));
        assertEquals(Optional.of("CHAR"), TypeConversions.selectedAs("bigint(20)", "date"),
                "read as the ALTER reads it");
        assertEquals(Optional.of("CHAR"), TypeConversions.selectedAs("float", "time(3)"));
        assertEquals(Optional.of("SIGNED"), TypeConversions.selectedAs("date", "bigint(20)"),
                "20300101, not 20300101000000");
        assertEquals(Optional.of("DOUBLE"), TypeConversions.selectedAs("time(3)", "double"));
        assertEquals(Optional.empty(), TypeConversions.selectedAs("time(3)", "decimal(10,3)"));
        assertEquals(Optional.of("SIGNED"), TypeConversions.selectedAs("double", "year(4)"), "1.5 is 2002, not 2001");
        assertEquals(Optional.of("SIGNED"), TypeConversions.selectedAs("decimal(10,2)", "bit(64)"),
                "-1.00 is all ones");
        assertEquals(Optional.of("UNSIGNED"), TypeConversions.selectedAs("char(10)", "bit(8)"),
                "'3' is 3, not its byte");
        assertEquals(Optional.empty(), TypeConversions.selectedAs("int(11)", "bit(64)"));
        assertEquals(Optional.empty(), TypeConversions.selectedAs("bit(8)", "bit(64)"));
        assertEquals(Optional.empty(), TypeConversions.selectedAs("bit(8)", "bit(8)"));
    }

    @Test
    void aCastToSeveralTypesAppliesThemInTurn() {
        assertEquals("CAST(CAST(`n` AS CHAR) AS DATE)",
                TypeConversions.cast("`n`", "CHAR" + TypeConversions.THEN + "DATE"));
        assertEquals("(CAST(`t` AS SIGNED) + 0E0)",
                TypeConversions.cast("`t`", "SIGNED" + TypeConversions.THEN + "DOUBLE"));
        assertEquals("IFNULL(ROUND(`d` * POW(2, -GREATEST(FLOOR(LOG2(ABS(`d`))) - 23, -149)))"
                + " * POW(2, GREATEST(FLOOR(LOG2(ABS(`d`))) - 23, -149)), 0E0)",
                TypeConversions.cast("`d`", TypeConversions.AS_FLOAT));
        assertEquals("IFNULL(CAST(`s` AS TIME(3)), CAST(0 AS TIME(3)))",
                TypeConversions.cast("`s`", TypeConversions.orZero("TIME(3)")));
        assertEquals("CASE WHEN `n` < 70 THEN `n` + 2000 WHEN `n` < 100 THEN `n` + 1900 ELSE `n` END",
                TypeConversions.cast("`n`", TypeConversions.AS_YEAR_OF_TEXT));
        assertEquals("CASE WHEN `n` = 0 THEN 0 WHEN `n` < 70 THEN `n` + 2000 WHEN `n` < 100 THEN `n` + 1900"
                + " ELSE `n` END", TypeConversions.cast("`n`", TypeConversions.AS_YEAR));
    }

    @Test
    void theMembersOfAnEnumOrASetAreReadAsInformationSchemaSpellsThem() {
        assertEquals(List.of("a", "it's", "x,y"), TypeConversions.members("enum('a','it''s','x,y')"));
        assertEquals(List.of("back\\slash", ""), TypeConversions.members("set('back\\\\slash','')"));
    }
}
