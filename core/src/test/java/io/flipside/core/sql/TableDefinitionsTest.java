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

    @Test
    void theDifferenceNamesTheLinesOnlyOneHasWithoutTheCommaTheirPlaceGivesThem() {
        String before = TableDefinitions.withoutNameAndCounter("CREATE TABLE `t` (\n  `id` int NOT NULL,\n  `note`"
                + " varchar(20) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB AUTO_INCREMENT=7");
        String indexed = TableDefinitions.withoutNameAndCounter("CREATE TABLE `t` (\n  `id` int NOT NULL,\n  `note`"
                + " varchar(20) DEFAULT NULL,\n  PRIMARY KEY (`id`),\n  KEY `by_note` (`note`)\n) ENGINE=InnoDB"
                + " AUTO_INCREMENT=9");
        assertEquals("now KEY `by_note` (`note`)", TableDefinitions.difference(before, indexed));
        assertEquals("was KEY `by_note` (`note`)", TableDefinitions.difference(indexed, before));
        assertEquals("", TableDefinitions.difference(before, TableDefinitions.withoutNameAndCounter("CREATE TABLE"
                + " `_t_0badcafe_old` (\n  `id` int NOT NULL,\n  `note` varchar(20) DEFAULT NULL,\n  PRIMARY KEY"
                + " (`id`)\n) ENGINE=InnoDB AUTO_INCREMENT=1234")));
        assertEquals("now `note` varchar(20) DEFAULT NULL COMMENT 'x'; was `note` varchar(20) DEFAULT NULL",
                TableDefinitions.difference(before, before.replace("DEFAULT NULL", "DEFAULT NULL COMMENT 'x'")));
    }
}
