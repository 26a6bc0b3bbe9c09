package io.flipside.applier;

import io.flipside.core.sql.SecondaryIndexes;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.runtime.Failpoints;
import io.flipside.schema.DeferredIndex;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the secondary indexes the copy left out of the shadow table ({@link SecondaryIndexes}), once every row is
 * copied: one {@code ALTER TABLE shadow ADD INDEX ..., ALGORITHM=INPLACE, LOCK=NONE}, so that the apply goes on writing
 * the shadow table meanwhile (MySQL logs those changes and applies them to the new indexes before it finishes).
 *
 * <p>It builds only what the shadow table lacks, so it resumes anywhere: after a crash before the ALTER, or during it
 * (MySQL's atomic DDL leaves either no index or the whole index). An applier that died while its ALTER ran may leave
 * that ALTER running in MySQL; the next one's ALTER then waits for it and fails on the name it added, and looks
 * again. The owner's epoch is checked before the ALTER, as before other DDL; {@link #stop} kills a running ALTER
 * (a cancel, a shutdown), which MySQL rolls back.
 *
 * <p>Then, before the first swap, it gives the shadow table the source's optimizer histograms ({@link Histograms}),
 * also only what the shadow lacks. A histogram is the optimizer's guide, not data: one MySQL refuses or fails to build
 * is logged, and the migration goes on.
 */
final class IndexBuild {
    private static final Logger LOG = LoggerFactory.getLogger(IndexBuild.class);
    /** ER_DUP_KEYNAME: "Duplicate key name". */
    private static final int DUPLICATE_KEY_NAME = 1061;
    /** How long {@link #stop} goes on cancelling a statement that has not ended. */
    private static final long STOP_WAIT_MILLIS = 10_000;

    private final String id;
    private final Sidecar sidecar;
    private final TableName shadow;
    private final List<DeferredIndex> indexes;
    /** The table whose histograms the shadow gets, or null for none. */
    private final TableName histogramsOf;
    private final long epoch;
    private volatile Statement running;
    private volatile boolean stopped;

    IndexBuild(String id, Sidecar sidecar, TableName shadow, List<DeferredIndex> indexes, TableName histogramsOf,
            long epoch) {
        this.id = id;
        this.sidecar = sidecar;
        this.shadow = shadow;
        this.indexes = List.copyOf(indexes);
        this.histogramsOf = histogramsOf;
        this.epoch = epoch;
    }

    boolean isEmpty() {
        return indexes.isEmpty() && histogramsOf == null;
    }

    /** Builds the deferred indexes the shadow table lacks; the milliseconds it took (0 when none was missing). */
    long run(Connection c) throws SQLException {
        long t0 = System.nanoTime();
        boolean built = false;
        for (int attempt = 1; !stopped; attempt++) {
            Set<String> present = TableInspector.indexNames(c, shadow);
            List<DeferredIndex> missing = indexes.stream().filter(i -> !present.contains(i.getName())).toList();
            if (missing.isEmpty()) {
                break;
            }
            sidecar.requireOwner(c, id, epoch);
            LOG.info("migration {}: building the indexes deferred until after the copy: {}", id,
                    SecondaryIndexes.describe(missing));
            try (Statement s = c.createStatement()) {
                running = s;
                if (stopped) {
                    break;
                }
                Failpoints.hit("copy.indexes");
                s.execute(Sql.tag(id, "indexes") + "ALTER TABLE " + shadow.quoted() + " "
                        + SecondaryIndexes.addClauses(missing) + ", ALGORITHM=INPLACE, LOCK=NONE");
                built = true;
            } catch (SQLException e) {
                if (e.getErrorCode() != DUPLICATE_KEY_NAME || attempt >= 3) {
                    throw e;
                }
                LOG.info("migration {}: an index was added meanwhile ({}); looking again", id, e.getMessage());
            } finally {
                running = null;
            }
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        if (built) {
            LOG.info("migration {}: deferred indexes built in {} ms", id, millis);
        }
        if (histogramsOf != null) {
            carryHistograms(c);
        }
        return built ? Math.max(1, millis) : 0;
    }

    private void carryHistograms(Connection c) throws SQLException {
        long t0 = System.nanoTime();
        try (Statement s = c.createStatement()) {
            running = s;
            if (stopped) {
                return;
            }
            List<String> done = Histograms.carry(c, s, histogramsOf, shadow);
            if (!done.isEmpty()) {
                LOG.info("migration {}: the histograms of {} carried to {} in {} ms: {}", id, histogramsOf, shadow,
                        (System.nanoTime() - t0) / 1_000_000, String.join("; ", done));
            }
        } catch (SQLException e) {
            if (Db.isConnectionLoss(e)) {
                throw e;
            }
            if (!stopped) {
                LOG.warn("migration {}: the histograms of {} were not carried to {}: {}", id, histogramsOf, shadow,
                        e.getMessage());
            }
        } finally {
            running = null;
        }
    }

    /**
     * Stops the build: kills the running ALTER, if any (MySQL rolls it back). A cancel does nothing until the statement
     * executes (Connector/J), and a stop can come just before it does: the cancel is repeated while the build still
     * holds its statement, for at most {@link #STOP_WAIT_MILLIS}.
     */
    void stop() {
        stopped = true;
        long deadline = System.currentTimeMillis() + STOP_WAIT_MILLIS;
        long pause = 20;
        for (Statement s = running; s != null && running == s; s = running) {
            try {
                s.cancel();
            } catch (SQLException e) {
                LOG.debug("migration {}: could not cancel the index build", id, e);
            }
            if (System.currentTimeMillis() >= deadline) {
                return;
            }
            try {
                Thread.sleep(pause); // each cancel is a KILL QUERY on a connection of its own: back off
                pause = Math.min(500, pause * 2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
