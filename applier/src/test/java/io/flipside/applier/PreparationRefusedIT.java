package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.TableFilter;
import io.flipside.core.migration.Names;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.EmbeddedMySql;
import io.flipside.testkit.EmbeddedStack;
import io.flipside.testkit.Schemas;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MySQL's refusals of a migration's writes while it is prepared, for an applier's user with the README's grants (no
 * SUPER): a server in {@code read_only} rejects it, as {@code super_read_only} does for any user; and a refusal met
 * while an earlier attempt's shadow table is still there stays an interruption (thrown), so that the shadow is
 * dropped once MySQL lets it be, rather than a rejection that would say nothing was changed and leave it.
 */
class PreparationRefusedIT {
    static final String DB = "prep_refused";
    static final String SIDECAR = DB + "_sidecar";
    static final String USER = "prep_refused_applier";
    static final String ID = "0bad0bad";
    static final TableName SOURCE = new TableName(DB, "src");
    static final TableName SHADOW = SOURCE.sibling(Names.shadowTable("src", ID));

    EmbeddedMySql mysql = EmbeddedStack.shared().mysql();
    Sidecar sidecar = new Sidecar(SIDECAR);

    @BeforeEach
    void tables() throws SQLException {
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            for (String db : new String[] {DB, SIDECAR}) {
                s.execute("DROP DATABASE IF EXISTS " + db);
                s.execute("CREATE DATABASE " + db);
            }
            s.execute("CREATE TABLE " + SOURCE.quoted() + " (id INT PRIMARY KEY, name VARCHAR(20))");
            s.execute("INSERT INTO " + SOURCE.quoted() + " VALUES (1, 'a'), (2, 'b')");
            sidecar.create(c);
            s.execute("DROP USER IF EXISTS " + USER);
            s.execute("CREATE USER " + USER + " IDENTIFIED BY 'applier'");
            s.execute("GRANT ALL ON " + SIDECAR + ".* TO " + USER);
        }
    }

    @AfterEach
    void drop() throws SQLException {
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("SET GLOBAL read_only = OFF");
            s.execute("DROP USER IF EXISTS " + USER);
            s.execute("DROP DATABASE IF EXISTS " + DB);
            s.execute("DROP DATABASE IF EXISTS " + SIDECAR);
        }
    }

    @Test
    void aServerInReadOnlyRejectsTheMigrationOfAUserWithoutSuper() throws Exception {
        grant("SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, LOCK TABLES");
        List<String> before = fingerprint();
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("SET GLOBAL read_only = ON");
        }
        Preparation.Outcome refused = prepare();
        assertTrue(refused.rejection() != null && refused.rejection().startsWith("MySQL refuses the migration's writes:"
                + " read_only is ON") && refused.rejection().contains("Nothing was changed"), refused.toString());
        assertEquals(before, fingerprint(), "the database's tables, definitions and rows, as they were");
    }

    @Test
    void aRefusalWhileAnEarlierAttemptsShadowIsThereStaysAnInterruption() throws Exception {
        grant("SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, LOCK TABLES");
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + SHADOW.quoted() + " LIKE " + SOURCE.quoted());
        }
        SQLException e = assertThrows(SQLException.class, this::prepare);
        assertTrue(e.getMessage().startsWith("DROP command denied"), e.getMessage());
        try (Connection c = mysql.connect()) {
            assertTrue(TableInspector.exists(c, SHADOW), "the earlier attempt's shadow is left for the next try");
        }
        grant("DROP");
        Preparation.Outcome prepared = prepare();
        assertNotNull(prepared.started(), prepared.rejection());
    }

    private void grant(String privileges) throws SQLException {
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            // Written here, not given: the privileges are this test's own words.
            s.execute("GRANT " + privileges + " ON " + DB + ".* TO " + USER);
        }
    }

    private Preparation.Outcome prepare() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", USER);
        p.setProperty("password", "applier");
        try (Connection c = DriverManager.getConnection(mysql.jdbcUrl(null), p)) {
            return Preparation.prepare(c, sidecar, MigrationState.newBuilder().setId(ID).setTable(SOURCE.toString())
                    .setAlter("ADD COLUMN extra INT").setStatus(MigrationStatus.QUEUED).setRetentionSeconds(60)
                    .setRequestId("r").setOperator("it").setSubmittedAt(Instant.EPOCH).setUpdatedAt(Instant.EPOCH)
                    .setVersion(1).build(), 0, true, TableFilter.parse("capture.exclude.tables", ""), "");
        }
    }

    private List<String> fingerprint() throws SQLException {
        try (Connection c = mysql.connect()) {
            return Schemas.fingerprint(c, DB);
        }
    }
}
