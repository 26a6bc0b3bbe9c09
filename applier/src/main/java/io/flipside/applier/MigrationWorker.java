package io.flipside.applier;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.config.TableFilter;
import io.flipside.core.ddl.AlterClauses;
import io.flipside.core.ddl.InvalidAlterException;
import io.flipside.core.mapping.ColumnMapping;
import io.flipside.core.migration.Decisions;
import io.flipside.core.migration.Lifecycle;
import io.flipside.core.migration.Names;
import io.flipside.core.migration.Transitions;
import io.flipside.core.sql.Projection;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.core.sql.WriteMode;
import io.flipside.runtime.AvroJson;
import io.flipside.runtime.Backoff;
import io.flipside.runtime.KafkaSetup;
import io.flipside.runtime.LogContext;
import io.flipside.schema.CaughtUp;
import io.flipside.schema.ChecksumVerdict;
import io.flipside.schema.ChecksumVerified;
import io.flipside.schema.ColumnPair;
import io.flipside.schema.CopyCompleted;
import io.flipside.schema.CutOverAttemptFailed;
import io.flipside.schema.CutOverCompleted;
import io.flipside.schema.DeferredIndex;
import io.flipside.schema.Interrupted;
import io.flipside.schema.MigrationCancelled;
import io.flipside.schema.MigrationCompleted;
import io.flipside.schema.MigrationFailed;
import io.flipside.schema.MigrationRejected;
import io.flipside.schema.MigrationStarted;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.Progressed;
import io.flipside.schema.Resumed;
import io.flipside.schema.RevertCompleted;
import io.flipside.schema.RevertLossy;
import io.flipside.schema.RevertRefused;
import io.flipside.schema.ThrottleEnded;
import io.flipside.schema.Throttled;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one migration's MySQL side: it reconciles MySQL with the state the controller decided (read from the state
 * topic) and reports what it did. The phase comes from durable state: the sidecar says whether the migration was
 * prepared, how far the copy got and which way replication runs; the controller's state says what is wanted next.
 *
 * <pre>
 *   QUEUED        prepare: validate, create the shadow table, plan            -> MigrationStarted | MigrationRejected
 *   COPYING       copy chunks (then build the deferred indexes) and apply the
 *                 changelog; when caught up                                   -> CopyCompleted, CaughtUp
 *   READY         keep applying, wait for the cut-over
 *   CUTTING_OVER  freeze and swap (forward to inverse)                        -> CutOverCompleted | CutOverAttemptFailed
 *   CUT_OVER      inverse replication
 *   REVERTING     freeze and swap (inverse to forward)                        -> RevertCompleted
 *   REVERTED      forward replication (a cutover swaps again)
 *   cancel / complete pending: stop, drop the shadow / retire the parked table -> MigrationCancelled / Completed
 * </pre>
 */
final class MigrationWorker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationWorker.class);
    private static final long PROGRESS_EVERY_MS = 2000;
    /**
     * The longest wait between two tries of interrupted work (the worker's, and the copy's reconnects): how late it
     * goes on once MySQL takes writes again. A try costs a connection and a few reads.
     */
    static final Duration RETRY_MAX = Duration.ofSeconds(5);

    private final String id;
    private final FlipsideConfig config;
    private final Db db;
    private final Sidecar sidecar;
    private final Reports reports;
    private final Runnable onExit;
    private volatile MigrationState desired;
    private volatile boolean stopped;
    private Thread copierThread;
    private ChunkCopier copier;
    private Thread verification;
    private int swapAttempts;
    private boolean reportedCaughtUp;
    private int reportedSwaps = -1;
    private long lastProgressAt;
    private String lastProgress = "";
    private long interruptedSince;
    /** The waits between tries of the work after an interruption. */
    private final Backoff retries = new Backoff(Duration.ofMillis(500), RETRY_MAX);
    /** The reason of the last retry logged at WARN, and when: a retry for the same reason is at DEBUG for a minute. */
    private String retryLogged = "";
    private long retryLoggedAt;
    private final ApplierMetrics metrics;
    private final Retirement retirement;
    /** The lossy-value count of the replicator last journalled; -1 journals leftovers of a crash at the start. */
    private long lossyJournalled = -1;
    /** The revert command this worker refused, so that it does not freeze again for it. */
    private String refusedRequest;

    MigrationWorker(MigrationState initial, FlipsideConfig config, Db db, Sidecar sidecar, Reports reports,
            Runnable onExit) {
        this.id = initial.getId();
        this.desired = initial;
        this.config = config;
        this.db = db;
        this.sidecar = sidecar;
        this.reports = reports;
        this.onExit = onExit;
        this.metrics = new ApplierMetrics(id);
        this.retirement = new Retirement(db, sidecar, config, () -> stopped);
    }

    void update(MigrationState s) {
        if (s.getVersion() >= desired.getVersion()) {
            desired = s;
        }
    }

    void stop() {
        stopped = true;
    }

    /** The version of the latest state this worker was given. */
    long latestVersion() {
        return desired.getVersion();
    }

    @Override
    public void run() {
        Thread.currentThread().setName("flipside-migration-" + id);
        LogContext.set(id, desired.getStatus().name());
        try {
            while (!stopped) {
                long triedAt = System.currentTimeMillis();
                try {
                    if (runOnce()) {
                        return;
                    }
                } catch (Fenced e) {
                    LOG.warn("{}; this worker stops", e.getMessage());
                    return;
                } catch (PermanentFailure e) {
                    LOG.error("migration {} failed: {}", id, e.getMessage());
                    fail(e.getMessage());
                    return;
                } catch (Exception e) {
                    if (stopped) {
                        return;
                    }
                    interrupted(e);
                    if (System.currentTimeMillis() - triedAt >= RETRY_MAX.toMillis()) {
                        // This try went on for a while: a new interruption, not the same one again.
                        retries.reset();
                        retryLogged = "";
                    }
                    long wait = retries.nextMillis();
                    logRetry(Db.describe(e), wait);
                    sleep(wait);
                }
            }
        } finally {
            LogContext.clear();
            metrics.revertReady(false);
            stopCopier();
            joinVerification();
            metrics.release(ApplierMetrics.KEPT);
            onExit.run();
        }
    }

    /** Journals the start of an interruption (once per episode; best effort: Kafka may be what is down). */
    private void interrupted(Exception e) {
        if (interruptedSince == 0) {
            interruptedSince = System.currentTimeMillis();
            try {
                reports.send(id, new Interrupted("applier", Db.describe(e)));
            } catch (RuntimeException ex) {
                LOG.warn("migration {}: could not journal the interruption: {}", id, Db.describe(ex));
            }
        }
    }

    /**
     * Logs a retry at WARN when its reason is new or a minute has passed since the last one logged, else at DEBUG:
     * a server read-only for an hour is told every minute, not every few seconds.
     */
    private void logRetry(String why, long wait) {
        long now = System.currentTimeMillis();
        if (!why.equals(retryLogged) || now - retryLoggedAt >= 60_000) {
            LOG.warn("migration {}: interrupted ({}); retrying in {} ms{}", id, why, wait, interruptedSince < now - 1000
                    ? " (interrupted for " + Duration.ofMillis(now - interruptedSince).toSeconds() + " s)" : "");
            retryLogged = why;
            retryLoggedAt = now;
        } else {
            LOG.debug("migration {}: interrupted ({}); retrying in {} ms", id, why, wait);
        }
    }

    /** Journals the end of an interruption, once the worker is running again. */
    private void resumed() {
        if (interruptedSince != 0) {
            reports.send(id, new Resumed("applier", System.currentTimeMillis() - interruptedSince));
            interruptedSince = 0;
        }
    }

    /** A failure that a retry cannot get past. */
    static final class PermanentFailure extends RuntimeException {
        PermanentFailure(String message) {
            super(message);
        }
    }

    /** Returns true when the worker is done with this migration. */
    private boolean runOnce() throws Exception {
        MigrationState d = desired;
        TableName source;
        try {
            source = TableName.parse(d.getTable());
        } catch (IllegalArgumentException e) {
            // Never from a submit (the controller checks the name): a state written by hand, or by another release.
            throw new PermanentFailure("its table, " + d.getTable() + ", cannot be read (" + e.getMessage() + "); no"
                    + " table was looked at, and any this migration made before is left as it is");
        }
        MigrationStarted plan;
        String outcome;
        try (Connection c = db.connect()) {
            String[] row = loadMigrationRow(c);
            plan = row == null ? null : AvroJson.decode(MigrationStarted.class, row[0]);
            outcome = row == null ? null : row[1];
            reports.attempt(id, d.getAttempts());
            if ("FAILED".equals(outcome) && d.getStatus() == MigrationStatus.QUEUED) {
                // Retried: the failed attempt dropped its shadow and progress; start again from the beginning.
                LOG.info("migration {}: attempt {} starts from the beginning", id, d.getAttempts());
                try (PreparedStatement ps = c.prepareStatement(sidecar.deleteState("migrations"))) {
                    ps.setString(1, id);
                    ps.executeUpdate();
                }
                plan = null;
                outcome = null;
            }
            if (outcome != null) {
                reportOutcome(outcome, plan);
                return true;
            }
            if (!Decisions.KIND_ALTER.equals(d.getKind())) {
                resumed();
                return new NoCopyMigration(id, db, sidecar, reports, retirement).run(() -> desired, () -> stopped, plan,
                        this::endSidecar);
            }
            if (plan == null) {
                if (Lifecycle.CANCEL.equals(d.getPendingAction())) {
                    reports.send(id, new MigrationCancelled(null));
                    return true;
                }
                if (d.getStatus() != MigrationStatus.QUEUED) {
                    LOG.warn("migration {} is {} but was never prepared here; nothing to do", id, d.getStatus());
                    return true;
                }
                Preparation.Outcome o = Preparation.prepare(c, sidecar, d, changelogEnd(),
                        config.deferIndexes(), config.get(FlipsideConfig.CAPTURE_EXCLUDE_TABLES),
                        config.get(FlipsideConfig.COPY_RESOURCE_GROUP));
                if (o.rejection() != null) {
                    LOG.info("migration {} rejected: {}", id, o.rejection());
                    reports.send(id, new MigrationRejected(o.rejection()));
                    return true;
                }
                plan = o.started();
                reports.send(id, plan);
            } else if (d.getStatus() == MigrationStatus.QUEUED) {
                reports.send(id, plan);
            }
        }
        TableName shadow = source.sibling(plan.getShadowTable());
        TableName old = source.sibling(plan.getOldTable());
        ColumnMapping mapping = ColumnMapping.fromAvro(plan.getForward());
        List<String> shadowKey = plan.getShadowKeyColumns().isEmpty() ? plan.getKeyColumns() : plan.getShadowKeyColumns();
        Projection planned = new Projection(id, source, shadow, mapping, plan.getKeyColumns(), shadowKey,
                plan.getKeyIndex(), WriteMode.valueOf(plan.getWriteMode()));
        long epoch = claim();
        Replicator.InversePlan inversePlan = new Replicator.InversePlan(WriteMode.valueOf(plan.getInverseWriteMode()),
                plan.getInverseKeepColumns(), plan.getInverseUniqueIndexes().stream()
                        .map(cols -> List.of(cols.split(","))).toList(), plan.getRevertible());
        List<List<String>> addedUniqueIndexes = plan.getAddedUniqueKeys().stream()
                .map(k -> addedIndexColumns(k).stream().map(c -> mapping.target(c).orElseThrow()).toList()).toList();
        boolean samePartitions;
        try {
            samePartitions = !AlterClauses.parse(d.getAlter(), source).repartitions();
        } catch (InvalidAlterException e) {
            samePartitions = false; // checked at submit and at preparation; if not now, carry no maintenance
        }
        try (Replicator replicator = new Replicator(id, db, sidecar, config, source, shadow, old, planned,
                addedUniqueIndexes, inversePlan, samePartitions, metrics, epoch)) {
            try {
                replicator.open();
            } catch (Replicator.ChangedOutside e) {
                throw failExcluded(replicator, source, shadow, old, e.getMessage());
            }
            Projection forward = replicator.forward();
            TableFilter excluded = config.get(FlipsideConfig.CAPTURE_EXCLUDE_TABLES);
            if (excluded.matches(source)) {
                throw failExcluded(replicator, source, shadow, old, "table " + source + " now matches"
                        + " capture.exclude.tables (" + excluded + "): the capture no longer publishes its changes");
            }
            // The deferred indexes and the histograms are built before the first swap, which waits for them (and
            // carries the histograms again, for what changed since): once the tables have swapped, each keeps its own.
            boolean first = replicator.swaps() == 0;
            List<DeferredIndex> deferred = first ? plan.getDeferredIndexes() : List.of();
            startCopier(forward, replicator, new IndexBuild(id, sidecar, shadow, deferred, first ? source : null,
                    epoch), epoch);
            resumed();
            return loop(replicator, forward, source, shadow, old, mapping, epoch);
        } finally {
            // A retry starts a new copier, bound to the new replicator; the cursor is in the sidecar.
            stopCopier();
        }
    }

    /**
     * Ends a migration whose table the capture leaves out (taken out after it was prepared, or by a capture whose
     * configuration its applier lacks): its changes no longer reach the changelog, so the standby table cannot be kept
     * equal to the serving one. The serving table has every write and stays; no swap to a stale standby. With the old
     * schema serving, the shadow (new schema) is dropped; after a cut-over, the old table is left for the operator.
     */
    private PermanentFailure failExcluded(Replicator r, TableName source, TableName shadow, TableName old,
            String reason) throws SQLException {
        stopCopier();
        if (r.swaps() % 2 == 0) {
            dropQuietly(shadow);
            endSidecar("FAILED");
            return new PermanentFailure(reason + "; the shadow table is dropped and " + source + " keeps its schema");
        }
        endSidecar("FAILED");
        return new PermanentFailure(reason + "; " + source + " serves the new schema with every write, and " + old
                + " (the old schema, no longer kept in step) is left for you to drop");
    }

    /**
     * Takes the migration over: the next epoch in the sidecar. Every later update of this worker's progress names it,
     * so a worker of an earlier epoch (a paused process that woke up after another applier took over) updates nothing
     * and stops.
     */
    private long claim() throws SQLException {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            long epoch;
            try (PreparedStatement ps = c.prepareStatement(sidecar.bumpApplyEpoch())) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(sidecar.selectEpoch())) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    epoch = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(sidecar.setCopyEpoch())) {
                ps.setLong(1, epoch);
                ps.setString(2, id);
                ps.executeUpdate();
            }
            c.commit();
            LOG.info("migration {}: owned by this applier (epoch {})", id, epoch);
            return epoch;
        }
    }

    private boolean loop(Replicator r, Projection forward, TableName source, TableName shadow, TableName old,
            ColumnMapping mapping, long epoch) throws Exception {
        while (!stopped) {
            MigrationState d = desired;
            LogContext.phase(d.getStatus().name());
            if (Lifecycle.CANCEL.equals(d.getPendingAction())) {
                cancel(shadow, epoch);
                return true;
            }
            if (Lifecycle.COMPLETE.equals(d.getPendingAction())) {
                complete(r, source, shadow, old, epoch);
                return true;
            }
            if (Transitions.isFinal(d.getStatus())) {
                return true;
            }
            if (copier != null && copier.fenced != null) {
                throw copier.fenced;
            }
            if (copier != null && copier.failure != null) {
                String reason = "copy failed: " + copier.failure.getMessage();
                dropQuietly(shadow);
                endSidecar("FAILED");
                throw new PermanentFailure(reason);
            }
            if (d.getPaused()) {
                // Before the cut-over only (the controller refuses a pause later): the copy waits between chunks and
                // the changelog waits in Kafka; the applied position stays where it was.
                Thread.sleep(100);
                continue;
            }
            try {
                // Short: a command (a cut-over, a revert) is seen here between two polls.
                r.pollOnce(Duration.ofMillis(20));
                step(r, d, source, shadow, old, mapping, forward);
            } catch (Replicator.Unrepresentable e) {
                // Before any cut-over: the shadow table never served, and cannot hold production's data.
                dropQuietly(shadow);
                endSidecar("FAILED");
                throw new PermanentFailure(e.getMessage() + "; " + source + " is unchanged");
            } catch (Replicator.ChangelogIncomplete | Replicator.ChangedOutside e) {
                throw failExcluded(r, source, shadow, old, e.getMessage());
            }
            if (r.lossyRecorded() != lossyJournalled) {
                journalLossy(r);
            }
            metrics.revertReady(Decisions.revertAcceptedNow(desired)
                    && r.lagMillis() <= config.get(FlipsideConfig.CATCHUP_MAX_LAG_MS));
            reportProgress(r, false);
        }
        return true;
    }

    private void step(Replicator r, MigrationState d, TableName source, TableName shadow, TableName old,
            ColumnMapping mapping, Projection forward) throws Exception {
        switch (d.getStatus()) {
            case COPYING -> {
                if (!reportedCaughtUp && copier != null && copier.ready && r.copyDoneSeen() && r.atEnd()
                        && r.lagMillis() <= config.get(FlipsideConfig.CATCHUP_MAX_LAG_MS)) {
                    reportProgress(r, true);
                    reports.send(id, new CopyCompleted(copier.rowsCopied.get(), copier.chunks.get(),
                            copier.copyMillis, copier.indexMillis, copier.restedMillis));
                    reports.send(id, new CaughtUp(r.lagMillis()));
                    reportedCaughtUp = true;
                }
            }
            case CUTTING_OVER -> {
                if (r.direction() == Replicator.Direction.FORWARD) {
                    swap(r, d, true, mapping, source, shadow, old, forward);
                } else if (reportedSwaps != r.swaps()) {
                    reports.send(id, new CutOverCompleted(r.lastSwapGtid(), r.lastSwapFreezeMillis(),
                            r.lastSwapLockWaitMillis(), Math.max(1, swapAttempts), r.lastSwapStartedAt()),
                            r.lastSwapGtid());
                    reportedSwaps = r.swaps();
                }
            }
            case REVERTING -> {
                if (r.direction() == Replicator.Direction.INVERSE) {
                    swap(r, d, false, mapping, source, shadow, old, forward);
                } else if (reportedSwaps != r.swaps()) {
                    reports.send(id, new RevertCompleted(r.lastSwapGtid(), r.lastSwapFreezeMillis(),
                            r.lastSwapLockWaitMillis(), -1L, r.lastSwapStartedAt()), r.lastSwapGtid());
                    reportedSwaps = r.swaps();
                }
            }
            default -> { }
        }
    }

    /**
     * Journals the lossy values the sidecar holds and the journal does not (each as a RevertLossy with its seq, so a
     * repeat after a crash folds to nothing), then marks them reported.
     */
    private void journalLossy(Replicator r) throws SQLException {
        long seen = r.lossyRecorded();
        try (Connection c = db.connect()) {
            List<LossyValues.Recorded> batch;
            do {
                batch = r.lossy().unreported(c);
                for (LossyValues.Recorded l : batch) {
                    LOG.warn("migration {}: the old table cannot hold the value of column {} for key {}: {}; a revert"
                            + " is no longer lossless", id, l.column(), l.key(), l.detail());
                    reports.send(id, new RevertLossy(l.seq(), l.key(), l.column(), l.detail(), l.swaps()));
                }
                if (!batch.isEmpty()) {
                    r.lossy().markReported(c, batch.get(batch.size() - 1).seq());
                }
            } while (batch.size() == 100);
        }
        lossyJournalled = seen;
    }

    /** The source columns of an added unique key as MigrationStarted.addedUniqueKeys spells it: index(col1,col2). */
    static List<String> addedIndexColumns(String described) {
        int open = described.indexOf('(');
        if (open < 0 || !described.endsWith(")")) {
            throw new IllegalArgumentException("not index(col,...): " + described);
        }
        return List.of(described.substring(open + 1, described.length() - 1).split(","));
    }

    private void swap(Replicator r, MigrationState d, boolean cutOver, ColumnMapping mapping, TableName source,
            TableName shadow, TableName old, Projection keys) throws Exception {
        joinVerification();
        if (d.getPendingRequestId() != null && d.getPendingRequestId().equals(refusedRequest)) {
            return; // refused already; waiting for the controller to record it
        }
        swapAttempts++;
        if (cutOver && r.swaps() == 0) {
            carryHistogramsAgain(source, shadow);
        }
        Replicator.Swap s = r.swap(Duration.ofSeconds(30), cutOver ? d.getCutOverForced() : d.getRevertForced());
        if (s.refused()) {
            LOG.warn("migration {}: {} refused: {}", id, cutOver ? "cut-over" : "revert", s.failure());
            journalLossy(r);
            reports.send(id, new RevertRefused(s.failure()));
            refusedRequest = d.getPendingRequestId();
            swapAttempts = 0;
            return;
        }
        if (!s.done()) {
            LOG.warn("migration {}: {} attempt {} gave up after {} ms: {}", id, cutOver ? "cut-over" : "revert",
                    swapAttempts, s.freezeMillis(), s.failure());
            reports.send(id, new CutOverAttemptFailed(swapAttempts, s.failure(), s.freezeMillis()));
            if (swapAttempts >= config.get(FlipsideConfig.CUTOVER_MAX_ATTEMPTS)) {
                throw new PermanentFailure((cutOver ? "cut-over" : "revert") + " gave up after " + swapAttempts
                        + " attempts: " + s.failure());
            }
            sleep(Math.min(10_000, 500L * swapAttempts));
            return;
        }
        if (cutOver) {
            reports.send(id, new CutOverCompleted(s.freezeGtid(), s.freezeMillis(), s.lockWaitMillis(), swapAttempts,
                    s.startedAt()), s.freezeGtid());
        } else {
            long serving = d.getPendingSince() == null ? -1 : System.currentTimeMillis() - d.getPendingSince();
            reports.send(id, new RevertCompleted(s.freezeGtid(), s.freezeMillis(), s.lockWaitMillis(), serving,
                    s.startedAt()), s.freezeGtid());
        }
        reportedSwaps = r.swaps();
        swapAttempts = 0;
        if (s.snapshot() != null) {
            // After a cut-over the new table serves and the old one was replaced; after a revert, the other way.
            TableName production = source;
            TableName replaced = cutOver ? old : shadow;
            List<String> newColumns = mapping.toColumns();
            List<String> oldColumns = mapping.fromColumns();
            String phase = cutOver ? "CUT_OVER" : "REVERT";
            List<String> oldKey = keys.readKey();
            List<String> newKey = keys.writeKey();
            String gtid = s.freezeGtid();
            verification = new Thread(() -> {
                LogContext.set(id, "VERIFY_" + phase);
                try {
                    ChecksumVerdict v = Verifier.verify(id, s.snapshot(), phase, gtid, production,
                            cutOver ? newColumns : oldColumns, cutOver ? newKey : oldKey, replaced,
                            cutOver ? oldColumns : newColumns, cutOver ? oldKey : newKey);
                    if (!v.getMatched()) {
                        LOG.error("migration {}: CHECKSUM MISMATCH at the {} freeze point {}: {}", id, phase, gtid, v);
                    }
                    reports.send(id, new ChecksumVerified(v), gtid);
                } catch (Exception e) {
                    LOG.warn("migration {}: checksum at the {} freeze point failed: {}", id, phase, e.toString());
                }
            }, "flipside-verify-" + id);
            verification.setDaemon(true);
            verification.start();
        }
    }

    /**
     * Before the first cut-over, outside its locks: a histogram created, rebuilt with another bucket count or dropped
     * on the table since the copy carried them ({@link IndexBuild}) is carried too, as MySQL's own ALTER would have
     * kept it. A query or two when nothing changed; an ANALYZE of the shadow table when something did, while the
     * changelog waits. After the cut-over each table keeps its own.
     */
    private void carryHistogramsAgain(TableName source, TableName shadow) throws SQLException {
        long t0 = System.nanoTime();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            List<String> done = Histograms.carry(c, s, source, shadow);
            if (!done.isEmpty()) {
                LOG.info("migration {}: before the cut-over, the histograms of {} carried again to {} in {} ms: {}",
                        id, source, shadow, (System.nanoTime() - t0) / 1_000_000, String.join("; ", done));
            }
        } catch (SQLException e) {
            if (Db.isConnectionLoss(e)) {
                throw e;
            }
            LOG.warn("migration {}: the histograms of {} were not carried again to {}: {}", id, source, shadow,
                    e.getMessage());
        }
    }

    private void cancel(TableName shadow, long epoch) throws SQLException {
        stopCopier();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            sidecar.requireOwner(c, id, epoch);
            s.execute(Sql.tag(id, "cleanup") + "DROP TABLE IF EXISTS " + shadow.quoted());
        }
        endSidecar("CANCELLED");
        reports.send(id, new MigrationCancelled(shadow.table()));
    }

    /** Stops replication and retires the table that does not serve: renamed to a hold name, then dropped. */
    private void complete(Replicator r, TableName source, TableName shadow, TableName old, long epoch)
            throws SQLException {
        stopCopier();
        joinVerification();
        TableName parked = r.direction() == Replicator.Direction.INVERSE ? old : shadow;
        TableName hold = source.sibling(Names.holdTable(source.table(), id));
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            sidecar.requireOwner(c, id, epoch);
            c.commit();
        }
        retirement.retire(id, parked, hold);
        endSidecar("COMPLETED");
        reports.send(id, new MigrationCompleted(parked.table()));
    }

    private void fail(String reason) {
        try {
            reports.send(id, new MigrationFailed(reason));
        } catch (RuntimeException e) {
            LOG.warn("migration {}: could not report the failure", id, e);
        }
    }

    private void reportOutcome(String outcome, MigrationStarted plan) {
        if (reports.endReported(id)) {
            LOG.debug("migration {}: ended as {}, reported already", id, outcome);
            return;
        }
        switch (outcome) {
            case "CANCELLED" -> reports.send(id, new MigrationCancelled(plan == null ? null : plan.getShadowTable()));
            case "COMPLETED" -> reports.send(id, new MigrationCompleted(null));
            default -> reports.send(id, new MigrationFailed("the migration ended as " + outcome));
        }
    }

    private void reportProgress(Replicator r, boolean force) {
        long now = System.currentTimeMillis();
        if (!force && now - lastProgressAt < PROGRESS_EVERY_MS) {
            return;
        }
        long rows = copier == null ? 0 : copier.rowsCopied.get();
        long chunks = copier == null ? 0 : copier.chunks.get();
        long total = Math.max(desired.getRowsTotal(), rows);
        String summary = rows + "/" + chunks + "/" + r.eventsApplied() + "/" + (r.lagMillis() / 100);
        lastProgressAt = now;
        if (summary.equals(lastProgress) && !force) {
            return;
        }
        lastProgress = summary;
        reports.send(id, new Progressed(rows, total, chunks, r.lagMillis(), r.eventsApplied()));
    }

    private static long threadsRunning(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW GLOBAL STATUS LIKE 'Threads_running'")) {
            return rs.next() ? rs.getLong(2) : 0;
        }
    }

    /**
     * The copy's back-off: the migration's thresholds (set by `throttle`), else the configuration's; 0 is off. The
     * apply lag is the replicator's; Threads_running is read from MySQL before each chunk.
     */
    private ChunkCopier.Throttle throttle(Replicator r) {
        ReplicaLag replicas = new ReplicaLag(config, sidecar);
        return new ChunkCopier.Throttle() {
            @Override
            public Optional<String> reason(Connection c) throws SQLException {
                MigrationState d = desired;
                long maxLag = d.getThrottleMaxLagMillis() != null ? d.getThrottleMaxLagMillis()
                        : config.get(FlipsideConfig.THROTTLE_MAX_LAG_MS);
                int maxThreads = d.getThrottleMaxThreadsRunning() != null ? d.getThrottleMaxThreadsRunning()
                        : config.get(FlipsideConfig.THROTTLE_MAX_THREADS_RUNNING);
                Optional<String> why = ChunkCopier.throttleReason(r.lagMillis(), maxLag, () -> threadsRunning(c),
                        maxThreads);
                long maxReplicaLag = d.getThrottleMaxReplicaLagMillis() != null ? d.getThrottleMaxReplicaLagMillis()
                        : config.get(FlipsideConfig.THROTTLE_MAX_REPLICA_LAG_MS);
                if (why.isEmpty() && replicas.watching() && maxReplicaLag > 0) {
                    why = replicas.reason(c, maxReplicaLag);
                }
                return why;
            }

            @Override
            public void close() {
                replicas.close();
            }

            @Override
            public int chunkTargetMillis() {
                Integer own = desired.getChunkTimeMillis();
                return own != null ? own : config.get(FlipsideConfig.CHUNK_TARGET_MS);
            }

            @Override
            public int restPercent() {
                Integer own = desired.getRestPercent();
                return own != null ? own : config.get(FlipsideConfig.COPY_REST_PERCENT);
            }

            @Override
            public void started(String reason) {
                metrics.throttled(true);
                reports.send(id, new Throttled(reason));
            }

            @Override
            public void ended(String reason, long millis) {
                metrics.throttled(false);
                reports.send(id, new ThrottleEnded(reason, millis));
            }
        };
    }

    private void startCopier(Projection forward, Replicator r, IndexBuild indexBuild, long epoch) {
        copier = new ChunkCopier(id, db, sidecar, forward, r::captureLive, r::captureProgress,
                () -> desired.getPaused(), throttle(r),
                config.get(FlipsideConfig.CHUNK_MAX_ROWS), config.get(FlipsideConfig.COPY_PARALLEL_CHUNKS),
                config.get(FlipsideConfig.COPY_RESOURCE_GROUP), indexBuild, r.carrier(), metrics, epoch);
        copierThread = new Thread(copier, "flipside-copy-" + id);
        copierThread.setDaemon(true);
        copierThread.start();
    }

    private void stopCopier() {
        if (copier != null) {
            copier.stop();
        }
        if (copierThread != null) {
            try {
                copierThread.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void joinVerification() {
        if (verification != null) {
            try {
                verification.join(600_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            verification = null;
        }
    }

    private String[] loadMigrationRow(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sidecar.selectMigration())) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new String[] {rs.getString(5), rs.getString(6)} : null;
            }
        }
    }

    private void endSidecar(String outcome) throws SQLException {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            for (String t : new String[] {"copy_state", "apply_state", "lossy_values"}) {
                try (PreparedStatement ps = c.prepareStatement(sidecar.deleteState(t))) {
                    ps.setString(1, id);
                    ps.executeUpdate();
                }
            }
            try (PreparedStatement ps = c.prepareStatement(sidecar.endMigration())) {
                ps.setString(1, outcome);
                ps.setString(2, id);
                ps.executeUpdate();
            }
            c.commit();
        }
    }

    private void dropQuietly(TableName t) {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute(Sql.tag(id, "cleanup") + "DROP TABLE IF EXISTS " + t.quoted());
        } catch (SQLException e) {
            LOG.warn("migration {}: could not drop {}", id, t, e);
        }
    }

    /** The changelog's end: a new migration's replication starts here, before its start marker. */
    private long changelogEnd() {
        TopicPartition tp = new TopicPartition(config.topics().changelog(), 0);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(KafkaSetup.consumer(config, "flipside-applier-probe"))) {
            // Assigned first: a read_committed consumer asked for the end of a partition it is not assigned logs a
            // WARN ("Not updating last stable offset ... no longer assigned") with the answer.
            c.assign(List.of(tp));
            Map<TopicPartition, Long> end = c.endOffsets(List.of(tp), Duration.ofSeconds(30));
            return end.getOrDefault(tp, 0L);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
