package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.migration.Names;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.Schemas;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A trigger created on the table, or on the table the swap would bring in, after the migration was prepared (a table
 * with triggers is rejected at submit). A trigger stays with its table through the RENAME: before, a cut-over moved it
 * to the old table, where it fired on inverse replication's writes, and the table serving the application had none.
 * Now the applier refuses the swap at the freeze and renames nothing; once the trigger is dropped, the swap goes
 * through. The same for a foreign key that refers to the table, which InnoDB re-points at the table renamed, also
 * when it is created while the freeze waits for its locks.
 */
class TriggersAndForeignKeysIT {
    @Test
    void aSwapIsRefusedWhileEitherTableHasATrigger() throws Exception {
        Flipside f = Flipside.get();
        TableName t = f.recreate(new TableName("triggers", "orders"), "id BIGINT PRIMARY KEY, note VARCHAR(20)");
        f.fill(t, 100, "n, CONCAT('note ', n)");
        try (OperatorClient client = new OperatorClient(f.config)) {
            String id = ConcurrencyIT.ready(f, client, t);

            f.exec("CREATE TRIGGER " + t.sibling("stamp").quoted() + " BEFORE INSERT ON " + t.quoted()
                    + " FOR EACH ROW SET NEW.note = 'stamped'");
            Flipside.Run refused = f.cli("cutover", id, "--wait");
            assertEquals(Main.REJECTED, refused.exit(), refused.toString());
            assertTrue(refused.err().contains("cut-over refused: " + t + " has triggers (stamp)"), refused.err());
            assertEquals(MigrationStatus.READY, client.state(id).orElseThrow().getStatus());
            try (Connection c = f.connect()) {
                assertEquals(java.util.List.of("id", "note"), Schemas.columns(c, "triggers", "orders"),
                        "nothing renamed");
            }
            f.exec("INSERT INTO " + t.quoted() + " (id, note) VALUES (1000, 'written')");
            assertEquals("stamped", f.note(t, 1000), "the trigger is still on the table");

            f.exec("DROP TRIGGER " + t.sibling("stamp").quoted());
            assertEquals(Main.OK, f.cli("cutover", id, "--wait").exit());
            ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);

            TableName old = t.sibling(Names.oldTable(t.table(), id));
            f.exec("CREATE TRIGGER " + t.sibling("stamp_old").quoted() + " BEFORE UPDATE ON " + old.quoted()
                    + " FOR EACH ROW SET NEW.note = 'stamped'");
            Flipside.Run revert = f.cli("revert", id, "--wait");
            assertEquals(Main.REJECTED, revert.exit(), revert.toString());
            assertTrue(revert.err().contains("revert refused: " + old + " has triggers (stamp_old)"), revert.err());
            assertEquals(MigrationStatus.CUT_OVER, client.state(id).orElseThrow().getStatus());

            f.exec("DROP TRIGGER " + t.sibling("stamp_old").quoted());
            assertEquals(Main.OK, f.cli("revert", id, "--wait").exit());
            assertEquals(MigrationStatus.REVERTED, client.awaitState(id,
                    x -> x.getStatus() == MigrationStatus.REVERTED, Duration.ofSeconds(60)).orElseThrow()
                    .getStatus());
            assertEquals("stamped", f.note(t, 1000), "the old table serves again, with the row written");
        }
    }

    @Test
    void aSwapIsRefusedWhileAForeignKeyRefersToTheTable() throws Exception {
        Flipside f = Flipside.get();
        f.exec("CREATE DATABASE IF NOT EXISTS foreign_keys", "DROP TABLE IF EXISTS foreign_keys.lines");
        TableName t = f.recreate(new TableName("foreign_keys", "orders"), "id BIGINT PRIMARY KEY, note VARCHAR(20)");
        f.fill(t, 100, "n, CONCAT('note ', n)");
        try (OperatorClient client = new OperatorClient(f.config)) {
            String id = ConcurrencyIT.ready(f, client, t);

            TableName lines = t.sibling("lines");
            f.exec("CREATE TABLE " + lines.quoted() + " (id BIGINT PRIMARY KEY, order_id BIGINT, FOREIGN KEY"
                    + " (order_id) REFERENCES " + t.quoted() + " (id))");
            Flipside.Run refused = f.cli("cutover", id, "--wait");
            assertEquals(Main.REJECTED, refused.exit(), refused.toString());
            assertTrue(refused.err().contains("cut-over refused: " + t + " has or is referenced by foreign keys"),
                    refused.err());
            assertEquals(MigrationStatus.READY, client.state(id).orElseThrow().getStatus());
            try (Connection c = f.connect()) {
                assertEquals(java.util.List.of("id", "note"), Schemas.columns(c, "foreign_keys", "orders"),
                        "nothing renamed");
            }

            f.exec("DROP TABLE " + lines.quoted());
            // Created while the freeze waits for its locks, after the check made before them: MySQL lets the
            // foreign key's DDL, which wants the table exclusively, go before the freeze's pending lock.
            Flipside.Run late = foreignKeyCreatedWhileTheFreezeWaits(f, id, t, lines);
            assertEquals(Main.REJECTED, late.exit(), late.toString());
            assertTrue(late.err().contains("cut-over refused: " + t + " has or is referenced by foreign keys"),
                    late.err());
            assertFalse(late.err().contains("no locks were taken"), "refused under the locks: " + late.err());
            assertEquals(MigrationStatus.READY, client.state(id).orElseThrow().getStatus());

            f.exec("DROP TABLE " + lines.quoted());
            assertEquals(Main.OK, f.cli("cutover", id, "--wait").exit());
            ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);

            // The table the revert would bring in given a foreign key of its own.
            TableName old = t.sibling(Names.oldTable(t.table(), id));
            TableName ids = t.sibling("ids");
            f.exec("DROP TABLE IF EXISTS " + ids.quoted(), "CREATE TABLE " + ids.quoted() + " (id BIGINT PRIMARY KEY)",
                    "INSERT INTO " + ids.quoted() + " SELECT id FROM " + old.quoted(),
                    "ALTER TABLE " + old.quoted() + " ADD FOREIGN KEY (id) REFERENCES " + ids.quoted() + " (id)");
            Flipside.Run revert = f.cli("revert", id, "--wait");
            assertEquals(Main.REJECTED, revert.exit(), revert.toString());
            assertTrue(revert.err().contains("revert refused: " + old + " has or is referenced by foreign keys"),
                    revert.err());
            assertEquals(MigrationStatus.CUT_OVER, client.state(id).orElseThrow().getStatus());
        }
    }

    /**
     * Runs {@code cutover --wait} while a transaction that has read {@code t} holds its freeze waiting for the locks,
     * creates {@code lines} with a foreign key to {@code t} meanwhile, and then ends the transaction, within the
     * freeze's first wait for its locks (2 s).
     */
    private static Flipside.Run foreignKeyCreatedWhileTheFreezeWaits(Flipside f, String id, TableName t,
            TableName lines) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try (Connection reader = f.connect(); Statement rs = reader.createStatement()) {
            reader.setAutoCommit(false);
            rs.executeQuery("SELECT * FROM " + t.quoted() + " LIMIT 1").close();
            java.util.concurrent.Future<Flipside.Run> cutover = pool.submit(() -> f.cli("cutover", id, "--wait"));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!freezeWaits(f)) {
                assertTrue(System.nanoTime() < deadline, "the freeze never waited for its locks");
                Thread.sleep(20);
            }
            java.util.concurrent.Future<?> create = pool.submit(() -> {
                f.exec("CREATE TABLE " + lines.quoted() + " (id BIGINT PRIMARY KEY, order_id BIGINT, FOREIGN KEY"
                        + " (order_id) REFERENCES " + t.quoted() + " (id))");
                return null;
            });
            Thread.sleep(300);
            reader.commit();
            create.get(60, java.util.concurrent.TimeUnit.SECONDS);
            return cutover.get(120, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }

    private static boolean freezeWaits(Flipside f) throws Exception {
        try (Connection c = f.connect(); Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE = 'Waiting for table metadata lock'"
                        + " AND INFO LIKE '%LOCK TABLES%'")) {
            rs.next();
            return rs.getLong(1) > 0;
        }
    }

}
