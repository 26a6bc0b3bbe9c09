package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.schema.ChecksumVerdict;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tables with a second unique index. The apply re-reads rows by key, so the shadow can briefly hold a row's older
 * value of a unique column while another row already holds it: such a collision must neither merge two rows (as an
 * upsert would) nor fail the migration. A unique index that the ALTER adds must never drop a row: duplicates in the
 * source reject the migration at submit, and a duplicate written while it runs fails it before the cut-over.
 */
class UniqueKeysIT {
    static Flipside f;

    @BeforeAll
    static void start() throws Exception {
        f = Flipside.get();
    }

    static TableName table(String name, boolean uniqueEmail, int rows) throws Exception {
        TableName t = f.recreate(new TableName("uniques", name), "id BIGINT PRIMARY KEY, email VARCHAR(64) NOT NULL,"
                + " name VARCHAR(64) NULL" + (uniqueEmail ? ", UNIQUE KEY email (email)" : ""));
        f.fill(t, rows, "n, CONCAT('user', n, '@example.com'), CONCAT('name ', n)");
        return t;
    }

    @Test
    void rowsSwappingUniqueValuesAreNeverMerged() throws Exception {
        swapEmailsThroughAMigration("swaps", "ADD COLUMN extra INT NULL");
    }

    /**
     * The same with a column the new table drops: inverse replication must keep the old table's names (the dropped
     * column) on every row while emails move between rows after the cut-over.
     */
    @Test
    void rowsSwappingUniqueValuesKeepTheDroppedColumnInTheOldTable() throws Exception {
        swapEmailsThroughAMigration("swaps_drop", "DROP COLUMN name");
    }

    private void swapEmailsThroughAMigration(String name, String alter) throws Exception {
        TableName t = table(name, true, 2000);
        String namesBefore = names(t);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger swaps = new AtomicInteger();
        AtomicInteger deadlocks = new AtomicInteger();
        List<Throwable> errors = new ArrayList<>();
        Thread writer = new Thread(() -> {
            java.util.Random random = new java.util.Random(42);
            try (Connection c = f.connect()) {
                c.setAutoCommit(false);
                while (!stop.get()) {
                    long a = 1 + random.nextInt(2000);
                    long b = 1 + random.nextInt(2000);
                    if (a == b) {
                        continue;
                    }
                    try {
                        String ea = email(c, t, a);
                        String eb = email(c, t, b);
                        setEmail(c, t, a, "moving-" + a);
                        setEmail(c, t, b, ea);
                        setEmail(c, t, a, eb);
                        c.commit();
                        swaps.incrementAndGet();
                    } catch (java.sql.SQLTransactionRollbackException e) {
                        // A deadlock: with a freeze's table locks (the swap read the table, then asked to write it
                        // while LOCK TABLES waited for it; metadata locks), or with chunks that read with shared locks.
                        // MySQL rolled this swap back; retry as apps do.
                        c.rollback();
                        deadlocks.incrementAndGet();
                    }
                    Thread.sleep(5);
                }
            } catch (Throwable e) {
                errors.add(e);
            }
        }, "email-swapper");
        writer.start();
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", alter);
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        try (OperatorClient client = new OperatorClient(f.config)) {
            MigrationState cut = ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            Thread.sleep(3000); // and some swaps on the new table, for inverse replication
            stop.set(true);
            writer.join();
            assertTrue(errors.isEmpty(), errors.toString());
            assertTrue(swaps.get() > 50, "swaps: " + swaps.get());
            System.out.println(alter + ": email swaps: " + swaps.get() + ", rolled back by a deadlock and retried: "
                    + deadlocks.get());
            ChecksumVerdict v = client.awaitState(id, s -> !s.getChecksums().isEmpty(), Duration.ofSeconds(60))
                    .orElseThrow().getChecksums().get(0);
            assertTrue(v.getMatched(), "the shadow equalled the source at the freeze point: " + v);
            TableName old = t.sibling(cut.getOldTable());
            assertEquals("", Poll.untilNoDifference(() -> emails(t).equals(emails(old)) ? "" : "emails differ",
                    Duration.ofSeconds(60)), "inverse replication kept the old table's emails");
            assertEquals(namesBefore, names(old), "and every row's name");
            assertEquals(Main.OK, f.cli("revert", id, "--wait").exit());
            MigrationState reverted = client.awaitState(id, s -> s.getChecksums().size() >= 2, Duration.ofSeconds(60))
                    .orElseThrow();
            assertTrue(reverted.getChecksums().get(1).getMatched(), reverted.getChecksums().get(1).toString());
            assertEquals(namesBefore, names(t), "the old schema serves with every name");
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        }
    }

    private static String emails(TableName t) throws Exception {
        return column(t, "email");
    }

    private static String names(TableName t) throws Exception {
        return column(t, "name");
    }

    private static String column(TableName t, String column) throws Exception {
        StringBuilder sb = new StringBuilder();
        try (Connection c = f.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, " + Sql.ident(column) + " FROM " + t.quoted() + " ORDER BY id")) {
            while (rs.next()) {
                sb.append(rs.getLong(1)).append('|').append(rs.getString(2)).append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void aNewUniqueKeyOverDuplicatesIsRejectedAtSubmitNamingThem() throws Exception {
        TableName t = table("dupes", false, 100);
        try (Connection c = f.connect()) {
            setEmail(c, t, 7, "user3@example.com");
        }
        String before = contents(t);
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD UNIQUE KEY email (email)");
        assertEquals(Main.REJECTED, submit.exit(), submit.toString());
        assertTrue(submit.err().contains("user3@example.com") && submit.err().contains("2 rows"), submit.err());
        assertEquals(before, contents(t), "the table is unchanged");
        assertEquals(1, tables().stream().filter(n -> n.contains("dupes")).count(), "no shadow left: " + tables());
    }

    @Test
    void aDuplicateWrittenDuringTheMigrationFailsItBeforeTheCutOver() throws Exception {
        TableName t = table("late_dupe", false, 500);
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD UNIQUE KEY email (email)",
                "--postpone-cutover");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        try (OperatorClient client = new OperatorClient(f.config)) {
            ConcurrencyIT.await(client, id, MigrationStatus.READY);
            try (Connection c = f.connect()) {
                setEmail(c, t, 400, "user12@example.com");
            }
            String before = contents(t);
            MigrationState failed = ConcurrencyIT.await(client, id, MigrationStatus.FAILED);
            assertTrue(failed.getError().contains("user12@example.com") && failed.getError().contains("400"),
                    failed.getError());
            assertEquals(before, contents(t), "the source is unchanged");
            assertEquals(1, tables().stream().filter(n -> n.contains("late_dupe")).count(), "shadow dropped: "
                    + tables());
        }
    }

    /**
     * Values moved from row to row in a source that does not enforce the new unique key, never held twice there: the
     * applier re-reads rows by key, so a row whose earlier change is applied can already carry a value that another
     * row of the new table still holds (that row's release comes later in the changelog). Such a row is rewritten from
     * the source too, so the migration goes through and the new table equals the source.
     */
    @Test
    void valuesMovedBetweenRowsDuringTheMigrationAreNoDuplicates() throws Exception {
        TableName t = table("moves", false, 500);
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD UNIQUE KEY email (email)",
                "--postpone-cutover");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        try (OperatorClient client = new OperatorClient(f.config)) {
            ConcurrencyIT.await(client, id, MigrationStatus.READY);
            java.util.Random random = new java.util.Random(7);
            try (Connection c = f.connect(); PreparedStatement touch = c.prepareStatement("UPDATE " + t.quoted()
                    + " SET name = CONCAT('touched ', ?) WHERE id = ?")) {
                for (int i = 0; i < 150; i++) {
                    long from = 1 + random.nextInt(250);
                    long to = 251 + random.nextInt(250);
                    touch.setInt(1, i);
                    touch.setLong(2, to);
                    touch.executeUpdate(); // a change of the receiving row, before it receives
                    Thread.sleep(random.nextInt(25));
                    String value = email(c, t, from);
                    setEmail(c, t, from, "moved" + i + "@example.com");
                    setEmail(c, t, to, value);
                    Thread.sleep(random.nextInt(15));
                }
            }
            Flipside.Run cutover = f.cli("cutover", id, "--wait");
            assertEquals(Main.OK, cutover.exit(), cutover.toString() + " " + client.state(id));
            ChecksumVerdict v = LossyRevertIT.awaitVerdict(id, "CUT_OVER");
            assertTrue(v.getMatched(), v.toString());
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        }
    }


    private static String email(Connection c, TableName t, long id) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT email FROM " + t.quoted() + " WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static void setEmail(Connection c, TableName t, long id, String email) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + t.quoted() + " SET email = ? WHERE id = ?")) {
            ps.setString(1, email);
            ps.setLong(2, id);
            ps.executeUpdate();
        }
    }

    private static String contents(TableName t) throws Exception {
        StringBuilder sb = new StringBuilder();
        try (Connection c = f.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, email, name FROM " + t.quoted() + " ORDER BY id")) {
            while (rs.next()) {
                sb.append(rs.getLong(1)).append('|').append(rs.getString(2)).append('|').append(rs.getString(3))
                        .append('\n');
            }
        }
        return sb.toString();
    }

    private static List<String> tables() throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = f.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW TABLES FROM " + Sql.ident("uniques"))) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
