package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.TableFilter;
import io.flipside.runtime.ServerRequirements;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.EmbeddedMySql;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server started with {@code binlog-ignore-db}: the changes of that database never reach the binary log, so the
 * capture would never see them and the new table would miss every write made while the migration runs. A migration
 * of a table there is refused at once, and changes nothing; one elsewhere is not.
 */
class BinlogFiltersIT {
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
