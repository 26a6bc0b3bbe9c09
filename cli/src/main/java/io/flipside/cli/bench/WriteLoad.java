package io.flipside.cli.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady, sysbench-shaped background write load on one table: a fixed total rate of single-row, autocommit writes
 * from several threads, each write timed.
 *
 * <p>The mix, per write: 40 % {@code UPDATE t SET k = k + 1 WHERE id = ?} (an indexed column), 35 % {@code UPDATE t SET
 * c = ? WHERE id = ?}, 12.5 % {@code DELETE FROM t WHERE id = ?}, 12.5 % {@code INSERT} (the re-insert of an id this
 * writer deleted earlier, as sysbench's write-only test does, or an AUTO_INCREMENT insert when there is none). Every
 * statement names only {@code id}, {@code k} and {@code c}, so it works on the table before and after either ALTER
 * of the benchmark. Writer {@code w} only touches ids congruent to {@code w} modulo the number of writers, so writers
 * never wait for each other and a failed write can only come from what the schema change did.
 *
 * <p>Each writer holds its share of the rate with a schedule: a write that takes long delays the next ones, which then
 * catch up, but never by more than one second's worth (a stall longer than that lowers the achieved rate instead of
 * producing a burst). The latency of a write is the time its statement took, from send to reply.
 */
final class WriteLoad implements AutoCloseable {
    interface Connector {
        Connection connect() throws SQLException;
    }

    /** What the writers saw in a window of time. */
    record Stats(double seconds, long writes, long failed, double writesPerSecond, double p50Ms, double p95Ms,
            double p99Ms, double maxMs) {}

    private final String table;
    private final long rows;
    private final Connector connector;
    private final int writers;
    private final double perWriterPerSecond;
    private final List<Thread> threads = new ArrayList<>();
    private final List<Log> logs = new ArrayList<>();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong rowsChanged = new AtomicLong();
    private final List<String> failures = new ArrayList<>();
    private volatile boolean stopping;

    /**
     * @param table           the quoted, qualified table
     * @param rows            ids 1..rows exist at the start
     * @param writesPerSecond the total rate of all writers
     */
    WriteLoad(String table, long rows, Connector connector, int writers, int writesPerSecond) {
        if (writers < 1 || writesPerSecond < 1) {
            throw new IllegalArgumentException("at least one writer and one write per second");
        }
        this.table = table;
        this.rows = rows;
        this.connector = connector;
        this.writers = writers;
        this.perWriterPerSecond = writesPerSecond / (double) writers;
    }

    void start() {
        for (int w = 0; w < writers; w++) {
            int index = w;
            Log log = new Log();
            logs.add(log);
            Thread t = new Thread(() -> write(index, log), "bench-writer-" + w);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void write(int index, Log log) {
        SplittableRandom random = new SplittableRandom(index * 7919L + 17);
        long owned = Math.max(1, (rows - index + writers - 1) / writers);
        Set<Long> deleted = new HashSet<>();
        List<Long> deletedOrder = new ArrayList<>();
        long intervalNanos = (long) (1e9 / perWriterPerSecond);
        long next = System.nanoTime();
        try (Connection c = connector.connect();
                PreparedStatement updateK = c.prepareStatement("UPDATE " + table + " SET k = k + 1 WHERE id = ?");
                PreparedStatement updateC = c.prepareStatement("UPDATE " + table + " SET c = ? WHERE id = ?");
                PreparedStatement delete = c.prepareStatement("DELETE FROM " + table + " WHERE id = ?");
                PreparedStatement reinsert = c.prepareStatement("INSERT INTO " + table + " (id, k, c) VALUES (?, ?, ?)");
                PreparedStatement insert = c.prepareStatement("INSERT INTO " + table + " (k, c) VALUES (?, ?)")) {
            while (!stopping) {
                long now = System.nanoTime();
                if (now < next) {
                    long wait = next - now;
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } else if (now - next > 1_000_000_000L) {
                    next = now - 1_000_000_000L;
                }
                next += intervalNanos;
                long id = index + 1 + writers * random.nextLong(owned);
                if (id > rows) {
                    id = index + 1;
                }
                int op = random.nextInt(1000);
                PreparedStatement ps;
                Long reinserted = null;
                if (op < 400) {
                    ps = updateK;
                    ps.setLong(1, id);
                } else if (op < 750) {
                    ps = updateC;
                    ps.setString(1, SysbenchTable.randomC(random));
                    ps.setLong(2, id);
                } else if (op < 875) {
                    for (int tries = 0; deleted.contains(id) && tries < 10; tries++) {
                        id = index + 1 + writers * random.nextLong(owned);
                    }
                    if (deleted.contains(id) || id > rows) {
                        ps = updateK;
                        ps.setLong(1, index + 1);
                    } else {
                        ps = delete;
                        ps.setLong(1, id);
                        reinserted = -id;
                    }
                } else if (!deletedOrder.isEmpty()) {
                    long back = deletedOrder.remove(deletedOrder.size() - 1);
                    ps = reinsert;
                    ps.setLong(1, back);
                    ps.setLong(2, 1 + random.nextLong(Math.max(1, rows)));
                    ps.setString(3, SysbenchTable.randomC(random));
                    reinserted = back;
                } else {
                    ps = insert;
                    ps.setLong(1, 1 + random.nextLong(Math.max(1, rows)));
                    ps.setString(2, SysbenchTable.randomC(random));
                }
                long startedMillis = System.currentTimeMillis();
                long t0 = System.nanoTime();
                boolean ok = true;
                try {
                    rowsChanged.addAndGet(ps.executeUpdate());
                    if (reinserted != null && reinserted < 0) {
                        deleted.add(-reinserted);
                        deletedOrder.add(-reinserted);
                    } else if (reinserted != null) {
                        deleted.remove(reinserted);
                    }
                } catch (SQLException e) {
                    ok = false;
                    failed.incrementAndGet();
                    synchronized (failures) {
                        if (failures.size() < 20) {
                            failures.add(e.getMessage());
                        }
                    }
                    if (reinserted != null && reinserted > 0) {
                        deletedOrder.add(reinserted);
                    }
                }
                log.add(startedMillis, (System.nanoTime() - t0) / 1_000, ok);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException e) {
            failed.incrementAndGet();
            synchronized (failures) {
                failures.add("writer " + index + ": " + e.getMessage());
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        for (Thread t : threads) {
            t.join(120_000);
        }
    }

    /**
     * Waits until every write that started before {@code millis} has finished (each running writer has logged a write
     * that started after it), at most {@code maxMillis}: a write held by a lock is logged only when it returns.
     */
    void awaitPast(long millis, long maxMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + maxMillis;
        for (int w = 0; w < logs.size(); w++) {
            Log log = logs.get(w);
            Thread t = threads.get(w);
            while (t.isAlive() && log.lastStarted() <= millis && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
        }
    }

    long failed() {
        return failed.get();
    }

    /** Rows the writers' statements changed so far (each a row event in the binlog). */
    long rowsChanged() {
        return rowsChanged.get();
    }

    List<String> failures() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    /** The writes that started within [fromMillis, toMillis]. */
    Stats stats(long fromMillis, long toMillis) {
        long[] micros = new long[0];
        int n = 0;
        long bad = 0;
        for (Log log : logs) {
            synchronized (log) {
                for (int i = 0; i < log.size; i++) {
                    if (log.started[i] >= fromMillis && log.started[i] <= toMillis) {
                        if (n == micros.length) {
                            micros = Arrays.copyOf(micros, Math.max(1024, n * 2));
                        }
                        micros[n++] = Math.abs(log.micros[i]);
                        if (log.micros[i] < 0) {
                            bad++;
                        }
                    }
                }
            }
        }
        double seconds = Math.max(0.001, (toMillis - fromMillis) / 1000.0);
        if (n == 0) {
            return new Stats(seconds, 0, 0, 0, 0, 0, 0, 0);
        }
        long[] sorted = Arrays.copyOf(micros, n);
        Arrays.sort(sorted);
        return new Stats(seconds, n, bad, (n - bad) / seconds, pct(sorted, 0.50), pct(sorted, 0.95), pct(sorted, 0.99),
                sorted[n - 1] / 1000.0);
    }

    private static double pct(long[] sorted, double p) {
        return sorted[Bench.nearestRank(sorted.length, p)] / 1000.0;
    }

    /**
     * The longest write that was in flight at some moment of [fromMillis, toMillis], in milliseconds: how long a
     * freeze within that window held a writer.
     */
    double longestInFlight(long fromMillis, long toMillis) {
        long longest = 0;
        for (Log log : logs) {
            synchronized (log) {
                for (int i = 0; i < log.size; i++) {
                    long d = Math.abs(log.micros[i]);
                    if (overlaps(log.started[i], d, fromMillis, toMillis)) {
                        longest = Math.max(longest, d);
                    }
                }
            }
        }
        return longest / 1000.0;
    }

    /**
     * The {@code n} longest writes that started in [fromMillis, toMillis], longest first, each as its start (epoch ms)
     * and its duration (µs): where to look in the logs for what held them.
     */
    List<long[]> slowest(long fromMillis, long toMillis, int n) {
        PriorityQueue<long[]> kept = new PriorityQueue<>(Comparator.comparingLong((long[] w) -> w[1])); // shortest first
        for (Log log : logs) {
            synchronized (log) {
                for (int i = 0; i < log.size; i++) {
                    long d = Math.abs(log.micros[i]);
                    if (log.started[i] >= fromMillis && log.started[i] <= toMillis
                            && (kept.size() < n || d > kept.peek()[1])) {
                        kept.add(new long[] {log.started[i], d});
                        if (kept.size() > n) {
                            kept.poll();
                        }
                    }
                }
            }
        }
        List<long[]> out = new ArrayList<>(kept);
        out.sort(Comparator.comparingLong((long[] w) -> w[1]).reversed());
        return out;
    }

    /**
     * Whether a write that started at {@code startedMillis} and took {@code micros} was in flight at some moment of
     * [fromMillis, toMillis]; its end is rounded up, since the start was truncated to the millisecond.
     */
    static boolean overlaps(long startedMillis, long micros, long fromMillis, long toMillis) {
        return startedMillis <= toMillis && startedMillis + micros / 1000 + 1 >= fromMillis;
    }

    /** One writer's writes: start (epoch ms) and duration (µs, negative when the write failed). */
    private static final class Log {
        long[] started = new long[4096];
        long[] micros = new long[4096];
        int size;

        synchronized long lastStarted() {
            return size == 0 ? 0 : started[size - 1];
        }

        synchronized void add(long startedMillis, long durationMicros, boolean ok) {
            if (size == started.length) {
                started = Arrays.copyOf(started, size * 2);
                micros = Arrays.copyOf(micros, size * 2);
            }
            started[size] = startedMillis;
            micros[size] = ok ? durationMicros : -Math.max(1, durationMicros);
            size++;
        }
    }
}
