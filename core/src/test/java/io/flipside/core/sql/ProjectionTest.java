package io.flipside.core.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.mapping.ColumnMapping;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProjectionTest {
    static final TableName USERS = new TableName("app", "users");
    static final TableName SHADOW = USERS.sibling("_users_0badcafe_new");
    static final ColumnMapping MAP = new ColumnMapping(List.of(
            new ColumnMapping.Pair("id", "id"), new ColumnMapping.Pair("name", "full_name")));
    static final Projection FORWARD = new Projection("0badcafe", USERS, SHADOW, MAP, List.of("id"), List.of("id"), "PRIMARY");

    @Test
    void copiesAChunkWithSharedLocksInKeyOrder() {
        assertEquals("/* flipside 0badcafe copy */ INSERT INTO `app`.`_users_0badcafe_new` (`id`, `full_name`)"
                + " SELECT `id`, `name` FROM `app`.`users` FORCE INDEX (`PRIMARY`) WHERE `id` > ? ORDER BY `id`"
                + " LIMIT ? LOCK IN SHARE MODE", FORWARD.copyChunk(false, true));
        assertEquals("/* flipside 0badcafe copy */ INSERT INTO `app`.`_users_0badcafe_new` (`id`, `full_name`)"
                + " SELECT `id`, `name` FROM `app`.`users` FORCE INDEX (`PRIMARY`) ORDER BY `id`"
                + " LIMIT ? LOCK IN SHARE MODE", FORWARD.copyChunk(true, true));
    }

    @Test
    void copiesAChunkWithoutLocksWhenTheCallerOpensItForTheReplicator() {
        assertEquals("/* flipside 0badcafe copy */ INSERT INTO `app`.`_users_0badcafe_new` (`id`, `full_name`)"
                + " SELECT `id`, `name` FROM `app`.`users` FORCE INDEX (`PRIMARY`) WHERE `id` > ? ORDER BY `id`"
                + " LIMIT ?", FORWARD.copyChunk(false, false));
    }

    @Test
    void copiesARangeBetweenTwoKeysForChunksCopiedAtOnceWithOrWithoutLocks() {
        assertEquals("/* flipside 0badcafe copy */ INSERT INTO `app`.`_users_0badcafe_new` (`id`, `full_name`)"
                + " SELECT `id`, `name` FROM `app`.`users` FORCE INDEX (`PRIMARY`) WHERE `id` > ? AND `id` <= ?"
                + " ORDER BY `id` LOCK IN SHARE MODE", FORWARD.copyRange(false, true));
        assertEquals("/* flipside 0badcafe copy */ INSERT INTO `app`.`_users_0badcafe_new` (`id`, `full_name`)"
                + " SELECT `id`, `name` FROM `app`.`users` FORCE INDEX (`PRIMARY`) WHERE `id` <= ?"
                + " ORDER BY `id` LOCK IN SHARE MODE", FORWARD.copyRange(true, true));
        assertEquals("/* flipside 0badcafe copy */ INSERT INTO `app`.`_users_0badcafe_new` (`id`, `full_name`)"
                + " SELECT `id`, `name` FROM `app`.`users` FORCE INDEX (`PRIMARY`) WHERE `id` > ? AND `id` <= ?"
                + " ORDER BY `id`", FORWARD.copyRange(false, false));
    }

    @Test
    void cutsARangeCopiedAgainInPiecesAndCopiesOnlyTheRowsTheWrittenTableLacksByItsNamesForTheKey() {
        assertEquals("/* flipside 0badcafe copy */ INSERT INTO `app`.`_users_0badcafe_new` (`id`, `full_name`) SELECT"
                + " `app`.`users`.`id`, `app`.`users`.`name` FROM `app`.`users` FORCE INDEX (`PRIMARY`) WHERE"
                + " `app`.`users`.`id` > ? AND `app`.`users`.`id` <= ? AND NOT EXISTS (SELECT 1 FROM"
                + " `app`.`_users_0badcafe_new` AS `flipside_kept` WHERE `flipside_kept`.`id` = `app`.`users`.`id`)"
                + " ORDER BY `app`.`users`.`id`", FORWARD.copyMissing(false, false));
        assertEquals("/* flipside 0badcafe copy */ INSERT INTO `app`.`_users_0badcafe_new` (`id`, `full_name`) SELECT"
                + " `app`.`users`.`id`, `app`.`users`.`name` FROM `app`.`users` FORCE INDEX (`PRIMARY`) WHERE"
                + " `app`.`users`.`id` <= ? AND NOT EXISTS (SELECT 1 FROM `app`.`_users_0badcafe_new` AS"
                + " `flipside_kept` WHERE `flipside_kept`.`id` = `app`.`users`.`id`) ORDER BY `app`.`users`.`id`"
                + " LOCK IN SHARE MODE", FORWARD.copyMissing(true, true));
        assertEquals("/* flipside 0badcafe copy */ SELECT `id` FROM `app`.`users` FORCE INDEX (`PRIMARY`)"
                + " WHERE `id` > ? AND `id` <= ? ORDER BY `id` LIMIT ?, 1", FORWARD.rangeRowKey(false));
        assertEquals("/* flipside 0badcafe copy */ SELECT `id` FROM `app`.`users` FORCE INDEX (`PRIMARY`)"
                + " WHERE `id` <= ? ORDER BY `id` LIMIT ?, 1", FORWARD.rangeRowKey(true));
        Projection renamedKey = new Projection("0badcafe", USERS, SHADOW, new ColumnMapping(List.of(
                new ColumnMapping.Pair("tenant", "org"), new ColumnMapping.Pair("id", "id"))), List.of("tenant", "id"),
                List.of("org", "id"), "PRIMARY");
        String missing = renamedKey.copyMissing(false, false);
        assertTrue(missing.contains(" WHERE (`app`.`users`.`tenant`, `app`.`users`.`id`) > (?, ?) AND"
                + " (`app`.`users`.`tenant`, `app`.`users`.`id`) <= (?, ?) AND NOT EXISTS (SELECT 1 FROM"
                + " `app`.`_users_0badcafe_new` AS `flipside_kept` WHERE `flipside_kept`.`org` = `app`.`users`.`tenant`"
                + " AND `flipside_kept`.`id` = `app`.`users`.`id`)"), missing);
    }

    @Test
    void upsertsOnlyMappedColumns() {
        assertEquals("/* flipside 0badcafe apply */ INSERT INTO `app`.`_users_0badcafe_new` (`id`, `full_name`)"
                + " SELECT `app`.`users`.`id`, `app`.`users`.`name` FROM `app`.`users` WHERE `app`.`users`.`id` IN (?, ?)"
                + " AND `app`.`users`.`id` <= ?"
                + " ON DUPLICATE KEY UPDATE `full_name` = VALUES(`full_name`)", FORWARD.upsert(2, true));
    }

    @Test
    void deletesRowsThatNoLongerExistWithoutLockingTheReadTable() {
        assertEquals("/* flipside 0badcafe apply */ SELECT `id` FROM `app`.`users` WHERE `id` IN (?, ?, ?)",
                FORWARD.existingKeys(3));
        assertEquals("/* flipside 0badcafe apply */ DELETE FROM `app`.`_users_0badcafe_new` WHERE `id` IN (?, ?, ?)"
                + " AND `id` <= ? AND `id` NOT IN (?)", FORWARD.deleteAbsent(3, true, 1));
        assertEquals("/* flipside 0badcafe apply */ DELETE FROM `app`.`_users_0badcafe_new` WHERE `id` IN (?)",
                FORWARD.deleteAbsent(1, false, 0));
    }

    @Test
    void compositeKeysUseRowConstructors() {
        Projection p = new Projection("0badcafe", USERS, SHADOW, new ColumnMapping(List.of(
                new ColumnMapping.Pair("a", "a"), new ColumnMapping.Pair("b", "b"))), List.of("a", "b"), List.of("a", "b"),
                "PRIMARY");
        assertEquals("/* flipside 0badcafe apply */ INSERT INTO `app`.`_users_0badcafe_new` (`a`, `b`)"
                + " SELECT `app`.`users`.`a`, `app`.`users`.`b` FROM `app`.`users`"
                + " WHERE (`app`.`users`.`a`, `app`.`users`.`b`) IN ((?, ?), (?, ?))"
                + " ON DUPLICATE KEY UPDATE `a` = `a`", p.upsert(2, false));
        assertEquals("/* flipside 0badcafe copy */ SELECT `a`, `b` FROM `app`.`_users_0badcafe_new`"
                + " WHERE (`a`, `b`) > (?, ?) ORDER BY `a` DESC, `b` DESC LIMIT 1", p.lastCopiedKey(false));
    }

    @Test
    void reversedReadsTheOtherWay() {
        Projection inverse = FORWARD.reversed();
        assertEquals(SHADOW, inverse.read());
        assertEquals(USERS, inverse.write());
        assertEquals(List.of("full_name"), inverse.mapping().fromColumns().subList(1, 2));
    }

    @Test
    void otherUniqueIndexesWriteByReplaceOrPlainInsert() {
        Projection replace = new Projection("0badcafe", USERS, SHADOW, MAP, List.of("id"), List.of("id"), "PRIMARY",
                WriteMode.REPLACE);
        assertEquals("/* flipside 0badcafe apply */ REPLACE INTO `app`.`_users_0badcafe_new` (`id`, `full_name`)"
                + " SELECT `app`.`users`.`id`, `app`.`users`.`name` FROM `app`.`users` WHERE `app`.`users`.`id` IN (?)",
                replace.upsert(1, false));
        assertEquals(true, replace.copyChunk(true, true).contains("*/ REPLACE INTO "));
        Projection insert = new Projection("0badcafe", USERS, SHADOW, MAP, List.of("id"), List.of("id"), "PRIMARY",
                WriteMode.INSERT);
        assertEquals("/* flipside 0badcafe apply */ INSERT INTO `app`.`_users_0badcafe_new` (`id`, `full_name`)"
                + " SELECT `app`.`users`.`id`, `app`.`users`.`name` FROM `app`.`users` WHERE `app`.`users`.`id` IN (?)"
                + " AND `app`.`users`.`id` <= ?", insert.upsert(1, true));
        assertEquals(true, insert.copyChunk(true, true).contains("*/ INSERT INTO "));
        assertEquals(WriteMode.UPSERT, replace.reversed().mode(), "the inverse upserts, keeping old-only columns");
    }

    @Test
    void aReadValueComparedWithAWrittenOneOfAnotherCollationIsBroughtIntoTheWrittenOnes() {
        ColumnMapping byCode = new ColumnMapping(List.of(new ColumnMapping.Pair("code", "code"),
                new ColumnMapping.Pair("email", "email"), new ColumnMapping.Pair("n", "n")));
        Projection p = new Projection("0badcafe", USERS, SHADOW, byCode, List.of("code"), List.of("code"), "PRIMARY",
                WriteMode.REPLACE_KEEPING).comparing(Map.of("CODE", new Projection.Collation("utf8mb4",
                        "utf8mb4_general_ci"), "email", new Projection.Collation("latin1", "latin1_bin")));
        String converted = "`flipside_kept`.`code` = CONVERT(`app`.`users`.`code` USING utf8mb4) COLLATE"
                + " utf8mb4_general_ci";
        assertTrue(p.copyMissing(true, false).contains("NOT EXISTS (SELECT 1 FROM `app`.`_users_0badcafe_new` AS"
                + " `flipside_kept` WHERE " + converted + ")"), p.copyMissing(true, false));
        for (String sql : p.replaceKeeping(1, List.of("note"))) {
            assertTrue(sql.contains(converted), sql);
        }
        String holders = p.uniqueHolders(1, List.of("email", "n"), List.of("email", "n"));
        assertTrue(holders.contains(" ON `flipside_kept`.`email` = CONVERT(`app`.`users`.`email` USING latin1) COLLATE"
                + " latin1_bin AND `flipside_kept`.`n` = `app`.`users`.`n` WHERE ") && holders.contains("AND NOT ("
                + converted + ")"), holders);
        assertEquals(p.comparing(Map.of()).copyMissing(true, false).replace(converted, "`flipside_kept`.`code` ="
                + " `app`.`users`.`code`"), p.copyMissing(true, false).replace(converted, "`flipside_kept`.`code` ="
                + " `app`.`users`.`code`"), "the rest unchanged");
        String notHeld = p.notHeldExactly(1, new java.util.LinkedHashMap<>(), false);
        assertTrue(notHeld.contains(" ON `app`.`_users_0badcafe_new`.`code` = CONVERT(`app`.`users`.`code` USING"
                + " utf8mb4) COLLATE utf8mb4_general_ci WHERE "), notHeld);
        assertEquals(p.writeCollations(), p.readingFrom(new TableName("sidecar", "batch")).writeCollations(),
                "the batch table has the read table's columns");
    }

    @Test
    void duplicatesOfANewUniqueKeyAreNamed() {
        assertEquals("/* flipside 0badcafe prepare */ SELECT CONCAT_WS(', ', `a`, `b`), COUNT(*) FROM `app`.`users`"
                + " WHERE `a` IS NOT NULL AND `b` IS NOT NULL GROUP BY `a`, `b` HAVING COUNT(*) > 1 LIMIT 3",
                Duplicates.query("0badcafe", USERS, List.of("a", "b"), 3));
    }

    @Test
    void textIsHashedAsUtf8mb4SoACharsetChangeCanMatch() {
        String q = Checksums.query("0badcafe", USERS,
                new Checksums.Hashed(List.of("id", "name"), java.util.Set.of("name"), java.util.Map.of()));
        assertEquals(true, q.contains("CONCAT_WS('#', `id`, CONVERT(`name` USING utf8mb4), CONCAT(ISNULL(`id`),"
                + " ISNULL(`name`)))"), q);
    }

    @Test
    void replaceKeepingReadsTheDroppedColumnsFromTheReplacedRow() {
        Projection inverse = new Projection("0badcafe", SHADOW, USERS, MAP.inverse(), List.of("id"), List.of("id"), null,
                WriteMode.REPLACE_KEEPING);
        assertEquals(List.of("/* flipside 0badcafe apply */ REPLACE INTO `app`.`users` (`id`, `name`, `title`) SELECT"
                + " `app`.`_users_0badcafe_new`.`id`, `app`.`_users_0badcafe_new`.`full_name`, `flipside_kept`.`title`"
                + " FROM `app`.`_users_0badcafe_new` JOIN `app`.`users` AS `flipside_kept`"
                + " ON `flipside_kept`.`id` = `app`.`_users_0badcafe_new`.`id`"
                + " WHERE `app`.`_users_0badcafe_new`.`id` IN (?, ?)",
                "/* flipside 0badcafe apply */ REPLACE INTO `app`.`users` (`id`, `name`) SELECT"
                + " `app`.`_users_0badcafe_new`.`id`, `app`.`_users_0badcafe_new`.`full_name`"
                + " FROM `app`.`_users_0badcafe_new` WHERE `app`.`_users_0badcafe_new`.`id` IN (?, ?)"
                + " AND NOT EXISTS (SELECT 1 FROM `app`.`users` AS `flipside_kept`"
                + " WHERE `flipside_kept`.`id` = `app`.`_users_0badcafe_new`.`id`)"),
                inverse.replaceKeeping(2, List.of("title")));
        TableName batch = new TableName("_flipside", "batch_0badcafe");
        assertEquals("SELECT `id`, `full_name` FROM `app`.`_users_0badcafe_new` WHERE `id` IN (?, ?)",
                inverse.selectRows(2));
        assertTrue(inverse.readingFrom(batch).replaceKeeping(1, List.of("title")).get(0).contains(
                " FROM `_flipside`.`batch_0badcafe` JOIN `app`.`users` AS `flipside_kept`"),
                "the REPLACE reads the session's snapshot of the rows");
        assertEquals("/* flipside 0badcafe apply */ SELECT `flipside_kept`.`id` FROM `app`.`_users_0badcafe_new`"
                + " JOIN `app`.`users` AS `flipside_kept` ON `flipside_kept`.`name` = `app`.`_users_0badcafe_new`.`full_name`"
                + " WHERE `app`.`_users_0badcafe_new`.`id` IN (?) AND NOT (`flipside_kept`.`id` ="
                + " `app`.`_users_0badcafe_new`.`id`)", inverse.uniqueHolders(1, List.of("name"), List.of("full_name")));
    }

    @Test
    void aColumnCanBeSelectedAsAnotherTypeSoThatMySqlStoresWhatItsAlterWould() {
        Projection p = FORWARD.selecting(java.util.Map.of("name", "UNSIGNED"));
        assertEquals("/* flipside 0badcafe copy */ INSERT INTO `app`.`_users_0badcafe_new` (`id`, `full_name`)"
                + " SELECT `id`, CAST(`name` AS UNSIGNED) FROM `app`.`users` FORCE INDEX (`PRIMARY`) WHERE `id` > ?"
                + " ORDER BY `id` LIMIT ?", p.copyChunk(false, false));
        assertTrue(p.copyRange(true, false).contains(" SELECT `id`, CAST(`name` AS UNSIGNED) FROM "));
        assertTrue(p.upsert(1, false).contains(" SELECT `app`.`users`.`id`, CAST(`app`.`users`.`name` AS UNSIGNED)"
                + " FROM "), p.upsert(1, false));
        Projection replace = new Projection("0badcafe", USERS, SHADOW, MAP, List.of("id"), List.of("id"), "PRIMARY",
                WriteMode.REPLACE_KEEPING).selecting(java.util.Map.of("name", "UNSIGNED"));
        replace.replaceKeeping(1, List.of("extra")).forEach(sql -> assertTrue(
                sql.contains("CAST(`app`.`users`.`name` AS UNSIGNED)"), sql));
        assertTrue(p.readingFrom(USERS.sibling("batch")).upsert(1, false).contains("CAST(`app`.`batch`.`name` AS"));
        assertEquals("SELECT `id`, `name` FROM `app`.`users` WHERE `id` IN (?)", p.selectRows(1),
                "read as they are, into a table of the same types");
    }
}
