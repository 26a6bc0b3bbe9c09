package io.flipside.core.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlTest {
    @Test
    void quotesIdentifiersAndDoublesBackticks() {
        assertEquals("`users`", Sql.ident("users"));
        assertEquals("`we``ird`", Sql.ident("we`ird"));
        assertEquals("`app`.`users`", Sql.qualified("app", "users"));
    }

    @Test
    void findsANameInStatementsOnlyAsAWholeIdentifier() {
        for (String ddl : List.of("RENAME TABLE t TO t_moved", "rename table shop.T to x", "DROP TABLE `t`",
                "ALTER TABLE shop.`t` ADD COLUMN z INT", "RENAME TABLE x TO t", "DROP TABLE t;",
                "CREATE TABLE copy LIKE t\n")) {
            assertTrue(Sql.mentions(ddl, "t"), ddl);
        }
        for (String ddl : List.of("ALTER TABLE t2 ADD COLUMN z INT", "CREATE TABLE shop_t (id INT)",
                "ALTER TABLE test ADD INDEX (id)", "DROP TABLE `t2`", "CREATE TABLE `ét` (id INT)",
                "DROP TABLE t$")) {
            assertFalse(Sql.mentions(ddl, "t"), ddl);
        }
        assertTrue(Sql.mentions("RENAME TABLE `we``ird` TO x", "we`ird"));
        assertTrue(Sql.mentions("DROP TABLE `ex sp`", "ex sp"));
        assertTrue(Sql.mentions("DROP TABLE `Übung`", "übung"));
        assertFalse(Sql.mentions("DROP TABLE `ex spa`", "ex sp"));
        assertFalse(Sql.mentions(null, "t"));
    }

    @Test
    void refusesIdentifiersMySqlCannotHave() {
        assertThrows(IllegalArgumentException.class, () -> Sql.ident(""));
        assertThrows(IllegalArgumentException.class, () -> Sql.ident("a".repeat(65)));
        assertThrows(IllegalArgumentException.class, () -> Sql.ident("a\0b"));
    }

    @Test
    void tagsRefuseAnythingButIdsAndSteps() {
        assertEquals("/* flipside ab12 copy */ ", Sql.tag("ab12", "copy"));
        assertThrows(IllegalArgumentException.class, () -> Sql.tag("x */ DROP", "copy"));
    }

    @Test
    void parsesTableNames() {
        assertEquals(new TableName("app", "users"), TableName.parse("app.users"));
        assertEquals(new TableName("my app", "us.ers"), TableName.parse("`my app`.`us.ers`"));
        assertEquals(new TableName("a", "b`c"), TableName.parse("a.`b``c`"));
        for (String bad : new String[] {"users", "app.", ".users", "a.b.c", "a.b; DROP", "`a.b", ""}) {
            assertThrows(IllegalArgumentException.class, () -> TableName.parse(bad), bad);
        }
    }

    @Test
    void aTableNameIsWrittenAsItIsReadBack() {
        assertEquals("app.users", new TableName("app", "users").toString());
        assertEquals("`my app`.`us.ers`", new TableName("my app", "us.ers").toString());
        assertEquals("a.`b``c`", new TableName("a", "b`c").toString());
        for (TableName t : new TableName[] {new TableName("app", "users"), new TableName("my app", "us.ers"),
                new TableName("a", "b`c"), new TableName("é$_1", "`"), new TableName("d", "x y.z`")}) {
            assertEquals(t, TableName.parse(t.toString()), t.toString());
        }
    }
}
