package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.TableFilter;
import io.flipside.runtime.BinaryLogStatus;
import io.flipside.runtime.ServerRequirements;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.EmbeddedMySql;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Servers whose binary log leaves out some changes of a table, so that the capture would never see them and the new
 * table would miss every such write made while the migration runs: one started with {@code binlog-ignore-db} (the
 * changes of that database), and a replica that does not log what it applies ({@code log_slave_updates} off). A
 * migration of such a table is refused at once, and changes nothing; one elsewhere is not.
 */
class UnloggedChangesIT {
    @Test
    void aMigrationOfATableWhoseDatabaseIsNotLoggedIsRejectedAndChangesNothing(@TempDir Path dir) throws Exception {
        try (EmbeddedMySql mysql = EmbeddedMySql.start(dir, 4, List.of("--binlog-ignore-db=unlogged"));
                Connection c = mysql.connect(); Statement s = c.createStatement()) {
            for (String db : List.of("unlogged", "logged")) {
                s.execute("CREATE DATABASE " + db);
                s.execute("CREATE TABLE " + db + ".items (id INT PRIMARY KEY, note VARCHAR(20))");
                s.execute("INSERT INTO " + db + ".items VALUES (1, 'one')");
            }
            String before = gtidExecuted(c);
            s.execute("INSERT INTO unlogged.items VALUES (2, 'two')");
            assertEquals(before, gtidExecuted(c), "a change of the database left out is not logged: no GTID");
            s.execute("INSERT INTO logged.items VALUES (2, 'two')");
            assertTrue(!before.equals(gtidExecuted(c)), "a change of another database is logged");
            Sidecar sidecar = new Sidecar("_flipside_filters");
            sidecar.create(c);
            assertEquals(Optional.of(List.of("the binary log leaves out the changes of database unlogged"
                    + " (binlog-ignore-db names it): the capture would never see them")),
                    ServerRequirements.unloggedDatabases(c, List.of("unlogged", "logged")));

            Preparation.Outcome refused = prepare(c, sidecar, "unlogged.items", "f1111111");
            assertNull(refused.started());
            assertTrue(refused.rejection().contains("the binary log leaves out the changes of database unlogged"),
                    refused.rejection());
            assertTrue(refused.rejection().contains("Nothing was changed"), refused.rejection());
            assertEquals(List.of("items"), tables(c, "unlogged"), "no shadow table");

            Preparation.Outcome taken = prepare(c, sidecar, "logged.items", "f2222222");
            assertNull(taken.rejection(), taken.rejection());

            // A user who may not run SHOW MASTER STATUS: the filters cannot be seen.
            s.execute("CREATE USER filters_plain IDENTIFIED BY 'plain'");
            Properties p = new Properties();
            p.setProperty("user", "filters_plain");
            p.setProperty("password", "plain");
            try (Connection plain = DriverManager.getConnection(mysql.jdbcUrl(null), p)) {
                assertEquals(Optional.empty(), ServerRequirements.unloggedDatabases(plain, List.of("unlogged")));
            }
        }
    }

    @Test
    void aMigrationOnAReplicaThatDoesNotLogWhatItAppliesIsRejectedAndChangesNothing(@TempDir Path dir)
            throws Exception {
        try (EmbeddedMySql source = EmbeddedMySql.start(dir.resolve("source"), 5);
                EmbeddedMySql replica = EmbeddedMySql.start(dir.resolve("replica"), 6,
                        List.of("--skip-log-slave-updates"));
                Connection sc = source.connect(); Statement ss = sc.createStatement();
                Connection rc = replica.connect(); Statement rs = rc.createStatement()) {
            // The replica starts from the source's present: each server created its own users.
            rs.execute("RESET MASTER");
            try (PreparedStatement purged = rc.prepareStatement("SET GLOBAL gtid_purged = ?")) {
                purged.setString(1, gtidExecuted(sc));
                purged.execute();
            }
            try (PreparedStatement ps = rc.prepareStatement("CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?,"
                    + " MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_AUTO_POSITION = 1")) {
                ps.setString(1, source.host());
                ps.setInt(2, source.port());
                ps.setString(3, source.user());
                ps.setString(4, source.password());
                ps.execute();
            }
            rs.execute("START SLAVE");
            ss.execute("CREATE DATABASE app");
            ss.execute("CREATE TABLE app.items (id INT PRIMARY KEY, note VARCHAR(20))");
            ss.execute("INSERT INTO app.items VALUES (1, 'one')");
            awaitRow(rc, 1);
            String position = binlogPosition(rc);
            String executed = gtidExecuted(rc);
            ss.execute("INSERT INTO app.items VALUES (2, 'two')");
            awaitRow(rc, 2);
            // The replica's gtid_executed may move a moment after the row shows (a CI run read it unchanged).
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (executed.equals(gtidExecuted(rc)) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertNotEquals(executed, gtidExecuted(rc), "the replica applied the change");
            assertEquals(position, binlogPosition(rc), "and did not log it: no capture of the replica can see it");

            Optional<List<String>> unlogged = Optional.of(List.of("the server applies transactions replicated from"
                    + " another (the default channel) and does not log them (log_replica_updates, log_slave_updates"
                    + " before 8.0.26, is OFF, not ON): a change that reaches the table by replication would never"
                    + " reach the capture, and would be missing from the new table"));
            assertEquals(unlogged, ServerRequirements.unloggedReplication(rc));
            assertEquals(Optional.of(List.of()), ServerRequirements.unloggedReplication(sc), "replicates from none");
            Sidecar sidecar = new Sidecar("_flipside_replica");
            sidecar.create(rc);
            Preparation.Outcome refused = prepare(rc, sidecar, "app.items", "f3333333");
            assertNull(refused.started());
            assertTrue(refused.rejection().contains("and does not log them"), refused.rejection());
            assertTrue(refused.rejection().contains("Nothing was changed"), refused.rejection());
            assertEquals(List.of("items"), tables(rc, "app"), "no shadow table");

            // A user who may not read performance_schema's replication tables: it cannot be seen.
            rs.execute("CREATE USER replica_plain IDENTIFIED BY 'plain'");
            Properties p = new Properties();
            p.setProperty("user", "replica_plain");
            p.setProperty("password", "plain");
            try (Connection plain = DriverManager.getConnection(replica.jdbcUrl(null), p)) {
                assertEquals(Optional.empty(), ServerRequirements.unloggedReplication(plain));
            }
            // With the grant the README advises, it can.
            rs.execute("GRANT SELECT ON performance_schema.replication_applier_status TO replica_plain");
            try (Connection advised = DriverManager.getConnection(replica.jdbcUrl(null), p)) {
                assertEquals(unlogged, ServerRequirements.unloggedReplication(advised));
            }
            rs.execute("STOP SLAVE");
        }
    }

    private static void awaitRow(Connection c, int id) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM app.items WHERE id = ?")) {
            ps.setInt(1, id);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getLong(1) == 1) {
                        return;
                    }
                } catch (java.sql.SQLSyntaxErrorException notYet) {
                    // the table has not been replicated yet
                }
                assertTrue(System.nanoTime() < deadline, "row " + id + " never replicated");
                Thread.sleep(50);
            }
        }
    }

    private static String binlogPosition(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(BinaryLogStatus.statement(c))) {
            rs.next();
            return rs.getString(1) + ":" + rs.getLong(2);
        }
    }

    private static Preparation.Outcome prepare(Connection c, Sidecar sidecar, String table, String id)
            throws Exception {
        return Preparation.prepare(c, sidecar, MigrationState.newBuilder().setId(id).setTable(table)
                .setAlter("ADD COLUMN extra INT").setStatus(MigrationStatus.QUEUED).setRetentionSeconds(60)
                .setRequestId("r").setOperator("it").setSubmittedAt(java.time.Instant.EPOCH)
                .setUpdatedAt(java.time.Instant.EPOCH).setVersion(1).build(), 0, true,
                TableFilter.parse("capture.exclude.tables", ""), "");
    }

    private static String gtidExecuted(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@GLOBAL.gtid_executed")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static List<String> tables(Connection c, String db) throws Exception {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getTables(db, null, "%", new String[] {"TABLE"})) {
            while (rs.next()) {
                out.add(rs.getString("TABLE_NAME"));
            }
        }
        return out;
    }
}
