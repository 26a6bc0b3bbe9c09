package io.flipside.cli.bench;

import io.flipside.core.sql.TableName;
import io.micrometer.core.instrument.Counter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A steady stream of row events through forward replication, to see whether the apply keeps up with a busy table for
 * a while rather than drains a backlog: UPDATEs of {@link #rowsPerStatement} consecutive rows (going round the table),
 * paced so that MySQL changes {@code eventsPerSecond} rows a second, for {@code seconds}. When MySQL falls behind the
 * pace it is not made to catch up in a rush: the pace starts again from then, so the rate MySQL achieved is what it
 * could do beside the capture and the apply.
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
     * Runs the stream on {@code table} (ids 1 to {@code tableRows}) and measures it against {@code applied}, the
     * applier's forward event counter, and {@code others}, the rows other writers of the table changed so far; waits
     * at most {@code timeout} for the apply after the stream.
     */
    static BenchReport.Stream run(WriteLoad.Connector connector, TableName table, long tableRows, int eventsPerSecond,
            int seconds, Counter applied, LongSupplier others, Long mysqldPid, Duration timeout)
            throws SQLException, InterruptedException {
        int rows = rowsPerStatement(eventsPerSecond);
        long intervalNanos = Math.round(rows * 1e9 / eventsPerSecond);
        try (CpuProfile cpu = new CpuProfile(mysqldPid); Connection c = connector.connect();
                PreparedStatement ps = c.prepareStatement("UPDATE " + table.quoted()
                        + " SET k = k + 1 WHERE id > ? AND id <= ?")) {
            long made = 0;
            long maxBacklog = 0;
            StatementProfile statements = new StatementProfile(connector);
            double before = applied.count();
            long othersBefore = others.getAsLong();
            long t0 = System.nanoTime();
            long end = t0 + seconds * 1_000_000_000L;
            long due = t0;
            long nextSample = t0 + 1_000_000_000L;
            long lower = 0;
            while (System.nanoTime() < end) {
                long now = System.nanoTime();
                if (due > now) {
                    Thread.sleep(Math.max(1, (due - now) / 1_000_000));
                    continue;
                }
                if (now - due > 1_000_000_000L) {
                    due = now; // a second behind: MySQL cannot keep the pace; no rush to catch up
                }
                if (lower >= tableRows) {
                    lower = 0;
                }
                ps.setLong(1, lower);
                ps.setLong(2, lower + rows);
                made += ps.executeUpdate();
                lower += rows;
                due += intervalNanos;
                if (System.nanoTime() >= nextSample) {
                    maxBacklog = Math.max(maxBacklog, made + others.getAsLong() - othersBefore
                            - Math.round(applied.count() - before));
                    nextSample += 1_000_000_000L;
                }
            }
            long streamEnd = System.nanoTime();
            double streamSeconds = (streamEnd - t0) / 1e9;
            double appliedDuring = applied.count() - before;
            long othersDuring = others.getAsLong() - othersBefore;
            long madeInAll = made + othersDuring;
            maxBacklog = Math.max(maxBacklog, madeInAll - Math.round(appliedDuring));
            long deadline = System.currentTimeMillis() + timeout.toMillis();
            while (applied.count() - before < madeInAll && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            boolean caughtUp = applied.count() - before >= madeInAll;
            Double tail = caughtUp ? Bench.round((System.nanoTime() - streamEnd) / 1e9, 3) : null;
            double streamApplied = Math.max(0, appliedDuring - othersDuring) / streamSeconds;
            return new BenchReport.Stream(eventsPerSecond, seconds, rows, made, Bench.round(made / streamSeconds, 1),
                    Bench.round(streamApplied, 1), maxBacklog, tail, BenchReport.Cpu.of(cpu.stop()), statements.top(6),
                    caughtUp ? null : "not all applied within " + timeout.toSeconds() + " s after the stream");
        }
    }
}
