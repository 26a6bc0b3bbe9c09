package io.flipside.core.ddl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.TableName;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AlterClausesTest {
    private static final TableName USERS = new TableName("app", "users");

    @Test
    void acceptsAClauseList() {
        AlterClauses a = AlterClauses.parse("DROP COLUMN title", USERS);
        assertEquals("DROP COLUMN title", a.text());
        assertTrue(a.renames().isEmpty());
    }

    @Test
    void stripsAnAlterTablePrefixForTheSameTable() {
        assertEquals("DROP COLUMN title", AlterClauses.parse("ALTER TABLE users DROP COLUMN title;", USERS).text());
        assertEquals("DROP COLUMN title", AlterClauses.parse("alter table `app`.`users` DROP COLUMN title", USERS).text());
    }

    @Test
    void refusesAnAlterOfAnotherTable() {
        InvalidAlterException e = assertThrows(InvalidAlterException.class,
                () -> AlterClauses.parse("ALTER TABLE orders DROP COLUMN x", USERS));
        assertTrue(e.getMessage().contains("orders"), e.getMessage());
        assertThrows(InvalidAlterException.class, () -> AlterClauses.parse("ALTER TABLE other.users DROP COLUMN x", USERS));
    }

    /** Debezium 3.6.1's DDL parser keeps the doubled backtick of such a name in ALTER clauses (probed by hand). */
    @Test
    void refusesANameWithABacktickInTheClausesButNotInTheTablesName() {
        for (String alter : List.of("RENAME COLUMN `a``b` TO ab", "ADD COLUMN `x``y` INT", "DROP COLUMN `a``b`",
                "MODIFY `a``b` BIGINT", "ADD INDEX i (`a``b`)")) {
            InvalidAlterException e = assertThrows(InvalidAlterException.class, () -> AlterClauses.parse(alter, USERS));
            assertTrue(e.getMessage().contains("has a backtick in it"), e.getMessage());
        }
        TableName odd = new TableName("app", "us`ers");
        assertEquals("ADD COLUMN `a b` INT", AlterClauses.parse("ALTER TABLE `us``ers` ADD COLUMN `a b` INT", odd)
                .text());
        assertEquals("ADD COLUMN x INT COMMENT 'it''s `q`'", AlterClauses.parse("ADD COLUMN x INT COMMENT 'it''s `q`'",
                USERS).text());
    }

    @Test
    void refusesASecondStatement() {
        InvalidAlterException e = assertThrows(InvalidAlterException.class,
                () -> AlterClauses.parse("DROP COLUMN title; DROP TABLE users", USERS));
        assertTrue(e.getMessage().contains("one statement"), e.getMessage());
    }

    @Test
    void aSemicolonInsideAStringOrCommentIsNotASecondStatement() {
        AlterClauses a = AlterClauses.parse("ADD COLUMN note VARCHAR(10) DEFAULT 'a;b' COMMENT \"x;y\" /* ; */", USERS);
        assertTrue(a.text().startsWith("ADD COLUMN note"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT 1", "DELETE FROM users", "INSERT INTO users VALUES (1)", "DROP COLUMN x /*!, DROP TABLE y */",
        "ALGORITHM=INPLACE, ADD COLUMN x INT", "LOCK=NONE", "RENAME TO people", "RENAME AS people", "",
        "  ", "ALTER TABLE users", "DROP COLUMN x,", "ADD PARTITION (PARTITION p1 VALUES LESS THAN (10))",
        "DISCARD TABLESPACE", "ADD COLUMN x INT, , DROP COLUMN y", "ADD COLUMN x INT)", "ADD COLUMN x ENUM('a'",
        "ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES t(id)", "ADD COLUMN parent INT REFERENCES t(id)",
        "GRANT ALL ON *.* TO x", "`users` DROP x"
    })
    void refusesWhatIsNotAnAlterClauseList(String alter) {
        assertThrows(InvalidAlterException.class, () -> AlterClauses.parse(alter, USERS));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PARTITION BY HASH (id) PARTITIONS 4", "REMOVE PARTITIONING",
        "ADD COLUMN x INT PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN"
                + " MAXVALUE)"})
    void acceptsAChangeOfThePartitioning(String alter) {
        assertEquals(alter, AlterClauses.parse(alter, USERS).text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"TRUNCATE PARTITION p0", "DROP PARTITION p0", "COALESCE PARTITION 2",
        "REORGANIZE PARTITION p0 INTO (PARTITION a VALUES LESS THAN (5))", "EXCHANGE PARTITION p0 WITH TABLE x",
        "ANALYZE PARTITION p0", "PARTITIONS 4"})
    void refusesPartitionMaintenance(String alter) {
        InvalidAlterException e = assertThrows(InvalidAlterException.class, () -> AlterClauses.parse(alter, USERS));
        assertTrue(e.getMessage().contains("partition and tablespace maintenance")
                || e.getMessage().contains("got a TRUNCATE statement"), e.getMessage());
    }

    @Test
    void readsColumnRenames() {
        AlterClauses a = AlterClauses.parse(
                "RENAME COLUMN name TO full_name, CHANGE COLUMN `title` job_title VARCHAR(80), CHANGE id id BIGINT,"
                        + " RENAME INDEX i TO j", USERS);
        assertEquals(Map.of("name", "full_name", "title", "job_title"), a.renames());
        assertEquals("full_name", a.renamedTo("NAME"));
    }

    @Test
    void refusesRenamingAColumnTwice() {
        assertThrows(InvalidAlterException.class,
                () -> AlterClauses.parse("RENAME COLUMN a TO b, CHANGE a c INT", USERS));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ADD CHECK (k > 0)", "ADD CONSTRAINT positive CHECK (k > 0)", "DROP CHECK positive",
        "ADD COLUMN x INT, ADD CONSTRAINT c CHECK (x <> 0) ENFORCED"})
    void refusesACheckConstraintSayingSo(String alter) {
        InvalidAlterException e = assertThrows(InvalidAlterException.class, () -> AlterClauses.parse(alter, USERS));
        assertTrue(e.getMessage().startsWith("CHECK constraints are not a schema change"), e.getMessage());
    }

    @Test
    void refusesAnExecutableComment() {
        InvalidAlterException e = assertThrows(InvalidAlterException.class,
                () -> AlterClauses.parse("ADD COLUMN x INT /*!80000 , DROP COLUMN y */", USERS));
        assertTrue(e.getMessage().contains("executable"), e.getMessage());
    }

    @Test
    void repartitioningIsToldWhereverMySqlTakesIt() {
        TableName t = new TableName("app", "t");
        assertTrue(AlterClauses.parse("PARTITION BY HASH (id) PARTITIONS 4", t).repartitions());
        assertTrue(AlterClauses.parse("ADD COLUMN x INT PARTITION BY KEY (id)", t).repartitions(),
                "after the last clause without a comma");
        assertTrue(AlterClauses.parse("ADD COLUMN x INT, REMOVE PARTITIONING", t).repartitions());
        assertFalse(AlterClauses.parse("ADD COLUMN x INT COMMENT 'PARTITION BY'", t).repartitions());
        assertFalse(AlterClauses.parse("ADD COLUMN `partition` INT, ADD INDEX `by` (`partition`)", t)
                .repartitions());
    }
}
