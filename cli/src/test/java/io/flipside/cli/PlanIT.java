package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.schema.ChecksumVerdict;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the plan says at submit, from the two real table definitions: which ALTERs MySQL could apply instantly (and
 * that Flipside copies anyway, to stay revertible), and which unique key carries a migration that changes the
 * primary key (here to a BINARY(16) UUID, keeping id unique), through cut-over and revert.
 */
class PlanIT {
    static Flipside f;

    @BeforeAll
    static void start() throws Exception {
        f = Flipside.get();
    }

    static TableName table(String name) throws Exception {
        TableName t = f.recreate(new TableName("plans", name), "id BIGINT NOT NULL PRIMARY KEY,"
                + " uuid BINARY(16) NOT NULL, name VARCHAR(64) NULL, UNIQUE KEY by_uuid (uuid)");
        f.fill(t, 500, "n, UNHEX(MD5(n)), CONCAT('name ', n)");
        return t;
    }

    @Test
    void anAlterMySqlCouldApplyInstantlyIsSaidSoAndStillCopied() throws Exception {
        TableName t = table("instant");
        Flipside.Run add = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT NULL",
                "--postpone-cutover");
        assertEquals(Main.OK, add.exit(), add.toString());
        assertTrue(add.err().contains("ALGORITHM=INSTANT"), add.err());
        try (OperatorClient client = new OperatorClient(f.config)) {
            MigrationState s = ConcurrencyIT.await(client, add.lastLine(), MigrationStatus.READY);
            assertTrue(s.getInstantCapable());
            assertTrue(s.getRowsCopied() >= 500, "copied all the same: " + s.getRowsCopied());
            assertEquals(Main.OK, f.cli("cancel", add.lastLine(), "--wait").exit());
        }
        Flipside.Run modify = f.cli("submit", "--table", t.toString(), "--alter", "MODIFY name VARCHAR(32) NULL",
                "--postpone-cutover");
        assertEquals(Main.OK, modify.exit(), modify.toString());
        assertFalse(modify.err().contains("ALGORITHM=INSTANT"), modify.err());
        try (OperatorClient client = new OperatorClient(f.config)) {
            assertFalse(ConcurrencyIT.await(client, modify.lastLine(), MigrationStatus.READY).getInstantCapable());
            assertEquals(Main.OK, f.cli("cancel", modify.lastLine(), "--wait").exit());
        }
    }

    @Test
    void aNewPrimaryKeyIsCarriedByTheUniqueKeyBothTablesShare() throws Exception {
        TableName t = table("rekey");
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter",
                "DROP PRIMARY KEY, ADD PRIMARY KEY (uuid), ADD UNIQUE KEY by_id (id)");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        try (OperatorClient client = new OperatorClient(f.config)) {
            MigrationState cut = ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            assertEquals(List.of("id"), cut.getKeyColumns(), "the plan names the key used: the one both tables keep");
            try (Connection c = f.connect(); Statement s = c.createStatement();
                    java.sql.ResultSet rs = s.executeQuery("SHOW INDEX FROM " + t.quoted() + " WHERE Key_name = 'PRIMARY'")) {
                rs.next();
                assertEquals("uuid", rs.getString("Column_name"), "the new primary key serves");
            }
            try (Connection c = f.connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO " + t.quoted()
                    + " (id, uuid, name) VALUES (?, UNHEX(MD5(?)), ?)")) {
                for (long n = 501; n <= 520; n++) {
                    ps.setLong(1, n);
                    ps.setLong(2, n);
                    ps.setString(3, "after cut-over " + n);
                    ps.executeUpdate();
                }
            }
            assertEquals(Main.OK, f.cli("revert", id, "--wait").exit());
            MigrationState reverted = client.awaitState(id, s -> s.getChecksums().size() >= 2, Duration.ofSeconds(60))
                    .orElseThrow();
            for (ChecksumVerdict v : reverted.getChecksums()) {
                assertTrue(v.getMatched(), v.toString());
                assertTrue(v.getRows() >= 500, v.toString());
            }
            assertEquals(520, reverted.getChecksums().get(1).getRows(), "the rows written after the cut-over came back");
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        }
    }

    @Test
    void instantIsAnExplicitOptInThatCannotBeReverted() throws Exception {
        TableName t = table("opt_in");
        Flipside.Run notInstant = f.cli("submit", "--table", t.toString(), "--alter", "MODIFY name VARCHAR(32) NULL",
                "--instant");
        assertEquals(Main.REJECTED, notInstant.exit(), notInstant.toString());
        assertTrue(notInstant.err().contains("cannot apply this ALTER with ALGORITHM=INSTANT"), notInstant.err());

        Flipside.Run instant = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT NULL",
                "--instant");
        assertEquals(Main.OK, instant.exit(), instant.toString());
        assertTrue(instant.err().contains("not revertible"), instant.err());
        String id = instant.lastLine();
        try (OperatorClient client = new OperatorClient(f.config)) {
            MigrationState cut = ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            assertFalse(cut.getRevertible());
            assertEquals(0, cut.getRowsCopied(), "nothing copied");
            try (Connection c = f.connect(); Statement s = c.createStatement()) {
                s.executeQuery("SELECT extra FROM " + t.quoted() + " LIMIT 1").close();
                try (java.sql.ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + t.quoted())) {
                    rs.next();
                    assertEquals(500, rs.getLong(1), "every row still there, in place");
                }
                try (java.sql.ResultSet rs = s.executeQuery("SHOW TABLES FROM " + Sql.ident(t.database())
                        + " LIKE '%opt_in%'")) {
                    int n = 0;
                    while (rs.next()) {
                        n++;
                    }
                    assertEquals(1, n, "no shadow, no old table");
                }
            }
            Flipside.Run revert = f.cli("revert", id);
            assertEquals(Main.REJECTED, revert.exit(), revert.toString());
            assertTrue(revert.err().contains("not revertible"), revert.err());
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        }
        Flipside.Run withoutAlter = f.cli("submit", "--table", t.toString(), "--drop", "--instant");
        assertEquals(Main.FAILED, withoutAlter.exit(), withoutAlter.toString());
    }
}
