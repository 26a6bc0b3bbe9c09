package io.flipside.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.config.Topics;
import io.flipside.core.mapping.BinlogLimits;
import io.flipside.core.mapping.ColumnDef;
import io.flipside.core.mapping.TableDef;
import io.flipside.runtime.AvroCodec;
import io.flipside.runtime.KafkaSetup;
import io.flipside.schema.ChangeEvent;
import io.flipside.schema.ChangeOp;
import io.flipside.schema.ColumnValue;
import io.flipside.testkit.EmbeddedStack;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The capture against a real MySQL 8.0.15 and a real Kafka broker ({@link EmbeddedStack}). Every test has its own
 * topic prefix, server name, server id and databases, so that no test sees another's changelog, offsets or schema
 * history. Every test reads the changelog back from Kafka and decodes it as the applier does.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class CaptureIT {
    private static final Logger LOG = LoggerFactory.getLogger(CaptureIT.class);
    private static final AvroCodec<ChangeEvent> CODEC = AvroCodec.of(ChangeEvent.class);
    /** Distinct replica server ids per test (and per run, so that a re-run never meets a stale binlog dump thread). */
    private static final AtomicLong SERVER_IDS = new AtomicLong(10_000 + ThreadLocalRandom.current().nextInt(50_000) * 10L);
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern GTID = Pattern.compile("([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(\\d+)");

    private static EmbeddedStack stack;

    @BeforeAll
    static void startStack() {
        stack = EmbeddedStack.shared();
    }

    // ------------------------------------------------------------------------------------------------ 1. no lock

    /**
     * STACK.md: Debezium's default start takes {@code FLUSH TABLES WITH READ LOCK}. On 8.0.15 a session holding
     * {@code LOCK TABLES ... WRITE} (or READ) makes a FTWRL wait, and a waiting FTWRL blocks every new write on the
     * server; an open transaction, even with an uncommitted insert, does not make it wait (measured: FTWRL acquired in
     * 11 ms). So with A holding its lock, a capture that tried FTWRL would freeze writer B; the capture as configured
     * must start, stream B's insert, and never delay B.
     */
    @Test
    void startTakesNoGlobalReadLock() throws Exception {
        WritersDuringStart r = writersDuringStart("nolock", p -> { }, Duration.ofSeconds(30), true);
        LOG.info("no-lock start: B's insert #{} arrived after {} ms; {} inserts, max latency {} ms; A's lock held: {}",
                r.firstSeenInsert, r.seenAfterMillis, r.latenciesMillis.size(), r.maxLatencyMillis(), r.lockHeldWhenSeen);
        assertTrue(r.firstSeenInsert > 0, "no insert of B reached the changelog within 30 s while A held LOCK TABLES "
                + "WRITE: the capture did not get past its start; latencies " + r.latenciesMillis);
        assertTrue(r.lockHeldWhenSeen, "A's LOCK TABLES WRITE must still be granted when B's insert is captured");
        assertTrue(r.maxLatencyMillis() < 2_000, "B's inserts were held while the capture started (a global read "
                + "lock): latencies " + r.latenciesMillis);
    }

    /**
     * The detector of the test above is sensitive: with {@code snapshot.locking.mode=minimal} (Debezium's default) the
     * capture's FTWRL queues behind A's lock and B's plain insert is held for seconds. If this ever stops failing B,
     * {@link #startTakesNoGlobalReadLock()} no longer proves anything.
     */
    @Test
    void detectorSeesTheGlobalReadLockOfMinimalLocking() throws Exception {
        WritersDuringStart r = writersDuringStart("minlock", p -> p.put("snapshot.locking.mode", "minimal"),
                Duration.ofSeconds(20), false);
        LOG.info("minimal locking: {} inserts, max latency {} ms, latencies {}", r.latenciesMillis.size(),
                r.maxLatencyMillis(), r.latenciesMillis);
        assertTrue(r.maxLatencyMillis() >= 2_000, "with snapshot.locking.mode=minimal B should have been blocked by "
                + "the capture's FLUSH TABLES WITH READ LOCK; latencies " + r.latenciesMillis);
    }

    private record WritersDuringStart(List<Long> latenciesMillis, int firstSeenInsert, long seenAfterMillis,
            boolean lockHeldWhenSeen) {
        long maxLatencyMillis() {
            return latenciesMillis.stream().mapToLong(Long::longValue).max().orElse(0);
        }
    }

    /**
     * A holds {@code LOCK TABLES db.t1 WRITE}; the capture starts; B inserts into db.t2 every 200 ms and measures each
     * insert, until one of its rows is in the changelog (when {@code stopWhenSeen}), an insert took 2 s or more
     * (when not), or {@code observe} elapsed.
     */
    private WritersDuringStart writersDuringStart(String tag, Consumer<Properties> overrides, Duration observe,
            boolean stopWhenSeen) throws Exception {
        FlipsideConfig config = config(tag);
        String db = database(tag);
        try (Connection setup = connect()) {
            createDatabase(setup, db,
                    "CREATE TABLE " + db + ".t1 (id INT PRIMARY KEY)",
                    "CREATE TABLE " + db + ".t2 (id INT PRIMARY KEY)");
        }
        List<Long> latencies = new ArrayList<>();
        Connection a = connect();
        Connection b = connect();
        Capture capture = null;
        Changelog changelog = null;
        try {
            exec(a, "LOCK TABLES " + db + ".t1 WRITE");
            assertTrue(lockHeld(b, db, "t1"), "A must hold its lock before the capture starts");
            capture = new Capture(config, overrides).start();
            changelog = new Changelog(config);
            long t0 = System.nanoTime();
            long deadline = t0 + observe.toNanos();
            for (int i = 1; System.nanoTime() < deadline; i++) {
                long s = System.nanoTime();
                exec(b, "INSERT INTO " + db + ".t2 VALUES (" + i + ")");
                long latency = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - s);
                latencies.add(latency);
                if (!stopWhenSeen && latency >= 2_000) {
                    break;
                }
                changelog.poll(Duration.ofMillis(200));
                List<ChangeEvent> seen = changelog.rows(db, "t2");
                if (stopWhenSeen && !seen.isEmpty()) {
                    boolean held = lockHeld(b, db, "t1");
                    long first = seen.get(0).getAfter().get(0).getValue() instanceof Long l ? l : -1;
                    return new WritersDuringStart(latencies, (int) first,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), held);
                }
            }
            return new WritersDuringStart(latencies, -1, -1, lockHeld(b, db, "t1"));
        } finally {
            // Release A first: a capture stuck in FTWRL can only finish (and close) once the lock is gone.
            closeQuietly(a);
            closeQuietly(b);
            closeQuietly(changelog);
            closeQuietly(capture);
        }
    }

    private static boolean lockHeld(Connection c, String db, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM performance_schema.metadata_locks "
                + "WHERE OBJECT_TYPE = 'TABLE' AND OBJECT_SCHEMA = ? AND OBJECT_NAME = ? "
                + "AND LOCK_TYPE = 'SHARED_NO_READ_WRITE' AND LOCK_STATUS = 'GRANTED'")) {
            ps.setString(1, db);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ 2. binlog order

    @Test
    void rowChangesAndDdlInCommitOrderWithGtidsAndCoordinates() throws Exception {
        FlipsideConfig config = config("order");
        String db = database("order");
        try (Connection c = connect()) {
            createDatabase(c, db,
                    "CREATE TABLE " + db + ".items (id INT PRIMARY KEY, name VARCHAR(32), qty INT)");
            String uuid = scalar(c, "SELECT @@server_uuid");
            try (Capture capture = new Capture(config).start(); Changelog changelog = new Changelog(config)) {
                awaitStreaming(capture, c, changelog, db);
                long n0 = lastGtidNumber(c, uuid);

                c.setAutoCommit(false);
                exec(c, "INSERT INTO " + db + ".items VALUES (1, 'a', 1)", "INSERT INTO " + db + ".items VALUES (2, 'b', 2)");
                c.commit();
                c.setAutoCommit(true);
                exec(c, "UPDATE " + db + ".items SET qty = 10 WHERE id = 1",
                        "DELETE FROM " + db + ".items WHERE id = 2",
                        "ALTER TABLE " + db + ".items ADD COLUMN note VARCHAR(16)",
                        "INSERT INTO " + db + ".items VALUES (3, 'c', 3, 'n3')",
                        "UPDATE " + db + ".items SET qty = qty + 1 WHERE id IN (1, 3)");
                assertEquals(n0 + 6, lastGtidNumber(c, uuid), "six transactions, six GTIDs");
                String[] master = masterStatus(c);

                Predicate<ChangeEvent> mine = e -> db.equals(e.getDatabase())
                        && ("items".equals(e.getTable()) && e.getOp() != ChangeOp.DDL
                            || e.getOp() == ChangeOp.DDL && e.getGtid() != null);
                List<ChangeEvent> ev = changelog.await("8 events of " + db, l -> l.stream().filter(mine).count() >= 8)
                        .stream().filter(mine).toList();
                ev.forEach(e -> LOG.info("order: {}", describe(e)));
                assertEquals(8, ev.size(), () -> "exactly the 8 changes, nothing more: " + describeAll(ev));

                List<ChangeOp> ops = ev.stream().map(ChangeEvent::getOp).toList();
                assertEquals(List.of(ChangeOp.INSERT, ChangeOp.INSERT, ChangeOp.UPDATE, ChangeOp.DELETE, ChangeOp.DDL,
                        ChangeOp.INSERT, ChangeOp.UPDATE, ChangeOp.UPDATE), ops);

                assertRow(ev.get(0), key(1), null, row("id", 1L, "name", "a", "qty", 1L));
                assertRow(ev.get(1), key(2), null, row("id", 2L, "name", "b", "qty", 2L));
                assertRow(ev.get(2), key(1), row("id", 1L, "name", "a", "qty", 1L), row("id", 1L, "name", "a", "qty", 10L));
                assertRow(ev.get(3), key(2), row("id", 2L, "name", "b", "qty", 2L), null);
                ChangeEvent ddl = ev.get(4);
                assertTrue(ddl.getDdl().matches("(?is)ALTER TABLE .*items.* ADD COLUMN note VARCHAR\\(16\\).*"), ddl.getDdl());
                assertEquals(db, ddl.getDatabase());
                assertEquals("items", ddl.getTable());
                assertRow(ev.get(5), key(3), null, row("id", 3L, "name", "c", "qty", 3L, "note", "n3"));
                assertRow(ev.get(6), key(1), row("id", 1L, "name", "a", "qty", 10L, "note", null),
                        row("id", 1L, "name", "a", "qty", 11L, "note", null));
                assertRow(ev.get(7), key(3), row("id", 3L, "name", "c", "qty", 3L, "note", "n3"),
                        row("id", 3L, "name", "c", "qty", 4L, "note", "n3"));
                // types as Debezium names them, carried for the applier
                assertEquals(List.of("INT32", "STRING", "INT32", "STRING"),
                        ev.get(5).getAfter().stream().map(ColumnValue::getType).toList());

                // one GTID per transaction, uuid:N with N = the server's sequence, increasing by transaction
                long[] expectedN = {n0 + 1, n0 + 1, n0 + 2, n0 + 3, n0 + 4, n0 + 5, n0 + 6, n0 + 6};
                for (int i = 0; i < ev.size(); i++) {
                    Matcher m = GTID.matcher(String.valueOf(ev.get(i).getGtid()));
                    assertTrue(m.matches(), "gtid of " + describe(ev.get(i)));
                    assertEquals(uuid, m.group(1));
                    assertEquals(expectedN[i], Long.parseLong(m.group(2)), "GTID number of event " + i);
                }
                // binlog coordinates: in the current binlog file, positive, never going backwards, before the end
                long lastPos = 0;
                for (ChangeEvent e : ev) {
                    assertEquals(master[0], e.getBinlogFile(), "binlog file of " + describe(e));
                    assertTrue(e.getBinlogPos() > 0 && e.getBinlogPos() < Long.parseLong(master[1]), describe(e));
                    assertTrue(e.getBinlogPos() >= lastPos, "binlog positions go forward: " + describeAll(ev));
                    lastPos = e.getBinlogPos();
                    assertEquals(config.get(FlipsideConfig.CAPTURE_SERVER_NAME), e.getServer());
                    assertTrue(e.getCommitMillis() > 0 && e.getCapturedMillis() >= e.getCommitMillis() - 1_000,
                            describe(e));
                }
                // the two rows of the multi-row UPDATE are told apart by their row index
                assertEquals(ev.get(6).getBinlogPos(), ev.get(7).getBinlogPos());
                assertEquals(List.of(0, 1), List.of(ev.get(6).getRow(), ev.get(7).getRow()));
                // transactions have distinct positions
                assertTrue(ev.get(2).getBinlogPos() > ev.get(1).getBinlogPos());
            }
        }
    }

    /**
     * An UPDATE of the primary key is one row in the binlog; Debezium publishes it as a DELETE of the old key, then
     * an INSERT of the new one, both with that row's coordinates (and a tombstone, which yields nothing). The applier's
     * {@code BinlogPosition} ranks that INSERT after the DELETE instead of taking it for a change published again.
     */
    @Test
    void anUpdateOfTheKeyIsADeleteThenAnInsertAtTheSameCoordinates() throws Exception {
        List<ChangeEvent> all = changesOfItems("rekey", "id INT PRIMARY KEY, n INT NOT NULL, UNIQUE KEY (n)",
                "INSERT INTO %s VALUES (1, 1), (2, 2)", "UPDATE %s SET id = 10 WHERE id = 1",
                "REPLACE INTO %s VALUES (20, 2)").stream().filter(e -> e.getOp() != ChangeOp.DDL).toList();
        List<ChangeEvent> ev = all.subList(Math.min(2, all.size()), all.size()); // after the two inserts
        assertEquals(List.of(ChangeOp.DELETE, ChangeOp.INSERT, ChangeOp.DELETE, ChangeOp.INSERT),
                ev.stream().map(ChangeEvent::getOp).toList(), () -> describeAll(ev));
        for (int i = 0; i < 4; i += 2) {
            ChangeEvent deleted = ev.get(i);
            ChangeEvent inserted = ev.get(i + 1);
            assertEquals(List.of(deleted.getBinlogFile(), deleted.getBinlogPos(), deleted.getRow()),
                    List.of(inserted.getBinlogFile(), inserted.getBinlogPos(), inserted.getRow()),
                    () -> "one row's coordinates: " + describeAll(ev));
            assertEquals(deleted.getGtid(), inserted.getGtid());
        }
        assertEquals(List.of(1L, 10L, 2L, 20L), ev.stream().map(e -> e.getKey().get(0).getValue()).toList());
    }

    /**
     * Debezium skips a TRUNCATE unless told not to; it is published as its DDL statement, with its GTID (the schema
     * snapshot's statements have none), in binlog order.
     */
    @Test
    void aTruncateIsPublishedAsItsStatement() throws Exception {
        List<ChangeEvent> ev = changesOfItems("trunc", "id INT PRIMARY KEY", "INSERT INTO %s VALUES (1)",
                "TRUNCATE TABLE %s", "INSERT INTO %s VALUES (2)").stream()
                .filter(e -> e.getOp() != ChangeOp.DDL || e.getGtid() != null) // not the schema snapshot's
                .toList();
        String items = ev.isEmpty() ? "" : "`" + ev.get(0).getDatabase() + "`.`items`";
        assertEquals(List.of("INSERT", "DDL TRUNCATE TABLE " + items, "INSERT"), ev.stream()
                .map(e -> e.getOp() == ChangeOp.DDL ? "DDL " + e.getDdl() : e.getOp().name()).toList());
    }

    /**
     * A change larger than the changelog takes (the producer's max.request.size, 1 MiB by default) stopped the capture:
     * it failed the batch, restarted, read the same change and failed again, and no change of any table was published
     * after it. It is published without its values longer than a unique key's, the key kept, and the changes after it
     * follow.
     */
    @Test
    void aChangeTooLargeForTheChangelogIsPublishedWithoutItsLongValues() throws Exception {
        List<ChangeEvent> ev = changesOfItems("large", "id INT PRIMARY KEY, note VARCHAR(10), b LONGBLOB",
                "INSERT INTO %s VALUES (1, 'a', REPEAT('x', 1500000))", "UPDATE %s SET note = 'b' WHERE id = 1",
                "UPDATE %s SET b = NULL WHERE id = 1", "INSERT INTO %s VALUES (2, 'small', REPEAT('y', 5000))",
                "DELETE FROM %s WHERE id = 1").stream().filter(e -> e.getOp() != ChangeOp.DDL).toList();
        assertEquals(List.of("INSERT 1 before - after id,note", "UPDATE 1 before id,note after id,note",
                "UPDATE 1 before id,note after id,note,b", "INSERT 2 before - after id,note,b",
                "DELETE 1 before id,note,b after -"), ev.stream().map(e -> e.getOp() + " " + e.getKey().get(0)
                        .getValue() + " before " + columns(e.getBefore()) + " after " + columns(e.getAfter())).toList());
        assertEquals(5000, ((java.nio.ByteBuffer) ev.get(3).getAfter().get(2).getValue()).remaining(),
                "a change that fits keeps its values, long ones too");
    }

    @Test
    void aChangeTooLargeEvenWithoutItsLongValuesKeepsItsUniqueKeys() throws Exception {
        // 180 values of 3,000 bytes, none long enough to be left out: an image takes about 540 KB, an UPDATE's two
        // more than the changelog's 1 MiB.
        int wide = 180;
        String textColumns = wide(wide, "c%d TEXT");
        String values = wide(wide, "REPEAT('v', 3000)");
        List<ChangeEvent> ev = changesOfItems("wide", "id INT PRIMARY KEY, note VARCHAR(10), Code VARCHAR(20) NOT NULL,"
                + " " + textColumns + ", UNIQUE KEY by_code (code)",
                "INSERT INTO %s VALUES (1, 'a', 'k1', " + values + ")", "UPDATE %s SET note = 'b' WHERE id = 1",
                "UPDATE %s SET c7 = 'short' WHERE id = 1", "DELETE FROM %s WHERE id = 1",
                // The unique keys are read when a change is published: the first changes are out before the DDL.
                "AWAIT DELETE 1", "ALTER TABLE %s ADD UNIQUE KEY by_note (note)", "INSERT INTO %s VALUES (2, 'c', 'k2', " + values + ")",
                "UPDATE %s SET c7 = 'short' WHERE id = 2")
                .stream().filter(e -> e.getOp() != ChangeOp.DDL).toList();
        assertEquals(List.of("INSERT 1 before 0 after " + (wide + 3), "UPDATE 1 before id,Code after id,Code",
                "UPDATE 1 before id,Code after id,Code", "DELETE 1 before " + (wide + 3) + " after 0",
                "INSERT 2 before 0 after " + (wide + 3), "UPDATE 2 before id,note,Code after id,note,Code"),
                ev.stream().map(e -> e.getOp() + " " + e.getKey().get(0).getValue() + " before "
                        + shape(e.getBefore()) + " after " + shape(e.getAfter())).toList(),
                "a change that fits is published whole; one that does not even without its long values keeps the"
                        + " values of its unique keys only, as they are after a DDL statement");
        assertEquals("k1", ev.get(1).getAfter().get(1).getValue().toString());
    }

    /**
     * Under a global sql_select_limit (here 1), the capture's read of a table's unique-key columns would return only
     * so many rows: a change too large for the changelog would be published with part of its key. The capture's own
     * sessions lift the limit ({@code SessionLimits}).
     */
    @Test
    void aGlobalSelectLimitDoesNotCutTheUniqueKeysKeptOfAChangeTooLarge() throws Exception {
        int wide = 180;
        String textColumns = wide(wide, "c%d TEXT");
        String values = wide(wide, "REPEAT('v', 3000)");
        List<ChangeEvent> ev;
        try (Connection c = connect()) {
            exec(c, "SET GLOBAL sql_select_limit = 1");
            try {
                ev = changesOfItems("limited", "id INT NOT NULL, region INT NOT NULL, note VARCHAR(10), " + textColumns
                        + ", PRIMARY KEY (id, region)", "INSERT INTO %s VALUES (1, 7, 'a', " + values + ")",
                        "UPDATE %s SET note = 'b' WHERE id = 1").stream().filter(e -> e.getOp() != ChangeOp.DDL)
                        .toList();
            } finally {
                exec(c, "SET GLOBAL sql_select_limit = DEFAULT");
            }
        }
        assertEquals(List.of("INSERT 1 before 0 after " + (wide + 3), "UPDATE 1 before id,region after id,region"),
                ev.stream().map(e -> e.getOp() + " " + e.getKey().get(0).getValue() + " before "
                        + shape(e.getBefore()) + " after " + shape(e.getAfter())).toList());
    }

    /** {@code n} times {@code each} (with {@code %d}: 1 to n), comma-separated: a wide table's columns or values. */
    private static String wide(int n, String each) {
        return java.util.stream.IntStream.rangeClosed(1, n).mapToObj(i -> each.formatted(i))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** An image's columns when it has few (a change published without most of its values), else their count. */
    private static String shape(List<ColumnValue> image) {
        return image == null ? "0" : image.size() > 10 ? String.valueOf(image.size()) : columns(image);
    }

    private static String columns(List<ColumnValue> image) {
        return image == null ? "-" : image.stream().map(ColumnValue::getName)
                .collect(java.util.stream.Collectors.joining(","));
    }

    /**
     * The changes of a table {@code items} with {@code columns}, in a database of its own, as published while
     * {@code statements} ran ({@code %s}: the table's name), the schema snapshot's DDL among them. A statement
     * {@code AWAIT op id} ("AWAIT DELETE 1") waits until that change of {@code items} is published before the next.
     */
    private static List<ChangeEvent> changesOfItems(String tag, String columns, String... statements)
            throws Exception {
        FlipsideConfig config = config(tag);
        String db = database(tag);
        String items = db + ".items";
        try (Connection c = connect()) {
            createDatabase(c, db, "CREATE TABLE " + items + " (" + columns + ")");
            try (Capture capture = new Capture(config).start(); Changelog changelog = new Changelog(config)) {
                awaitStreaming(capture, c, changelog, db);
                for (String q : statements) {
                    if (q.startsWith("AWAIT ")) {
                        changelog.await(q, rowSeen(db, "items", q.substring("AWAIT ".length())));
                    } else {
                        exec(c, q.formatted(items));
                    }
                }
                markEnd(c, db);
                return changelog.await("the end marker", endMarkerSeen(db)).stream()
                        .filter(e -> db.equals(e.getDatabase()) && "items".equals(e.getTable())).toList();
            }
        }
    }

    /**
     * The rows of an XA transaction, which MySQL writes to the binlog at XA PREPARE before they are committed, carry
     * the header {@link Topics#XA_PREPARED_HEADER} (Debezium gives them no thread: {@link ChangeEvents#isXaPrepared});
     * those of other transactions, before and after it, do not.
     */
    @Test
    void theRowsOfAnXaTransactionCarryTheXaHeader() throws Exception {
        FlipsideConfig config = config("xa");
        String db = database("xa");
        String items = db + ".items";
        try (Connection c = connect(); Connection other = connect()) {
            createDatabase(c, db, "CREATE TABLE " + items + " (id INT PRIMARY KEY, v INT)");
            try (Capture capture = new Capture(config).start(); Changelog changelog = new Changelog(config)) {
                awaitStreaming(capture, c, changelog, db);
                exec(c, "INSERT INTO " + items + " VALUES (1, 1), (2, 2)");
                exec(other, "XA START 'x'", "UPDATE " + items + " SET v = 10 WHERE id = 1",
                        "INSERT INTO " + items + " VALUES (3, 3)", "XA END 'x'", "XA PREPARE 'x'");
                exec(c, "UPDATE " + items + " SET v = 20 WHERE id = 2");
                exec(other, "XA COMMIT 'x'");
                exec(c, "BEGIN", "DELETE FROM " + items + " WHERE id = 2", "COMMIT");
                markEnd(c, db);
                List<String> seen = changelog.await("the end marker", endMarkerSeen(db)).stream()
                        .filter(e -> db.equals(e.getDatabase()) && "items".equals(e.getTable())
                                && e.getOp() != ChangeOp.DDL)
                        .map(e -> e.getOp() + " " + e.getKey().get(0).getValue()
                                + (changelog.xaPrepared.contains(e) ? " xa" : ""))
                        .toList();
                assertEquals(List.of("INSERT 1", "INSERT 2", "UPDATE 1 xa", "INSERT 3 xa", "UPDATE 2", "DELETE 2"),
                        seen);
            }
        }
    }

    /**
     * Debezium does not end a transaction at an XA PREPARE (it ignores XA statements), so the offsets it stores after
     * one could skip changes at a restart: the capture stopped right after an XA transaction (its offsets flushed
     * after it, no other transaction since), and XA transactions between other changes while it is down; after the
     * restart every change is published, the XA transactions' with the header.
     */
    @Test
    void aRestartAfterXaTransactionsMissesNoChange() throws Exception {
        FlipsideConfig config = config("xa_restart");
        String db = database("xa_restart");
        String t = db + ".t";
        try (Connection c = connect(); Connection xa = connect()) {
            createDatabase(c, db, "CREATE TABLE " + t + " (id INT PRIMARY KEY, v INT)");
            Predicate<ChangeEvent> mine = e -> db.equals(e.getDatabase()) && "t".equals(e.getTable())
                    && e.getOp() != ChangeOp.DDL;
            try (Changelog changelog = new Changelog(configWithTopic(config))) {
                try (Capture first = new Capture(config).start()) {
                    awaitStreaming(first, c, changelog, db);
                    exec(c, "INSERT INTO " + t + " VALUES (1, 1)");
                    exec(xa, "XA START 'a'", "UPDATE " + t + " SET v = 10 WHERE id = 1",
                            "INSERT INTO " + t + " VALUES (2, 2)", "XA END 'a'", "XA PREPARE 'a'", "XA COMMIT 'a'");
                    changelog.await("3 changes before the stop", l -> l.stream().filter(mine).count() >= 3);
                    Thread.sleep(1500); // an offset flush (offset.flush.interval.ms) after the XA transaction
                }
                exec(c, "INSERT INTO " + t + " VALUES (3, 3)");
                exec(c, "INSERT INTO " + t + " VALUES (4, 4)");
                exec(xa, "XA START 'b'", "UPDATE " + t + " SET v = 30 WHERE id = 3", "DELETE FROM " + t
                        + " WHERE id = 2", "XA END 'b'", "XA PREPARE 'b'", "XA COMMIT 'b'");
                exec(c, "INSERT INTO " + t + " VALUES (5, 5)", "UPDATE " + t + " SET v = 40 WHERE id = 4");
                try (Capture second = new Capture(config).start()) {
                    assertTrue(second.awaitStarted(Duration.ofSeconds(60)));
                    changelog.await("the changes made while the capture was down",
                            l -> l.stream().filter(mine).map(CaptureIT::opAndId).anyMatch("UPDATE 4"::equals));
                }
                List<String> distinct = distinctInOrder(changelog.rows(db, "t")).stream()
                        .map(e -> opAndId(e) + (changelog.xaPrepared.contains(e) ? " xa" : "")).toList();
                assertEquals(List.of("INSERT 1", "UPDATE 1 xa", "INSERT 2 xa", "INSERT 3", "INSERT 4", "UPDATE 3 xa",
                        "DELETE 2 xa", "INSERT 5", "UPDATE 4"), distinct);
            }
        }
    }

    /**
     * An update of a JSON column logged in part (a session with {@code binlog_row_value_options=PARTIAL_JSON}, which
     * MySQL honours with {@code binlog_row_image=FULL} too: a PARTIAL_UPDATE_ROWS_EVENT) is an event Debezium 3.6.1
     * has no handler for: it is not published, and the changes around it are. The reason
     * {@link io.flipside.runtime.ServerRequirements} wants the setting empty.
     */
    @Test
    void anUpdateOfAJsonColumnLoggedInPartIsNotPublished() throws Exception {
        List<String> seen = changesOfItems("pjson", "id INT PRIMARY KEY, j JSON",
                "INSERT INTO %s VALUES (1, '{\"a\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"b\": 1}')",
                "SET SESSION binlog_row_value_options = 'PARTIAL_JSON'",
                "UPDATE %s SET j = JSON_SET(j, '$.b', 2) WHERE id = 1",
                "SET SESSION binlog_row_value_options = ''",
                "UPDATE %s SET j = JSON_SET(j, '$.b', 3) WHERE id = 1").stream()
                .filter(e -> e.getOp() != ChangeOp.DDL).map(CaptureIT::opAndId).toList();
        assertEquals(List.of("INSERT 1", "UPDATE 1"), seen, "the partial update is missing, the full one is there");
    }

    @Test
    void tablesOfCaptureExcludeTablesAreNotPublished() throws Exception {
        String db = database("excl");
        FlipsideConfig config = config("excl").with(FlipsideConfig.CAPTURE_EXCLUDE_TABLES.key(), db + "\\.noisy_.*");
        try (Connection c = connect()) {
            createDatabase(c, db, "CREATE TABLE " + db + ".noisy_log (id INT PRIMARY KEY, v INT)",
                    "CREATE TABLE " + db + ".items (id INT PRIMARY KEY, v INT)");
            try (Capture capture = new Capture(config).start(); Changelog changelog = new Changelog(config)) {
                awaitStreaming(capture, c, changelog, db);
                exec(c, "INSERT INTO " + db + ".noisy_log VALUES (1, 1), (2, 2)",
                        "UPDATE " + db + ".noisy_log SET v = v + 1",
                        "INSERT INTO " + db + ".items VALUES (1, 1)",
                        "DELETE FROM " + db + ".noisy_log WHERE id = 1");
                markEnd(c, db);
                changelog.await("the end marker", endMarkerSeen(db));
                assertEquals(List.of(ChangeOp.INSERT), changelog.rows(db, "items").stream().map(ChangeEvent::getOp)
                        .toList(), "the other table's change is published");
                assertEquals(List.of(), changelog.rows(db, "noisy_log").stream().map(CaptureIT::describe).toList(),
                        "none of the excluded table's five row changes, before or after the other's");
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ 3. restart

    @Test
    void restartResumesFromOffsetsStoredInKafka() throws Exception {
        FlipsideConfig config = config("restart");
        String db = database("restart");
        try (Connection c = connect()) {
            createDatabase(c, db, "CREATE TABLE " + db + ".t (id INT PRIMARY KEY, v VARCHAR(32))");
            Predicate<ChangeEvent> mine = e -> db.equals(e.getDatabase()) && "t".equals(e.getTable())
                    && e.getOp() != ChangeOp.DDL;
            try (Changelog changelog = new Changelog(configWithTopic(config))) {
                try (Capture first = new Capture(config).start()) {
                    awaitStreaming(first, c, changelog, db);
                    for (int i = 1; i <= 5; i++) {
                        exec(c, "INSERT INTO " + db + ".t VALUES (" + i + ", 'up-" + i + "')");
                    }
                    changelog.await("5 inserts before the stop", l -> l.stream().filter(mine).count() >= 5);
                }
                // Down: these must all arrive after the restart.
                List<String> whileDown = new ArrayList<>();
                for (int i = 6; i <= 10; i++) {
                    exec(c, "INSERT INTO " + db + ".t VALUES (" + i + ", 'down-" + i + "')");
                    whileDown.add("INSERT " + i);
                }
                exec(c, "UPDATE " + db + ".t SET v = 'down-upd' WHERE id = 1", "DELETE FROM " + db + ".t WHERE id = 2");
                whileDown.add("UPDATE 1");
                whileDown.add("DELETE 2");
                changelog.poll(Duration.ofMillis(500));
                assertEquals(List.of("INSERT 1", "INSERT 2", "INSERT 3", "INSERT 4", "INSERT 5"),
                        changelog.rows(db, "t").stream().map(CaptureIT::opAndId).toList(),
                        "nothing of the down time may be published by a closed capture");

                try (Capture second = new Capture(config).start()) {
                    assertTrue(second.awaitStarted(Duration.ofSeconds(60)));
                    changelog.await("the changes made while the capture was down", l -> {
                        List<String> seen = l.stream().filter(mine).map(CaptureIT::opAndId).toList();
                        return seen.containsAll(whileDown);
                    });
                    exec(c, "INSERT INTO " + db + ".t VALUES (11, 'after')");
                    changelog.await("the insert after the restart",
                            l -> l.stream().filter(mine).map(CaptureIT::opAndId).anyMatch("INSERT 11"::equals));
                }
                List<ChangeEvent> ev = changelog.rows(db, "t");
                List<String> identities = ev.stream().map(CaptureIT::identity).toList();
                Map<String, Long> counts = identities.stream()
                        .collect(Collectors.groupingBy(s -> s, LinkedHashMap::new, Collectors.counting()));
                long duplicates = identities.size() - counts.size();
                LOG.info("restart: {} events published, {} distinct changes, {} published twice: {}", identities.size(),
                        counts.size(), duplicates, counts.entrySet().stream().filter(x -> x.getValue() > 1).toList());
                // no change missing: 5 + 7 + 1 distinct changes, each exactly as committed
                assertEquals(13, counts.size(), () -> describeAll(ev));
                List<ChangeEvent> distinct = distinctInOrder(ev);
                assertEquals(List.of("INSERT 1", "INSERT 2", "INSERT 3", "INSERT 4", "INSERT 5", "INSERT 6", "INSERT 7",
                        "INSERT 8", "INSERT 9", "INSERT 10", "UPDATE 1", "DELETE 2", "INSERT 11"),
                        distinct.stream().map(CaptureIT::opAndId).toList(), "in commit order");
                assertRow(distinct.get(10), key(1), row("id", 1L, "v", "up-1"), row("id", 1L, "v", "down-upd"));
                assertRow(distinct.get(11), key(2), row("id", 2L, "v", "up-2"), null);
                assertRow(distinct.get(9), key(10), null, row("id", 10L, "v", "down-10"));
                // At least once: what may come twice is what the first capture published after its last offset commit
                // (offset.flush.interval.ms), i.e. some of inserts 1-5; each such repeat is the same change (same GTID,
                // coordinates and images; only capturedMillis differs), so the applier can recognise it by GTID.
                List<String> repeated = distinct.stream().filter(e -> counts.get(identity(e)) > 1)
                        .map(CaptureIT::opAndId).toList();
                assertTrue(List.of("INSERT 1", "INSERT 2", "INSERT 3", "INSERT 4", "INSERT 5").containsAll(repeated),
                        "only changes published before the stop may be published again: " + repeated);
                assertTrue(counts.values().stream().allMatch(n -> n <= 2), "nothing published three times: " + counts);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ 4. rename

    /** How the shadow table's schema differs from {@code users(id BIGINT PK, name VARCHAR(64), title VARCHAR(64))}. */
    enum ShadowChange {
        DROP_COLUMN("DROP COLUMN title", List.of("id", "name")),
        ADD_COLUMN("ADD COLUMN extra INT", List.of("id", "name", "title", "extra"));

        final String alter;
        final List<String> columns;

        ShadowChange(String alter, List<String> columns) {
            this.alter = alter;
            this.columns = columns;
        }

        /** A row of the shadow schema: id, name and (for ADD_COLUMN) title and extra. */
        Map<String, Object> row(long id, String name, String title, Long extra) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("name", name);
            if (this == ADD_COLUMN) {
                m.put("title", title);
                m.put("extra", extra);
            }
            return m;
        }

        String insert(String db, long id, String name, String title, long extra) {
            return this == ADD_COLUMN
                    ? "INSERT INTO " + db + ".users VALUES (" + id + ", '" + name + "', '" + title + "', " + extra + ")"
                    : "INSERT INTO " + db + ".users VALUES (" + id + ", '" + name + "')";
        }
    }

    private static final String NEW = "_users_0badcafe_new";
    private static final String OLD = "_users_0badcafe_old";

    /**
     * Cut-over and revert as Flipside does them, with the capture running: the shadow table is excluded from the
     * capture, gets a different schema, and is renamed to {@code users}. Row events of {@code users} after the rename
     * must be decoded with the shadow's schema, and after the swap back with the original schema again.
     */
    @ParameterizedTest
    @EnumSource(ShadowChange.class)
    void renameSwapDecodesRowsWithTheSwappedInSchema(ShadowChange change) throws Exception {
        FlipsideConfig config = config("swap");
        String db = database("swap");
        try (Connection c = connect()) {
            createUsers(c, db);
            try (Capture capture = new Capture(config).start(); Changelog changelog = new Changelog(config)) {
                awaitStreaming(capture, c, changelog, db);
                buildShadow(c, db, change);
                exec(c, "INSERT INTO " + db + ".users VALUES (3, 'Cid', 'CFO')");
                cutOver(c, db);
                exec(c, change.insert(db, 4, "Dee", "Dev", 44),
                        "UPDATE " + db + ".users SET name = 'Ann2' WHERE id = 1",
                        "DELETE FROM " + db + ".users WHERE id = 2");
                revert(c, db);
                exec(c, "INSERT INTO " + db + ".users VALUES (5, 'Eve', 'COO')",
                        "UPDATE " + db + ".users SET title = 'Boss' WHERE id = 1");
                markEnd(c, db);

                List<ChangeEvent> all = changelog.await("the end marker", endMarkerSeen(db)).stream()
                        .filter(e -> db.equals(e.getDatabase())).toList();
                all.forEach(e -> LOG.info("swap {}: {}", change, describe(e)));
                List<ChangeEvent> ev = all.stream().filter(e -> e.getOp() != ChangeOp.DDL).toList();
                List<ChangeEvent> users = ev.stream().filter(e -> "users".equals(e.getTable())).toList();
                assertEquals(6, users.size(), () -> describeAll(users));
                // before the cut-over: the original schema
                assertRow(users.get(0), key(3), null, oldRow(3, "Cid", "CFO"));
                // after the cut-over: the shadow's schema (column names, their order and values)
                assertRow(users.get(1), key(4), null, change.row(4, "Dee", "Dev", 44L));
                assertRow(users.get(2), key(1), change.row(1, "Ann", "CEO", 7L), change.row(1, "Ann2", "CEO", 7L));
                assertRow(users.get(3), key(2), change.row(2, "Bob", "CTO", 7L), null);
                // after the revert: the original schema again, and the old table's own values
                assertRow(users.get(4), key(5), null, oldRow(5, "Eve", "COO"));
                assertRow(users.get(5), key(1), oldRow(1, "Ann", "CEO"), oldRow(1, "Ann", "Boss"));
                assertNoHelperTableRows(ev);
                assertTrue(capture.published() > 0);
            }
        }
    }

    /**
     * The same across capture restarts: the schema of {@code users} after a swap (and after the swap back) must be
     * recovered from the schema history in Kafka, including for events written while the capture was down.
     */
    @ParameterizedTest
    @EnumSource(ShadowChange.class)
    void renameSwapSurvivesCaptureRestarts(ShadowChange change) throws Exception {
        FlipsideConfig config = config("swaprs");
        String db = database("swaprs");
        try (Capture unstarted = new Capture(config)) {
            // Measured with "true": the live swap still decodes, but the history then lacks the helper tables' DDL, and
            // after a restart the swap back decodes rows with the shadow's columns (a value silently lost) or the
            // engine fails on every restart ("different column size with internal schema size 2, but before size 3",
            // "Error requesting a row value, row: 3, requested index: 3").
            assertNotEquals("true", unstarted.engineProperties()
                    .getProperty("schema.history.internal.store.only.captured.tables.ddl", "false"),
                    "the schema history must keep the DDL of the excluded helper tables");
        }
        try (Connection c = connect(); Changelog changelog = new Changelog(configWithTopic(config))) {
            createUsers(c, db);
            try (Capture capture = new Capture(config).start()) {
                awaitStreaming(capture, c, changelog, db);
                buildShadow(c, db, change);
                cutOver(c, db);
                exec(c, change.insert(db, 4, "Dee", "Dev", 44));
                changelog.await("insert 4", rowSeen(db, "users", "INSERT 4"));
            }
            exec(c, "UPDATE " + db + ".users SET name = 'Ann-down' WHERE id = 1");
            try (Capture capture = new Capture(config).start()) {
                assertTrue(capture.awaitStarted(EVENT_TIMEOUT));
                changelog.await("update 1 made while down", rowSeen(db, "users", "UPDATE 1"));
                exec(c, change.insert(db, 6, "Fay", "Ops", 66));
                changelog.await("insert 6", rowSeen(db, "users", "INSERT 6"));
                revert(c, db);
                exec(c, "INSERT INTO " + db + ".users VALUES (7, 'Gus', 'CIO')");
                changelog.await("insert 7", rowSeen(db, "users", "INSERT 7"));
            }
            try (Capture capture = new Capture(config).start()) {
                assertTrue(capture.awaitStarted(EVENT_TIMEOUT));
                exec(c, "UPDATE " + db + ".users SET title = 'Boss' WHERE id = 1");
                changelog.await("update 1 after the revert", l -> distinctInOrder(changelog.rows(db, "users")).stream()
                        .filter(e -> "UPDATE 1".equals(opAndId(e))).count() >= 2);
            }
            // The cut-over again, this time while the capture is down: the RENAME is read from the binlog on resume.
            cutOver(c, db);
            exec(c, change.insert(db, 8, "Hal", "Law", 88));
            try (Capture capture = new Capture(config).start()) {
                assertTrue(capture.awaitStarted(EVENT_TIMEOUT));
                exec(c, change.insert(db, 9, "Ivy", "Art", 99));
                markEnd(c, db);
                changelog.await("the end marker", endMarkerSeen(db));
            }
            List<ChangeEvent> users = distinctInOrder(changelog.rows(db, "users"));
            users.forEach(e -> LOG.info("swap+restart {}: {}", change, describe(e)));
            assertEquals(List.of("INSERT 4", "UPDATE 1", "INSERT 6", "INSERT 7", "UPDATE 1", "INSERT 8", "INSERT 9"),
                    users.stream().map(CaptureIT::opAndId).toList(), () -> describeAll(users));
            // swapped in live, decoded live and after a restart (also for a change made while down)
            assertRow(users.get(0), key(4), null, change.row(4, "Dee", "Dev", 44L));
            assertRow(users.get(1), key(1), change.row(1, "Ann", "CEO", 7L), change.row(1, "Ann-down", "CEO", 7L));
            assertRow(users.get(2), key(6), null, change.row(6, "Fay", "Ops", 66L));
            // swapped back live, decoded live and after a restart
            assertRow(users.get(3), key(7), null, oldRow(7, "Gus", "CIO"));
            assertRow(users.get(4), key(1), oldRow(1, "Ann", "CEO"), oldRow(1, "Ann", "Boss"));
            // swapped in while down
            assertRow(users.get(5), key(8), null, change.row(8, "Hal", "Law", 88L));
            assertRow(users.get(6), key(9), null, change.row(9, "Ivy", "Art", 99L));
            assertNoHelperTableRows(changelog.all);
        }
    }


    /**
     * A restart whose committed offset is the cut-over's RENAME itself (the capture stopped after publishing it and
     * before any later change). Debezium 3.6.1 stores the DDL in the schema history at exactly that offset, so a
     * restart from it recovers the RENAME from the history and then reads it again from the binlog and applies it a
     * second time: the swapped-in table is renamed over the old one, and after the revert the rows of {@code users} are
     * decoded with the shadow's columns (DROP_COLUMN: {@code title} silently dropped; ADD_COLUMN: "Error requesting a
     * row value" and the engine failing on every restart). The capture therefore never commits the offset of a DDL read
     * from the binlog ({@link Capture}); this test fails without that. Offsets are committed after every batch here so
     * that the committed offset is deterministically the RENAME's when nothing else is committable.
     */
    @ParameterizedTest
    @EnumSource(ShadowChange.class)
    void renameSwapSurvivesARestartRightAfterTheCutOver(ShadowChange change) throws Exception {
        FlipsideConfig config = config("swapcut");
        String db = database("swapcut");
        Consumer<Properties> commitEveryBatch = p -> p.put("offset.flush.interval.ms", "0");
        try (Connection c = connect(); Changelog changelog = new Changelog(configWithTopic(config))) {
            createUsers(c, db);
            try (Capture capture = new Capture(config, commitEveryBatch).start()) {
                awaitStreaming(capture, c, changelog, db);
                buildShadow(c, db, change);
                cutOver(c, db);
                changelog.await("the cut-over's RENAME", l -> l.stream().filter(e -> db.equals(e.getDatabase())
                        && e.getOp() == ChangeOp.DDL && e.getDdl().startsWith("RENAME")).count() >= 2);
                Thread.sleep(1_500); // let the engine commit what it was given
            }
            try (Capture capture = new Capture(config, commitEveryBatch).start()) {
                assertTrue(capture.awaitStarted(EVENT_TIMEOUT));
                exec(c, change.insert(db, 4, "Dee", "Dev", 44));
                changelog.await("insert 4", rowSeen(db, "users", "INSERT 4"));
                revert(c, db);
                exec(c, "INSERT INTO " + db + ".users VALUES (7, 'Gus', 'CIO')");
                markEnd(c, db);
                changelog.await("the end marker", endMarkerSeen(db));
            }
            List<ChangeEvent> users = distinctInOrder(changelog.rows(db, "users"));
            users.forEach(e -> LOG.info("swap+restart at cut-over {}: {}", change, describe(e)));
            assertEquals(List.of("INSERT 4", "INSERT 7"), users.stream().map(CaptureIT::opAndId).toList(),
                    () -> describeAll(users));
            assertRow(users.get(0), key(4), null, change.row(4, "Dee", "Dev", 44L));
            assertRow(users.get(1), key(7), null, oldRow(7, "Gus", "CIO"));
        }
    }

    private static void createUsers(Connection c, String db) throws SQLException {
        createDatabase(c, db,
                "CREATE TABLE " + db + ".users (id BIGINT PRIMARY KEY, name VARCHAR(64), title VARCHAR(64))",
                "INSERT INTO " + db + ".users VALUES (1, 'Ann', 'CEO'), (2, 'Bob', 'CTO')");
    }

    /** What Flipside does before the cut-over: create the shadow, change its schema, copy the rows. */
    private static void buildShadow(Connection c, String db, ShadowChange change) throws SQLException {
        exec(c, "CREATE TABLE " + db + "." + NEW + " LIKE " + db + ".users",
                "ALTER TABLE " + db + "." + NEW + " " + change.alter);
        if (change == ShadowChange.ADD_COLUMN) {
            exec(c, "INSERT INTO " + db + "." + NEW + " SELECT id, name, title, 7 FROM " + db + ".users");
        } else {
            exec(c, "INSERT INTO " + db + "." + NEW + " SELECT id, name FROM " + db + ".users");
        }
    }

    private static void cutOver(Connection c, String db) throws SQLException {
        exec(c, "RENAME TABLE " + db + ".users TO " + db + "." + OLD + ", " + db + "." + NEW + " TO " + db + ".users");
    }

    private static void revert(Connection c, String db) throws SQLException {
        exec(c, "RENAME TABLE " + db + ".users TO " + db + "." + NEW + ", " + db + "." + OLD + " TO " + db + ".users");
    }

    private static Map<String, Object> oldRow(long id, String name, String title) {
        return row("id", id, "name", name, "title", title);
    }

    private static void assertNoHelperTableRows(List<ChangeEvent> events) {
        List<ChangeEvent> helper = events.stream().filter(e -> e.getOp() != ChangeOp.DDL && e.getTable() != null
                && e.getTable().matches("_users_0badcafe_(new|old)")).toList();
        assertTrue(helper.isEmpty(), "helper tables are excluded from the changelog: " + describeAll(helper));
    }

    // ------------------------------------------------------------------------------------------------ 5. timestamps

    /**
     * {@code commitMillis} is {@code source.ts_ms}. With GTIDs on, Debezium 3.6 takes it from the GTID event's
     * {@code original_commit_timestamp} (microseconds, MySQL 8.0.1+), not from the event header (whole seconds), so it
     * has millisecond precision: each commit's value lies between the client's clock before and after the commit.
     */
    @Test
    void commitMillisHasMillisecondPrecision() throws Exception {
        FlipsideConfig config = config("ts");
        String db = database("ts");
        try (Connection c = connect()) {
            createDatabase(c, db, "CREATE TABLE " + db + ".t (id INT PRIMARY KEY)");
            try (Capture capture = new Capture(config).start(); Changelog changelog = new Changelog(config)) {
                awaitStreaming(capture, c, changelog, db);
                int n = 20;
                long[][] window = new long[n][2];
                for (int i = 0; i < n; i++) {
                    window[i][0] = System.currentTimeMillis();
                    exec(c, "INSERT INTO " + db + ".t VALUES (" + (i + 1) + ")");
                    window[i][1] = System.currentTimeMillis();
                    Thread.sleep(11 + (i * 37) % 97);
                }
                changelog.await(n + " inserts", l -> changelog.rows(db, "t").size() >= n);
                List<ChangeEvent> ev = changelog.rows(db, "t");
                assertEquals(n, ev.size());
                int subSecond = 0;
                for (int i = 0; i < n; i++) {
                    long commit = ev.get(i).getCommitMillis();
                    LOG.info("ts: insert {} client window [{}, {}] commitMillis {} capturedMillis {}: {}", i + 1,
                            window[i][0], window[i][1], commit, ev.get(i).getCapturedMillis(), describe(ev.get(i)));
                    assertTrue(commit >= window[i][0] - 1 && commit <= window[i][1] + 1, "commitMillis " + commit
                            + " of insert " + (i + 1) + " outside the client's window " + Arrays.toString(window[i]));
                    subSecond += commit % 1000 != 0 ? 1 : 0;
                }
                assertTrue(subSecond >= n - 2, "commitMillis are whole seconds: " + subSecond + " of " + n);
            }
        }
    }

    /**
     * {@link BinlogLimits} predicts which tables with YEAR columns the binlog client cannot decode. Each shape it calls
     * readable is written and read back; then a shape it calls unreadable is written, the capture stalls on it (a later
     * row never arrives) and reports why through {@link Capture#failure()}. If the client is fixed, this test fails
     * and the limit can go.
     */
    @Test
    void yearColumnShapesAreReadExactlyWhenBinlogLimitsSaysSo() throws Exception {
        FlipsideConfig config = config("year");
        String db = database("year");
        int[][] readable = {{7, 1}, {9, 7}, {15, 1}, {8, 0}, {0, 1}};
        int[] unreadable = {8, 1};
        try (Connection c = connect()) {
            List<String> tables = new ArrayList<>();
            for (int[] shape : readable) {
                tables.add(yearTable(db, shape[0], shape[1]));
            }
            tables.add(yearTable(db, unreadable[0], unreadable[1]));
            createDatabase(c, db, tables.toArray(String[]::new));
            for (int[] shape : readable) {
                assertEquals(Optional.empty(), BinlogLimits.unreadable(yearTableDef(shape[0], shape[1])));
            }
            assertTrue(BinlogLimits.unreadable(yearTableDef(unreadable[0], unreadable[1])).isPresent());
            try (Capture capture = new Capture(config).start(); Changelog changelog = new Changelog(config)) {
                awaitStreaming(capture, c, changelog, db);
                for (int[] shape : readable) {
                    String t = yearTableName(shape[0], shape[1]);
                    exec(c, "INSERT INTO " + db + "." + t + " (id) VALUES (1)");
                    changelog.await("the insert into " + t, rowSeen(db, t, "INSERT 1"));
                }
                assertEquals(Optional.empty(), capture.failure());
                String t = yearTableName(unreadable[0], unreadable[1]);
                exec(c, "INSERT INTO " + db + "." + t + " (id) VALUES (1)");
                markEnd(c, db);
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (capture.failure().isEmpty() && System.nanoTime() < deadline) {
                    changelog.poll(Duration.ofMillis(200));
                }
                String failure = capture.failure().orElse("");
                assertTrue(failure.startsWith("the binlog client cannot decode a table map"), failure);
                changelog.poll(Duration.ofSeconds(2));
                assertTrue(changelog.rows(db, t).isEmpty() && !endMarkerSeen(db).test(changelog.all),
                        "the capture read past the table map BinlogLimits calls unreadable");
            }
        }
    }

    private static String yearTableName(int numeric, int years) {
        return "n" + numeric + "y" + years;
    }

    /** A table with {@code numeric} numeric columns (the key among them) and {@code years} YEAR columns. */
    private static String yearTable(String db, int numeric, int years) {
        StringBuilder sql = new StringBuilder("CREATE TABLE " + db + "." + yearTableName(numeric, years)
                + (numeric == 0 ? " (id VARCHAR(8) PRIMARY KEY" : " (id INT PRIMARY KEY"));
        for (int i = 1; i < numeric; i++) {
            sql.append(", n").append(i).append(i % 2 == 0 ? " BIGINT UNSIGNED" : " DECIMAL(8,2)");
        }
        for (int i = 0; i < years; i++) {
            sql.append(", y").append(i).append(" YEAR");
        }
        return sql.append(", note VARCHAR(10))").toString();
    }

    private static TableDef yearTableDef(int numeric, int years) {
        List<ColumnDef> cols = new ArrayList<>();
        for (int i = 0; i < numeric; i++) {
            cols.add(new ColumnDef("n" + i, i % 2 == 0 ? "bigint unsigned" : "decimal(8,2)", true, false, true, null,
                    null));
        }
        for (int i = 0; i < years; i++) {
            cols.add(new ColumnDef("y" + i, "year", true, false, true, null, null));
        }
        return new TableDef(yearTableName(numeric, years), cols, List.of());
    }

    /** The mysql.ssl.* settings reach Debezium's own connections (its JDBC connection and its binlog reader). */
    @Test
    void tlsSettingsReachDebezium() {
        FlipsideConfig config = config("tls").with("mysql.ssl.mode", "VERIFY_CA")
                .with("mysql.ssl.truststore", "/etc/flipside/ca.p12").with("mysql.ssl.truststore.password", "t")
                .with("mysql.ssl.keystore", "/etc/flipside/client.p12").with("mysql.ssl.keystore.password", "k");
        try (Capture unstarted = new Capture(config)) {
            Properties p = unstarted.engineProperties();
            assertEquals("verify_ca", p.getProperty("database.ssl.mode"));
            assertEquals("/etc/flipside/ca.p12", p.getProperty("database.ssl.truststore"));
            assertEquals("t", p.getProperty("database.ssl.truststore.password"));
            assertEquals("/etc/flipside/client.p12", p.getProperty("database.ssl.keystore"));
            assertEquals("k", p.getProperty("database.ssl.keystore.password"));
        }
        try (Capture unstarted = new Capture(config("tls"))) {
            assertEquals("preferred", unstarted.engineProperties().getProperty("database.ssl.mode"));
            assertEquals(null, unstarted.engineProperties().getProperty("database.ssl.truststore"));
        }
    }

    /**
     * Debezium reads the capture's properties as meant (through its own connector configuration, so a key it does not
     * know would fail here): its lag statistics are off, and its batches as large as the capture sets them.
     */
    @Test
    void debeziumStatisticsAreOff() {
        try (Capture unstarted = new Capture(config("stats"))) {
            io.debezium.connector.mysql.MySqlConnectorConfig dbz = new io.debezium.connector.mysql.MySqlConnectorConfig(
                    io.debezium.config.Configuration.from(unstarted.engineProperties()));
            assertEquals(false, dbz.isStatisticsMetricsEnabled());
            assertEquals(4096, dbz.getMaxBatchSize());
        }
    }

    /**
     * The raw Debezium records (Capture's own engine properties, run by a bare engine): {@code source.ts_us} and
     * {@code source.ts_ns} exist and carry the commit's microseconds; {@code ts_ms} is {@code ts_us / 1000}.
     */
    @Test
    void sourceTimestampsHaveMicrosecondPrecision() throws Exception {
        FlipsideConfig config = config("tsraw");
        String db = database("tsraw");
        Properties props;
        try (Capture unstarted = new Capture(config)) {
            props = unstarted.engineProperties();
        }
        List<SourceRecord> records = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch started = new CountDownLatch(1);
        ExecutorService runner = Executors.newSingleThreadExecutor();
        DebeziumEngine<RecordChangeEvent<SourceRecord>> engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(props)
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                        started.countDown();
                    }
                })
                .notifying((batch, committer) -> {
                    for (RecordChangeEvent<SourceRecord> r : batch) {
                        records.add(r.record());
                        committer.markProcessed(r);
                    }
                    committer.markBatchFinished();
                })
                .build();
        try (Connection c = connect()) {
            createDatabase(c, db, "CREATE TABLE " + db + ".t (id INT PRIMARY KEY)");
            runner.execute(engine);
            assertTrue(started.await(60, TimeUnit.SECONDS));
            int n = 20;
            List<Struct> sources = List.of();
            long deadline = System.nanoTime() + EVENT_TIMEOUT.toNanos();
            int written = 0;
            // the first inserts may precede the position the engine starts from: write until 20 have arrived
            while (sources.size() < n) {
                if (written < 500) {
                    written++;
                    exec(c, "INSERT INTO " + db + ".t VALUES (" + written + ")");
                }
                Thread.sleep(11 + (written * 37) % 97);
                synchronized (records) {
                    sources = records.stream().map(r -> (Struct) r.value())
                            .filter(v -> v != null && v.schema().field("op") != null)
                            .map(v -> v.getStruct("source"))
                            .filter(s -> db.equals(s.getString("db")) && "t".equals(s.getString("table")))
                            .toList();
                }
                if (System.nanoTime() > deadline) {
                    fail("only " + sources.size() + " inserts captured");
                }
            }
            Struct first = sources.get(0);
            assertNotNull(first.schema().field("ts_us"), "source.ts_us exists: " + first.schema().fields());
            assertNotNull(first.schema().field("ts_ns"), "source.ts_ns exists");
            int subMilli = 0;
            for (Struct s : sources) {
                long ms = s.getInt64("ts_ms");
                long us = s.getInt64("ts_us");
                long ns = s.getInt64("ts_ns");
                LOG.info("ts raw: gtid {} ts_ms {} ts_us {} ts_ns {}", s.getString("gtid"), ms, us, ns);
                assertEquals(ms, us / 1000, "ts_ms = ts_us / 1000");
                assertEquals(us * 1000, ns, "ts_ns = ts_us * 1000 (no more than microseconds)");
                subMilli += us % 1000 != 0 ? 1 : 0;
            }
            assertTrue(subMilli >= sources.size() - 2, "ts_us has sub-millisecond digits: " + subMilli + " of "
                    + sources.size());
        } finally {
            engine.close();
            runner.shutdown();
            assertTrue(runner.awaitTermination(60, TimeUnit.SECONDS), "the bare engine stopped");
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static FlipsideConfig config(String tag) {
        String id = tag + "_" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> m = new HashMap<>();
        m.put("kafka.bootstrap.servers", stack.kafka().bootstrapServers());
        m.put("mysql.host", stack.mysql().host());
        m.put("mysql.port", String.valueOf(stack.mysql().port()));
        m.put("mysql.user", stack.mysql().user());
        m.put("mysql.password", stack.mysql().password());
        m.put("topic.prefix", "it-" + id);
        m.put("sidecar.database", "_fs_" + id);
        m.put("capture.server.name", "srv_" + id);
        m.put("capture.server.id", String.valueOf(SERVER_IDS.incrementAndGet()));
        m.put("capture.poll.interval.ms", "20");
        return FlipsideConfig.of(m);
    }

    /** The changelog topic may not exist before the first capture is built: create it for an early reader. */
    private static FlipsideConfig configWithTopic(FlipsideConfig config) {
        KafkaSetup.ensureChangelogTopic(config);
        return config;
    }

    private static String database(String tag) {
        return tag + "_" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Creates the database, its tables and the probe table of {@link #awaitStreaming} (before any capture starts). */
    private static void createDatabase(Connection c, String db, String... tables) throws SQLException {
        exec(c, "CREATE DATABASE " + db, "CREATE TABLE " + db + ".probe (id INT AUTO_INCREMENT PRIMARY KEY)");
        exec(c, tables);
    }

    private static Connection connect() throws SQLException {
        return stack.mysql().connect();
    }

    private static void exec(Connection c, String... sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    private static String scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The highest transaction number of {@code uuid} in {@code @@GLOBAL.gtid_executed}. */
    private static long lastGtidNumber(Connection c, String uuid) throws SQLException {
        String executed = scalar(c, "SELECT @@GLOBAL.gtid_executed").replaceAll("\\s", "");
        for (String part : executed.split(",")) {
            if (part.startsWith(uuid + ":")) {
                String[] intervals = part.substring(uuid.length() + 1).split(":");
                String last = intervals[intervals.length - 1];
                return Long.parseLong(last.contains("-") ? last.substring(last.indexOf('-') + 1) : last);
            }
        }
        throw new AssertionError("no GTID of " + uuid + " in " + executed);
    }

    private static String[] masterStatus(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(io.flipside.runtime.BinaryLogStatus.statement(c))) {
            rs.next();
            return new String[] {rs.getString("File"), rs.getString("Position")};
        }
    }

    /**
     * Waits until the capture streams: writes a row into {@code db.probe} every 300 ms until one comes back (writes made
     * before the capture read its start position are not captured, by design of {@code snapshot.mode=no_data}).
     */
    private static void awaitStreaming(Capture capture, Connection c, Changelog changelog, String db) throws Exception {
        assertTrue(capture.awaitStarted(EVENT_TIMEOUT), "the capture did not start within " + EVENT_TIMEOUT);
        long deadline = System.nanoTime() + EVENT_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            exec(c, "INSERT INTO " + db + ".probe VALUES ()");
            changelog.poll(Duration.ofMillis(300));
            if (!changelog.rows(db, "probe").isEmpty()) {
                return;
            }
        }
        fail("the capture did not stream within " + EVENT_TIMEOUT);
    }

    private static void markEnd(Connection c, String db) throws SQLException {
        exec(c, "CREATE TABLE IF NOT EXISTS " + db + ".endmark (id INT PRIMARY KEY)",
                "INSERT INTO " + db + ".endmark VALUES (1)");
    }

    private static Predicate<List<ChangeEvent>> endMarkerSeen(String db) {
        return l -> l.stream().anyMatch(e -> db.equals(e.getDatabase()) && "endmark".equals(e.getTable())
                && e.getOp() == ChangeOp.INSERT);
    }

    private static Predicate<List<ChangeEvent>> rowSeen(String db, String table, String opAndId) {
        return l -> l.stream().anyMatch(e -> db.equals(e.getDatabase()) && table.equals(e.getTable())
                && e.getOp() != ChangeOp.DDL && opAndId.equals(opAndId(e)));
    }

    /** "INSERT 4": the operation and the row's key value. */
    private static String opAndId(ChangeEvent e) {
        return e.getOp() + " " + (e.getKey().isEmpty() ? "?" : e.getKey().get(0).getValue());
    }

    /** What makes a change unique: its transaction, row, table, operation and images. */
    private static String identity(ChangeEvent e) {
        return e.getGtid() + "|" + e.getBinlogFile() + ":" + e.getBinlogPos() + "#" + e.getRow() + "|" + e.getDatabase()
                + "." + e.getTable() + "|" + e.getOp() + "|" + image(e.getKey()) + "|" + image(e.getBefore()) + "|"
                + image(e.getAfter()) + "|" + e.getDdl();
    }

    private static List<ChangeEvent> distinctInOrder(List<ChangeEvent> events) {
        Map<String, ChangeEvent> m = new LinkedHashMap<>();
        events.forEach(e -> m.putIfAbsent(identity(e), e));
        return new ArrayList<>(m.values());
    }

    private static Map<String, Object> key(long id) {
        return row("id", id);
    }

    private static Map<String, Object> row(Object... nameValue) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put((String) nameValue[i], nameValue[i + 1]);
        }
        return m;
    }

    /** A row image as an ordered name → value map (null for no image). */
    private static Map<String, Object> image(List<ColumnValue> cols) {
        if (cols == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        cols.forEach(cv -> m.put(cv.getName(), cv.getValue()));
        return m;
    }

    private static void assertRow(ChangeEvent e, Map<String, Object> key, Map<String, Object> before,
            Map<String, Object> after) {
        String what = describe(e);
        assertEquals(key, image(e.getKey()), "key of " + what);
        if (before == null) {
            assertNull(e.getBefore(), "before of " + what);
        } else {
            // LinkedHashMap equality ignores order: compare the column order too
            assertEquals(List.copyOf(before.keySet()), List.copyOf(image(e.getBefore()).keySet()), "columns of " + what);
            assertEquals(before, image(e.getBefore()), "before of " + what);
        }
        if (after == null) {
            assertNull(e.getAfter(), "after of " + what);
        } else {
            assertEquals(List.copyOf(after.keySet()), List.copyOf(image(e.getAfter()).keySet()), "columns of " + what);
            assertEquals(after, image(e.getAfter()), "after of " + what);
        }
    }

    private static String describe(ChangeEvent e) {
        return e.getOp() + " " + e.getDatabase() + "." + e.getTable() + " gtid=" + e.getGtid() + " " + e.getBinlogFile()
                + ":" + e.getBinlogPos() + "#" + e.getRow() + " commit=" + e.getCommitMillis() + " key="
                + image(e.getKey()) + " before=" + image(e.getBefore()) + " after=" + image(e.getAfter())
                + (e.getDdl() == null ? "" : " ddl=" + e.getDdl());
    }

    private static String describeAll(List<ChangeEvent> events) {
        return events.stream().map(CaptureIT::describe).collect(Collectors.joining("\n  ", "\n  ", ""));
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("closing {}", c, e);
        }
    }

    /** Reads the changelog from its beginning and decodes every record, as the applier would. */
    static final class Changelog implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        final List<ChangeEvent> all = new ArrayList<>();
        /** The events of {@link #all} whose record has the header {@link Topics#XA_PREPARED_HEADER}. */
        final java.util.Set<ChangeEvent> xaPrepared =
                java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

        Changelog(FlipsideConfig config) {
            consumer = new KafkaConsumer<>(KafkaSetup.consumer(config, "capture-it-" + UUID.randomUUID()));
            TopicPartition tp = new TopicPartition(config.topics().changelog(), 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
        }

        void poll(Duration timeout) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(timeout)) {
                ChangeEvent ev = CODEC.decode(r.value());
                all.add(ev);
                if (r.headers().lastHeader(Topics.XA_PREPARED_HEADER) != null) {
                    xaPrepared.add(ev);
                }
            }
        }

        /** Row events (not DDL) of one table, in changelog order. */
        List<ChangeEvent> rows(String db, String table) {
            return all.stream().filter(e -> db.equals(e.getDatabase()) && table.equals(e.getTable())
                    && e.getOp() != ChangeOp.DDL).toList();
        }

        List<ChangeEvent> await(String what, Predicate<List<ChangeEvent>> done) {
            long deadline = System.nanoTime() + EVENT_TIMEOUT.toNanos();
            while (true) {
                poll(Duration.ofMillis(100));
                if (done.test(all)) {
                    return List.copyOf(all);
                }
                if (System.nanoTime() > deadline) {
                    fail(what + " not in the changelog within " + EVENT_TIMEOUT + "; it holds:" + describeAll(all));
                }
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
