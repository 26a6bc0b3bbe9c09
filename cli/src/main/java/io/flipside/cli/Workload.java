package io.flipside.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writers that keep a ledger of every write they committed, so that the expected content of the table is known
 * exactly at any quiet moment. Each writer owns the ids that are congruent to its index modulo the number of writers
 * (for the initial rows) and its own range of new ids, so no two writers touch the same row and each writer's order
 * is the row's order.
 *
 * <p>The statements work on both schemas of the worked example ({@code users} with and without {@code title}): inserts
 * and updates name only {@code id} and {@code name}. So a row's expected title is its initial title if it was never
 * deleted since the initial load, and NULL otherwise, whichever schema served at the time. Some updates give a row
 * without a title a new primary key (a move), which Debezium publishes as a DELETE and an INSERT.
 */
public final class Workload implements AutoCloseable {
    /** A row as the ledger expects it. */
    public record Row(String name, String title) {}

    public interface Connector {
        Connection connect() throws SQLException;
    }

    private final String table;
    private final Connector connector;
    private final int writers;
    private final double perWriterPerSecond;
    private final Map<Long, Row> ledger = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<long[]> latencies = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong inDoubt = new AtomicLong();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stopping;
    private volatile boolean paused;
    private final AtomicLong idle = new AtomicLong();
    private volatile long startedAt;
    private volatile long stoppedAt;

    /**
     * @param table           quoted table name
     * @param initialRows     ids 1..initialRows exist with name {@code user-<id>} and a title unless id % 10 == 0
     * @param writesPerSecond the total rate of all writers
     */
    public Workload(String table, long initialRows, Connector connector, int writers, int writesPerSecond) {
        this.table = table;
        this.connector = connector;
        this.writers = writers;
        this.perWriterPerSecond = writesPerSecond / (double) writers;
        for (long id = 1; id <= initialRows; id++) {
            ledger.put(id, initialRow(id));
        }
    }

    public static Row initialRow(long id) {
        return new Row("user-" + id, id % 10 == 0 ? null : "title-" + id);
    }

    public void start() {
        startedAt = System.currentTimeMillis();
        for (int w = 0; w < writers; w++) {
            int index = w;
            Thread t = new Thread(() -> write(index), "writer-" + w);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** MOVE gives a row a new primary key: one row in the binlog, a DELETE and an INSERT in Debezium's changelog. */
    private enum Op { INSERT, UPDATE, DELETE, REINSERT, MOVE }

    private void write(int index) {
        Random random = new Random(index * 7919L + 17);
        long[] nextNewId = {1_000_000_000L + index * 10_000_000L};
        List<Long> owned = new ArrayList<>();
        List<Long> deleted = new ArrayList<>();
        for (Long id : ledger.keySet()) {
            if (id % writers == index) {
                owned.add(id);
            }
        }
        Collections.sort(owned);
        long intervalNanos = (long) (1e9 / perWriterPerSecond);
        long next = System.nanoTime();
        int n = 0;
        try {
            while (!stopping) {
                try (Connection c = connector.connect();
                        PreparedStatement insert = c.prepareStatement("INSERT INTO " + table + " (id, name) VALUES (?, ?)");
                        PreparedStatement update = c.prepareStatement("UPDATE " + table + " SET name = ? WHERE id = ?");
                        PreparedStatement delete = c.prepareStatement("DELETE FROM " + table + " WHERE id = ?");
                        PreparedStatement move = c.prepareStatement(
                                "UPDATE " + table + " SET id = ?, name = ? WHERE id = ?")) {
                    while (!stopping) {
                        if (paused) {
                            idle.incrementAndGet();
                            while (paused && !stopping) {
                                Thread.sleep(5);
                            }
                            idle.decrementAndGet();
                            next = System.nanoTime();
                            continue;
                        }
                        long now = System.nanoTime();
                        if (now < next) {
                            Thread.sleep((next - now) / 1_000_000, (int) ((next - now) % 1_000_000));
                        }
                        next += intervalNanos;
                        int pick = random.nextInt(20);
                        Op op = pick < 5 || owned.isEmpty() ? Op.INSERT : pick < 15 ? Op.UPDATE : pick < 16 ? Op.MOVE
                                : pick < 18 ? Op.DELETE : deleted.isEmpty() ? Op.INSERT : Op.REINSERT;
                        int at = op == Op.INSERT || op == Op.REINSERT ? -1 : random.nextInt(owned.size());
                        if (op == Op.MOVE && ledger.get(owned.get(at)).title() != null) {
                            // Moved under the new schema, a title would be lost (the old table gets a new row):
                            // only rows without one move, so that the ledger knows their title either way.
                            op = Op.UPDATE;
                        }
                        long movedTo = op == Op.MOVE ? nextNewId[0]++ : 0;
                        // A re-insert brings back the id deleted last, as sysbench's write-only test does: often in
                        // the same apply batch as its delete.
                        long id = op == Op.INSERT ? nextNewId[0]++ : op == Op.REINSERT ? deleted.get(deleted.size() - 1)
                                : owned.get(at);
                        String name = op == Op.INSERT || op == Op.REINSERT ? "new-" + id + "-" + (n++)
                                : "upd-" + id + "-" + (n++);
                        long startedMillis = System.currentTimeMillis();
                        long t0 = System.nanoTime();
                        try {
                            switch (op) {
                                case INSERT, REINSERT -> {
                                    insert.setLong(1, id);
                                    insert.setString(2, name);
                                    insert.executeUpdate();
                                }
                                case UPDATE -> {
                                    update.setString(1, name);
                                    update.setLong(2, id);
                                    update.executeUpdate();
                                }
                                case DELETE -> {
                                    delete.setLong(1, id);
                                    delete.executeUpdate();
                                }
                                case MOVE -> {
                                    move.setLong(1, movedTo);
                                    move.setString(2, name);
                                    move.setLong(3, id);
                                    move.executeUpdate();
                                }
                            }
                            record(op, id, name, owned, deleted, at, movedTo);
                            committed.incrementAndGet();
                        } catch (SQLException e) {
                            // The write may or may not have committed (the server went away, say): read it back.
                            failed.incrementAndGet();
                            failures.add(e.getMessage());
                            resolveInDoubt(op, id, owned, deleted, at, movedTo);
                            latencies.add(new long[] {startedMillis, (System.nanoTime() - t0) / 1_000});
                            break;
                        }
                        latencies.add(new long[] {startedMillis, (System.nanoTime() - t0) / 1_000});
                    }
                } catch (SQLException e) {
                    failures.add("writer " + index + " could not connect: " + e.getMessage());
                    Thread.sleep(200);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What a committed write did to the ledger; {@code movedTo}: a MOVE's new key. */
    private void record(Op op, long id, String name, List<Long> owned, List<Long> deleted, int at, long movedTo) {
        switch (op) {
            case INSERT, REINSERT -> {
                // A new row: the insert names no title, so it has none, whatever the deleted row had.
                ledger.put(id, new Row(name, null));
                owned.add(id);
                if (op == Op.REINSERT) {
                    deleted.remove(deleted.size() - 1);
                }
            }
            case UPDATE -> ledger.put(id, new Row(name, ledger.get(id).title()));
            case MOVE -> {
                ledger.put(movedTo, new Row(name, ledger.remove(id).title()));
                owned.set(at, movedTo);
            }
            case DELETE -> {
                ledger.remove(id);
                owned.set(at, owned.get(owned.size() - 1));
                owned.remove(owned.size() - 1);
                deleted.add(id);
            }
        }
    }

    /**
     * After a failed write: waits until MySQL answers, reads the row and puts what is really there in the ledger. An
     * insert or update names no title, so the title is NULL for an inserted row and unchanged for an updated one.
     */
    private void resolveInDoubt(Op op, long id, List<Long> owned, List<Long> deleted, int at, long movedTo)
            throws InterruptedException {
        while (true) {
            try (Connection c = connector.connect();
                    PreparedStatement ps = c.prepareStatement("SELECT name FROM " + table + " WHERE id = ?")) {
                ps.setLong(1, op == Op.MOVE ? movedTo : id);
                try (ResultSet rs = ps.executeQuery()) {
                    inDoubt.incrementAndGet();
                    boolean present = rs.next();
                    if (op == Op.MOVE) { // under its new key if the move committed, else unchanged under the old
                        if (present) {
                            record(op, id, rs.getString(1), owned, deleted, at, movedTo);
                        }
                        return;
                    }
                    boolean inserting = op == Op.INSERT || op == Op.REINSERT;
                    if (!present) {
                        if (!inserting) {
                            record(Op.DELETE, id, null, owned, deleted, at, 0);
                        }
                    } else if (inserting) {
                        record(op, id, rs.getString(1), owned, deleted, at, 0);
                    } else {
                        ledger.put(id, new Row(rs.getString(1), ledger.get(id).title()));
                    }
                    return;
                }
            } catch (SQLException e) {
                Thread.sleep(200);
            }
        }
    }

    /**
     * Waits up to {@code timeout} for the table to equal the ledger (replication catching up); null when it does,
     * else the table and its last difference.
     */
    public static String awaitEqual(Connector connector, io.flipside.core.sql.TableName t, Map<Long, Row> expected,
            boolean withTitle, java.time.Duration timeout) throws SQLException, InterruptedException {
        String diff;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Connection c = connector.connect()) {
                diff = difference(c, t, expected, withTitle);
            }
            if (diff == null || System.nanoTime() > deadline) {
                return diff == null ? null : t + ": " + diff;
            }
            Thread.sleep(250);
        }
    }

    /**
     * The first difference between a users table (id, name, and title when {@code withTitle}) and the ledger, row by
     * row in id order, or null when they are equal.
     */
    public static String difference(Connection c, io.flipside.core.sql.TableName t, Map<Long, Row> expected,
            boolean withTitle) throws SQLException {
        try (java.sql.Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, name" + (withTitle ? ", title" : "") + " FROM " + t.quoted()
                        + " ORDER BY id")) {
            java.util.Iterator<Map.Entry<Long, Row>> it = new java.util.TreeMap<>(expected).entrySet().iterator();
            while (rs.next()) {
                long id = rs.getLong(1);
                if (!it.hasNext()) {
                    return "unexpected row " + id;
                }
                Map.Entry<Long, Row> e = it.next();
                if (e.getKey() != id) {
                    return e.getKey() < id ? "missing row " + e.getKey() : "unexpected row " + id;
                }
                if (!java.util.Objects.equals(e.getValue().name(), rs.getString(2))) {
                    return "row " + id + " has name " + rs.getString(2) + ", expected " + e.getValue().name();
                }
                if (withTitle && !java.util.Objects.equals(e.getValue().title(), rs.getString(3))) {
                    return "row " + id + " has title " + rs.getString(3) + ", expected " + e.getValue().title();
                }
            }
            return it.hasNext() ? "missing row " + it.next().getKey() : null;
        }
    }

    /** Inserts one row from the calling thread, in the ledger, with an id no writer uses. */
    public void insert(long id, String name) throws SQLException {
        try (Connection c = connector.connect();
                PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (id, name) VALUES (?, ?)")) {
            ps.setLong(1, id);
            ps.setString(2, name);
            ps.executeUpdate();
            ledger.put(id, new Row(name, null));
        }
    }

    /** Holds every writer between two writes; returns when all are idle. */
    public void pause() throws InterruptedException {
        paused = true;
        while (idle.get() < threads.stream().filter(Thread::isAlive).count()) {
            Thread.sleep(2);
        }
    }

    public void resume() {
        paused = false;
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        paused = false;
        for (Thread t : threads) {
            t.join(30_000);
        }
        stoppedAt = System.currentTimeMillis();
    }

    /** The expected rows, by id. Consistent only while paused or after close. */
    public Map<Long, Row> expected() {
        return new java.util.TreeMap<>(ledger);
    }

    public long committed() {
        return committed.get();
    }

    /** Writes that failed with an error (their outcome was read back into the ledger). */
    public long failed() {
        return failed.get();
    }

    /** Failed writes whose row was read back to learn what really happened. */
    public long resolvedInDoubt() {
        return inDoubt.get();
    }

    public List<String> failures() {
        return List.copyOf(failures);
    }

    /** Writes per second achieved between start and close. */
    public double achievedRate() {
        long end = stoppedAt == 0 ? System.currentTimeMillis() : stoppedAt;
        return committed.get() * 1000.0 / Math.max(1, end - startedAt);
    }

    /** Latency percentiles in milliseconds: p50, p99, max. */
    public double[] latencyMillis() {
        long[] micros;
        synchronized (latencies) {
            micros = latencies.stream().mapToLong(l -> l[1]).sorted().toArray();
        }
        if (micros.length == 0) {
            return new double[] {0, 0, 0};
        }
        return new double[] {micros[micros.length / 2] / 1000.0, micros[(int) (micros.length * 0.99)] / 1000.0,
            micros[micros.length - 1] / 1000.0};
    }

    /** The longest single write that started within [fromMillis, toMillis], in milliseconds. */
    public double longestWriteBetween(long fromMillis, long toMillis) {
        synchronized (latencies) {
            return latencies.stream().filter(l -> l[0] >= fromMillis && l[0] <= toMillis)
                    .mapToLong(l -> l[1]).max().orElse(0) / 1000.0;
        }
    }
}
