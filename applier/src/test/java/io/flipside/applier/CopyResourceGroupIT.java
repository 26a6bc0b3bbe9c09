package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.TableFilter;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.EmbeddedMySql;
import io.flipside.testkit.EmbeddedStack;
import io.flipside.testkit.ResourceGroups;
import io.flipside.testkit.Schemas;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code copy.resource.group} on a real MySQL: a migration MySQL will not run the copy in the group for is rejected
 * before any table is touched, with MySQL's own reason, and the check leaves its session where it was.
 */
class CopyResourceGroupIT {
    static final String DB = "rgroup";
    static final String SIDECAR = DB + "_sidecar";
    static final String OFF = "rgroup_off";
    static final String LOW = "rgroup_low";

    EmbeddedMySql mysql;
    Sidecar sidecar = new Sidecar(SIDECAR);

    @BeforeEach
    void tables() throws SQLException {
        mysql = EmbeddedStack.shared().mysql();
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DB);
            s.execute("DROP DATABASE IF EXISTS " + SIDECAR);
            s.execute("CREATE DATABASE " + DB);
            s.execute("CREATE DATABASE " + SIDECAR);
            s.execute("CREATE TABLE " + DB + ".src (id INT PRIMARY KEY, name VARCHAR(20))");
            s.execute("INSERT INTO " + DB + ".src VALUES (1, 'a'), (2, 'b'), (3, NULL)");
            sidecar.create(c);
            ResourceGroups.recreate(s, OFF, 10, false);
            ResourceGroups.recreate(s, LOW, 19, true);
        }
    }

    @AfterEach
    void groups() throws SQLException {
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            ResourceGroups.drop(s, OFF);
            ResourceGroups.drop(s, LOW);
            s.execute("DROP USER IF EXISTS rgroup_plain");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "rgroup_missing, does not exist",
            "rgroup_off, disabled",
            "SYS_default, System resource group"})
    void aMigrationMySqlWillNotCopyInTheGroupIsRejectedAndNoTableIsTouched(String group, String mysqlSays)
            throws Exception {
        List<String> before = database();
        Preparation.Outcome o;
        try (Connection c = mysql.connect()) {
            o = Preparation.prepare(c, sidecar, state(), 0, true, TableFilter.parse("capture.exclude.tables", ""),
                    group);
        }

        assertNull(o.started());
        String why = o.rejection();
        assertTrue(why.startsWith("MySQL refuses to run the copy in resource group " + group
                + " (copy.resource.group): "), why);
        assertTrue(why.contains(mysqlSays), "MySQL's own reason: " + why);
        assertTrue(why.contains("Nothing was changed"), why);
        assertEquals(before, database(), "the database's tables, definitions and rows, as they were");
        assertEquals(List.of(0L, 0L, 0L), sidecarRows(), "nothing recorded in the sidecar");
    }

    @Test
    void aUserWithoutResourceGroupUserIsRefusedWithMySqlsReason() throws Exception {
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE USER rgroup_plain IDENTIFIED BY 'plain'");
            s.execute("GRANT ALL ON " + DB + ".* TO rgroup_plain");
        }
        Properties p = new Properties();
        p.setProperty("user", "rgroup_plain");
        p.setProperty("password", "plain");
        try (Connection c = DriverManager.getConnection(mysql.jdbcUrl(DB), p)) {
            Optional<String> why = Preparation.refusedResourceGroup(c, LOW);

            assertTrue(why.isPresent());
            assertTrue(why.get().contains("RESOURCE_GROUP_USER"), why.get());
        }
    }

    @Test
    void aGroupMySqlTakesPassesAndTheCheckingSessionIsBackInTheDefaultGroup() throws Exception {
        try (Connection c = mysql.connect()) {
            assertEquals(Optional.empty(), Preparation.refusedResourceGroup(c, LOW));
            assertEquals(Optional.empty(), Preparation.refusedResourceGroup(c, ""));
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT RESOURCE_GROUP FROM"
                    + " performance_schema.threads WHERE PROCESSLIST_ID = CONNECTION_ID()")) {
                rs.next();
                assertEquals(Preparation.USER_DEFAULT_GROUP, rs.getString(1));
            }
        }
    }

    static MigrationState state() {
        return MigrationState.newBuilder().setId("0feed0ab").setTable(DB + ".src").setAlter("ADD COLUMN extra INT")
                .setStatus(MigrationStatus.QUEUED).setRetentionSeconds(60).setRequestId("r").setOperator("it")
                .setSubmittedAt(java.time.Instant.EPOCH).setUpdatedAt(java.time.Instant.EPOCH).setVersion(1).build();
    }

    List<String> database() throws SQLException {
        try (Connection c = mysql.connect()) {
            return Schemas.fingerprint(c, DB);
        }
    }

    List<Long> sidecarRows() throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            for (String t : List.of("migrations", "copy_state", "apply_state")) {
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + SIDECAR + "." + t)) {
                    rs.next();
                    out.add(rs.getLong(1));
                }
            }
        }
        return out;
    }
}
