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

    @Test
    void aTableAsAnotherReleasePrintsItIsTheSameTable() {
        // As MySQL 8.0.15 prints it, and as a later 8.0 release prints the same table after an upgrade.
        String before = TableDefinitions.withoutNameAndCounter("CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n"
                + "  `n` int(11) DEFAULT NULL,\n  `flag` tinyint(1) DEFAULT NULL,\n  `y` year(4) DEFAULT NULL,\n"
                + "  `z` int(5) unsigned zerofill DEFAULT NULL,\n  `s` varchar(8) CHARACTER SET utf8 COLLATE"
                + " utf8_general_ci DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8");
        String after = TableDefinitions.withoutNameAndCounter("CREATE TABLE `t` (\n  `id` bigint NOT NULL,\n"
                + "  `n` int DEFAULT NULL,\n  `flag` tinyint(1) DEFAULT NULL,\n  `y` year DEFAULT NULL,\n"
                + "  `z` int(5) unsigned zerofill DEFAULT NULL,\n  `s` varchar(8) CHARACTER SET utf8mb3 COLLATE"
                + " utf8mb3_general_ci DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3");
        assertEquals("", TableDefinitions.difference(before, after));
        assertEquals("", TableDefinitions.difference(after, before));
        // What does change a column still shows, as each release printed it.
        assertEquals("now `n` bigint DEFAULT NULL; was `n` int(11) DEFAULT NULL",
                TableDefinitions.difference(before, after.replace("`n` int", "`n` bigint")));
        assertEquals("now `z` int(6) unsigned zerofill DEFAULT NULL; was `z` int(5) unsigned zerofill DEFAULT NULL",
                TableDefinitions.difference(before, after.replace("int(5)", "int(6)")), "a ZEROFILL width shows");
        assertEquals("now `s` varchar(8) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci DEFAULT NULL; was `s`"
                + " varchar(8) CHARACTER SET utf8 COLLATE utf8_general_ci DEFAULT NULL",
                TableDefinitions.difference(before, after.replace("utf8mb3", "utf8mb4").replace("CHARSET=utf8mb4",
                        "CHARSET=utf8mb3")));
    }

    @Test
    void withoutThePartitionListTheWayOfPartitioningStays() {
        String rotated = "(\n  `id` int(11) NOT NULL,\n  `created` date NOT NULL,\n  PRIMARY KEY (`id`,`created`)\n)"
                + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4\n/*!50500 PARTITION BY RANGE  COLUMNS(created)\n"
                + "(PARTITION p2025 VALUES LESS THAN ('2026-01-01') ENGINE = InnoDB,\n"
                + " PARTITION pmax VALUES LESS THAN (MAXVALUE) ENGINE = InnoDB) */";
        String before = rotated.replace("(PARTITION p2025 VALUES LESS THAN ('2026-01-01') ENGINE = InnoDB,\n ",
                "(PARTITION p2024 VALUES LESS THAN ('2025-01-01') (SUBPARTITION s0 ENGINE = InnoDB,\n"
                        + "  SUBPARTITION s1 ENGINE = InnoDB),\n ");
        assertNotEquals(before, rotated);
        assertEquals(TableDefinitions.withoutPartitionList(before), TableDefinitions.withoutPartitionList(rotated));
        assertEquals("now /*!50100 PARTITION BY HASH (`id`); was /*!50500 PARTITION BY RANGE  COLUMNS(created)",
                TableDefinitions.difference(TableDefinitions.withoutPartitionList(rotated),
                        TableDefinitions.withoutPartitionList(rotated.replace("/*!50500 PARTITION BY RANGE  COLUMNS"
                                + "(created)", "/*!50100 PARTITION BY HASH (`id`)"))), "the partitioning changed");
        String hashed = "(\n  `id` int(11) NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB\n"
                + "/*!50100 PARTITION BY HASH (`id`)\nPARTITIONS 4 */";
        assertEquals("now PARTITIONS 2 */; was PARTITIONS 4 */", TableDefinitions.difference(
                TableDefinitions.withoutPartitionList(hashed),
                TableDefinitions.withoutPartitionList(hashed.replace("4 */", "2 */"))), "a coalesce shows");
    }
}
