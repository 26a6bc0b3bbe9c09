package io.flipside.cli.bench;

import io.flipside.core.sql.TableName;
import io.micrometer.core.instrument.Counter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A steady stream of row events through forward replication, to see whether the apply keeps up with a busy table for a
 * while rather than drains a backlog: UPDATEs of {@link #rowsPerStatement} consecutive rows (going round the table),
 * paced so that MySQL changes {@code eventsPerSecond} rows a second, for {@code seconds}, from one connection or more.
 * When MySQL falls behind the pace it is not made to catch up in a rush: the pace starts again from then, so the rate
 * MySQL achieved is what it could do beside the capture and the apply.
 *
 * <p>Every second the backlog is sampled: the rows the stream and the background writers (under load) changed so
 * far, less the events the applier's forward counter applied since the stream began. After the stream, the time until
 * the applier had applied as many events as were made up to the stream's end. The applied rate is the stream's share:
 * the events applied while it ran, less the writers' rows meanwhile.
 */
final class EventStream {
    /** About how many statements a second make the stream: few enough to be cheap, enough to be steady. */
    private static final int STATEMENTS_PER_SECOND = 50;

    private EventStream() {
    }

    /** Rows per UPDATE for a stream of {@code eventsPerSecond}: at least 1, at most 1,000. */
    static int rowsPerStatement(int eventsPerSecond) {
        return Math.max(1, Math.min(1000, eventsPerSecond / STATEMENTS_PER_SECOND));
    }

    /**
     * Runs the stream on {@code table} (ids 1 to {@code tableRows}) from {@code connections} connections, each its
     * share of the pace on its own part of the table, and measures it against {@code applied}, the applier's forward
     * event counter, and {@code others}, the rows other writers of the table changed so far; waits at most {@code
     * timeout} for the apply after the stream.
     */
    static BenchReport.Stream run(WriteLoad.Connector connector, TableName table, long tableRows, int eventsPerSecond,
            int seconds, int connections, Counter applied, LongSupplier others, Long mysqldPid, Duration timeout)
            throws SQLException, InterruptedException {
        double perConnection = (double) eventsPerSecond / connections;
        int rows = rowsPerStatement((int) Math.max(1, Math.round(perConnection)));
        long intervalNanos = Math.round(rows * 1e9 / perConnection);
        long part = Math.max(rows, tableRows / connections);
        AtomicLong made = new AtomicLong();
        ExecutorService makers = Executors.newFixedThreadPool(connections, r -> {
            Thread t = new Thread(r, "bench-stream");
            t.setDaemon(true);
            return t;
        });
        try (CpuProfile cpu = new CpuProfile(mysqldPid, connector)) {
            StatementProfile statements = new StatementProfile(connector);
            double before = applied.count();
            long othersBefore = others.getAsLong();
            long t0 = System.nanoTime();
            long end = t0 + seconds * 1_000_000_000L;
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                long first = Math.min(i * part, Math.max(0, tableRows - part));
                running.add(makers.submit(() -> {
                    pace(connector, table, first, part, rows, intervalNanos, t0, end, made);
                    return null;
                }));
            }
            long maxBacklog = 0;
            for (long nextSample = t0 + 1_000_000_000L; nextSample < end; nextSample += 1_000_000_000L) {
                Thread.sleep(Math.max(0, (nextSample - System.nanoTime()) / 1_000_000));
                maxBacklog = Math.max(maxBacklog, made.get() + others.getAsLong() - othersBefore
                        - Math.round(applied.count() - before));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof SQLException q) {
                        throw q;
                    }
                    throw new IllegalStateException("the stream stopped", e.getCause());
                }
            }
            long streamEnd = System.nanoTime();
            double streamSeconds = (streamEnd - t0) / 1e9;
            double appliedDuring = applied.count() - before;
            long othersDuring = others.getAsLong() - othersBefore;
            long madeInAll = made.get() + othersDuring;
            maxBacklog = Math.max(maxBacklog, madeInAll - Math.round(appliedDuring));
            long deadline = System.currentTimeMillis() + timeout.toMillis();
            while (applied.count() - before < madeInAll && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            boolean caughtUp = applied.count() - before >= madeInAll;
            Double tail = caughtUp ? Bench.round((System.nanoTime() - streamEnd) / 1e9, 3) : null;
            double streamApplied = Math.max(0, appliedDuring - othersDuring) / streamSeconds;
            return new BenchReport.Stream(eventsPerSecond, seconds, connections, rows, made.get(),
                    Bench.round(made.get() / streamSeconds, 1), Bench.round(streamApplied, 1), maxBacklog, tail,
                    BenchReport.Cpu.of(cpu.stop()), statements.top(6),
                    caughtUp ? null : "not all applied within " + timeout.toSeconds() + " s after the stream");
        } finally {
            makers.shutdownNow();
        }
    }

    /**
     * One connection's share: UPDATEs of {@code rows} consecutive rows of its part ({@code part} ids after {@code
     * first}, going round it), one every {@code intervalNanos} from {@code t0} until {@code end}. When MySQL falls a
     * second behind the pace, the pace starts again from then.
     */
    private static void pace(WriteLoad.Connector connector, TableName table, long first, long part, int rows,
            long intervalNanos, long t0, long end, AtomicLong made) throws SQLException, InterruptedException {
        try (Connection c = connector.connect(); PreparedStatement ps = c.prepareStatement("UPDATE " + table.quoted()
                + " SET k = k + 1 WHERE id > ? AND id <= ?")) {
            long due = t0;
            long lower = first;
            while (System.nanoTime() < end) {
                long now = System.nanoTime();
                if (due > now) {
                    Thread.sleep(Math.max(1, (due - now) / 1_000_000));
                    continue;
                }
                if (now - due > 1_000_000_000L) {
                    due = now; // a second behind: MySQL cannot keep the pace; no rush to catch up
                }
                if (lower >= first + part) {
                    lower = first;
                }
                ps.setLong(1, lower);
                ps.setLong(2, Math.min(lower + rows, first + part));
                made.addAndGet(ps.executeUpdate());
                lower += rows;
                due += intervalNanos;
            }
        }
    }
}
