package io.flipside.cli.bench;

import io.flipside.cli.OperatorClient;
import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.TableName;
import io.flipside.schema.Cancel;
import io.flipside.schema.ChecksumVerdict;
import io.flipside.schema.Command;
import io.flipside.schema.CommandRejected;
import io.flipside.schema.Complete;
import io.flipside.schema.CutOver;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationRejected;
import io.flipside.schema.MigrationStarted;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.Revert;
import io.flipside.schema.Submit;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One Flipside migration, driven as an operator would and measured: submit, wait for the cut-over (postponed cut-over
 * off: Flipside cuts over as soon as it has caught up), wait for the cut-over's checksum, revert (polling
 * information_schema until the old schema serves), wait for the revert's checksum, a burst of row events through
 * forward replication, complete. The applier's Micrometer meters are read from the global registry (they exist only
 * when the applier runs in this JVM).
 */
final class FlipsideRun {
    /** How many of the writers' longest writes of the swap cycles the report lists. */
    static final int SLOW_WRITES = 5;
    /** Why a figure read from the applier's meters is not measured (the bench runs against another JVM's applier). */
    static final String METERS_ELSEWHERE = "not measured: the applier does not run in this JVM (its meters are not here)";

    private final FlipsideConfig config;
    private final WriteLoad.Connector connector;
    private final Bench.Progress progress;
    private final Duration timeout;
    private final long burstRows;
    private final Double copyMs;
    private final Long mysqldPid;
    private final boolean revertEarly;
    private final int holdReadySeconds;
    private final int swapCycles;
    private final int streamEventsPerSecond;
    private final int streamSeconds;
    private final int streamConnections;

    FlipsideRun(FlipsideConfig config, WriteLoad.Connector connector, Bench.Progress progress, Duration timeout,
            long burstRows, Double nativeCopySeconds, Long mysqldPid, boolean revertEarly, int holdReadySeconds,
            int swapCycles, int streamEventsPerSecond, int streamSeconds, int streamConnections) {
        this.swapCycles = swapCycles;
        this.streamConnections = streamConnections;
        this.streamEventsPerSecond = streamEventsPerSecond;
        this.streamSeconds = streamSeconds;
        this.mysqldPid = mysqldPid;
        this.holdReadySeconds = holdReadySeconds;
        this.revertEarly = revertEarly;
        this.config = config;
        this.connector = connector;
        this.progress = progress;
        this.timeout = timeout;
        this.burstRows = burstRows;
        this.copyMs = nativeCopySeconds == null ? null : nativeCopySeconds * 1000;
    }

    private BenchReport.Time time(Double ms) {
        if (ms == null || ms < 0) {
            return null;
        }
        return new BenchReport.Time(Bench.round(ms, 1), copyMs == null || copyMs <= 0 ? null : Bench.round(ms / copyMs, 4));
    }

    /** The figures, and the writers' stats over the migration (submit to cut-over), for the method row. */
    record Result(Double seconds, String reason, BenchReport.Writers writers, BenchReport.FlipsideFigures figures) {}

    /** What a run measured so far; a step that fails leaves the later figures null. */
    private static final class Figures {
        String id;
        String outcome;
        MigrationState cut;
        Double migrationMs;
        Lag lag;
        Long events;
        Double bestPerSecond;
        Double cutSeen;
        Double checksumMs;
        Double serving;
        MigrationState reverted;
        Double revertMs;
        Double revertSeen;
        List<String> checksums = List.of();
        BenchReport.Burst burst;
        BenchReport.Stream stream;
        Double completeMs;
        BenchReport.Writers throughRevert;
        BenchReport.Writers duringComplete;
        /** The writers while the migration was held in READY (the copy done, replication only); null unless held. */
        BenchReport.Writers whileReady;
        /** How long the bench held the migration in READY (left out of the migration's time); 0 unless held. */
        long heldReadyMs;
        BenchReport.Cpu cpuMigration;
        BenchReport.Cpu cpuBurst;
        HeapWatch heap;
        List<String> statementsMigration = List.of();
        List<String> statementsBurst = List.of();
        /** Every freeze, in order. */
        List<BenchReport.Swap> swaps = new ArrayList<>();
        /** The writers over the {@code --swap-cycles}; null without them or without writers. */
        BenchReport.Writers duringSwaps;
        List<BenchReport.SlowWrite> slowestDuringSwaps;
    }

    Result run(TableName table, String alter, WriteLoad load) throws Exception {
        List<String> oldColumns = columns(table);
        Figures f = new Figures();
        try (HeapWatch heap = new HeapWatch(); OperatorClient client = new OperatorClient(config)) {
            f.heap = heap;
            boolean hold = holdReadySeconds > 0 && load != null;
            long submitSent = System.currentTimeMillis();
            Command submit = OperatorClient.command(new Submit(table.toString(), alter, hold, null, "ALTER"), "bench",
                    "flipside bench");
            JournalEvent verdict;
            try (OperatorClient.JournalFollower journal = client.followJournal()) {
                client.send(submit);
                verdict = journal.await(submit.getRequestId(), ev -> ev.getPayload() instanceof MigrationStarted
                        || ev.getPayload() instanceof MigrationRejected || ev.getPayload() instanceof CommandRejected,
                        timeout).orElse(null);
            }
            if (verdict == null) {
                f.outcome = "no answer to the submit within " + timeout.toSeconds() + " s; are the roles running?";
                return new Result(null, f.outcome, null, figures(f));
            }
            f.id = verdict.getMigrationId();
            if (!(verdict.getPayload() instanceof MigrationStarted)) {
                f.outcome = "the submit was rejected: " + verdict.getPayload();
                return new Result(null, f.outcome, null, figures(f));
            }
            String id = f.id;
            progress.say("flipside: migration %s submitted (%s)", id, alter);
            ApplySampler sampler = new ApplySampler(id);
            sampler.start();
            Optional<MigrationState> cut;
            CpuProfile cpu = new CpuProfile(mysqldPid, connector);
            StatementProfile statements = new StatementProfile(connector);
            CpuProfile.Result used;
            long writersUntil = -1; // the end of the writers' window for the method row, when the migration was held
            try {
                if (hold) {
                    writersUntil = holdInReady(client, id, load, f);
                }
                cut = client.awaitState(id, s -> s.getStatus() == MigrationStatus.CUT_OVER || failedOrEnded(s), timeout);
            } finally {
                sampler.close();
                used = cpu.stop();
                f.cpuMigration = BenchReport.Cpu.of(used);
                f.statementsMigration = statements.top(6);
            }
            progress.say("flipside: CPU during the migration: %s", CpuProfile.describe(used));
            long cutObserved = System.currentTimeMillis();
            if (load != null) {
                load.awaitPast(cutObserved, 60_000);
            }
            f.events = (long) sampler.count();
            f.bestPerSecond = sampler.best() <= 0 ? null : Bench.round(sampler.best(), 1);
            BenchReport.Writers writers = load == null ? null
                    : BenchReport.Writers.of(load.stats(submitSent, writersUntil > 0 ? writersUntil : cutObserved));
            if (cut.isEmpty() || cut.get().getStatus() != MigrationStatus.CUT_OVER) {
                if (cut.isEmpty()) {
                    MigrationState now = client.state(id).orElse(null);
                    f.outcome = "did not cut over within " + timeout.toSeconds() + " s (--timeout)"
                            + (now == null ? "" : ": " + now.getStatus() + ", " + now.getRowsCopied() + "/"
                                    + now.getRowsTotal() + " rows copied, lag " + now.getLagMillis() + " ms, "
                                    + now.getEventsApplied() + " events applied")
                            + "; cancelled";
                    client.send(OperatorClient.command(new Cancel(id), "bench", "timeout"));
                    client.awaitState(id, FlipsideRun::failedOrEnded, Duration.ofSeconds(120));
                } else {
                    f.outcome = "the migration ended as " + cut.get().getStatus() + ": " + cut.get().getError();
                }
                return new Result(null, f.outcome, writers, figures(f));
            }
            MigrationState c = cut.get();
            f.cut = c;
            f.migrationMs = (double) (cutObserved - submitSent - f.heldReadyMs);
            progress.say("flipside: cut over after %.1f s (writes held %d ms; %d rows copied in %d ms)",
                    f.migrationMs / 1000, c.getWriteFreezeMillis(), c.getRowsCopied(),
                    c.getCopyMillis() == null ? -1 : c.getCopyMillis());
            f.lag = lag(id);
            if (load != null) {
                f.cutSeen = seen(load, c.getCutOverFreezeStartedAt(), c.getWriteFreezeMillis(), c.getCutOverAt());
            }
            f.swaps.add(new BenchReport.Swap("cut-over", nz(c.getWriteFreezeMillis()), f.cutSeen,
                    c.getCutOverFreezeStartedAt()));
            Double seconds = f.migrationMs / 1000;

            if (!revertEarly) {
                Optional<MigrationState> summed = client.awaitState(id,
                        s -> s.getChecksums().size() >= 1 || failedOrEnded(s), timeout);
                if (summed.isPresent() && c.getCutOverAt() != null && summed.get().getChecksums().size() >= 1) {
                    f.checksumMs = (double) (System.currentTimeMillis() - c.getCutOverAt());
                }
                Thread.sleep(1000);
            }

            // The revert: a poller watches for the old schema from the moment the command is sent.
            SchemaPoller poller = new SchemaPoller(table, oldColumns);
            poller.start();
            long revertSent = System.currentTimeMillis();
            poller.since = revertSent;
            String rejected = sendExpectingAcceptance(client, new Revert(id, false));
            if (rejected != null) {
                poller.close();
                f.outcome = "revert rejected: " + rejected;
                return new Result(seconds, null, writers, figures(f));
            }
            Optional<MigrationState> rev = client.awaitState(id, s -> s.getStatus() == MigrationStatus.REVERTED
                    || failedOrEnded(s), timeout);
            long revertObserved = System.currentTimeMillis();
            f.serving = poller.await(Duration.ofSeconds(10));
            if (rev.isEmpty() || rev.get().getStatus() != MigrationStatus.REVERTED) {
                f.outcome = rev.isEmpty() ? "no revert within " + timeout.toSeconds() + " s"
                        : "the revert ended as " + rev.get().getStatus() + ": " + rev.get().getError();
                return new Result(seconds, null, writers, figures(f));
            }
            MigrationState r = rev.get();
            f.reverted = r;
            f.revertMs = (double) (revertObserved - revertSent);
            progress.say("flipside: reverted; old schema serving %s ms after the command (writes held %d ms)",
                    f.serving == null ? "?" : String.format("%.0f", f.serving), r.getRevertFreezeMillis());
            if (load != null) {
                load.awaitPast(revertObserved, 60_000);
            }
            if (load != null) {
                f.revertSeen = seen(load, r.getRevertFreezeStartedAt(), r.getRevertFreezeMillis(), r.getRevertedAt());
            }
            f.swaps.add(new BenchReport.Swap("revert", nz(r.getRevertFreezeMillis()), f.revertSeen,
                    r.getRevertFreezeStartedAt()));
            Optional<MigrationState> summed2 = client.awaitState(id, s -> s.getChecksums().size() >= 2 || failedOrEnded(s),
                    timeout);
            f.checksums = checksums(summed2.orElse(null));
            if (load != null) {
                f.throughRevert = BenchReport.Writers.of(load.stats(submitSent, revertObserved));
            }
            if (swapCycles > 0) {
                f.outcome = swapCycles(client, id, load, f);
                f.checksums = checksums(client.state(id).orElse(null));
                if (f.outcome != null) {
                    return new Result(seconds, null, writers, figures(f));
                }
            }

            f.burst = burst(table, id, f);
            if (f.burst.eventsPerSecond() != null) {
                progress.say("flipside: burst of %d row events (MySQL's UPDATE took %.1f s) published in %.1f s, applied"
                        + " in %.1f s (%.0f events/s%s)", f.burst.events(), f.burst.updateSeconds(),
                        f.burst.captureSeconds(), f.burst.applySeconds(), f.burst.eventsPerSecond(),
                        f.burst.drainPerSecond() == null ? "" : String.format(Locale.ROOT,
                                "; the %d left at the capture's end at %.0f/s", f.burst.drainEvents(),
                                f.burst.drainPerSecond()));
            }
            f.stream = stream(table, id, load);
            if (f.stream != null && !f.stream.measured()) {
                progress.say("flipside: stream of %d row events/s %s", f.stream.askedPerSecond(), f.stream.reason());
            } else if (f.stream != null) {
                progress.say("flipside: stream of %d row events/s asked for %d s: MySQL made %.0f/s, applied %.0f/s"
                        + " meanwhile, at most %d behind, the last applied %s after the stream", f.stream.askedPerSecond(),
                        f.stream.seconds(), f.stream.madePerSecond(), f.stream.appliedPerSecond(),
                        f.stream.maxBacklog(), f.stream.tailSeconds() == null ? "not yet"
                                : String.format(Locale.ROOT, "%.2f s", f.stream.tailSeconds()));
            }

            long completeSent = System.currentTimeMillis();
            String completeRejected = sendExpectingAcceptance(client, new Complete(id));
            Optional<MigrationState> done = completeRejected != null ? Optional.empty()
                    : client.awaitState(id, FlipsideRun::failedOrEnded, timeout);
            long completeObserved = System.currentTimeMillis();
            f.outcome = completeRejected != null ? "complete rejected: " + completeRejected
                    : done.isEmpty() ? "no complete within " + timeout.toSeconds() + " s"
                    : done.get().getStatus() == MigrationStatus.COMPLETED ? null
                    : "ended as " + done.get().getStatus() + ": " + done.get().getError();
            if (f.outcome == null) {
                f.completeMs = (double) (completeObserved - completeSent);
            }
            if (load != null) {
                load.awaitPast(completeObserved, 60_000);
                f.duringComplete = BenchReport.Writers.of(load.stats(completeSent, completeObserved));
            }
            return new Result(seconds, null, writers, figures(f));
        }
    }

    /**
     * {@code swapCycles} cycles of a cut-over and a revert, one swap after the other, each awaited with its
     * freeze-point checksum (when checksums are on), half a second apart; each freeze goes into {@code f.swaps}.
     * Returns null, or why it stopped early.
     */
    private String swapCycles(OperatorClient client, String id, WriteLoad load, Figures f) throws Exception {
        boolean verified = config.get(FlipsideConfig.VERIFY_CHECKSUM);
        long from = System.currentTimeMillis();
        for (int i = 0; i < swapCycles * 2; i++) {
            boolean cutOver = i % 2 == 0;
            String what = (cutOver ? "cut-over" : "revert") + " of swap cycle " + (i / 2 + 1);
            MigrationState before = client.state(id).orElseThrow();
            int swaps = before.getSwaps();
            int sums = before.getChecksums().size();
            MigrationStatus want = cutOver ? MigrationStatus.CUT_OVER : MigrationStatus.REVERTED;
            String rejected = sendExpectingAcceptance(client, cutOver ? new CutOver(id, false) : new Revert(id, false));
            if (rejected != null) {
                return what + " rejected: " + rejected;
            }
            Optional<MigrationState> done = client.awaitState(id, s -> failedOrEnded(s) || s.getStatus() == want
                    && s.getSwaps() > swaps && (!verified || s.getChecksums().size() > sums), timeout);
            if (done.isEmpty() || done.get().getStatus() != want) {
                return done.isEmpty() ? "no " + what + " within " + timeout.toSeconds() + " s"
                        : "the " + what + " ended as " + done.get().getStatus() + ": " + done.get().getError();
            }
            MigrationState s = done.get();
            long held = nz(cutOver ? s.getWriteFreezeMillis() : s.getRevertFreezeMillis());
            Double seen = null;
            if (load != null) {
                load.awaitPast(System.currentTimeMillis(), 60_000);
                seen = cutOver ? seen(load, s.getCutOverFreezeStartedAt(), s.getWriteFreezeMillis(), s.getCutOverAt())
                        : seen(load, s.getRevertFreezeStartedAt(), s.getRevertFreezeMillis(), s.getRevertedAt());
            }
            f.swaps.add(new BenchReport.Swap(cutOver ? "cut-over" : "revert", held, seen,
                    cutOver ? s.getCutOverFreezeStartedAt() : s.getRevertFreezeStartedAt()));
            if (i % 20 == 19) {
                progress.say("flipside: %d of %d swap cycles done", (i + 1) / 2, swapCycles);
            }
            Thread.sleep(500);
        }
        if (load != null) {
            long to = System.currentTimeMillis();
            f.duringSwaps = BenchReport.Writers.of(load.stats(from, to));
            f.slowestDuringSwaps = slowWrites(load.slowest(from, to, SLOW_WRITES), f.swaps);
        }
        return null;
    }

    private static List<String> checksums(MigrationState s) {
        List<String> out = new ArrayList<>();
        for (ChecksumVerdict v : s == null ? List.<ChecksumVerdict>of() : s.getChecksums()) {
            out.add(v.getPhase() + ": " + (v.getMatched() ? "matched (" + v.getRows() + " rows)"
                    : "MISMATCH (" + v.getRows() + " rows, checksum " + v.getChecksum() + "; the replaced table: "
                            + v.getExpectedRows() + " rows, " + v.getExpectedChecksum() + ")"));
        }
        return out;
    }

    private BenchReport.FlipsideFigures figures(Figures f) {
        MigrationState c = f.cut;
        MigrationState r = f.reverted;
        Long rows = c == null ? null : c.getRowsCopied();
        Long copyMillis = c == null ? null : c.getCopyMillis();
        Double byFlipside = c == null || c.getCutOverAt() == null ? null
                : (double) (c.getCutOverAt() - c.getSubmittedAt().toEpochMilli() - f.heldReadyMs);
        Double eventsPerSecond = f.events == null || f.migrationMs == null || f.events == 0 ? null
                : Bench.round(f.events / ((f.migrationMs + f.heldReadyMs) / 1000), 1);
        return new BenchReport.FlipsideFigures(f.id, f.outcome == null ? "COMPLETED" : f.outcome, time(f.migrationMs),
                time(byFlipside), rows, c == null ? null : c.getChunks(), time(millis(copyMillis)),
                rows == null || copyMillis == null || copyMillis == 0 ? null : Bench.round(rows * 1000.0 / copyMillis, 1),
                time(millis(c == null ? null : c.getIndexMillis())), time(millis(c == null ? null : c.getRestedMillis())),
                f.events, eventsPerSecond, f.bestPerSecond,
                f.lag == null ? null : f.lag.p50, f.lag == null ? null : f.lag.p99, f.lag == null ? null : f.lag.max,
                time(millis(c == null ? null : c.getWriteFreezeMillis())), time(f.cutSeen), time(f.checksumMs),
                time(f.serving), time(millis(r == null ? null : r.getRevertServingMillis())), time(f.revertMs),
                time(millis(r == null ? null : r.getRevertFreezeMillis())), time(f.revertSeen), f.burst, f.stream,
                time(f.completeMs), f.checksums, f.heap == null ? null : f.heap.peakMb(),
                f.heap == null ? null : f.heap.maxAfterGcMb(), f.throughRevert, f.duringComplete, f.whileReady,
                f.cpuMigration, f.cpuBurst, f.statementsMigration, f.statementsBurst, revertEarly, List.copyOf(f.swaps),
                BenchReport.Freezes.of(f.swaps), f.duringSwaps, f.slowestDuringSwaps, f.outcome);
    }

    /**
     * With the cut-over postponed: waits for READY, measures the writers for {@code holdReadySeconds} while the
     * migration only replicates (the copy and the index build done), then asks for the cut-over. Returns when the
     * migration reached READY (the end of the copy's window for the writers), or -1 when it never did.
     */
    private long holdInReady(OperatorClient client, String id, WriteLoad load, Figures f) throws Exception {
        Optional<MigrationState> ready = client.awaitState(id, s -> s.getStatus() == MigrationStatus.READY
                || failedOrEnded(s), timeout);
        if (ready.isEmpty() || ready.get().getStatus() != MigrationStatus.READY) {
            return -1;
        }
        long readyAt = System.currentTimeMillis();
        Thread.sleep(holdReadySeconds * 1000L);
        long until = System.currentTimeMillis();
        load.awaitPast(until, 60_000);
        f.whileReady = BenchReport.Writers.of(load.stats(readyAt, until));
        progress.say("flipside: held in READY for %d s: the writers' p95 %.1f ms", holdReadySeconds,
                f.whileReady.p95Ms());
        String rejected = sendExpectingAcceptance(client, new CutOver(id, false));
        f.heldReadyMs = System.currentTimeMillis() - readyAt;
        if (rejected != null) {
            throw new IllegalStateException("the cut-over after holding READY was rejected: " + rejected);
        }
        return readyAt;
    }

    /** Each write with the swap whose freeze it overlapped (its index in {@code swaps}), if any. */
    static List<BenchReport.SlowWrite> slowWrites(List<long[]> writes, List<BenchReport.Swap> swaps) {
        List<BenchReport.SlowWrite> out = new ArrayList<>();
        for (long[] w : writes) {
            Integer during = null;
            for (int i = 0; i < swaps.size() && during == null; i++) {
                BenchReport.Swap x = swaps.get(i);
                if (x.startedAt() != null && WriteLoad.overlaps(w[0], w[1], x.startedAt(), x.startedAt() + x.heldMs())) {
                    during = i;
                }
            }
            out.add(new BenchReport.SlowWrite(Instant.ofEpochMilli(w[0]).toString(), w[1] / 1000.0, during));
        }
        return out;
    }

    private static Double millis(Long v) {
        return v == null ? null : v.doubleValue();
    }

    /**
     * The longest write in flight while a swap held writes: from the moment it asked for the locks for as long as it
     * held them (both journalled by the applier, on this machine's clock). A journal without that start (an applier of
     * an older build) leaves the window from half a second before the freeze to the report.
     */
    private static Double seen(WriteLoad load, Long startedAt, Long heldMillis, Long reportedAt) {
        if (startedAt != null && heldMillis != null) {
            return load.longestInFlight(startedAt, startedAt + heldMillis);
        }
        return reportedAt == null ? null : load.longestInFlight(reportedAt - nz(heldMillis) - 500, reportedAt);
    }

    private static long nz(Long v) {
        return v == null ? 0 : v;
    }

    static boolean failedOrEnded(MigrationState s) {
        return switch (s.getStatus()) {
            case FAILED, CANCELLED, COMPLETED -> true;
            default -> false;
        };
    }

    /** Sends a command and waits for the controller's answer: null when accepted, the reason when rejected. */
    private String sendExpectingAcceptance(OperatorClient client, Object action) {
        Command cmd = OperatorClient.command(action, "bench", "flipside bench");
        try (OperatorClient.JournalFollower journal = client.followJournal()) {
            client.send(cmd);
            Optional<JournalEvent> e = journal.await(cmd.getRequestId(), ev -> true, timeout);
            if (e.isEmpty()) {
                return "no answer within " + timeout.toSeconds() + " s";
            }
            return e.get().getPayload() instanceof CommandRejected r ? r.getReason() : null;
        }
    }

    // ------------------------------------------------------------------------------------------ the burst

    /**
     * One UPDATE of {@code burstRows} rows on the serving (old) table after the revert: forward replication applies
     * them to the standby table. Timed from the UPDATE's commit until the changelog had grown by that many events
     * (the capture) and until the applier's forward counter had (the apply). The events still to apply when the
     * capture was done, over the time they took, are the apply's rate from a backlog, with the capture idle.
     */
    private BenchReport.Burst burst(TableName table, String id, Figures f) throws SQLException, InterruptedException {
        Counter counter = forwardEvents(id);
        if (counter == null) {
            return new BenchReport.Burst(0, null, null, null, null, null, null, METERS_ELSEWHERE);
        }
        long n = burstRows;
        if (n <= 0) {
            return new BenchReport.Burst(0, null, null, null, null, null, null, "not measured (--burst-rows 0)");
        }
        try (ChangelogProbe probe = new ChangelogProbe(config); Connection c = connector.connect();
                Statement s = c.createStatement()) {
            double before = counter.count();
            long endBefore = probe.end();
            long sent = System.nanoTime();
            int updated = s.executeUpdate("UPDATE " + table.quoted() + " SET k = k + 1 WHERE id <= " + n);
            long committed = System.nanoTime();
            double updateSeconds = Bench.round((committed - sent) / 1e9, 3);
            CpuProfile cpu = new CpuProfile(mysqldPid, connector);
            StatementProfile statements = new StatementProfile(connector);
            Double captureSeconds = null;
            Double applySeconds = null;
            double appliedAtCapture = 0; // how many of the burst's events the applier had applied when the capture was done
            long deadline = System.currentTimeMillis() + timeout.toMillis();
            while (System.currentTimeMillis() < deadline && (captureSeconds == null || applySeconds == null)) {
                if (captureSeconds == null && probe.end() - endBefore >= updated) {
                    captureSeconds = (System.nanoTime() - committed) / 1e9;
                    appliedAtCapture = counter.count() - before;
                }
                if (applySeconds == null && counter.count() - before >= updated) {
                    applySeconds = (System.nanoTime() - committed) / 1e9;
                }
                Thread.sleep(20);
            }
            CpuProfile.Result used = cpu.stop();
            f.cpuBurst = BenchReport.Cpu.of(used);
            f.statementsBurst = statements.top(6);
            progress.say("flipside: CPU during the burst: %s", CpuProfile.describe(used));
            if (applySeconds == null) {
                return new BenchReport.Burst(updated, updateSeconds, captureSeconds == null ? null
                        : Bench.round(captureSeconds, 3), null, null, null, null, "not applied within "
                        + timeout.toSeconds() + " s");
            }
            // The backlog left when the capture had published the whole burst, applied with the capture idle.
            long drained = captureSeconds == null ? 0 : updated - Math.round(appliedAtCapture);
            double drainSeconds = captureSeconds == null ? 0 : applySeconds - captureSeconds;
            boolean drainMeasured = drained >= Math.max(1, updated / 10) && drainSeconds > 0;
            return new BenchReport.Burst(updated, updateSeconds, captureSeconds == null ? null
                    : Bench.round(captureSeconds, 3), Bench.round(applySeconds, 3), Bench.round(updated / applySeconds, 1),
                    drainMeasured ? drained : null, drainMeasured ? Bench.round(drained / drainSeconds, 1) : null, null);
        }
    }

    /**
     * The steady stream after the burst ({@link EventStream}); null when not asked for, not measured (with the reason)
     * when the applier's meters are not in this JVM.
     */
    private BenchReport.Stream stream(TableName table, String id, WriteLoad load)
            throws SQLException, InterruptedException {
        if (streamEventsPerSecond <= 0) {
            return null;
        }
        Counter counter = forwardEvents(id);
        if (counter == null) {
            return BenchReport.Stream.notMeasured(streamEventsPerSecond, streamSeconds, streamConnections,
                    METERS_ELSEWHERE);
        }
        long rows;
        try (Connection c = connector.connect(); Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(id), 0) FROM " + table.quoted())) {
            rs.next();
            rows = rs.getLong(1);
        }
        return EventStream.run(connector, table, rows, streamEventsPerSecond, streamSeconds, streamConnections, counter,
                load == null ? () -> 0 : load::rowsChanged, mysqldPid, timeout);
    }

    // ------------------------------------------------------------------------------------------ meters

    private static Counter forwardEvents(String id) {
        return Metrics.globalRegistry.find("flipside.apply.events").tag("migration", id).tag("direction", "forward")
                .counter();
    }

    private record Lag(Double p50, Double p99, Double max) {}

    private static Lag lag(String id) {
        Timer t = Metrics.globalRegistry.find("flipside.apply.lag").tag("migration", id).tag("direction", "forward")
                .timer();
        if (t == null) {
            return null;
        }
        HistogramSnapshot s = t.takeSnapshot();
        if (s.count() == 0) {
            return null;
        }
        Double p50 = null;
        Double p99 = null;
        for (ValueAtPercentile v : s.percentileValues()) {
            if (Math.abs(v.percentile() - 0.5) < 1e-9) {
                p50 = Bench.round(v.value(TimeUnit.MILLISECONDS), 1);
            } else if (Math.abs(v.percentile() - 0.99) < 1e-9) {
                p99 = Bench.round(v.value(TimeUnit.MILLISECONDS), 1);
            }
        }
        return new Lag(p50, p99, Bench.round(s.max(TimeUnit.MILLISECONDS), 1));
    }

    /** Samples the forward apply counter every second: the total, and the best one-second rate. */
    private static final class ApplySampler extends Thread implements AutoCloseable {
        private final String id;
        private volatile boolean stopping;
        private volatile double count;
        private volatile double best;

        ApplySampler(String id) {
            super("bench-apply-sampler");
            this.id = id;
            setDaemon(true);
        }

        @Override
        public void run() {
            Counter c = null;
            double last = 0;
            long lastAt = System.nanoTime();
            while (!stopping) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                if (c == null) {
                    c = forwardEvents(id);
                    if (c == null) {
                        continue;
                    }
                }
                double now = c.count();
                long at = System.nanoTime();
                best = Math.max(best, (now - last) / ((at - lastAt) / 1e9));
                last = now;
                lastAt = at;
                count = now;
            }
        }

        double count() {
            Counter c = forwardEvents(id);
            return c == null ? count : c.count();
        }

        double best() {
            return best;
        }

        @Override
        public void close() throws InterruptedException {
            stopping = true;
            interrupt();
            join(5000);
        }
    }

    // ------------------------------------------------------------------------------------------ schema

    private List<String> columns(TableName t) throws SQLException {
        try (Connection c = connector.connect()) {
            return Bench.columnsOf(c, t);
        }
    }


    /** Polls information_schema every 5 ms until the table has the old columns again. */
    private final class SchemaPoller extends Thread implements AutoCloseable {
        private final TableName table;
        private final List<String> old;
        volatile long since;
        private volatile long servingAt = -1;
        private volatile boolean stopping;

        SchemaPoller(TableName table, List<String> old) {
            super("bench-schema-poller");
            this.table = table;
            this.old = old;
            setDaemon(true);
        }

        @Override
        public void run() {
            try (Connection c = connector.connect()) {
                while (!stopping) {
                    if (since > 0 && Bench.columnsOf(c, table).equals(old)) {
                        servingAt = System.currentTimeMillis();
                        return;
                    }
                    Thread.sleep(5);
                }
            } catch (SQLException e) {
                // reported as not observed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Milliseconds from the revert command to the old schema, or null when not seen in time. */
        Double await(Duration max) throws InterruptedException {
            join(max.toMillis());
            close();
            return servingAt < 0 ? null : (double) (servingAt - since);
        }

        @Override
        public void close() {
            stopping = true;
        }
    }
}
