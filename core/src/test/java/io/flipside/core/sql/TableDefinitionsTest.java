package io.flipside.core.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class TableDefinitionsTest {
    @Test
    void definitionsCompareWithoutNameAndCounter() {
        String probe = "CREATE TABLE `_t_0badcafe_prb` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `x` int(11)"
                + " DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
        String table = "CREATE TABLE `t` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `x` int(11) DEFAULT NULL,\n"
                + "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB AUTO_INCREMENT=1001 DEFAULT CHARSET=utf8mb4";
        assertEquals(TableDefinitions.withoutNameAndCounter(probe), TableDefinitions.withoutNameAndCounter(table));
        assertNotEquals(TableDefinitions.withoutNameAndCounter(probe),
                TableDefinitions.withoutNameAndCounter(table.replace("`x` int(11)", "`x` bigint(20)")));
    }
}
