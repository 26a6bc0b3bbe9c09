package io.flipside.core.mapping;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.ddl.AlterClauses;
import io.flipside.core.sql.TableName;
import io.flipside.core.sql.WriteMode;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationPlanTest {
    static final TableName USERS = new TableName("app", "users");
    static final TableName SHADOW = USERS.sibling("_users_0badcafe_new");
    static final TableName OLD = USERS.sibling("_users_0badcafe_old");
    static final UniqueKey PK = new UniqueKey("PRIMARY", List.of("id"));

    static ColumnDef col(String name, String type, boolean nullable) {
        return new ColumnDef(name, type, nullable, false, nullable, null, null);
    }

    static final TableDef USERS_DEF = new TableDef("users", List.of(
            col("id", "bigint", false), col("name", "varchar(64)", true), col("title", "varchar(64)", true)), List.of(PK));

    static MigrationPlan plan(TableDef shadow, String alter) throws PlanException {
        return MigrationPlan.plan(USERS, SHADOW, OLD, USERS_DEF, shadow, AlterClauses.parse(alter, USERS));
    }

    @Test
    void dropColumnMapsTheRestAndSaysWhatARevertDoes() throws PlanException {
        TableDef shadow = new TableDef("s", List.of(col("id", "bigint", false), col("name", "varchar(64)", true)), List.of(PK));
        MigrationPlan p = plan(shadow, "DROP COLUMN title");
        assertEquals(List.of("id", "name"), p.forward().fromColumns());
        assertEquals(List.of("id", "name"), p.inverse().toColumns());
        assertEquals(List.of("id"), p.sourceKey());
        assertEquals("PRIMARY", p.keyIndex());
        assertTrue(p.revertible());
        assertEquals(1, p.revertNotes().size());
        assertTrue(p.revertNotes().get(0).contains("title"), p.revertNotes().toString());
    }

    @Test
    void addedColumnIsDeclaredLostOnRevert() throws PlanException {
        TableDef shadow = new TableDef("s", List.of(col("id", "bigint", false), col("name", "varchar(64)", true),
                col("title", "varchar(64)", true), col("extra", "int", true)), List.of(PK));
        MigrationPlan p = plan(shadow, "ADD COLUMN extra INT");
        assertEquals(3, p.forward().pairs().size());
        assertTrue(p.revertNotes().stream().anyMatch(n -> n.contains("extra") && n.contains("discards")));
    }

    @Test
    void renamesAreFollowed() throws PlanException {
        TableDef shadow = new TableDef("s", List.of(col("id", "bigint", false), col("full_name", "varchar(64)", true),
                col("title", "varchar(64)", true)), List.of(PK));
        MigrationPlan p = plan(shadow, "RENAME COLUMN name TO full_name");
        assertEquals(new ColumnMapping.Pair("name", "full_name"), p.forward().pairs().get(1));
        assertEquals(new ColumnMapping.Pair("full_name", "name"), p.inverse().pairs().get(1));
        assertTrue(p.revertNotes().isEmpty(), p.revertNotes().toString());
    }

    @Test
    void aColumnDroppedAndReplacedByARenameIsNotFedByTheOldOne() throws PlanException {
        // DROP COLUMN title, RENAME COLUMN name TO title: the new title holds the old name's values.
        TableDef shadow = new TableDef("s", List.of(col("id", "bigint", false), col("title", "varchar(64)", true)),
                List.of(PK));
        MigrationPlan p = plan(shadow, "DROP COLUMN title, RENAME COLUMN name TO title");
        assertEquals(List.of(new ColumnMapping.Pair("id", "id"), new ColumnMapping.Pair("name", "title")),
                p.forward().pairs());
    }

    @Test
    void typeChangesAreDeclared() throws PlanException {
        TableDef shadow = new TableDef("s", List.of(col("id", "bigint", false), col("name", "varchar(200)", true),
                col("title", "varchar(64)", true)), List.of(PK));
        MigrationPlan p = plan(shadow, "MODIFY name VARCHAR(200)");
        assertTrue(p.revertNotes().stream().anyMatch(n -> n.contains("varchar(64)") && n.contains("varchar(200)")));
    }

    @Test
    void generatedColumnsAreNeverWritten() throws PlanException {
        ColumnDef gen = new ColumnDef("upper_name", "varchar(64)", true, true, true, null, null);
        TableDef shadow = new TableDef("s", List.of(col("id", "bigint", false), col("name", "varchar(64)", true),
                col("title", "varchar(64)", true), gen), List.of(PK));
        MigrationPlan p = plan(shadow, "ADD COLUMN upper_name VARCHAR(64) AS (UPPER(name))");
        assertFalse(p.forward().toColumns().contains("upper_name"));
    }

    @Test
    void refusesATableWithoutAUniqueKey() {
        TableDef noKey = new TableDef("users", USERS_DEF.columns(), List.of());
        PlanException e = assertThrows(PlanException.class, () -> MigrationPlan.plan(USERS, SHADOW, OLD, noKey, noKey,
                AlterClauses.parse("ADD COLUMN x INT", USERS)));
        assertTrue(e.getMessage().contains("no primary key"), e.getMessage());
    }

    @Test
    void refusesATableWhoseEveryKeyHoldsAGeneratedColumnSayingSo() {
        TableDef def = new TableDef("users", List.of(col("id", "bigint", false), col("k", "int", false),
                new ColumnDef("g", "int", false, true, true, null, null)), List.of(new UniqueKey("PRIMARY",
                List.of("id", "g"))));
        PlanException e = assertThrows(PlanException.class, () -> MigrationPlan.plan(USERS, SHADOW, OLD, def, def,
                AlterClauses.parse("ADD COLUMN x INT", USERS)));
        assertTrue(e.getMessage().contains("holds a generated column (g)"), e.getMessage());
        TableDef alsoById = new TableDef("users", def.columns(), List.of(new UniqueKey("PRIMARY", List.of("id", "g")),
                new UniqueKey("by_id", List.of("id"))));
        assertEquals(List.of("id"), assertDoesNotThrow(() -> MigrationPlan.plan(USERS, SHADOW, OLD, alsoById,
                alsoById, AlterClauses.parse("ADD COLUMN x INT", USERS))).sourceKey());
    }

    @Test
    void refusesWhenTheKeyIsDropped() {
        TableDef shadow = new TableDef("s", List.of(col("id", "bigint", false), col("name", "varchar(64)", true),
                col("title", "varchar(64)", true)), List.of());
        PlanException e = assertThrows(PlanException.class, () -> plan(shadow, "DROP PRIMARY KEY"));
        assertTrue(e.getMessage().contains("share no unique key"), e.getMessage());
    }

    @Test
    void aKeyWidenedOverTheOldOneIsRefusedWithTheWayThere() {
        List<ColumnDef> columns = List.of(col("id", "bigint", false), col("created", "date", false),
                col("name", "varchar(64)", true));
        TableDef source = new TableDef("users", columns, List.of(PK));
        TableDef shadow = new TableDef("s", columns, List.of(new UniqueKey("PRIMARY", List.of("id", "created"))));
        String alter = "DROP PRIMARY KEY, ADD PRIMARY KEY (id, created)";
        PlanException e = assertThrows(PlanException.class,
                () -> MigrationPlan.plan(USERS, SHADOW, OLD, source, shadow, AlterClauses.parse(alter, USERS)));
        assertTrue(e.getMessage().contains("share no unique key") && e.getMessage().contains("the new table's key (id,"
                + " created) holds the old key (id): give app.users a unique key on (id, created) first"),
                e.getMessage());
        TableDef nullable = new TableDef("s", USERS_DEF.columns(), List.of(new UniqueKey("PRIMARY", List.of("id",
                "name"))));
        PlanException n = assertThrows(PlanException.class, () -> plan(nullable, "DROP PRIMARY KEY, ADD PRIMARY KEY"
                + " (id, name)"));
        assertFalse(n.getMessage().contains("first"), "no way there over a column the old table lets be NULL: "
                + n.getMessage());
    }

    @Test
    void refusesANewNotNullColumnWithoutDefault() {
        TableDef shadow = new TableDef("s", List.of(col("id", "bigint", false), col("name", "varchar(64)", true),
                col("title", "varchar(64)", true), col("code", "int", false)), List.of(PK));
        PlanException e = assertThrows(PlanException.class, () -> plan(shadow, "ADD COLUMN code INT NOT NULL"));
        assertTrue(e.getMessage().contains("code"), e.getMessage());
    }

    @Test
    void droppingANotNullColumnWithoutDefaultIsNotRevertible() throws PlanException {
        TableDef source = new TableDef("users", List.of(col("id", "bigint", false), col("code", "int", false)), List.of(PK));
        TableDef shadow = new TableDef("s", List.of(col("id", "bigint", false)), List.of(PK));
        MigrationPlan p = MigrationPlan.plan(USERS, SHADOW, OLD, source, shadow, AlterClauses.parse("DROP COLUMN code", USERS));
        assertFalse(p.revertible());
        assertTrue(p.revertNotes().get(0).startsWith("not revertible"));
    }

    @Test
    void theWriteModeFollowsTheShadowsUniqueIndexes() throws PlanException {
        UniqueKey email = new UniqueKey("email", List.of("email"));
        TableDef source = new TableDef("users", List.of(col("id", "bigint", false), col("email", "varchar(64)", true),
                col("name", "varchar(64)", true)), List.of(PK), List.of(PK, email));
        TableDef sameShape = new TableDef("s", source.columns(), List.of(PK), List.of(PK, email));
        MigrationPlan kept = MigrationPlan.plan(USERS, SHADOW, OLD, source, sameShape,
                AlterClauses.parse("ADD INDEX (name)", USERS));
        assertEquals(WriteMode.REPLACE, kept.writeMode(), "a unique index the source enforces too");
        assertTrue(kept.addedUniqueKeys().isEmpty());

        UniqueKey byName = new UniqueKey("by_name", List.of("full_name"));
        TableDef renamed = new TableDef("s", List.of(col("id", "bigint", false), col("email", "varchar(64)", true),
                col("full_name", "varchar(64)", true)), List.of(PK), List.of(PK, email, byName));
        MigrationPlan added = MigrationPlan.plan(USERS, SHADOW, OLD, source, renamed,
                AlterClauses.parse("RENAME COLUMN name TO full_name, ADD UNIQUE by_name (full_name)", USERS));
        assertEquals(WriteMode.INSERT, added.writeMode(), "a unique index the source does not enforce");
        assertEquals(List.of(new UniqueKey("by_name", List.of("name"))), added.addedUniqueKeys(),
                "named in the source's columns, for the duplicate check at submit");

        TableDef plain = new TableDef("s", source.columns(), List.of(PK), List.of(PK));
        MigrationPlan dropped = MigrationPlan.plan(USERS, SHADOW, OLD, source, plain,
                AlterClauses.parse("DROP INDEX email", USERS));
        assertEquals(WriteMode.UPSERT, dropped.writeMode());
        assertFalse(dropped.revertible(), "the old table could not hold duplicates the new one accepts");
        assertTrue(dropped.revertNotes().stream().anyMatch(n -> n.startsWith("not revertible") && n.contains("email")),
                dropped.revertNotes().toString());
        assertEquals(WriteMode.REPLACE, kept.inverseWriteMode(), "every old column mapped: REPLACE is exact");
        TableDef withoutName = new TableDef("s", List.of(col("id", "bigint", false), col("email", "varchar(64)", true)),
                List.of(PK), List.of(PK, email));
        MigrationPlan drop = MigrationPlan.plan(USERS, SHADOW, OLD, source, withoutName,
                AlterClauses.parse("DROP COLUMN name", USERS));
        assertEquals(WriteMode.REPLACE_KEEPING, drop.inverseWriteMode(), "the dropped column is read from the old row");
        assertEquals(List.of("name"), drop.inverseKeepColumns());
        assertEquals(List.of(email), drop.inverseUniqueIndexes());
        assertTrue(drop.revertible());
    }
}
