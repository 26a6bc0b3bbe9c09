package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.mapping.ColumnMapping;
import io.flipside.core.sql.Projection;
import io.flipside.core.sql.TableName;
import io.flipside.testkit.EmbeddedMySql;
import io.flipside.testkit.EmbeddedStack;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Chunks copied at once ({@code copy.parallel.chunks}) on a real MySQL: they commit in key order, so the cursor in
 * {@code copy_state} only ever covers rows that are in the shadow table, and a chunk that fails leaves nothing of
 * itself or of the chunks after it.
 */
class ChunkCopierIT {
    static final String DB = "parcopy";
    static final TableName SRC = new TableName(DB, "src");
    static final TableName DST = new TableName(DB, "dst");
    static final String ID = "0c0ffee0";
    static final Projection P = new Projection(ID, SRC, DST, new ColumnMapping(List.of(
            new ColumnMapping.Pair("id", "id"), new ColumnMapping.Pair("name", "name"))), List.of("id"), List.of("id"),
            "PRIMARY");
    static final int ROWS = 10_000;

    EmbeddedMySql mysql;
    Db db;
    Sidecar sidecar;

    @BeforeEach
    void tables() throws SQLException {
        mysql = EmbeddedStack.shared().mysql();
        FlipsideConfig config = FlipsideConfig.of(Map.of("kafka.bootstrap.servers", "unused:9092", "mysql.host",
                mysql.host(), "mysql.port", String.valueOf(mysql.port()), "mysql.user", mysql.user(), "mysql.password",
                mysql.password(), "sidecar.database", DB + "_sidecar"));
        db = new Db(config);
        sidecar = new Sidecar(DB + "_sidecar");
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DB);
            s.execute("DROP DATABASE IF EXISTS " + DB + "_sidecar");
            s.execute("CREATE DATABASE " + DB);
            s.execute("CREATE DATABASE " + DB + "_sidecar");
            s.execute("CREATE TABLE " + SRC.quoted() + " (id INT PRIMARY KEY, name VARCHAR(20))");
            s.execute("SET SESSION cte_max_recursion_depth = " + (ROWS + 1));
            s.execute("INSERT INTO " + SRC.quoted() + " WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL"
                    + " SELECT n + 1 FROM seq WHERE n < " + ROWS + ") SELECT n, CONCAT('r', n) FROM seq");
            sidecar.create(c);
            try (PreparedStatement ps = c.prepareStatement(sidecar.insertCopyState())) {
                ps.setString(1, ID);
                ps.executeUpdate();
            }
        }
    }

    ChunkCopier copier(int parallelChunks) {
        ChunkCopier.Throttle never = new ChunkCopier.Throttle() {
            @Override
            public Optional<String> reason(Connection c) {
                return Optional.empty();
            }

            @Override
            public int chunkTargetMillis() {
                return 250;
            }

            @Override
            public void started(String reason) {
            }

            @Override
            public void ended(String reason, long millis) {
            }
        };
        return new ChunkCopier(ID, db, sidecar, P, () -> true, () -> false, never, 1000, parallelChunks,
                new ApplierMetrics(ID), 0);
    }

    @Test
    void chunksCopiedThreeAtOnceCopyEveryRowAndFinish() throws Exception {
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + DST.quoted() + " LIKE " + SRC.quoted());
        }
        ChunkCopier copier = copier(3);
        copier.run();

        assertNull(copier.failure);
        assertTrue(copier.done);
        assertEquals(3, copier.widestRound, "rounds of three chunks committed");
        assertEquals(ROWS, copier.rowsCopied.get());
        assertEquals(digest(SRC, Integer.MAX_VALUE), digest(DST, Integer.MAX_VALUE));
        assertEquals(ROWS, cursor());
    }

    @Test
    void aChunkThatFailsLeavesTheCursorAtTheChunksBeforeItAndNothingAbove() throws Exception {
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            // The shadow refuses one row's value: 2500 lies in the third chunk of the first round (1,000 rows each).
            s.execute("CREATE TABLE " + DST.quoted() + " (id INT PRIMARY KEY, name VARCHAR(6))");
            s.execute("UPDATE " + SRC.quoted() + " SET name = 'far too long' WHERE id = 2500");
        }
        ChunkCopier copier = copier(3);
        copier.run();

        assertNotNull(copier.failure, "the refused value fails the copy");
        assertTrue(copier.failure.getMessage().contains("2500"), copier.failure.getMessage());
        assertTrue(!copier.done);
        long cursor = cursor();
        assertEquals(2000, cursor, "the first two chunks of the first round committed, the third and the next round's"
                + " first (which holds row 2500 again) rolled back");
        assertEquals(digest(SRC, cursor), digest(DST, Integer.MAX_VALUE),
                "the shadow holds exactly the source's rows up to the cursor, none above it");
    }

    /** The key in copy_state's cursor. */
    long cursor() throws SQLException {
        try (Connection c = mysql.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT last_key FROM " + sidecar.table("copy_state"))) {
            rs.next();
            return ((Number) KeyValues.decode(rs.getString(1)).getValues().get(0).getValue()).longValue();
        }
    }

    /** Row count and an order-independent checksum of the rows with id up to {@code upTo}. */
    String digest(TableName t, long upTo) throws SQLException {
        try (Connection c = mysql.connect(); PreparedStatement ps = c.prepareStatement("SELECT COUNT(*),"
                + " BIT_XOR(CRC32(CONCAT_WS('#', id, name))) FROM " + t.quoted() + " WHERE id <= ?")) {
            ps.setLong(1, upTo);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) + " rows, " + rs.getString(2);
            }
        }
    }
}
