package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.TableFilter;
import io.flipside.core.migration.Names;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.EmbeddedMySql;
import io.flipside.testkit.EmbeddedStack;
import io.flipside.testkit.Schemas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table in a directory of its own ({@code DATA DIRECTORY}) has its shadow table made there, from its definition
 * ({@code CREATE TABLE ... LIKE} does not keep the option), which MySQL allows a user with the FILE privilege only:
 * without it the migration is rejected with MySQL's answer and what to grant, and no table is touched.
 */
class DataDirectoryPreparationIT {
    static final String DB = "ddir_prep";
    static final String SIDECAR = DB + "_sidecar";
    static final String USER = "ddir_applier";
    static final String ID = "0ddd0ddd";

    EmbeddedMySql mysql = EmbeddedStack.shared().mysql();
    Sidecar sidecar = new Sidecar(SIDECAR);

    @AfterEach
    void user() throws SQLException {
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("DROP USER IF EXISTS " + USER);
            s.execute("DROP DATABASE IF EXISTS " + DB);
            s.execute("DROP DATABASE IF EXISTS " + SIDECAR);
        }
    }

    @Test
    void theShadowIsMadeInTheTablesDirectoryAndWithoutTheFilePrivilegeNothingIsTouched(@TempDir Path dir)
            throws Exception {
        // The directory is this test's own: DDL takes no placeholder, so its path is checked before it is written in.
        assertTrue(dir.toString().matches("[A-Za-z0-9/._-]+"), dir.toString());
        assertTrue(dir.toFile().setWritable(true, false) && dir.toFile().setExecutable(true, false));
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            for (String db : new String[] {DB, SIDECAR}) {
                s.execute("DROP DATABASE IF EXISTS " + db);
                s.execute("CREATE DATABASE " + db);
            }
            s.execute("CREATE TABLE " + DB + ".src (id INT PRIMARY KEY, name VARCHAR(20)) DATA DIRECTORY = '" + dir
                    + "'");
            s.execute("INSERT INTO " + DB + ".src VALUES (1, 'a'), (2, 'b')");
            sidecar.create(c);
            s.execute("DROP USER IF EXISTS " + USER);
            s.execute("CREATE USER " + USER + " IDENTIFIED BY 'applier'");
            // The applier's grants as the README lists them.
            s.execute("GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, LOCK TABLES ON " + DB
                    + ".* TO " + USER);
            s.execute("GRANT ALL ON " + SIDECAR + ".* TO " + USER);
        }
        java.util.List<String> before = fingerprint();

        Preparation.Outcome refused = prepare();
        assertNull(refused.started());
        assertTrue(refused.rejection().contains("has a DATA DIRECTORY") && refused.rejection().contains(
                "needs the FILE privilege") && refused.rejection().endsWith("Nothing was changed"),
                refused.rejection());
        assertEquals(before, fingerprint(), "the database's tables, definitions and rows, as they were");

        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("GRANT FILE ON *.* TO " + USER);
        }
        Preparation.Outcome prepared = prepare();
        assertNotNull(prepared.started(), prepared.rejection());
        TableName shadow = new TableName(DB, Names.shadowTable("src", ID));
        assertTrue(Files.exists(dir.resolve(DB).resolve(shadow.table() + ".ibd")), "the shadow table's file is there");
    }

    private Preparation.Outcome prepare() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", USER);
        p.setProperty("password", "applier");
        try (Connection c = DriverManager.getConnection(mysql.jdbcUrl(null), p)) {
            return Preparation.prepare(c, sidecar, MigrationState.newBuilder().setId(ID).setTable(DB + ".src")
                    .setAlter("ADD COLUMN extra INT").setStatus(MigrationStatus.QUEUED).setRetentionSeconds(60)
                    .setRequestId("r").setOperator("it").setSubmittedAt(java.time.Instant.EPOCH)
                    .setUpdatedAt(java.time.Instant.EPOCH).setVersion(1).build(), 0, true,
                    TableFilter.parse("capture.exclude.tables", ""), "");
        }
    }

    private java.util.List<String> fingerprint() throws SQLException {
        try (Connection c = mysql.connect()) {
            return Schemas.fingerprint(c, DB);
        }
    }
}
