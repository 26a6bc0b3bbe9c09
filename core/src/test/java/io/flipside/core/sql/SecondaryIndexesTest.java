package io.flipside.core.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flipside.schema.DeferredIndex;
import io.flipside.schema.IndexPart;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecondaryIndexesTest {
    static final DeferredIndex PLAIN = new DeferredIndex("k_1", List.of(new IndexPart("k", null, false)));
    static final DeferredIndex ODD = new DeferredIndex("by `name`", List.of(new IndexPart("na`me", 10, true),
            new IndexPart("id", null, false)));

    @Test
    void addsEveryIndexInOneClauseListWithItsPrefixesAndOrderQuoted() {
        assertEquals("ADD INDEX `k_1` (`k`), ADD INDEX `by ``name``` (`na``me`(10) DESC, `id`)",
                SecondaryIndexes.addClauses(List.of(PLAIN, ODD)));
    }

    @Test
    void dropsThemByQuotedName() {
        assertEquals("DROP INDEX `k_1`, DROP INDEX `by ``name```", SecondaryIndexes.dropClauses(List.of(PLAIN, ODD)));
    }

    @Test
    void describesThemForTheLog() {
        assertEquals("k_1(k), by `name`(na`me(10) DESC, id)", SecondaryIndexes.describe(List.of(PLAIN, ODD)));
    }

    @Test
    void refusesWhatCannotBeAnIndex() {
        assertThrows(IllegalArgumentException.class, () -> SecondaryIndexes.addClauses(List.of()));
        assertThrows(IllegalArgumentException.class, () -> SecondaryIndexes.dropClauses(List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> SecondaryIndexes.addClauses(List.of(new DeferredIndex("empty", List.of()))));
        assertThrows(IllegalArgumentException.class, () -> SecondaryIndexes.addClauses(
                List.of(new DeferredIndex("zero", List.of(new IndexPart("c", 0, false))))));
    }
}
