package io.flipside.applier;

import io.flipside.core.sql.SidecarSchema;
import io.flipside.core.sql.Sql;
import io.flipside.runtime.SidecarTables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The sidecar schema ({@link SidecarSchema}) as the applier uses it: where it keeps each migration's progress in MySQL
 * itself, so that progress commits in the same transaction as the rows it describes (like VReplication's
 * {@code copy_state}). The statements quote the sidecar's name once.
 */
final class Sidecar {
    final String database;

    Sidecar(String database) {
        this.database = database;
    }

    String table(String name) {
        return Sql.qualified(database, name);
    }

    /** Creates the sidecar's tables where missing, and adds the columns later builds added to a table. */
    void create(Connection c) throws SQLException {
        SidecarTables.ensure(c, database);
    }

    // Statements, with the sidecar's name quoted once.

    String insertMigration() {
        return "INSERT INTO " + table("migrations")
                + " (migration_id, table_schema, table_name, shadow_table, old_table, plan) VALUES (?, ?, ?, ?, ?, ?)";
    }

    String selectMigration() {
        return "SELECT table_schema, table_name, shadow_table, old_table, plan, outcome FROM "
                + table("migrations") + " WHERE migration_id = ?";
    }

    String endMigration() {
        return "UPDATE " + table("migrations") + " SET ended_at = CURRENT_TIMESTAMP(6), outcome = ? WHERE migration_id = ?";
    }

    String insertCopyState() {
        return "INSERT INTO " + table("copy_state") + " (migration_id) VALUES (?)";
    }

    String selectCopyState() {
        return "SELECT last_key, done, rows_copied, chunks, TIMESTAMPDIFF(MICROSECOND, started_at,"
                + " COALESCE(finished_at, CURRENT_TIMESTAMP(6))) DIV 1000 FROM " + table("copy_state")
                + " WHERE migration_id = ?";
    }

    /** Advances the copy cursor in the chunk's transaction; updates nothing when the epoch is not the owner's. */
    String advanceCopy() {
        return "UPDATE " + table("copy_state") + " SET last_key = COALESCE(?, last_key), done = ?,"
                + " rows_copied = rows_copied + ?, chunks = chunks + 1,"
                + " started_at = COALESCE(started_at, CURRENT_TIMESTAMP(6)),"
                + " finished_at = IF(? = 1, CURRENT_TIMESTAMP(6), NULL) WHERE migration_id = ? AND epoch = ?";
    }

    /**
     * Opens {@code ?} chunks that read without locks, in a commit of their own before they read: the changes the
     * replicator meets after it, up to the last of these chunks' cursors, may be missing from the chunks, so it applies
     * them again. Parameters: how many chunks, the migration, the epoch.
     */
    String openChunks() {
        return "UPDATE " + table("copy_state") + " SET opened_chunks = opened_chunks + ? WHERE migration_id = ?"
                + " AND epoch = ?";
    }

    String markCopyStarted() {
        return "UPDATE " + table("copy_state") + " SET started_at = COALESCE(started_at, CURRENT_TIMESTAMP(6))"
                + " WHERE migration_id = ? AND epoch = ?";
    }

    /** A new owner takes the migration over: the next epoch, in both progress rows (run in one transaction). */
    String bumpApplyEpoch() {
        return "UPDATE " + table("apply_state") + " SET epoch = epoch + 1 WHERE migration_id = ?";
    }

    String selectEpoch() {
        return "SELECT epoch FROM " + table("apply_state") + " WHERE migration_id = ?";
    }

    String setCopyEpoch() {
        return "UPDATE " + table("copy_state") + " SET epoch = ? WHERE migration_id = ?";
    }

    /** Locks the progress row and reads its epoch, before DDL that only the owner may run. */
    String lockEpoch() {
        return "SELECT epoch FROM " + table("apply_state") + " WHERE migration_id = ? FOR UPDATE";
    }

    /**
     * Before DDL only the owner may run: throws {@link Fenced} unless {@code epoch} is still the migration's (and, in
     * a transaction, stays so until {@code c} commits).
     */
    void requireOwner(Connection c, String migrationId, long epoch) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(lockEpoch())) {
            ps.setString(1, migrationId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getLong(1) != epoch) {
                    throw new Fenced(migrationId, epoch);
                }
            }
        }
    }

    /**
     * With the old and the new schema's columns as prepared ({@code ColumnDef.describe}) and the old schema's table
     * ({@code TableDefinitions.withoutNameAndCounter}).
     */
    String insertApplyState() {
        return "INSERT INTO " + table("apply_state") + " (migration_id, direction, stage, next_offset, old_columns,"
                + " new_columns, old_definition) VALUES (?, 'FORWARD', 'STREAMING', ?, ?, ?, ?)";
    }

    /** For a migration prepared by a build that did not record them: the columns as its first applier found them. */
    String recordColumns() {
        return "UPDATE " + table("apply_state") + " SET old_columns = ?, new_columns = ? WHERE migration_id = ?"
                + " AND epoch = ? AND old_columns IS NULL";
    }

    /** For a migration prepared by a build that did not record it: the old schema's table as its applier found it. */
    String recordOldDefinition() {
        return "UPDATE " + table("apply_state") + " SET old_definition = ? WHERE migration_id = ? AND epoch = ?"
                + " AND old_definition IS NULL";
    }

    String selectApplyState() {
        return "SELECT direction, stage, started, next_offset, copied_up_to, copy_done_seen, last_gtid, events_applied,"
                + " swaps, swap_offset, swap_gtid, swap_freeze_ms, swap_lock_wait_ms, last_binlog_file, last_binlog_pos,"
                + " last_binlog_row, swap_started_ms, last_binlog_part, old_columns, new_columns, seen_gtids,"
                + " old_definition FROM "
                + table("apply_state")
                + " WHERE migration_id = ?";
    }

    /** Records what was applied, in the apply's transaction. */
    String advanceApply() {
        return "UPDATE " + table("apply_state") + " SET next_offset = ?, started = ?, copied_up_to = ?,"
                + " copy_done_seen = ?, last_gtid = COALESCE(?, last_gtid), events_applied = events_applied + ?,"
                + " last_binlog_file = ?, last_binlog_pos = ?, last_binlog_row = ?, last_binlog_part = ?,"
                + " seen_gtids = ? WHERE migration_id = ? AND epoch = ?";
    }

    /** Before a RENAME: where the other direction will start, the freeze point, and when the locks were asked for. */
    String recordSwap() {
        return "UPDATE " + table("apply_state") + " SET stage = 'SWAPPING', swap_offset = ?, swap_gtid = ?,"
                + " swap_started_ms = ? WHERE migration_id = ? AND epoch = ?";
    }

    /**
     * After the RENAME: the other direction starts at the freeze point; how long writes were held (null when a crash
     * interrupted the swap and the next start finishes it).
     */
    String finishSwap() {
        return "UPDATE " + table("apply_state") + " SET stage = 'STREAMING', direction = ?, next_offset = swap_offset,"
                + " swaps = swaps + 1, swap_freeze_ms = ?, swap_lock_wait_ms = ?, swap_at = CURRENT_TIMESTAMP(6)"
                + " WHERE migration_id = ? AND epoch = ?";
    }

    /** A swap that did not rename anything: go on streaming in the same direction. */
    String abandonSwap() {
        return "UPDATE " + table("apply_state") + " SET stage = 'STREAMING', swap_offset = NULL"
                + " WHERE migration_id = ? AND epoch = ?";
    }

    String anyLossyAt() {
        return "SELECT 1 FROM " + table("lossy_values") + " WHERE migration_id = ? AND swaps = ? LIMIT 1";
    }

    String maxLossySeq() {
        return "SELECT COALESCE(MAX(seq), 0) FROM " + table("lossy_values") + " WHERE migration_id = ?";
    }

    /** Records a lossy value once per swap count, key and column: a value already recorded changes nothing. */
    String insertLossy() {
        return "INSERT IGNORE INTO " + table("lossy_values")
                + " (migration_id, seq, key_text, key_digest, column_name, detail, swaps)"
                + " VALUES (?, ?, ?, MD5(?), ?, ?, ?)";
    }

    String unreportedLossy() {
        return "SELECT seq, key_text, column_name, detail, swaps FROM " + table("lossy_values")
                + " WHERE migration_id = ? AND reported = 0 ORDER BY seq LIMIT 100";
    }

    String markLossyReported() {
        return "UPDATE " + table("lossy_values") + " SET reported = 1 WHERE migration_id = ? AND seq <= ?";
    }

    String insertMarker() {
        return "INSERT INTO " + table("markers") + " (migration_id, kind, token) VALUES (?, ?, ?)";
    }

    /**
     * Writes a marker of {@code kind} for migration {@code id} on {@code c} and commits it; returns its token, by which
     * the replicator knows it when it comes back through the changelog.
     */
    String writeMarker(Connection c, String id, String kind) throws SQLException {
        String token = java.util.UUID.randomUUID().toString();
        try (PreparedStatement ps = c.prepareStatement(Sql.tag(id, "marker") + insertMarker())) {
            ps.setString(1, id);
            ps.setString(2, kind);
            ps.setString(3, token);
            ps.executeUpdate();
        }
        c.commit();
        return token;
    }

    String deleteState(String table) {
        return "DELETE FROM " + table(table) + " WHERE migration_id = ?";
    }
}
