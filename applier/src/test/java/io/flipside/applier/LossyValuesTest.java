package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Reading MySQL's diagnostics for lossy values, and the lenient SQL mode they are written under. */
class LossyValuesTest {
    @Test
    void theSubjectIsTheColumnOrTheUniqueKeyMySqlNames() {
        assertEquals("balance", LossyValues.subject(1264, "Out of range value for column 'balance' at row 1"));
        assertEquals("code", LossyValues.subject(1406, "Data too long for column 'code' at row 1"));
        assertEquals("unique key email", LossyValues.subject(1062, "Duplicate entry 'a@b' for key 'email'"));
        assertEquals("doc", LossyValues.subject(3140, "Invalid JSON text: \"Invalid value.\" at position 1 in value for"
                + " column '_t_23d3fcf3_old.doc'."));
        assertEquals("?", LossyValues.subject(1265, "something MySQL may say one day"));
    }

    @Test
    void theLenientModeIsTheSessionModeWithoutStrictness() {
        assertEquals("ONLY_FULL_GROUP_BY,NO_ZERO_DATE",
                LossyValues.lenient("ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_DATE,STRICT_ALL_TABLES"));
        assertEquals("", LossyValues.lenient("STRICT_ALL_TABLES"));
        assertEquals("", LossyValues.lenient(""));
    }

    @Test
    void theApplierSessionIsStrictButCarriesZeroDates() {
        assertEquals("ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,"
                + "STRICT_ALL_TABLES", Db.sessionMode("ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,"
                + "NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"));
        assertEquals("STRICT_ALL_TABLES", Db.sessionMode(""));
    }
}
