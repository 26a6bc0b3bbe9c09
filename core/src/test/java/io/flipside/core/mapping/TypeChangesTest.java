package io.flipside.core.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TypeChangesTest {
    static ColumnDef col(String type, boolean nullable) {
        return new ColumnDef("c", type, nullable, false, true, null, null);
    }

    static ColumnDef text(String type, String charset) {
        return new ColumnDef("c", type, true, false, true, charset, charset + "_bin");
    }

    @Test
    void integerWideningNamesTheOldRange() {
        String s = TypeChanges.describe(col("int(11)", true), col("bigint(20)", true));
        assertTrue(s.contains("values outside int's range -2147483648..2147483647 written after the cut-over would not"
                + " fit the old type (the revert then needs --force)"), s);
        assertFalse(s.contains("new type"), s);
        String u = TypeChanges.describe(col("int(10) unsigned", true), col("int(11)", true));
        assertTrue(u.contains("values outside int unsigned's range 0..4294967295 written after"), u);
        assertTrue(u.contains("values outside int's range -2147483648..2147483647 in the table would not fit the new"
                + " type (the migration then fails before its cut-over)"), u);
    }

    @Test
    void lengthsDecimalsMembersCharsetsAndNulls() {
        assertTrue(TypeChanges.describe(col("varchar(10)", true), col("varchar(50)", true))
                .contains("values longer than 10 characters written after the cut-over"));
        assertTrue(TypeChanges.describe(col("varchar(50)", true), col("char(10)", true))
                .contains("values longer than 10 characters in the table"));
        String d = TypeChanges.describe(col("decimal(10,2)", true), col("decimal(14,4)", true));
        assertTrue(d.contains("values with more than 8 integer digits, values with more than 2 decimals (rounded)"
                + " written after"), d);
        String e = TypeChanges.describe(col("enum('a','b','it''s')", false), col("enum('c','b','a','it''s','d')", false));
        assertTrue(e.contains("the ENUM members 'c', 'd' the old type lacks written after"), e);
        assertFalse(e.contains("new type"), "a reorder loses nothing: " + e);
        String set = TypeChanges.describe(col("set('x','y')", true), col("set('x')", true));
        assertTrue(set.contains("the SET member 'y' the new type lacks in the table"), set);
        String cs = TypeChanges.describe(text("varchar(10)", "latin1"), text("varchar(10)", "utf8mb4"));
        assertTrue(cs.contains("characters latin1 cannot encode written after"), cs);
        assertFalse(cs.contains("new type"), cs);
        String n = TypeChanges.describe(col("int(11)", false), col("int(11)", true));
        assertTrue(n.contains("NULLs written after"), n);
    }

    @Test
    void fractionsAndFloatsWrittenAfterTheCutOverThatTheOldTypeRounds() {
        String t = TypeChanges.describe(col("time(3)", false), col("time(6)", false));
        assertTrue(t.contains("values with more than 3 fractional digits of a second (rounded) written after the"
                + " cut-over would not fit the old type (the revert then needs --force)"), t);
        String ts = TypeChanges.describe(col("timestamp(3)", true), col("timestamp(6)", true));
        assertTrue(ts.contains("values with more than 3 fractional digits of a second (rounded) written after"), ts);
        String dt = TypeChanges.describe(col("datetime", true), col("datetime(3)", true));
        assertTrue(dt.contains("values with more than 0 fractional digits of a second (rounded) written after"), dt);
        String f = TypeChanges.describe(col("float", true), col("double", true));
        assertTrue(f.contains("values that float rounds written after the cut-over"), f);
        assertFalse(TypeChanges.describe(col("double", true), col("float", true)).contains("written after"));
        assertFalse(TypeChanges.describe(col("time(6)", true), col("time(3)", true)).contains("written after"));
    }

    @Test
    void narrowedFractionsDecimalsAndFloatsAreRoundedAsMySqlsAlterRoundsThem() {
        String d = TypeChanges.describe(col("decimal(12,4)", true), col("decimal(10,2)", true));
        assertTrue(d.contains("values with more than 2 decimals (rounded) in the table or written before the cut-over"
                + " are rounded, as MySQL's own ALTER rounds them"), d);
        assertFalse(d.contains("fails"), "MySQL rounds them, it does not refuse them: " + d);
        String t = TypeChanges.describe(col("time(6)", true), col("time(3)", true));
        assertTrue(t.contains("values with more than 3 fractional digits of a second in the table"), t);
        String f = TypeChanges.describe(col("double", true), col("float", true));
        assertTrue(f.contains("values that float rounds in the table"), f);
        String i = TypeChanges.describe(col("decimal(12,4)", true), col("decimal(8,2)", true));
        assertTrue(i.contains("values with more than 6 integer digits in the table would not fit the new type (the"
                + " migration then fails before its cut-over); values with more than 2 decimals (rounded) in the"), i);
    }

    @Test
    void otherChangesSayMySqlConverts() {
        assertEquals("a revert converts values back; MySQL converts the values, and a value one type cannot hold is"
                + " reported when it is met", TypeChanges.describe(col("datetime", true), col("timestamp", true)));
    }
}
