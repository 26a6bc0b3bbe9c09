package io.flipside.applier;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.runtime.LogContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retiring the table a completed migration set aside: it is renamed to its hold name at once (a rename is quick and
 * frees the name), and dropped when {@code retire.hold.seconds} have passed, by whichever applier runs
 * {@link #dropDue} next. Until then it can still be looked at, or renamed back by hand. The table to drop is recorded
 * in the sidecar ({@code retiring}) before the rename, so a crash between the two leaves a record, not a forgotten
 * table; a record whose table is not there is kept until it has been due for a minute (the rename may be under way),
 * then forgotten (the table was dropped, or renamed back, by hand).
 *
 * <p>A DROP of a large InnoDB table can hold up the whole server while it runs (on 8.0 before 8.0.23 it scans the
 * buffer pool for the table's pages under a global latch, and the file is unlinked in the statement). So the rows are
 * purged first, {@code retire.purge.chunk.rows} per transaction, resting as long as each chunk took; the DROP then
 * finds an empty table. The deletes are written to the binlog like any others: replicas purge at the same pace instead
 * of meeting the whole table in one DROP. A purge stopped half-way (the applier closing) goes on where the rows are
 * left next time.
 */
final class Retirement {
    private static final Logger LOG = LoggerFactory.getLogger(Retirement.class);
    /** MySQL's error for a table that does not exist. */
    private static final int ER_NO_SUCH_TABLE = 1146;
    /**
     * How long after it is due a held table that is not there is still waited for: longer than the moment between
     * its record and its rename in {@link #retire}, which may run in another applier at the same time.
     */
    static final int MISSING_GRACE_SECONDS = 60;

    private final Db db;
    private final Sidecar sidecar;
    private final long holdSeconds;
    private final int purgeChunkRows;
    private final BooleanSupplier stopping;

    Retirement(Db db, Sidecar sidecar, FlipsideConfig config, BooleanSupplier stopping) {
        this.db = db;
        this.sidecar = sidecar;
        this.holdSeconds = config.get(FlipsideConfig.RETIRE_HOLD_SECONDS);
        this.purgeChunkRows = config.get(FlipsideConfig.RETIRE_PURGE_CHUNK_ROWS);
        this.stopping = stopping;
    }

    /**
     * Renames {@code parked} (when it exists) to {@code hold}, and records when to drop it: the applier's retirer
     * drops it then, after purging its rows. Without a hold time, a table of at most one purge chunk is dropped now
     * (its DROP is no longer than a chunk's DELETE); a larger one is left to the retirer, so that the migration
     * completes without waiting for the purge.
     */
    void retire(String id, TableName parked, TableName hold) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sidecar.table("retiring")
                    + " (table_schema, table_name, migration_id, drop_after)"
                    + " VALUES (?, ?, ?, NOW(6) + INTERVAL ? SECOND)"
                    + " ON DUPLICATE KEY UPDATE drop_after = VALUES(drop_after)")) {
                ps.setString(1, hold.database());
                ps.setString(2, hold.table());
                ps.setString(3, id);
                ps.setLong(4, holdSeconds);
                ps.executeUpdate();
            }
            if (TableInspector.exists(c, parked)) {
                s.execute(Sql.tag(id, "retire") + "RENAME TABLE " + parked.quoted() + " TO " + hold.quoted());
            }
            if (holdSeconds == 0 && !largerThanAChunk(c, hold)) {
                try (LogContext.Scope scope = LogContext.scope(id, "RETIRING")) {
                    dropAndForget(c, s, hold, id, new Purged(0, 0), System.nanoTime());
                }
                return;
            }
        }
        LOG.info("migration {}: {} is held as {} for {} s, then purged and dropped by the retirer", id, parked, hold,
                holdSeconds);
    }

    private boolean largerThanAChunk(Connection c, TableName table) throws SQLException {
        if (purgeChunkRows == 0 || !TableInspector.exists(c, table)) {
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + table.quoted() + " LIMIT ?, 1")) {
            ps.setInt(1, purgeChunkRows);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Purges and drops every held table whose hold time has passed (returns early when stopping). */
    void dropDue() throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            List<String[]> due = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT table_schema, table_name, migration_id, drop_after <= NOW(6)"
                    + " - INTERVAL " + MISSING_GRACE_SECONDS + " SECOND FROM " + sidecar.table("retiring")
                    + " WHERE drop_after <= NOW(6)")) {
                while (rs.next()) {
                    due.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)});
                }
            }
            for (String[] t : due) {
                if (!drop(c, s, new TableName(t[0], t[1]), t[2], "1".equals(t[3]))) {
                    return;
                }
            }
        }
    }

    /**
     * Purges and drops one held table and forgets its record; false when stopped before that. A table that is not
     * there is forgotten only once it has been due for {@link #MISSING_GRACE_SECONDS}: its record is written before
     * the rename to the hold name, which may not have happened yet.
     */
    private boolean drop(Connection c, Statement s, TableName table, String id, boolean longDue) throws SQLException {
        try (LogContext.Scope scope = LogContext.scope(id, "RETIRING")) {
            if (!TableInspector.exists(c, table)) {
                if (longDue) {
                    forget(c, table);
                    LOG.info("migration {}: {} is not there (dropped or renamed outside Flipside); forgot it", id,
                            table);
                }
                return true;
            }
            long started = System.nanoTime();
            Purged purged;
            try {
                purged = purge(c, table, id);
            } catch (SQLException e) {
                if (e.getErrorCode() != ER_NO_SUCH_TABLE) {
                    throw e;
                }
                forget(c, table);
                LOG.info("migration {}: {} was dropped outside Flipside while being purged; forgot it", id, table);
                return true;
            }
            if (purged == null) {
                return false;
            }
            dropAndForget(c, s, table, id, purged, started);
            return true;
        }
    }

    /** Drops the table (purged as far as it needed) and deletes its record in the sidecar. */
    private void dropAndForget(Connection c, Statement s, TableName table, String id, Purged purged, long started)
            throws SQLException {
        s.execute(Sql.tag(id, "retire") + "DROP TABLE IF EXISTS " + table.quoted());
        forget(c, table);
        LOG.info("migration {}: dropped {} after purging {} rows in {} chunks ({} ms)", id, table, purged.rows(),
                purged.chunks(), (System.nanoTime() - started) / 1_000_000);
    }

    /** Deletes the table's record in the sidecar. */
    private void forget(Connection c, TableName table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + sidecar.table("retiring")
                + " WHERE table_schema = ? AND table_name = ?")) {
            ps.setString(1, table.database());
            ps.setString(2, table.table());
            ps.executeUpdate();
        }
    }

    record Purged(long rows, long chunks) {}

    /**
     * Deletes the table's rows a chunk at a time; null when stopped before it was empty. A table of at most one chunk
     * is left as it is: its DROP is no longer than the DELETE would be.
     */
    private Purged purge(Connection c, TableName table, String id) throws SQLException {
        if (!largerThanAChunk(c, table)) {
            return new Purged(0, 0);
        }
        long rows = 0;
        long chunks = 0;
        try (PreparedStatement delete = c.prepareStatement(Sql.tag(id, "retire") + "DELETE FROM " + table.quoted()
                + " LIMIT ?")) {
            delete.setInt(1, purgeChunkRows);
            while (!stopping.getAsBoolean()) {
                long t0 = System.nanoTime();
                int n = delete.executeUpdate();
                rows += n;
                chunks++;
                if (n < purgeChunkRows) {
                    return new Purged(rows, chunks);
                }
                LOG.debug("migration {}: purged {} rows of {} so far", id, rows, table);
                // Rest as long as the chunk took: the purge uses at most half of one connection's time.
                try {
                    Thread.sleep(Math.max(1, (System.nanoTime() - t0) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
        }
        return null;
    }
}
