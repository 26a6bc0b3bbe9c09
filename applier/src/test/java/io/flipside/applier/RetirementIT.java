package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.TableName;
import io.flipside.testkit.EmbeddedMySql;
import io.flipside.testkit.EmbeddedStack;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The retirer ({@link Retirement#dropDue}) and a held table that is not there: its record is written before the rename
 * to the hold name, so a retirer that meets the record first waits for the table rather than forgetting it (which would
 * leave the whole table behind, unrecorded, once the rename happens); a table gone for good is forgotten after a
 * minute, and never reported as dropped.
 */
class RetirementIT {
    static final String DB = "retiring_it";
    static final String SIDECAR = DB + "_sidecar";
    static final TableName HELD = new TableName(DB, "_orders_0dd0dd0d_del");

    EmbeddedMySql mysql;
    Retirement retirement;

    @BeforeEach
    void sidecar() throws SQLException {
        mysql = EmbeddedStack.shared().mysql();
        FlipsideConfig config = TestConfigs.mysqlOnly(mysql, SIDECAR).with("retire.purge.chunk.rows", "100");
        retirement = new Retirement(new Db(config), new Sidecar(SIDECAR), config, () -> false);
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DB);
            s.execute("DROP DATABASE IF EXISTS " + SIDECAR);
            s.execute("CREATE DATABASE " + DB);
            s.execute("CREATE DATABASE " + SIDECAR);
            new Sidecar(SIDECAR).create(c);
        }
    }

    /** The record {@link Retirement#retire} writes before its rename, due {@code secondsAgo} seconds ago. */
    void record(int secondsAgo) throws SQLException {
        try (Connection c = mysql.connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO " + SIDECAR
                + ".retiring (table_schema, table_name, migration_id, drop_after)"
                + " VALUES (?, ?, '0dd0dd0d', NOW(6) - INTERVAL ? SECOND)")) {
            ps.setString(1, HELD.database());
            ps.setString(2, HELD.table());
            ps.setInt(3, secondsAgo);
            ps.executeUpdate();
        }
    }

    List<String> records() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = mysql.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT table_name FROM " + SIDECAR + ".retiring")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    boolean exists(TableName t) throws SQLException {
        try (Connection c = mysql.connect()) {
            return TableInspector.exists(c, t);
        }
    }

    @Test
    void aDueRecordWhoseTableIsNotThereYetIsKeptAndTheTableDroppedOnceItIs() throws Exception {
        record(0);
        retirement.dropDue();
        assertEquals(List.of(HELD.table()), records(), "the rename to the hold name may still be to come");

        // The rename comes: a table of 250 rows, more than one purge chunk, which retire() leaves to the retirer.
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + HELD.quoted() + " (id INT PRIMARY KEY)");
            s.execute("INSERT INTO " + HELD.quoted() + " WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1"
                    + " FROM seq WHERE n < 250) SELECT n FROM seq");
        }
        retirement.dropDue();

        assertFalse(exists(HELD), "purged and dropped");
        assertEquals(List.of(), records());
    }

    @Test
    void aTableNotThereAMinuteAfterItWasDueIsForgotten() throws Exception {
        record(Retirement.MISSING_GRACE_SECONDS + 1);
        retirement.dropDue();

        assertEquals(List.of(), records(), "dropped or renamed back by hand: nothing left to retire");
    }

    @Test
    void aHeldTableStillThereIsPurgedAndDroppedWhenDue() throws Exception {
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + HELD.quoted() + " (id INT PRIMARY KEY)");
            s.execute("INSERT INTO " + HELD.quoted() + " VALUES (1), (2), (3)");
        }
        record(Retirement.MISSING_GRACE_SECONDS + 1);
        assertTrue(exists(HELD));
        retirement.dropDue();

        assertFalse(exists(HELD));
        assertEquals(List.of(), records());
    }
}
