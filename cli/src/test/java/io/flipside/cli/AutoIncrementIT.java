package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * A swap keeps the table's AUTO_INCREMENT counter, as MySQL's own ALTER does. An insert rolled back, or a row inserted
 * and deleted before the apply read it, moves the serving table's counter and leaves nothing in the changelog for the
 * standby table to follow: before, the swapped table gave those ids again.
 */
class AutoIncrementIT {
    @Test
    void noIdIsGivenAgainAfterACutOverOrARevert() throws Exception {
        Flipside f = Flipside.get();
        TableName t = f.recreate(new TableName("auto_increment", "orders"),
                "id BIGINT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(20)");
        f.fill(t, 100, "n, CONCAT('note ', n)");
        try (OperatorClient client = new OperatorClient(f.config)) {
            String id = ConcurrencyIT.ready(f, client, t);

            long given = insertAndTakeBack(f, t);
            assertEquals(Main.OK, f.cli("cutover", id, "--wait").exit());
            ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            long next = insert(f, t, false);
            assertTrue(next > given, "after the cut-over, id " + next + " again; the table had given " + given);

            given = insertAndTakeBack(f, t);
            assertEquals(Main.OK, f.cli("revert", id, "--wait").exit());
            ConcurrencyIT.await(client, id, MigrationStatus.REVERTED);
            next = insert(f, t, false);
            assertTrue(next > given, "after the revert, id " + next + " again; the table had given " + given);
        }
    }

    /** A row inserted and deleted, then an insert rolled back: the highest id given. */
    private static long insertAndTakeBack(Flipside f, TableName t) throws Exception {
        long deleted = insert(f, t, false);
        try (Connection c = f.connect();
                PreparedStatement ps = c.prepareStatement("DELETE FROM " + t.quoted() + " WHERE id = ?")) {
            ps.setLong(1, deleted);
            assertEquals(1, ps.executeUpdate());
        }
        long rolledBack = insert(f, t, true);
        assertTrue(rolledBack > deleted);
        return rolledBack;
    }

    /** Inserts a row and returns its id; in a transaction rolled back when {@code rollBack}. */
    private static long insert(Flipside f, TableName t, boolean rollBack) throws Exception {
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.executeUpdate("INSERT INTO " + t.quoted() + " (note) VALUES ('inserted')");
            long id;
            try (ResultSet rs = s.executeQuery("SELECT LAST_INSERT_ID()")) {
                rs.next();
                id = rs.getLong(1);
            }
            if (rollBack) {
                c.rollback();
            } else {
                c.commit();
            }
            return id;
        }
    }
}
