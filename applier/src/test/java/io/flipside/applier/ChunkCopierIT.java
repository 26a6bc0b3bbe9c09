package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.mapping.ColumnMapping;
import io.flipside.core.sql.Projection;
import io.flipside.core.sql.SecondaryIndexes;
import io.flipside.core.sql.TableName;
import io.flipside.schema.DeferredIndex;
import io.flipside.testkit.EmbeddedMySql;
import io.flipside.testkit.EmbeddedStack;
import io.flipside.testkit.ResourceGroups;
import io.flipside.testkit.RowLocks;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Chunks copied at once ({@code copy.parallel.chunks}) on a real MySQL: they commit in key order, so the cursor in
 * {@code copy_state} only ever covers rows that are in the shadow table, and a chunk that fails leaves nothing of
 * itself or of the chunks after it. And the secondary indexes deferred until after the copy ({@code
 * copy.defer.indexes}): built after the last chunk, resumed from whatever the shadow table has, never a failure when
 * another session added one of them meanwhile, and killed when the copier is stopped.
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
    /** No replicator beside these copies: nothing takes the gate, and a row without a partition fails the copy. */
    static final ChunkCopier.Carrier NO_CARRIER = carrier(false, () -> false);

    EmbeddedMySql mysql;
    Db db;
    Sidecar sidecar;

    @BeforeEach
    void tables() throws SQLException {
        mysql = EmbeddedStack.shared().mysql();
        db = new Db(TestConfigs.mysqlOnly(mysql, DB + "_sidecar"));
        sidecar = new Sidecar(DB + "_sidecar");
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DB);
            s.execute("DROP DATABASE IF EXISTS " + DB + "_sidecar");
            s.execute("CREATE DATABASE " + DB);
            s.execute("CREATE DATABASE " + DB + "_sidecar");
            s.execute("CREATE TABLE " + SRC.quoted() + " (id INT PRIMARY KEY, name VARCHAR(20), KEY `by name` (name),"
                    + " KEY name_prefix (name(3) DESC, id))");
            s.execute("SET SESSION cte_max_recursion_depth = " + (ROWS + 1));
            s.execute("INSERT INTO " + SRC.quoted() + " WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL"
                    + " SELECT n + 1 FROM seq WHERE n < " + ROWS + ") SELECT n, CONCAT('r', n) FROM seq");
            sidecar.create(c);
            try (PreparedStatement ps = c.prepareStatement(sidecar.insertCopyState())) {
                ps.setString(1, ID);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(sidecar.insertApplyState())) {
                ps.setString(1, ID);
                ps.setLong(2, 0);
                ps.setString(3, null); // no columns recorded: the copy does not read them
                ps.setString(4, null);
                ps.setString(5, null);
                ps.executeUpdate();
            }
        }
    }

    ChunkCopier copier(int parallelChunks) {
        return copier(parallelChunks, List.of());
    }

    ChunkCopier copier(int parallelChunks, List<DeferredIndex> deferred) {
        return copier(parallelChunks, deferred, 0);
    }

    ChunkCopier copier(int parallelChunks, List<DeferredIndex> deferred, int restPercent) {
        return copier(parallelChunks, deferred, restPercent, () -> false);
    }

    ChunkCopier copier(int parallelChunks, List<DeferredIndex> deferred, int restPercent,
            java.util.function.BooleanSupplier paused) {
        return copier(P, parallelChunks, deferred, restPercent, paused);
    }

    ChunkCopier copier(Projection projection, int parallelChunks, List<DeferredIndex> deferred, int restPercent,
            java.util.function.BooleanSupplier paused) {
        return copier(projection, parallelChunks, deferred, restPercent, paused, "");
    }

    ChunkCopier copier(Projection projection, int parallelChunks, List<DeferredIndex> deferred, int restPercent,
            java.util.function.BooleanSupplier paused, String resourceGroup) {
        return copier(projection, parallelChunks, deferred, restPercent, paused, resourceGroup, NO_CARRIER);
    }

    ChunkCopier copier(Projection projection, int parallelChunks, List<DeferredIndex> deferred, int restPercent,
            java.util.function.BooleanSupplier paused, String resourceGroup, ChunkCopier.Carrier carrier) {
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
            public int restPercent() {
                return restPercent;
            }

            @Override
            public void started(String reason) {
            }

            @Override
            public void ended(String reason, long millis) {
            }
        };
        return new ChunkCopier(ID, db, sidecar, projection, () -> true, () -> "live", paused, never, 1000,
                parallelChunks, resourceGroup, new IndexBuild(ID, sidecar, projection.write(), deferred, null, 0),
                carrier, new ApplierMetrics(ID), 0);
    }

    /**
     * A replicator beside the copy, which carries partition maintenance when {@code carries}, and has read the copy's
     * markers when {@code read} says.
     */
    static ChunkCopier.Carrier carrier(boolean carries, java.util.function.BooleanSupplier read) {
        return new ChunkCopier.Carrier(new java.util.concurrent.locks.ReentrantLock(true), carries,
                token -> read.getAsBoolean());
    }

    /**
     * Chunks, two at once, that meet rows of a partition the shadow table lacks (one added to the table that the
     * replicator has not carried yet) wait while the two tables' partitions differ, and go on once the shadow table has
     * it: the copy then has every row. Where the replicator has read the copy's marker and the partitions still differ
     * (changed from elsewhere), the copy fails, saying so.
     */
    @Test
    void chunksWaitForAPartitionTheShadowTableLacksUntilItIsThere() throws Exception {
        TableName src = new TableName(DB, "ranged");
        TableName dst = new TableName(DB, "ranged_new");
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + src.quoted() + " (id INT PRIMARY KEY, name VARCHAR(20)) PARTITION BY RANGE (id)"
                    + " (PARTITION p1 VALUES LESS THAN (5001), PARTITION p2 VALUES LESS THAN (10001))");
            s.execute("INSERT INTO " + src.quoted() + " SELECT id, name FROM " + SRC.quoted());
            s.execute("CREATE TABLE " + dst.quoted() + " LIKE " + src.quoted());
            s.execute("ALTER TABLE " + dst.quoted() + " DROP PARTITION p2");
        }
        Projection ranged = new Projection(ID, src, dst, P.mapping(), List.of("id"), List.of("id"), "PRIMARY");
        ChunkCopier copier = copier(ranged, 2, List.of(), 0, () -> false, "", carrier(true, () -> false));
        Thread t = new Thread(copier);
        t.start();
        Thread.sleep(2000);
        assertFalse(copier.done, "the copy waits");
        assertNull(copier.failure);
        assertTrue(cursor() <= 5000, "nothing past the partition the shadow table lacks: " + cursor());
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE " + dst.quoted() + " ADD PARTITION (PARTITION p2 VALUES LESS THAN (10001))");
        }
        t.join(60_000);
        assertNull(copier.failure);
        assertTrue(copier.done);
        assertEquals(digest(src, Integer.MAX_VALUE), digest(dst, Integer.MAX_VALUE));

        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE TABLE " + dst.quoted());
            s.execute("ALTER TABLE " + dst.quoted() + " DROP PARTITION p2");
            s.execute("UPDATE " + sidecar.table("copy_state") + " SET last_key = NULL, done = 0");
        }
        ChunkCopier failing = copier(ranged, 2, List.of(), 0, () -> false, "", carrier(true, () -> true));
        failing.run();
        assertNotNull(failing.failure, "the copy fails once the replicator has read its marker");
        assertTrue(failing.failure.getMessage().contains("the partitions of " + dst + " were changed outside"
                + " Flipside"), failing.failure.getMessage());
        assertFalse(failing.done);
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
        assertEquals(0, copier.restedMillis, "copy.rest.percent is 0: no rest");
        assertEquals(copier.chunks.get(), openedChunks(), "each round opened its chunks, which read a snapshot");
    }

    @Test
    void aKeyWithNegativeTimesIsCopiedInChunksInItsOrderEveryRowOnce() throws Exception {
        TableName src = new TableName(DB, "times");
        TableName dst = new TableName(DB, "times_new");
        int rows = 10_000;
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + src.quoted() + " (a INT NOT NULL, tm TIME(6) NOT NULL, v INT,"
                    + " PRIMARY KEY (a, tm))");
            s.execute("SET SESSION cte_max_recursion_depth = " + (rows + 1));
            // from -418:39:58.5 to 418:45:00, a whole second every other row
            s.execute("INSERT INTO " + src.quoted() + " WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL"
                    + " SELECT n + 1 FROM seq WHERE n < " + rows + ") SELECT n % 2, SEC_TO_TIME((n - 5000) * 301.5), n"
                    + " FROM seq");
            s.execute("CREATE TABLE " + dst.quoted() + " LIKE " + src.quoted());
        }
        List<String> columns = List.of("a", "tm", "v");
        Projection times = new Projection(ID, src, dst, new ColumnMapping(columns.stream()
                .map(col -> new ColumnMapping.Pair(col, col)).toList()), List.of("a", "tm"), List.of("a", "tm"),
                "PRIMARY");
        copiedInChunksEveryRowOnce(times, rows);
    }

    /** Copies with {@code projection} in chunks of at most 1000 rows, and checks every row is there once, as it is. */
    private void copiedInChunksEveryRowOnce(Projection projection, int rows) throws Exception {
        ChunkCopier copier = copier(projection, 1, List.of(), 0, () -> false);
        copier.run();

        assertNull(copier.failure);
        assertTrue(copier.done);
        assertTrue(copier.chunks.get() >= rows / 1000, "chunks of at most 1000 rows: " + copier.chunks.get());
        assertEquals(rows, copier.rowsCopied.get());
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            String[] sums = new String[2];
            for (int i = 0; i < 2; i++) {
                try (ResultSet rs = s.executeQuery(i == 0 ? projection.readChecksum() : projection.writeChecksum())) {
                    rs.next();
                    sums[i] = rs.getString(1) + " rows, " + rs.getString(2);
                }
            }
            assertEquals(sums[0], sums[1], "every row copied once, as it is");
        }
    }

    /**
     * Keys whose order or equality is MySQL's, not their bytes': text in an accent- and case-insensitive NO PAD
     * collation told apart by a trailing space, latin1 text, binary strings padded with zero bytes, a DESC part, a
     * negative DECIMAL, a YEAR (which mysql-connector-j reports as a DATE, and reads as text as 2000-01-01). Copied in
     * chunks of at most 1000 rows, whose cursor is read from MySQL and bound back: every row once, as it is.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "k VARCHAR(20) COLLATE utf8mb4_0900_ai_ci NOT NULL|CONCAT(ELT(n % 3 + 1, 'a', 'B', 'é'), LPAD(n, 5, '0'),"
                + " IF(n % 2 = 0, ' ', ''))|PRIMARY KEY (k)",
        "k VARCHAR(20) CHARACTER SET latin1 NOT NULL|CONCAT(ELT(n % 3 + 1, 'Ç', 'ü', 'a'), n)|PRIMARY KEY (k)",
        "k BINARY(8) NOT NULL|UNHEX(CONCAT(LPAD(HEX(n), 4, '0'), IF(n % 2 = 0, '00', '')))|PRIMARY KEY (k)",
        "k DECIMAL(12,3) NOT NULL, j INT NOT NULL|(n - 2500) / 7, n % 3|PRIMARY KEY (k DESC, j)",
        "y YEAR NOT NULL, j INT NOT NULL|1901 + n % 255, n|PRIMARY KEY (y, j)"})
    void keysInMySqlsOrderAreCopiedInChunksEveryRowOnce(String shape) throws Exception {
        String[] parts = shape.split("\\|");
        TableName src = new TableName(DB, "keys");
        TableName dst = new TableName(DB, "keys_new");
        int rows = 5_000;
        List<String> key = new java.util.ArrayList<>();
        for (String col : parts[0].split(", ")) {
            key.add(col.substring(0, col.indexOf(' ')));
        }
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + src.quoted() + ", " + dst.quoted());
            s.execute("CREATE TABLE " + src.quoted() + " (" + parts[0] + ", v INT, " + parts[2] + ")");
            s.execute("SET SESSION cte_max_recursion_depth = " + (rows + 1));
            s.execute("INSERT INTO " + src.quoted() + " WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL"
                    + " SELECT n + 1 FROM seq WHERE n < " + rows + ") SELECT " + parts[1] + ", n FROM seq");
            s.execute("CREATE TABLE " + dst.quoted() + " LIKE " + src.quoted());
        }
        List<String> columns = new java.util.ArrayList<>(key);
        columns.add("v");
        Projection keys = new Projection(ID, src, dst, new ColumnMapping(columns.stream()
                .map(col -> new ColumnMapping.Pair(col, col)).toList()), key, key, "PRIMARY");
        copiedInChunksEveryRowOnce(keys, rows);
    }

    @Test
    void chunksCopiedAtOnceReadASnapshotAndPassARowAWriterHasChangedAndNotCommitted() throws Exception {
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + DST.quoted() + " LIKE " + SRC.quoted());
        }
        String before = digest(SRC, Integer.MAX_VALUE);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection writer = mysql.connect(); Statement w = writer.createStatement()) {
            writer.setAutoCommit(false);
            w.executeUpdate("UPDATE " + SRC.quoted() + " SET name = 'pending' WHERE id = 500");
            ChunkCopier copier = copier(2);
            pool.submit(copier).get(60, TimeUnit.SECONDS); // with shared locks it would wait for the writer
            assertNull(copier.failure);
            assertTrue(copier.done);
            assertEquals(before, digest(DST, Integer.MAX_VALUE), "the rows as committed when the chunks read them");
            writer.rollback();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void binlogOrderCommitsSwitchedOffDuringTheCopyMakesTheNextChunkReadWithSharedLocks() throws Exception {
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + DST.quoted() + " LIKE " + SRC.quoted());
        }
        java.util.concurrent.atomic.AtomicBoolean paused = new java.util.concurrent.atomic.AtomicBoolean(true);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection holder = mysql.connect(); Statement hold = holder.createStatement()) {
            // The copier connects while binlog_order_commits is ON, and waits, paused, before its first chunk.
            ChunkCopier copier = copier(1, List.of(), 0, paused::get);
            Future<?> run = pool.submit(copier);
            long deadline = System.currentTimeMillis() + 30_000;
            while (!copyStarted()) {
                assertTrue(System.currentTimeMillis() < deadline, "the copier starts");
                Thread.sleep(20);
            }
            hold.execute("SET GLOBAL binlog_order_commits = OFF");
            holder.setAutoCommit(false);
            hold.executeQuery("SELECT id FROM " + SRC.quoted() + " WHERE id = 500 FOR UPDATE").close();
            paused.set(false);
            while (rowLockWaits(SRC) == 0) {
                assertTrue(!copier.done && System.currentTimeMillis() < deadline,
                        "the first chunk waits for row 500 (a snapshot read would pass it)");
                Thread.sleep(20);
            }
            holder.rollback();
            run.get(60, TimeUnit.SECONDS);
            assertNull(copier.failure);
            assertTrue(copier.done);
            assertEquals(digest(SRC, Integer.MAX_VALUE), digest(DST, Integer.MAX_VALUE));
            assertEquals(0, openedChunks(), "no chunk was opened for a snapshot read");
        } finally {
            pool.shutdownNow();
            try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
                s.execute("SET GLOBAL binlog_order_commits = ON");
            }
        }
    }

    @Test
    void withARestPercentTheCopyRestsAfterEveryChunkButTheLastAsLongAsAsked() throws Exception {
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + DST.quoted() + " LIKE " + SRC.quoted());
        }
        // Chunks of at most 1,000 rows: at least 10 chunks, each followed by a rest as long as 2x its time but the last
        ChunkCopier copier = copier(1, List.of(), 200);
        copier.run();

        assertNull(copier.failure);
        assertTrue(copier.done);
        assertEquals(digest(SRC, Integer.MAX_VALUE), digest(DST, Integer.MAX_VALUE));
        assertTrue(copier.chunks.get() >= 10, "chunks: " + copier.chunks.get());
        assertTrue(copier.restedMillis >= 2 * (copier.chunkMillis - copier.lastChunkMillis),
                "rested " + copier.restedMillis + " ms after chunks that took " + copier.chunkMillis + " ms");
        assertTrue(copier.restedMillis <= 2 * copier.chunkMillis + 50L * copier.chunks.get(),
                "rested " + copier.restedMillis + " ms after chunks that took " + copier.chunkMillis + " ms");
    }

    @Test
    void inAResourceGroupEveryCopySessionRunsAtTheGroupsThreadPriority() throws Exception {
        String group = "parcopy_low";
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + DST.quoted() + " LIKE " + SRC.quoted());
            ResourceGroups.recreate(s, group, 19, true);
        }
        try {
            // Paused after its first round of chunks, the copy holds its two sessions (copy.parallel.chunks = 2) open.
            java.util.concurrent.atomic.AtomicReference<ChunkCopier> ref = new java.util.concurrent.atomic
                    .AtomicReference<>();
            java.util.concurrent.atomic.AtomicBoolean hold = new java.util.concurrent.atomic.AtomicBoolean(true);
            ChunkCopier copier = copier(P, 2, List.of(), 0, () -> hold.get() && ref.get().chunks.get() > 0, group);
            ref.set(copier);
            Thread t = new Thread(copier);
            t.start();
            long deadline = System.currentTimeMillis() + 30_000;
            while (copier.chunks.get() == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(200);
            Map<Long, String> inGroup = new java.util.HashMap<>();
            try (Connection c = mysql.connect(); PreparedStatement ps = c.prepareStatement(
                    "SELECT THREAD_OS_ID FROM performance_schema.threads WHERE RESOURCE_GROUP = ?")) {
                ps.setString(1, group);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long tid = rs.getLong(1);
                        inGroup.put(tid, java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + tid
                                + "/stat")));
                    }
                }
            }
            hold.set(false);
            t.join(60_000);

            assertEquals(2, inGroup.size(), "the copy's two sessions in the group: " + inGroup.keySet());
            for (String stat : inGroup.values()) {
                // proc(5): the 19th field is the nice value; fields after the command's closing parenthesis
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                assertEquals("19", fields[16], "the thread's nice value: " + stat);
            }
            assertNull(copier.failure);
            assertTrue(copier.done);
            assertEquals(digest(SRC, Integer.MAX_VALUE), digest(DST, Integer.MAX_VALUE));
        } finally {
            try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
                ResourceGroups.drop(s, group);
            }
        }
    }

    @Test
    void aResourceGroupMySqlRefusesOnceTheCopyRunsLeavesItAtTheUsualPriorityAndCopyingEveryRow() throws Exception {
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + DST.quoted() + " LIKE " + SRC.quoted());
            ResourceGroups.drop(s, "parcopy_gone");
        }
        ChunkCopier copier = copier(P, 2, List.of(), 0, () -> false, "parcopy_gone");
        copier.run();

        assertNull(copier.failure);
        assertTrue(copier.done);
        assertEquals(digest(SRC, Integer.MAX_VALUE), digest(DST, Integer.MAX_VALUE));
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

    @Test
    void chunksWithSharedLocksHoldBackARowInsertedWhereTheyHaveReadEvenWhenTheServerDefaultsToReadCommitted()
            throws Exception {
        String serverDefault;
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + DST.quoted() + " LIKE " + SRC.quoted());
            s.execute("DELETE FROM " + SRC.quoted() + " WHERE id = 100"); // a gap in the first chunk's range
            try (ResultSet rs = s.executeQuery("SELECT @@GLOBAL.transaction_isolation")) {
                rs.next();
                serverDefault = rs.getString(1);
            }
            s.execute("SET GLOBAL transaction_isolation = 'READ-COMMITTED'");
            s.execute("SET GLOBAL binlog_order_commits = OFF"); // the chunks then read with shared locks
        }
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection holder = mysql.connect(); Connection inserter = mysql.connect();
                Statement hold = holder.createStatement(); Statement insert = inserter.createStatement()) {
            holder.setAutoCommit(false);
            // Row 500 locked: the first chunk (rows 1 to 1001, read with shared locks) stops there, past the gap.
            hold.executeQuery("SELECT id FROM " + SRC.quoted() + " WHERE id = 500 FOR UPDATE").close();
            ChunkCopier copier = copier(2);
            Future<?> run = pool.submit(copier);
            long deadline = System.currentTimeMillis() + 30_000;
            while (rowLockWaits(SRC) == 0) {
                assertTrue(System.currentTimeMillis() < deadline, "the chunk waits for row 500");
                Thread.sleep(20);
            }
            // A row inserted where the chunk has read would commit before it, be missing from it, and reach the
            // changelog before its cursor: the chunk's gap locks (REPEATABLE READ, whatever the server's default) hold
            // the insert back until the chunk commits.
            insert.execute("SET SESSION innodb_lock_wait_timeout = 1");
            SQLException e = assertThrows(SQLException.class, () -> insert.execute("INSERT INTO " + SRC.quoted()
                    + " (id, name) VALUES (100, 'r100')"), "the insert waits for the chunk");
            assertEquals(1205, e.getErrorCode(), e.getMessage()); // ER_LOCK_WAIT_TIMEOUT
            holder.rollback();
            run.get(60, TimeUnit.SECONDS);
            assertNull(copier.failure);
            assertTrue(copier.done);
            assertEquals(digest(SRC, Integer.MAX_VALUE), digest(DST, Integer.MAX_VALUE));
        } finally {
            pool.shutdownNow();
            try (Connection c = mysql.connect(); PreparedStatement ps = c.prepareStatement(
                    "SET GLOBAL transaction_isolation = ?")) {
                ps.setString(1, serverDefault);
                ps.execute();
                try (Statement s = c.createStatement()) {
                    s.execute("SET GLOBAL binlog_order_commits = ON");
                }
            }
        }
    }

    /** How many transactions wait for a row lock on {@code t}. */
    long rowLockWaits(TableName t) throws SQLException {
        try (Connection c = mysql.connect()) {
            return RowLocks.waiting(c, t.database(), t.table());
        }
    }

    /** The shadow table as Preparation leaves it: the source's shape without its plain secondary indexes. */
    List<DeferredIndex> shadowWithoutPlainIndexes() throws SQLException {
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + DST.quoted() + " LIKE " + SRC.quoted());
            List<DeferredIndex> plain = TableInspector.plainSecondaryIndexes(c, DST);
            s.execute("ALTER TABLE " + DST.quoted() + " " + SecondaryIndexes.dropClauses(plain));
            return plain;
        }
    }

    @Test
    void theDeferredIndexesAreBuiltAfterTheLastChunk() throws Exception {
        List<DeferredIndex> deferred = shadowWithoutPlainIndexes();
        assertEquals(List.of("by name", "name_prefix"), deferred.stream().map(DeferredIndex::getName).toList());
        ChunkCopier copier = copier(1, deferred);
        copier.run();

        assertNull(copier.failure);
        assertTrue(copier.ready, "copied and indexed");
        assertTrue(copier.indexMillis > 0, "the build took time: " + copier.indexMillis);
        assertEquals(definition(SRC), definition(DST), "the shadow table has the source's indexes, as they were");
        assertEquals(digest(SRC, Integer.MAX_VALUE), digest(DST, Integer.MAX_VALUE));
    }

    @Test
    void aBuildResumedAfterOneIndexWasBuiltAddsOnlyTheRest() throws Exception {
        List<DeferredIndex> deferred = shadowWithoutPlainIndexes();
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE " + DST.quoted() + " " + SecondaryIndexes.addClauses(deferred.subList(0, 1)));
        }
        ChunkCopier copier = copier(1, deferred);
        copier.run();

        assertNull(copier.failure);
        assertTrue(copier.ready);
        assertEquals(definition(SRC), definition(DST));
    }

    @Test
    void anIndexAnotherSessionAddsMeanwhileIsNoFailure() throws Exception {
        List<DeferredIndex> deferred = shadowWithoutPlainIndexes();
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            // The rows copied already (as when an applier resumes after the last chunk): the copy's inserts would
            // queue behind the other session's waiting ALTER.
            s.execute("INSERT INTO " + DST.quoted() + " SELECT * FROM " + SRC.quoted());
            s.execute("UPDATE " + sidecar.table("copy_state") + " SET done = 1");
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Connection reader = mysql.connect(); Statement r = reader.createStatement()) {
            // An open transaction that has read the shadow table holds its metadata lock: both ALTERs queue behind it,
            // the other session's first (as an applier's ALTER that outlived its process would).
            reader.setAutoCommit(false);
            r.executeQuery("SELECT COUNT(*) FROM " + DST.quoted()).close();
            Future<?> other = pool.submit(() -> {
                try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
                    s.execute("ALTER TABLE " + DST.quoted() + " " + SecondaryIndexes.addClauses(deferred.subList(0, 1))
                            + ", ALGORITHM=INPLACE, LOCK=NONE");
                }
                return null;
            });
            awaitWaitingAlters(1);
            ChunkCopier copier = copier(1, deferred);
            Future<?> copying = pool.submit(copier);
            awaitWaitingAlters(2);
            reader.commit();
            other.get(30, TimeUnit.SECONDS);
            copying.get(30, TimeUnit.SECONDS);

            assertNull(copier.failure, () -> String.valueOf(copier.failure));
            assertTrue(copier.ready);
            assertEquals(definition(SRC), definition(DST));
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A stop that comes after the build took its statement but before the ALTER executes: Connector/J's cancel does
     * nothing then, so the stop must cancel again once the ALTER runs (here it would wait on a metadata lock forever).
     */
    @Test
    void aStopJustBeforeTheAlterExecutesStillKillsIt() throws Exception {
        List<DeferredIndex> deferred = shadowWithoutPlainIndexes();
        IndexBuild build = new IndexBuild(ID, sidecar, DST, deferred, null, 0);
        java.util.concurrent.CountDownLatch aboutToAlter = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        // The reader closes first: an ALTER left waiting for it (the failure this test looks for) then ends.
        try (Connection c = mysql.connect(); Connection reader = mysql.connect(); Statement r = reader.createStatement()) {
            reader.setAutoCommit(false);
            r.executeQuery("SELECT COUNT(*) FROM " + DST.quoted()).close(); // the ALTER will wait for this
            Connection held = holdingAlters(c, aboutToAlter, go);
            Future<Long> building = pool.submit(() -> build.run(held));
            assertTrue(aboutToAlter.await(30, TimeUnit.SECONDS), "the build reached its ALTER");
            Future<?> stopping = pool.submit(build::stop);
            Thread.sleep(300); // the stop's first cancel finds nothing executing
            go.countDown();

            java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> building.get(15, TimeUnit.SECONDS),
                    "the ALTER was killed, not left waiting for the reader");
            assertTrue(e.getCause() instanceof SQLException, String.valueOf(e.getCause()));
            stopping.get(15, TimeUnit.SECONDS);
            assertEquals(0, waitingAlters(), "no ALTER left waiting");
            reader.commit();
            assertEquals(java.util.Set.of("PRIMARY"), TableInspector.indexNames(c, DST), "no index was added");
        } finally {
            go.countDown();
            pool.shutdownNow();
        }
    }

    /** {@code c}, whose statements pause before executing an ALTER: {@code reached} counts down, then {@code go} waits. */
    private static Connection holdingAlters(Connection c, java.util.concurrent.CountDownLatch reached,
            java.util.concurrent.CountDownLatch go) {
        return (Connection) java.lang.reflect.Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, m, args) -> {
                    Object out = invoke(c, m, args);
                    if (!m.getName().equals("createStatement")) {
                        return out;
                    }
                    Statement real = (Statement) out;
                    return java.lang.reflect.Proxy.newProxyInstance(Statement.class.getClassLoader(),
                            new Class<?>[] {Statement.class}, (sp, sm, sargs) -> {
                                if (sm.getName().equals("execute") && String.valueOf(sargs[0]).contains("ALTER TABLE")) {
                                    reached.countDown();
                                    go.await(30, TimeUnit.SECONDS);
                                }
                                return invoke(real, sm, sargs);
                            });
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Test
    void stoppingTheCopierKillsTheIndexBuild() throws Exception {
        List<DeferredIndex> deferred = shadowWithoutPlainIndexes();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection reader = mysql.connect(); Statement r = reader.createStatement()) {
            reader.setAutoCommit(false);
            r.executeQuery("SELECT COUNT(*) FROM " + DST.quoted()).close();
            ChunkCopier copier = copier(1, deferred);
            Future<?> copying = pool.submit(copier);
            awaitWaitingAlters(1);
            copier.stop();
            copying.get(30, TimeUnit.SECONDS);

            assertEquals(0, waitingAlters(), "the ALTER was killed, not left waiting");
            assertTrue(copier.done, "every row was copied");
            assertTrue(!copier.ready, "but the copier is not ready");
            assertNull(copier.failure, "a stop is not a failure");
            reader.commit();
            try (Connection c = mysql.connect()) {
                assertEquals(java.util.Set.of("PRIMARY"), TableInspector.indexNames(c, DST), "no index was added");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Sessions whose ALTER on the shadow table waits for its metadata lock. */
    long waitingAlters() throws SQLException {
        try (Connection c = mysql.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE = 'Waiting for table metadata lock'"
                        + " AND INFO LIKE '%ALTER TABLE%'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    void awaitWaitingAlters(long n) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (waitingAlters() < n) {
            assertTrue(System.currentTimeMillis() < deadline, "no " + n + " ALTERs waiting");
            Thread.sleep(20);
        }
    }

    String definition(TableName t) throws SQLException {
        try (Connection c = mysql.connect()) {
            return Preparation.definition(c, t);
        }
    }

    /** How many chunks were opened to read a snapshot ({@code copy_state.opened_chunks}). */
    long openedChunks() throws SQLException {
        try (Connection c = mysql.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT opened_chunks FROM " + sidecar.table("copy_state"))) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Whether the copier has marked the copy started (it has connected and seen the capture live). */
    boolean copyStarted() throws SQLException {
        try (Connection c = mysql.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT started_at IS NOT NULL FROM " + sidecar.table("copy_state"))) {
            rs.next();
            return rs.getBoolean(1);
        }
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
