package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CREATE and DROP migrations are revertible within the retention window: DROP renames the table away and a revert
 * renames it back with every row; CREATE's revert renames the created table away with the rows written into it.
 * Nothing is destroyed before complete.
 */
class CreateDropIT {
    static Flipside f;
    static final String DB = "createdrop";

    @BeforeAll
    static void start() throws Exception {
        f = Flipside.get();
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS " + Sql.ident(DB));
        }
    }

    static TableName filled(String name) throws Exception {
        TableName t = f.recreate(new TableName(DB, name), "id BIGINT PRIMARY KEY, note VARCHAR(64)");
        f.fill(t, 300, "n, CONCAT('note ', n)");
        return t;
    }

    @Test
    void aDroppedTableComesBackWithEveryRowOnRevert() throws Exception {
        TableName t = filled("dropped");
        String before = contents(t);
        Flipside.Run drop = f.cli("submit", "--table", t.toString(), "--drop");
        assertEquals(Main.OK, drop.exit(), drop.toString());
        assertTrue(drop.err().contains("renames it back"), drop.err());
        String id = drop.lastLine();
        try (OperatorClient client = new OperatorClient(f.config)) {
            MigrationState cut = ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            assertTrue(cut.getFreezeGtid() != null && !cut.getFreezeGtid().isEmpty());
            assertTrue(!tables().contains(t.table()), "the table is gone: " + tables());
            assertEquals(before, contents(t.sibling(cut.getOldTable())), "kept, under another name");
            assertEquals(Main.OK, f.cli("revert", id, "--wait").exit());
            assertEquals(before, contents(t), "back with every row");
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
            assertEquals(before, contents(t), "complete after a revert keeps the table");
        }

        Flipside.Run again = f.cli("submit", "--table", t.toString(), "--drop");
        assertEquals(Main.OK, again.exit(), again.toString());
        try (OperatorClient client = new OperatorClient(f.config)) {
            MigrationState cut = ConcurrencyIT.await(client, again.lastLine(), MigrationStatus.CUT_OVER);
            assertEquals(Main.OK, f.cli("complete", again.lastLine(), "--wait").exit());
            assertTrue(tables().stream().noneMatch(n -> n.contains("dropped")), "complete dropped it: " + tables());
            assertNotEquals(null, cut.getOldTable());
        }
    }

    @Test
    void aCreatedTableIsRenamedAwayWithItsRowsOnRevert() throws Exception {
        TableName t = new TableName(DB, "created");
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + t.quoted());
        }
        Flipside.Run create = f.cli("submit", "--table", t.toString(), "--create",
                "CREATE TABLE " + t + " (id INT PRIMARY KEY, note VARCHAR(20) NOT NULL DEFAULT 'new')");
        assertEquals(Main.OK, create.exit(), create.toString());
        String id = create.lastLine();
        try (OperatorClient client = new OperatorClient(f.config)) {
            MigrationState cut = ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            try (Connection c = f.connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO " + t.quoted() + " (id) VALUES (1), (2), (3)");
            }
            String written = contents(t);
            assertEquals(Main.OK, f.cli("revert", id, "--wait").exit());
            assertTrue(!tables().contains(t.table()), "the created table is gone from its name: " + tables());
            assertEquals(written, contents(t.sibling(cut.getShadowTable())), "and kept with its rows");
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
            assertTrue(tables().stream().noneMatch(n -> n.contains("created")), "complete dropped it: " + tables());
        }
    }

    /**
     * The applier's session lost while it creates the table (killed here while it waits behind a global read lock)
     * is an interruption, tried again, not MySQL refusing the statement: before, the migration was rejected with
     * "MySQL refused the CREATE TABLE: Communications link failure".
     */
    @Test
    void aCreateWhoseSessionIsLostIsTriedAgainNotRejected() throws Exception {
        TableName t = new TableName(DB, "created_again");
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + t.quoted());
        }
        ExecutorService submitter = Executors.newSingleThreadExecutor();
        try (Connection lock = f.connect(); Statement held = lock.createStatement()) {
            Future<Flipside.Run> create;
            held.execute("FLUSH TABLES WITH READ LOCK");
            try {
                create = submitter.submit(() -> f.cli("submit", "--table", t.toString(), "--create",
                        "CREATE TABLE " + t + " (id INT PRIMARY KEY)"));
                long waiting = -1;
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (waiting < 0 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    waiting = sessionWaitingOnTheLockFor(t);
                }
                assertTrue(waiting >= 0, "the applier never waited to create " + t);
                try (Connection c = f.connect(); PreparedStatement kill = c.prepareStatement("KILL ?")) {
                    kill.setLong(1, waiting);
                    kill.execute();
                }
            } finally {
                held.execute("UNLOCK TABLES");
            }
            Flipside.Run created = create.get(3, TimeUnit.MINUTES);
            assertEquals(Main.OK, created.exit(), created.toString());
            try (OperatorClient client = new OperatorClient(f.config)) {
                ConcurrencyIT.await(client, created.lastLine(), MigrationStatus.CUT_OVER);
                assertTrue(client.state(created.lastLine()).orElseThrow().getInterruptions() >= 1,
                        "the lost session was an interruption");
                assertTrue(tables().contains(t.table()), tables().toString());
                assertEquals(Main.OK, f.cli("complete", created.lastLine(), "--wait").exit());
            }
        } finally {
            submitter.shutdownNow();
        }
    }

    @Test
    void badCreatesAndDropsAreRejectedTouchingNothing() throws Exception {
        TableName t = filled("kept");
        String before = contents(t);
        List<String> tablesBefore = tables();
        Flipside.Run other = f.cli("submit", "--table", DB + ".newone", "--create", "CREATE TABLE x.other (id INT)");
        assertEquals(Main.REJECTED, other.exit(), other.toString());
        assertTrue(other.err().contains("but the migration is for"), other.err());
        Flipside.Run exists = f.cli("submit", "--table", t.toString(), "--create", "CREATE TABLE " + t
                + " (id INT PRIMARY KEY)");
        assertEquals(Main.REJECTED, exists.exit(), exists.toString());
        assertTrue(exists.err().contains("already exists"), exists.err());
        Flipside.Run refused = f.cli("submit", "--table", DB + ".bad", "--create", "CREATE TABLE " + DB
                + ".bad (id INT PRIMARY KEY, id INT)");
        assertEquals(Main.REJECTED, refused.exit(), refused.toString());
        assertTrue(refused.err().contains("MySQL refused"), refused.err());
        // Created under its parked name, read, and dropped again: the capture could not read its changes.
        Flipside.Run unreadable = f.cli("submit", "--table", DB + ".years", "--create", "CREATE TABLE " + DB
                + ".years (id INT PRIMARY KEY, y YEAR, a INT, b INT, c INT, d INT, e INT, f INT, g INT)");
        assertEquals(Main.REJECTED, unreadable.exit(), unreadable.toString());
        assertTrue(unreadable.err().contains("would have 1 YEAR column and 8 numeric columns"), unreadable.err());
        Flipside.Run missing = f.cli("submit", "--table", DB + ".missing", "--drop");
        assertEquals(Main.REJECTED, missing.exit(), missing.toString());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        Flipside.Run both = f.cli("submit", "--table", t.toString(), "--drop", "--alter", "DROP COLUMN note");
        assertEquals(Main.FAILED, both.exit(), both.toString());
        assertEquals(before, contents(t));
        assertEquals(tablesBefore, tables(), "no table created or left behind");
    }

    /** The session waiting behind a global read lock with a statement naming {@code t}'s table, or -1. */
    private static long sessionWaitingOnTheLockFor(TableName t) throws Exception {
        try (Connection c = f.connect(); PreparedStatement ps = c.prepareStatement("SELECT ID FROM"
                + " information_schema.PROCESSLIST WHERE STATE = 'Waiting for global read lock' AND INFO LIKE ?")) {
            ps.setString(1, "%" + t.table() + "%");
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    private static String contents(TableName t) throws Exception {
        StringBuilder sb = new StringBuilder();
        try (Connection c = f.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM " + t.quoted() + " ORDER BY 1")) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= n; i++) {
                    sb.append(rs.getString(i)).append('|');
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static List<String> tables() throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = f.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW TABLES FROM " + Sql.ident(DB))) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
