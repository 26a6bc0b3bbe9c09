package io.flipside.cli.bench;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 *
 * <p>The writers run as threads of this JVM, or ({@link #inProcess}) in a JVM of their own, as an application's
 * writers would: then a pause of this JVM (a collection, the JIT's safepoints) does not hold them, and their writes
 * reach this one as lines on the child's standard output, one a write ({@link #main}).
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
    /** In a writers' process: where each write is reported to the bench, one line each; null otherwise. */
    private PrintStream report;
    /** In the bench, when the writers run in a process of their own: that process, and the thread reading it. */
    private Process child;
    private Thread childReader;
    private String childUrl;
    private Properties childProperties;

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

    /**
     * Writers in a JVM of their own (this one's Java and class path, a small heap), connecting with {@code url} and
     * {@code properties}, which reach the child on its standard input, not on its command line.
     */
    static WriteLoad inProcess(String table, long rows, String url, Properties properties, int writers,
            int writesPerSecond) {
        WriteLoad load = new WriteLoad(table, rows, () -> {
            throw new SQLException("the writers run in a process of their own");
        }, writers, writesPerSecond);
        load.childUrl = url;
        load.childProperties = properties;
        return load;
    }

    void start() {
        for (int w = 0; w < writers; w++) {
            logs.add(new Log());
        }
        if (childUrl != null) {
            startChild();
            return;
        }
        for (int w = 0; w < writers; w++) {
            int index = w;
            Thread t = new Thread(() -> write(index), "bench-writer-" + w);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private static final String URL_PROPERTY = "flipside.bench.jdbc.url";

    private void startChild() {
        ProcessBuilder pb = ChildJvm.builder(List.of("-Xmx128m", "-XX:+UseSerialGC"), WriteLoad.class, table,
                Long.toString(rows), Integer.toString(writers), Double.toString(perWriterPerSecond * writers));
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        try {
            child = pb.start();
            Properties p = new Properties();
            p.putAll(childProperties);
            p.setProperty(URL_PROPERTY, childUrl);
            Writer text = new StringWriter();
            p.store(text, null);
            child.getOutputStream().write((Base64.getEncoder().encodeToString(text.toString().getBytes(
                    StandardCharsets.UTF_8)) + "\n").getBytes(StandardCharsets.UTF_8));
            child.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the writers' process", e);
        }
        childReader = new Thread(this::readChild, "bench-writers-reader");
        childReader.setDaemon(true);
        childReader.start();
    }

    /** The child's lines: {@code W writer startedMillis micros rows} a write, {@code E counted message} a failure. */
    private void readChild() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                String[] f = line.split(" ", 3);
                if (f[0].equals("W") && f.length == 3) {
                    String[] g = f[2].split(" ");
                    long micros = Long.parseLong(g[1]);
                    logged(Integer.parseInt(f[1]), Long.parseLong(g[0]), Math.abs(micros), micros >= 0,
                            Integer.parseInt(g[2]));
                } else if (f[0].equals("E") && f.length == 3) {
                    failedWith(f[2], f[1].equals("1"));
                }
            }
            if (!stopping) {
                failedWith("the writers' process ended before the bench stopped it, exit code " + child.waitFor(),
                        true);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            failedWith("reading the writers' process: " + e, true);
        }
    }

    /**
     * A writers' process: {@code WriteLoad TABLE ROWS WRITERS RATE}, the connection's URL and properties on the first
     * line of standard input (Base64 of a properties file); writes until standard input ends, reporting each write
     * on standard output.
     */
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        System.setOut(System.err);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Properties p = new Properties();
        p.load(new StringReader(new String(Base64.getDecoder().decode(in.readLine()), StandardCharsets.UTF_8)));
        String url = (String) p.remove(URL_PROPERTY);
        WriteLoad load = new WriteLoad(args[0], Long.parseLong(args[1]), () -> DriverManager.getConnection(url, p),
                Integer.parseInt(args[2]), (int) Math.round(Double.parseDouble(args[3])));
        load.report = out;
        load.start();
        while (in.read() != -1) {
            // until the bench closes this process's standard input
        }
        load.close();
        out.flush();
    }

    /** One write done: logged, and in a writers' process reported to the bench. */
    private void logged(int writer, long startedMillis, long micros, boolean ok, int changed) {
        rowsChanged.addAndGet(changed);
        if (!ok) {
            failed.incrementAndGet();
        }
        logs.get(writer).add(startedMillis, micros, ok);
        if (report != null) {
            synchronized (report) {
                report.println("W " + writer + " " + startedMillis + " " + (ok ? micros : -Math.max(1, micros)) + " "
                        + changed);
                report.flush();
            }
        }
    }

    /** A failure's message; {@code counted}: a failure not logged as a write (a writer that could not connect). */
    private void failedWith(String message, boolean counted) {
        if (counted) {
            failed.incrementAndGet();
        }
        synchronized (failures) {
            if (failures.size() < 20) {
                failures.add(message);
            }
        }
        if (report != null) {
            synchronized (report) {
                report.println("E " + (counted ? "1 " : "0 ") + String.valueOf(message).replaceAll("\\s+", " "));
                report.flush();
            }
        }
    }

    private void write(int index) {
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
                int changed = 0;
                String failure = null;
                try {
                    changed = ps.executeUpdate();
                    if (reinserted != null && reinserted < 0) {
                        deleted.add(-reinserted);
                        deletedOrder.add(-reinserted);
                    } else if (reinserted != null) {
                        deleted.remove(reinserted);
                    }
                } catch (SQLException e) {
                    ok = false;
                    failure = e.getMessage();
                    if (reinserted != null && reinserted > 0) {
                        deletedOrder.add(reinserted);
                    }
                }
                logged(index, startedMillis, (System.nanoTime() - t0) / 1_000, ok, changed);
                if (failure != null) {
                    failedWith(failure, false);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException e) {
            failedWith("writer " + index + ": " + e.getMessage(), true);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        for (Thread t : threads) {
            t.join(120_000);
        }
        if (child != null) {
            try {
                child.getOutputStream().close();
            } catch (IOException e) {
                // gone already: its exit is awaited below
            }
            if (!child.waitFor(120, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
            childReader.join(10_000);
        }
    }

    /** Whether writer {@code w} may still log writes. */
    private boolean running(int w) {
        return child != null ? child.isAlive() : threads.get(w).isAlive();
    }

    /**
     * Waits until every write that started before {@code millis} has finished (each running writer has logged a write
     * that started after it), at most {@code maxMillis}: a write held by a lock is logged only when it returns.
     */
    void awaitPast(long millis, long maxMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + maxMillis;
        for (int w = 0; w < logs.size(); w++) {
            Log log = logs.get(w);
            while (running(w) && log.lastStarted() <= millis && System.currentTimeMillis() < deadline) {
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
