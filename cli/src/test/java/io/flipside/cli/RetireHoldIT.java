package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.migration.Names;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.EnumSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code retire.hold.seconds}: a completed migration's retired table is renamed to its hold name at once, kept with its
 * rows for the hold time, then purged {@code retire.purge.chunk.rows} at a time and dropped by the applier.
 */
class RetireHoldIT {
    @Test
    void theRetiredTableIsHeldThenDropped() throws Exception {
        Flipside f = Flipside.get();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        FlipsideConfig config = Flipside.isolated(f.config, "rh", tag)
                .with("retire.hold.seconds", "4").with("retire.purge.chunk.rows", "100");
        TableName t = f.recreate(new TableName("retiring", "orders"), "id BIGINT PRIMARY KEY, note VARCHAR(20)");
        f.fill(t, 1050, "n, CONCAT('note ', n)");
        try (CapturedLogs lines = new CapturedLogs("io.flipside.applier.Retirement");
                Roles roles = Roles.start(config, EnumSet.allOf(Roles.Role.class));
                OperatorClient client = new OperatorClient(config); Connection c = f.connect()) {
            Flipside.Run submit = f.cli(config, "submit", "--table", t.toString(), "--alter", "DROP COLUMN note");
            assertEquals(Main.OK, submit.exit(), submit.toString());
            String id = submit.lastLine();
            ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            assertEquals(Main.OK, f.cli(config, "complete", id, "--wait").exit());
            long completedAt = System.currentTimeMillis();
            TableName hold = t.sibling(Names.holdTable(t.table(), id));
            assertEquals(1050, f.rows(hold), "the old table, with its dropped column's rows, is held");
            assertTrue(exists(c, hold), "held under " + hold);
            while (exists(c, hold) && System.currentTimeMillis() - completedAt < 30_000) {
                Thread.sleep(200);
            }
            long heldMillis = System.currentTimeMillis() - completedAt;
            assertTrue(!exists(c, hold), "dropped after the hold time");
            assertTrue(heldMillis >= 3000, "held " + heldMillis + " ms of 4000");
            // Purged first: 10 chunks of 100 rows and the last of 50, each its own statement, then the DROP. The
            // retirer logs it once it has also forgotten the table in the sidecar, a moment after the DROP.
            Object[] dropped = null;
            for (long deadline = System.currentTimeMillis() + 10_000; dropped == null
                    && System.currentTimeMillis() < deadline; Thread.sleep(50)) {
                dropped = lines.events().stream()
                        .filter(e -> e.getMessage().startsWith("migration {}: dropped {} after purging")
                                && id.equals(e.getArgumentArray()[0]))
                        .findFirst().map(e -> e.getArgumentArray()).orElse(null);
            }
            if (dropped == null) {
                throw new AssertionError("no drop logged: " + lines.events());
            }
            assertEquals(hold, dropped[1]);
            assertEquals(1050L, dropped[2], "rows purged");
            assertEquals(11L, dropped[3], "chunks");
        }
    }

    private static boolean exists(Connection c, TableName t) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM information_schema.TABLES"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")) {
            ps.setString(1, t.database());
            ps.setString(2, t.table());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) == 1;
            }
        }
    }
}
