package io.flipside.core.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ZeroDatesTest {
    @Test
    void theTypesThatCanHoldAZeroDate() {
        for (String t : List.of("date", "datetime", "DATETIME(6)", "timestamp(3)")) {
            assertTrue(ZeroDates.canHold(t), t);
        }
        for (String t : List.of("time(3)", "year", "int", "varchar(10)")) {
            assertFalse(ZeroDates.canHold(t), t);
        }
    }

    @Test
    void looksForAZeroMonthOrDayInEachDateColumnOfTheKey() {
        assertEquals("/* flipside 0badcafe prepare */ SELECT CONCAT_WS('|', `d`, `id`, `at`) FROM `app`.`t` WHERE"
                + " (MONTH(`d`) = 0 OR DAYOFMONTH(`d`) = 0 OR MONTH(`at`) = 0 OR DAYOFMONTH(`at`) = 0) LIMIT 1",
                ZeroDates.query("0badcafe", new TableName("app", "t"), List.of("d", "id", "at"), List.of("d", "at")));
        assertEquals("/* flipside 0badcafe apply */ SELECT CONCAT_WS('|', `d`, `id`) FROM `app`.`t` WHERE `id` = ?"
                + " AND (MONTH(`d`) = 0 OR DAYOFMONTH(`d`) = 0) LIMIT 1", ZeroDates.query("0badcafe", "apply",
                new TableName("app", "t"), List.of("d", "id"), List.of("d"), List.of("id")));
        assertThrows(IllegalArgumentException.class,
                () -> ZeroDates.query("0badcafe", new TableName("app", "t"), List.of("id"), List.of()));
    }
}
