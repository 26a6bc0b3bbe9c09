package io.flipside.applier;

import io.flipside.core.sql.Projection;
import io.flipside.runtime.Backoff;
import io.flipside.runtime.Failpoints;
import io.flipside.runtime.LogContext;
import io.flipside.schema.Key;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills the shadow table chunk by chunk, in key order, while production runs (the gh-ost / Spirit shape: the copy
 * runs server-side and the changelog is applied concurrently by the {@link Replicator}).
 *
 * <ol>
 *   <li>Wait until the replicator has seen the migration's start marker come back through the changelog: from then on
 *       every change to the source table is in the changelog after the replicator's position, so nothing the copy
 *       does not see can be missed.</li>
 *   <li>One transaction per chunk: {@code INSERT INTO shadow SELECT ... WHERE key > cursor ORDER BY key LIMIT n},
 *       then read the chunk's last key, then advance the cursor in {@code copy_state}. The replicator applies a change
 *       only when the cursor it has seen in the changelog covers the row. The chunk reads without locks, so that no
 *       writer waits for it: first it is opened ({@code copy_state.opened_chunks}) in a commit of its own, then the
 *       session (READ COMMITTED) reads a snapshot taken when the statement starts. A change committed before the
 *       opening is in that snapshot (MySQL commits in binlog order, {@code binlog_order_commits}); one the replicator
 *       meets between the opening and the cursor's update may be missing from it, so the replicator applies those
 *       again once the cursor covers them (re-reading the rows then); one after the cursor's update is applied as
 *       usual. (The DBLog watermark idea, with MySQL doing the copy.) With {@code binlog_order_commits} off (read
 *       before each chunk), each chunk reads with {@code LOCK IN SHARE MODE} instead, in a REPEATABLE READ session
 *       whatever the server's default: the shared locks, gap locks included, make the chunk's own commit the dividing
 *       line in binlog order, and a writer of one of its rows, or into a gap it has read, waits for that commit.</li>
 *   <li>Rest, holding nothing, for {@code copy.rest.percent} of the chunk's time (none by default), and size the next
 *       chunk so that it takes about {@code copy.chunk.target.ms}.</li>
 *   <li>A short chunk is the last: mark the copy done in the same transaction.</li>
 *   <li>Build the secondary indexes left out of the shadow table for the copy, and the source's histograms
 *       ({@link IndexBuild}); only then is the copier {@link #ready}.</li>
 * </ol>
 *
 * <p>With {@code copy.parallel.chunks} above 1, each round copies that many chunks at once, each in its own
 * transaction on its own connection: the key {@code n} rows after the cursor bounds the first, and so on, and the last
 * is an ordinary chunk of {@code n} rows. One commit opens the whole round, and the replicator holds the changes it
 * meets until the round's last cursor. The chunks commit in key order: each one, once its rows are copied, waits for
 * the one before it to commit before it advances the cursor, and gives up (rolls back) if that one failed. So the
 * cursor in the changelog only ever covers committed chunks. A chunk that fails after the ones before it committed is
 * copied again in the next round, from the cursor they left (the next round's opening ends the holding of this one).
 * When the chunks read with shared locks, a chunk that waits for the one before it keeps its locks meanwhile, so a
 * writer of one of its rows can wait for as long as a whole round takes, not one chunk.
 *
 * A lost connection (MySQL restarting) is not a failure: the copier reconnects with back-off and resumes from the
 * cursor committed in the sidecar, so no chunk is copied twice. An update of the cursor that matches no row means
 * another applier owns the migration now ({@link Fenced}); the chunk is rolled back and the copier stops.
 *
 * <p>Plain INSERT, not INSERT IGNORE: rows above the cursor are never written by the replicator, so a duplicate can only
 * mean that the new schema rejects the data (for example a new UNIQUE key over duplicate values); that fails the
 * migration with MySQL's message instead of silently dropping rows.
 */
final class ChunkCopier implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ChunkCopier.class);
    private static final int FIRST_CHUNK_ROWS = 1000;
    /** MySQL's ER_NO_PARTITION_FOR_GIVEN_VALUE: a row the table has no partition for. */
    private static final int NO_PARTITION_FOR_VALUE = 1526;
    /** The kind of the marker the copy writes when it waits for partitions ({@link #awaitPartitions}). */
    static final String PARTITIONS_MARKER = "PARTITIONS";

    private final String id;
    private final Db db;
    private final Sidecar sidecar;
    private final Projection forward;
    private final BooleanSupplier captureLive;
    private final Supplier<String> captureProgress;
    private final BooleanSupplier paused;
    private final Throttle throttle;
    private final int maxRows;
    private final int parallelChunks;
    private final IndexBuild indexBuild;
    private final Carrier carrier;
    private ExecutorService helpers;
    /** When the copy last logged that it waits for partitions the shadow table lacks (0: it does not wait). */
    private long partitionsLoggedAt;
    /** The marker written when the copy began to wait for partitions the shadow table lacks (null: it does not). */
    private String partitionsMarker;
    /** Whether the last chunk refused for want of a partition met the same partitions in both tables. */
    private boolean partitionsMatched;

    final AtomicLong rowsCopied = new AtomicLong();
    final AtomicLong chunks = new AtomicLong();
    /** Every row is copied (the deferred indexes may still be building). */
    volatile boolean done;
    /** Every row is copied and the deferred indexes are built: the shadow table has its final shape. */
    volatile boolean ready;
    volatile long copyMillis;
    /** This run's time in chunks, and resting between them ({@code copy.rest.percent}). */
    volatile long chunkMillis;
    volatile long lastChunkMillis;
    volatile long restedMillis;
    /** How long this copier took to build the deferred indexes (0: none built by it). */
    volatile long indexMillis;
    /** The most chunks one round committed (1 when they are copied one at a time). */
    volatile int widestRound;
    volatile Throwable failure;
    volatile Fenced fenced;
    final AtomicInteger interruptions = new AtomicInteger();
    private final long epoch;
    /** MySQL's resource group the copy's sessions join ({@code copy.resource.group}; empty: none). */
    private final String resourceGroup;
    private volatile boolean stopped;

    private final ApplierMetrics metrics;

    /**
     * How the copy backs off: asked before every chunk, told when an episode of waiting begins and ends.
     */
    interface Throttle {
        /** Why the copy should wait now (on the copy's own connection), or empty. */
        Optional<String> reason(Connection c) throws SQLException;

        /** The duration a chunk aims at, now. */
        int chunkTargetMillis();

        /** How long the copy rests after a chunk, as a percentage of the chunk's time (0: not at all). */
        default int restPercent() {
            return 0;
        }

        void started(String reason);

        void ended(String reason, long millis);

        /** The copy is over: release what the checks hold (replica connections). */
        default void close() {
        }
    }

    /** Reads a value from MySQL. */
    interface SqlLong {
        long get() throws SQLException;
    }

    /**
     * Why the copy should wait: the apply lag above {@code maxLag} ms, or {@code threadsRunning} (read only when that
     * threshold is on) above {@code maxThreads}; a threshold of 0 is off.
     */
    static Optional<String> throttleReason(long lag, long maxLag, SqlLong threadsRunning, int maxThreads)
            throws SQLException {
        if (maxLag > 0 && lag > maxLag) {
            return Optional.of("apply lag " + lag + " ms > " + maxLag + " ms");
        }
        if (maxThreads > 0) {
            long running = threadsRunning.get();
            if (running > maxThreads) {
                return Optional.of("Threads_running " + running + " > " + maxThreads);
            }
        }
        return Optional.empty();
    }

    /**
     * @param captureLive whether the capture is known to be streaming (the copy waits for it)
     * @param captureProgress what the changelog shows of the capture, for the warning while the copy waits for it
     * @param paused      whether an operator paused the migration (the copy waits between chunks until resumed)
     * @param throttle    whether to wait before the next chunk, and how long chunks should take
     * @param carrier     how the replicator carries partition maintenance to the shadow table as the copy runs
     */
    ChunkCopier(String id, Db db, Sidecar sidecar, Projection forward, BooleanSupplier captureLive,
            Supplier<String> captureProgress, BooleanSupplier paused, Throttle throttle, int maxRows,
            int parallelChunks, String resourceGroup, IndexBuild indexBuild, Carrier carrier, ApplierMetrics metrics,
            long epoch) {
        this.id = id;
        this.carrier = carrier;
        this.epoch = epoch;
        this.metrics = metrics;
        this.db = db;
        this.sidecar = sidecar;
        this.forward = forward;
        this.captureLive = captureLive;
        this.captureProgress = captureProgress;
        this.paused = paused;
        this.throttle = throttle;
        this.maxRows = maxRows;
        this.parallelChunks = parallelChunks;
        this.resourceGroup = resourceGroup;
        this.indexBuild = indexBuild;
    }

    void stop() {
        stopped = true;
        indexBuild.stop();
    }

    @Override
    public void run() {
        LogContext.set(id, "COPYING");
        if (parallelChunks > 1) {
            AtomicInteger n = new AtomicInteger();
            helpers = Executors.newFixedThreadPool(parallelChunks - 1, r -> {
                Thread t = new Thread(() -> {
                    LogContext.set(id, "COPYING");
                    r.run();
                }, "flipside-copy-" + id + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        try {
            withRetries(() -> done, this::copyUntilDoneOrStopped, "copy");
            if (done && failure == null && fenced == null) {
                withRetries(() -> ready, this::buildIndexes, "index build");
            }
        } finally {
            if (helpers != null) {
                helpers.shutdownNow();
            }
            throttle.close();
            LogContext.clear();
        }
    }

    /** One connection's worth of a step: done when it returns with {@code finished} true. */
    private interface Step {
        void run() throws SQLException, InterruptedException;
    }

    /**
     * Runs {@code step} until {@code finished} or stopped, reconnecting with back-off when MySQL goes away; any other
     * failure is the copy's {@link #failure}.
     */
    private void withRetries(BooleanSupplier finished, Step step, String what) {
        Backoff backoff = new Backoff(Duration.ofMillis(500), MigrationWorker.RETRY_MAX);
        while (!stopped && !finished.getAsBoolean()) {
            long chunksBefore = chunks.get();
            try {
                step.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Fenced e) {
                fenced = e;
                LOG.warn(e.getMessage());
                return;
            } catch (Throwable t) {
                if (stopped) {
                    return;
                }
                if (!Db.isConnectionLoss(t)) {
                    failure = t;
                    LOG.error("migration {}: {} failed", id, what, t);
                    return;
                }
                interruptions.incrementAndGet();
                if (chunks.get() > chunksBefore) {
                    backoff.reset(); // the copy went on since the last reconnect
                }
                long wait = backoff.nextMillis();
                LOG.warn("migration {}: {} interrupted ({}); reconnecting in {} ms and resuming from what the sidecar"
                        + " and the shadow table hold", id, what, Db.describe(t), wait);
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Builds the deferred secondary indexes the shadow table lacks (none when nothing was deferred). */
    private void buildIndexes() throws SQLException {
        if (!indexBuild.isEmpty()) {
            try (Connection c = connect()) {
                indexMillis = indexBuild.run(c);
            } catch (SQLException e) {
                if (Db.isConnectionLoss(e)) {
                    throw e;
                }
                throw new SQLException("building the indexes deferred until after the copy failed: " + e.getMessage(),
                        e.getSQLState(), e.getErrorCode(), e);
            }
        }
        ready = !stopped;
    }

    /**
     * A connection for the copy, in {@code copy.resource.group} when one is set. The migration was accepted only once
     * MySQL took a session into the group; should it refuse now (the group dropped or disabled since), the copy goes
     * on at the server's usual priority, with a warning, rather than fail a migration over how it is scheduled.
     */
    private Connection connect() throws SQLException {
        Connection c = db.connect();
        try {
            Db.joinResourceGroup(c, resourceGroup);
        } catch (SQLException e) {
            if (Db.isConnectionLoss(e)) {
                Db.closeQuietly(c);
                throw e;
            }
            LOG.warn("migration {}: the copy runs outside resource group {} (copy.resource.group), at the server's"
                    + " usual priority: {}", id, resourceGroup, e.getMessage());
        }
        return c;
    }

    /** One connection's worth of copying: resumes from the committed cursor, so a reconnect copies nothing twice. */
    private void copyUntilDoneOrStopped() throws SQLException, InterruptedException {
        try (Connection c = connect(); Connections others = new Connections()) {
            boolean locking = !ordersCommits(c);
            isolate(c, locking);
            Key cursor = load(c);
            if (done) {
                return;
            }
            long waitingSince = System.currentTimeMillis();
            while (!captureLive.getAsBoolean()) {
                if (stopped) {
                    return;
                }
                if (System.currentTimeMillis() - waitingSince > 10_000) {
                    LOG.warn("migration {}: waiting for the start marker to come back through the changelog: {}", id,
                            captureProgress.get());
                    waitingSince = System.currentTimeMillis();
                }
                Thread.sleep(20);
            }
            markStarted(c);
            LOG.info("migration {}: copying {} into {} from {}, {}", id, forward.read(), forward.write(),
                    cursor == null ? "the start" : "the cursor in the sidecar",
                    locking ? "each chunk reading with shared locks" : "each chunk reading a snapshot, without locks");
            c.setAutoCommit(false);
            for (int i = 1; i < parallelChunks; i++) {
                Connection o = connect();
                others.add(o);
                isolate(o, locking);
                o.setAutoCommit(false);
            }
            int limit = FIRST_CHUNK_ROWS;
            String waitingFor = null;
            long waitingFrom = 0;
            while (!stopped) {
                if (paused.getAsBoolean()) {
                    Thread.sleep(50); // the last chunk is committed: nothing is held while paused
                    continue;
                }
                Optional<String> why = throttle.reason(c);
                if (why.isPresent()) {
                    if (waitingFor == null) {
                        waitingFor = why.get();
                        waitingFrom = System.currentTimeMillis();
                        LOG.info("migration {}: copy throttled: {}", id, waitingFor);
                        throttle.started(waitingFor);
                    }
                    Thread.sleep(100);
                    continue;
                }
                if (waitingFor != null) {
                    long waited = System.currentTimeMillis() - waitingFrom;
                    LOG.info("migration {}: copy goes on after {} ms ({})", id, waited, waitingFor);
                    throttle.ended(waitingFor, waited);
                    waitingFor = null;
                }
                if (locking == ordersCommits(c)) {
                    locking = !locking;
                    LOG.info("migration {}: binlog_order_commits is {} now, so the next chunks read {}", id,
                            locking ? "OFF" : "ON", locking ? "with shared locks" : "a snapshot, without locks");
                    isolate(c, locking);
                    for (Connection o : others) {
                        isolate(o, locking);
                    }
                }
                long t0 = System.nanoTime();
                Chunk chunk;
                carrier.gate().lock();
                try {
                    chunk = others.isEmpty() ? copyOne(c, cursor, limit, locking)
                            : copyAtOnce(c, others, cursor, limit, locking);
                } catch (SQLException e) {
                    if (e.getErrorCode() != NO_PARTITION_FOR_VALUE || !carrier.carries()) {
                        throw e;
                    }
                    chunk = null;
                    awaitPartitions(c, e);
                } finally {
                    carrier.gate().unlock();
                }
                if (chunk == null) {
                    Thread.sleep(200);
                    continue;
                }
                partitionsLoggedAt = 0;
                partitionsMarker = null;
                partitionsMatched = false;
                long elapsedMs = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
                chunkMillis += elapsedMs;
                lastChunkMillis = elapsedMs;
                rowsCopied.addAndGet(chunk.rows());
                metrics.copied(chunk.rows());
                chunks.addAndGet(chunk.count());
                if (chunk.last() != null) {
                    cursor = chunk.last();
                }
                if (chunk.done()) {
                    load(c);
                    done = true;
                    LOG.info("migration {}: copy done, {} rows in {} chunks (at most {} at once), {} ms{}", id,
                            rowsCopied.get(), chunks.get(), Math.max(1, widestRound), copyMillis,
                            restedMillis > 0 ? " (" + restedMillis + " ms of it resting between chunks)" : "");
                    return;
                }
                rest(elapsedMs * throttle.restPercent() / 100);
                limit = nextLimit(limit, elapsedMs);
            }
        }
    }

    /**
     * How the replicator carries the serving table's partition maintenance to the shadow table while the copy runs
     * ({@link Replicator#carrier}).
     *
     * @param gate    held through each chunk, or round of chunks copied at once; the replicator takes it between them
     * @param carries whether the migration keeps the table's partitions (its ALTER does not repartition it)
     * @param hasRead whether the replicator has read the copy's marker of a token from the changelog
     */
    record Carrier(Lock gate, boolean carries, java.util.function.Predicate<String> hasRead) {}

    /**
     * A chunk met a row that the shadow table has no partition for ({@code e}): a partition added to the serving
     * table (or a LIST partition given more values) that the replicator has not carried to the shadow table yet,
     * because it has not read the statement from the changelog. The copy writes a marker and tries the chunk again
     * until the replicator has, while the two tables' partitions differ. It fails with MySQL's error when they do not
     * differ twice in a row (once may be a carry between the chunk and this look), and with the difference when they
     * still differ once the replicator has read the marker: the replicator has carried every statement before it,
     * so the shadow table's partitions were changed from elsewhere. Logs that the copy waits, and again every 10 s.
     */
    private void awaitPartitions(Connection c, SQLException e) throws SQLException {
        Db.rollbackQuietly(c);
        boolean read = partitionsMarker != null && carrier.hasRead().test(partitionsMarker);
        java.util.Map<String, List<String>> layouts = TableInspector.partitionLayouts(c, forward.read(),
                forward.write());
        c.commit();
        List<String> serving = layouts.getOrDefault(forward.read().table(), List.of());
        List<String> shadow = layouts.getOrDefault(forward.write().table(), List.of());
        if (serving.equals(shadow)) {
            if (partitionsMatched) {
                throw e;
            }
            partitionsMatched = true;
            return;
        }
        partitionsMatched = false;
        String difference = forward.read() + ": " + String.join(", ", serving) + "; " + forward.write() + ": "
                + String.join(", ", shadow);
        if (read) {
            throw new SQLException(e.getMessage() + ", and the partitions of " + forward.write() + " were changed"
                    + " outside Flipside: they are not those of " + forward.read() + " (" + difference + ")",
                    e.getSQLState(), e.getErrorCode(), e);
        }
        if (partitionsMarker == null) {
            partitionsMarker = sidecar.writeMarker(c, id, PARTITIONS_MARKER);
        }
        if (System.currentTimeMillis() - partitionsLoggedAt >= 10_000) {
            partitionsLoggedAt = System.currentTimeMillis();
            LOG.info("migration {}: the copy waits for the replicator to carry the partitions of {} to {} ({}; {})",
                    id, forward.read(), forward.write(), e.getMessage(), difference);
        }
    }

    /** What one round committed: {@code count} chunks of {@code rows} rows in all, the cursor now, whether the last. */
    private record Chunk(long rows, Key last, boolean done, int count) {
        Chunk(long rows, Key last, boolean done) {
            this(rows, last, done, 1);
        }
    }

    /** The connections of the chunks copied at once besides the copier's own. */
    private static final class Connections extends ArrayList<Connection> implements AutoCloseable {
        @Override
        public void close() {
            for (Connection o : this) {
                try {
                    o.close();
                } catch (SQLException e) {
                    LOG.debug("closing a copy connection", e);
                }
            }
        }
    }

    /** A chunk rolled back because the chunk before it did not commit. */
    private static final class Abandoned extends RuntimeException {
        Abandoned(Throwable cause) {
            super("the chunk before it did not commit", cause);
        }
    }

    /**
     * One round of chunks copied at once: up to {@code others.size()} ranges of about {@code limit} rows each, bounded
     * by the keys read now, each on its own connection; then an ordinary chunk of {@code limit} rows on {@code c}. Each
     * commits only after the one before it. Returns what committed, in key order; throws when the first did not.
     */
    private Chunk copyAtOnce(Connection c, List<Connection> others, Key lower, int limit, boolean locking)
            throws SQLException {
        List<Key> uppers = new ArrayList<>();
        Key from = lower;
        for (int i = 0; i < others.size(); i++) {
            Key upper = keyAfter(c, from, limit - 1);
            if (upper == null) {
                break;
            }
            uppers.add(upper);
            from = upper;
        }
        c.commit();
        if (uppers.isEmpty()) {
            return copyOne(c, lower, limit, locking);
        }
        if (locking || openSnapshot(c, uppers.size() + 1)) {
            return copyRound(c, others, lower, limit, uppers, locking);
        }
        List<Connection> all = new ArrayList<>(others);
        all.add(c);
        return withLocks(all, () -> copyRound(c, others, lower, limit, uppers, true));
    }

    /** The chunks of one round, {@code uppers} bounding all but the last (of {@code limit} rows), opened already. */
    private Chunk copyRound(Connection c, List<Connection> others, Key lower, int limit, List<Key> uppers,
            boolean locking) throws SQLException {
        List<CompletableFuture<Chunk>> rounds = new ArrayList<>();
        CompletableFuture<Chunk> before = null;
        Key lo = lower;
        for (int i = 0; i < uppers.size(); i++) {
            Key l = lo;
            Key u = uppers.get(i);
            Connection o = others.get(i);
            CompletableFuture<Chunk> prev = before;
            before = CompletableFuture.supplyAsync(() -> {
                try {
                    return db.retrying(() -> copyRange(o, l, u, prev, locking));
                } catch (SQLException e) {
                    throw new CompletionException(e);
                }
            }, helpers);
            rounds.add(before);
            lo = u;
        }
        Key l = lo;
        CompletableFuture<Chunk> prev = before;
        CompletableFuture<Chunk> own;
        try {
            own = CompletableFuture.completedFuture(db.retrying(() -> copy(c, l, limit, prev, locking)));
        } catch (SQLException | RuntimeException e) {
            own = CompletableFuture.failedFuture(e);
        }
        rounds.add(own);
        long rows = 0;
        Key last = lower;
        boolean done = false;
        int count = 0;
        Throwable failed = null;
        for (var f : rounds) {
            try {
                Chunk ch = f.join();
                if (failed == null) {
                    rows += ch.rows();
                    last = ch.last() != null ? ch.last() : last;
                    done = ch.done();
                    count++;
                }
            } catch (CompletionException | CancellationException e) {
                Throwable cause = e instanceof CompletionException && e.getCause() != null
                        ? e.getCause() : e;
                if (failed == null) {
                    failed = cause;
                }
            }
        }
        if (failed != null && count == 0) {
            if (failed instanceof SQLException s) {
                throw s;
            }
            if (failed instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(failed);
        }
        if (failed != null) {
            LOG.info("migration {}: {} of {} chunks copied at once committed; the rest is copied again from the"
                    + " cursor ({})", id, count, rounds.size(), Db.describe(failed));
        }
        widestRound = Math.max(widestRound, count);
        return new Chunk(rows, last, done, count);
    }

    /** The key {@code offset} rows after {@code lower} in key order, or null when the table ends before it. */
    private Key keyAfter(Connection c, Key lower, long offset) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(forward.chunkRowKey(lower == null))) {
            int i = lower == null ? 1 : KeyValues.bind(ps, 1, lower);
            ps.setLong(i, offset);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? KeyValues.read(rs, forward.readKey()) : null;
            }
        }
    }

    /** Waits until the chunk before this one committed; throws {@link Abandoned} when it did not. */
    private static void afterCommitOf(CompletableFuture<Chunk> before) {
        if (before == null) {
            return;
        }
        try {
            before.join();
        } catch (CompletionException | CancellationException e) {
            throw new Abandoned(e.getCause() != null ? e.getCause() : e);
        }
    }

    /** Copies the rows after {@code lower} up to {@code upper}, and moves the cursor to {@code upper}. */
    private Chunk copyRange(Connection c, Key lower, Key upper, CompletableFuture<Chunk> before, boolean locking)
            throws SQLException {
        return inTransaction(c, lower, () -> {
            boolean first = lower == null;
            int rows;
            try (PreparedStatement ps = c.prepareStatement(forward.copyRange(first, locking))) {
                int i = first ? 1 : KeyValues.bind(ps, 1, lower);
                KeyValues.bind(ps, i, upper);
                rows = ps.executeUpdate();
            }
            afterCommitOf(before);
            advance(c, upper, false, rows);
            return new Chunk(rows, upper, false);
        });
    }

    /** A chunk's work, up to its commit. */
    private interface ChunkWork {
        Chunk run() throws SQLException;
    }

    /**
     * Runs a chunk's work and commits it; rolls back on any failure, naming the row when the new table refused a value.
     */
    private Chunk inTransaction(Connection c, Key lower, ChunkWork work) throws SQLException {
        try {
            Chunk chunk = work.run();
            c.commit();
            return chunk;
        } catch (SQLException e) {
            Db.rollbackQuietly(c);
            throw LossyValues.isRefusedValue(e) ? withKey(c, e, lower) : e;
        } catch (RuntimeException e) {
            Db.rollbackQuietly(c);
            throw e;
        }
    }

    private void advance(Connection c, Key last, boolean isLast, long rows) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sidecar.advanceCopy())) {
            ps.setString(1, last == null ? null : KeyValues.encode(last));
            ps.setInt(2, isLast ? 1 : 0);
            ps.setLong(3, rows);
            ps.setInt(4, isLast ? 1 : 0);
            ps.setString(5, id);
            ps.setLong(6, epoch);
            Failpoints.hit("copy.chunk");
            Fenced.check(ps.executeUpdate(), id, epoch);
        }
    }

    /** One chunk on its own: opened first when it reads a snapshot ({@link #open}), then copied. */
    private Chunk copyOne(Connection c, Key lower, int limit, boolean locking) throws SQLException {
        if (locking || openSnapshot(c, 1)) {
            return db.retrying(() -> copy(c, lower, limit, null, locking));
        }
        return withLocks(List.of(c), () -> db.retrying(() -> copy(c, lower, limit, null, true)));
    }

    /**
     * {@link #open Opens} the next {@code chunks} chunks and tells whether they may still read a snapshot: {@code
     * binlog_order_commits} is read again once the opening committed. It was read before the chunk too, but switched
     * off between that read and the opening's commit, the opening may have committed before a change ahead of it in
     * the binlog, which the snapshot would then miss; those chunks read with shared locks instead (they stay opened:
     * the replicator applying the changes it held once more is harmless).
     */
    private boolean openSnapshot(Connection c, int chunks) throws SQLException {
        open(c, chunks);
        if (ordersCommits(c)) {
            return true;
        }
        LOG.info("migration {}: binlog_order_commits was switched OFF as {} opened, so {} with shared locks", id,
                chunks == 1 ? "a chunk" : chunks + " chunks", chunks == 1 ? "it reads" : "they read");
        return false;
    }

    /** Runs {@code work} with {@code connections} in the locking chunks' isolation, then in the snapshot's again. */
    private static Chunk withLocks(List<Connection> connections, ChunkWork work) throws SQLException {
        for (Connection o : connections) {
            isolate(o, true);
        }
        try {
            return work.run();
        } finally {
            for (Connection o : connections) {
                isolate(o, false);
            }
        }
    }

    /**
     * Opens the next {@code chunks} chunks, which read a snapshot (READ COMMITTED, without locks), in a commit of their
     * own: the replicator holds the changes it meets from this commit on, and applies them again as each chunk's cursor
     * covers their rows, until the last of these chunks' cursors (a snapshot read may have missed them). A chunk
     * retried after a deadlock stays in the same opening.
     */
    private void open(Connection c, int chunks) throws SQLException {
        Failpoints.hit("copy.open");
        db.retrying(() -> {
            try (PreparedStatement ps = c.prepareStatement(sidecar.openChunks())) {
                ps.setInt(1, chunks);
                ps.setString(2, id);
                ps.setLong(3, epoch);
                Fenced.check(ps.executeUpdate(), id, epoch);
                c.commit();
                return null;
            } catch (SQLException | RuntimeException e) {
                Db.rollbackQuietly(c);
                throw e;
            }
        });
    }

    /**
     * Copies up to {@code limit} rows after {@code lower} and moves the cursor past them: with shared locks, or (not
     * {@code locking}) reading the snapshot of a READ COMMITTED statement, once the chunk is {@link #open opened}.
     */
    private Chunk copy(Connection c, Key lower, int limit, CompletableFuture<Chunk> before, boolean locking)
            throws SQLException {
        return inTransaction(c, lower, () -> {
            boolean first = lower == null;
            int rows;
            try (PreparedStatement ps = c.prepareStatement(forward.copyChunk(first, locking))) {
                int i = first ? 1 : KeyValues.bind(ps, 1, lower);
                ps.setInt(i, limit);
                rows = ps.executeUpdate();
            }
            Key last = null;
            if (rows > 0) {
                try (PreparedStatement ps = c.prepareStatement(forward.lastCopiedKey(first))) {
                    if (!first) {
                        KeyValues.bind(ps, 1, lower);
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        last = KeyValues.read(rs, forward.readKey());
                    }
                }
            }
            boolean isLast = rows < limit;
            afterCommitOf(before);
            advance(c, last, isLast, rows);
            return new Chunk(rows, last, isLast);
        });
    }

    private static final java.util.regex.Pattern AT_ROW = java.util.regex.Pattern.compile(" at row (\\d+)");

    /**
     * A value the new table refused, with the key of the row MySQL's "at row N" counts within the chunk, or, where
     * MySQL names no row, the {@link #failingRow} (read again after the rollback: the row at that place then, which a
     * change since could have moved).
     */
    private SQLException withKey(Connection c, SQLException e, Key lower) {
        java.util.regex.Matcher m = AT_ROW.matcher(String.valueOf(e.getMessage()));
        try {
            long row = m.find() ? Long.parseLong(m.group(1)) : failingRow(c, e, lower);
            if (row == 0) {
                return e;
            }
            Key key = keyAfter(c, lower, row - 1);
            if (key == null) {
                return e;
            }
            return new SQLException("the new table cannot hold the row with key " + KeyValues.display(key) + ": "
                    + e.getMessage(), e.getSQLState(), e.getErrorCode(), e);
        } catch (SQLException lookup) {
            e.addSuppressed(lookup);
            return e;
        } finally {
            Db.rollbackQuietly(c);
        }
    }

    /**
     * Which row after {@code lower} (1 for the first) MySQL refuses as it did in {@code e}, for a refusal that names
     * no row (a JSON column's invalid text): the copy of 1, 2, 4, ... rows is tried, then the interval halved until
     * one row more makes it fail, each try rolled back to a savepoint. 0 when none fails so (the rows changed since).
     */
    private long failingRow(Connection c, SQLException e, Key lower) throws SQLException {
        long works = 0;
        long fails = 0;
        for (long n = 1; fails == 0; n *= 2) {
            long copied = tryCopy(c, lower, n, e.getErrorCode());
            if (copied < 0) {
                fails = n;
            } else if (copied < n) {
                return 0; // no more rows
            } else {
                works = n;
            }
        }
        while (fails - works > 1) {
            long n = (works + fails) / 2;
            if (tryCopy(c, lower, n, e.getErrorCode()) < 0) {
                fails = n;
            } else {
                works = n;
            }
        }
        return fails;
    }

    /** Copies {@code n} rows after {@code lower} and rolls them back: how many, or -1 when MySQL refused as before. */
    private long tryCopy(Connection c, Key lower, long n, int refusal) throws SQLException {
        java.sql.Savepoint before = c.setSavepoint();
        try (PreparedStatement ps = c.prepareStatement(forward.copyChunk(lower == null, false))) {
            int i = lower == null ? 1 : KeyValues.bind(ps, 1, lower);
            ps.setLong(i, n);
            return ps.executeUpdate();
        } catch (SQLException x) {
            if (x.getErrorCode() == refusal) {
                return -1;
            }
            throw x;
        } finally {
            c.rollback(before);
        }
    }

    /** Rests between chunks (nothing held: the chunk committed) for {@code millis}, or until stopped. */
    private void rest(long millis) throws InterruptedException {
        if (millis <= 0) {
            return;
        }
        long t0 = System.nanoTime();
        long until = t0 + millis * 1_000_000;
        while (!stopped) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                break;
            }
            Thread.sleep(Math.min(50, Math.max(1, left / 1_000_000)));
        }
        restedMillis += (System.nanoTime() - t0) / 1_000_000;
    }

    /** Scales the chunk towards the target duration, at most doubling or halving at a time. */
    int nextLimit(int limit, long elapsedMs) {
        double scaled = limit * (double) throttle.chunkTargetMillis() / elapsedMs;
        double bounded = Math.max(limit / 2.0, Math.min(limit * 2.0, scaled));
        return (int) Math.max(10, Math.min(maxRows, bounded));
    }

    private Key load(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sidecar.selectCopyState())) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("migration " + id + " has no copy_state row");
                }
                done = rs.getInt(2) == 1;
                rowsCopied.set(rs.getLong(3));
                chunks.set(rs.getLong(4));
                copyMillis = rs.getLong(5);
                return KeyValues.decode(rs.getString(1));
            }
        } finally {
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
    }

    /**
     * Sets the isolation a copy session needs, whatever the server's default: READ COMMITTED for chunks that read a
     * snapshot (one per statement); REPEATABLE READ for chunks that read with shared locks, whose gap locks also hold
     * back a row inserted where the chunk has already read (under READ COMMITTED it would commit before the chunk, be
     * missing from it, and reach the changelog before the chunk's cursor, which makes the replicator skip it).
     */
    private static void isolate(Connection c, boolean locking) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET SESSION transaction_isolation = '" + (locking ? "REPEATABLE-READ" : "READ-COMMITTED") + "'");
        }
    }

    /**
     * Whether MySQL commits transactions in the order it writes them to the binlog ({@code binlog_order_commits}, on by
     * default). A chunk may read without locks only then: a change before the chunk's opening in the binlog is then
     * committed, and in the chunk's snapshot, by the time the opening's commit returns.
     */
    static boolean ordersCommits(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@GLOBAL.binlog_order_commits")) {
            return rs.next() && rs.getInt(1) == 1;
        } finally {
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
    }

    private void markStarted(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sidecar.markCopyStarted())) {
            ps.setString(1, id);
            ps.setLong(2, epoch);
            Fenced.check(ps.executeUpdate(), id, epoch);
        }
    }
}
