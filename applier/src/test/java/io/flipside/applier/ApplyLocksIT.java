package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flipside.core.mapping.ColumnMapping;
import io.flipside.core.sql.Projection;
import io.flipside.core.sql.TableName;
import io.flipside.schema.ColumnValue;
import io.flipside.schema.Key;
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
 * The apply never waits for a production writer's row lock (and never takes one): it runs under READ COMMITTED, where
 * the upsert's and the existence check's reads of the serving table are consistent, non-locking reads.
 */
class ApplyLocksIT {
    static final TableName SRC = new TableName("locks", "src");
    static final TableName DST = new TableName("locks", "dst");
    static final Projection P = new Projection("0badcafe", SRC, DST, new ColumnMapping(List.of(
            new ColumnMapping.Pair("id", "id"), new ColumnMapping.Pair("name", "name"))), List.of("id"), List.of("id"),
            "PRIMARY");
    EmbeddedMySql mysql;

    @BeforeEach
    void tables() throws SQLException {
        mysql = EmbeddedStack.shared().mysql();
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS locks");
            s.execute("CREATE DATABASE locks");
            s.execute("CREATE TABLE locks.src (id BIGINT PRIMARY KEY, name VARCHAR(20))");
            s.execute("CREATE TABLE locks.dst LIKE locks.src");
            s.execute("INSERT INTO locks.src VALUES (1, 'a'), (2, 'b'), (3, 'c')");
            s.execute("INSERT INTO locks.dst VALUES (1, 'old'), (2, 'old'), (3, 'old'), (4, 'gone')");
        }
    }

    static Key key(long id) {
        return new Key(List.of(new ColumnValue("id", KeyValues.LONG, id)));
    }

    /** Applies keys 1..4 the way the replicator does, in one transaction. */
    static void apply(Connection c) throws SQLException {
        List<Key> keys = List.of(key(1), key(2), key(3), key(4));
        try (PreparedStatement ps = c.prepareStatement(P.upsert(4, false))) {
            int i = 1;
            for (Key k : keys) {
                i = KeyValues.bind(ps, i, k);
            }
            ps.executeUpdate();
        }
        List<Key> kept = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(P.existingKeys(4))) {
            int i = 1;
            for (Key k : keys) {
                i = KeyValues.bind(ps, i, k);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    kept.add(KeyValues.read(rs, P.readKey()));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement(P.deleteAbsent(4, false, kept.size()))) {
            int i = 1;
            for (Key k : keys) {
                i = KeyValues.bind(ps, i, k);
            }
            for (Key k : kept) {
                i = KeyValues.bind(ps, i, k);
            }
            ps.executeUpdate();
        }
        c.commit();
    }

    Connection session(String isolation) throws SQLException {
        Connection c = mysql.connect();
        try (Statement s = c.createStatement()) {
            s.execute("SET SESSION transaction_isolation = '" + isolation + "', SESSION innodb_lock_wait_timeout = 1");
        }
        c.setAutoCommit(false);
        return c;
    }

    @Test
    void theApplyDoesNotWaitForAWritersRowLockAndReadsTheCommittedRow() throws SQLException {
        try (Connection writer = mysql.connect(); Connection apply = session(Replicator.ISOLATION)) {
            writer.setAutoCommit(false);
            try (Statement s = writer.createStatement()) {
                s.execute("UPDATE locks.src SET name = 'uncommitted' WHERE id = 2");
            }
            apply(apply);
            writer.rollback();
        }
        List<String> rows = new ArrayList<>();
        try (Connection c = mysql.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, name FROM locks.dst ORDER BY id")) {
            while (rs.next()) {
                rows.add(rs.getLong(1) + "=" + rs.getString(2));
            }
        }
        assertEquals(List.of("1=a", "2=b", "3=c"), rows, "projected the committed rows; deleted the one that is gone");
    }

    @Test
    void underRepeatableReadTheSameStatementsWouldWait() throws SQLException {
        try (Connection writer = mysql.connect(); Connection apply = session("REPEATABLE-READ")) {
            writer.setAutoCommit(false);
            try (Statement s = writer.createStatement()) {
                s.execute("UPDATE locks.src SET name = 'uncommitted' WHERE id = 2");
            }
            SQLException e = assertThrows(SQLException.class, () -> apply(apply));
            assertEquals(1205, e.getErrorCode(), "lock wait timeout: " + e.getMessage());
            apply.rollback();
            writer.rollback();
        }
    }
}
