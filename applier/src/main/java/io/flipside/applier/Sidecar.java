package io.flipside.applier;

import io.flipside.core.sql.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The sidecar schema: where the applier keeps each migration's progress in MySQL itself, so that progress commits in
 * the same transaction as the rows it describes (like VReplication's {@code copy_state}).
 *
 * <ul>
 *   <li>{@code migrations}: the tables of each migration.</li>
 *   <li>{@code copy_state}: the copy cursor. Each chunk updates it in the chunk's own transaction, and the capture
 *       publishes that update, so the changelog shows exactly where in binlog order each chunk was copied.</li>
 *   <li>{@code apply_state}: the changelog offset up to which changes are applied, the copy cursor as last seen in the
 *       changelog, the direction (forward before a cut-over, inverse after) and the stage of a table swap.</li>
 *   <li>{@code markers}: rows written to come back through the changelog (the start of a migration, the freeze point
 *       of a cut-over): seeing one proves every earlier binlog event has been read.</li>
 * </ul>
 */
final class Sidecar {
    final String database;

    Sidecar(String database) {
        this.database = database;
    }

    String table(String name) {
        return Sql.qualified(database, name);
    }

    void create(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS " + Sql.ident(database) + " CHARACTER SET utf8mb4");
            s.execute("CREATE TABLE IF NOT EXISTS " + table("migrations") + " ("
                    + "migration_id CHAR(8) NOT NULL PRIMARY KEY,"
                    + "table_schema VARCHAR(64) NOT NULL,"
                    + "table_name VARCHAR(64) NOT NULL,"
                    + "shadow_table VARCHAR(64) NOT NULL,"
                    + "old_table VARCHAR(64) NOT NULL,"
                    + "plan TEXT NOT NULL COMMENT 'Avro JSON of the MigrationStarted event',"
                    + "created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
                    + "ended_at TIMESTAMP(6) NULL,"
                    + "outcome VARCHAR(32) NULL"
                    + ") ENGINE=InnoDB");
            s.execute("CREATE TABLE IF NOT EXISTS " + table("copy_state") + " ("
                    + "migration_id CHAR(8) NOT NULL PRIMARY KEY,"
                    + "last_key TEXT NULL COMMENT 'Avro JSON of the last copied key; NULL before the first chunk',"
                    + "done TINYINT NOT NULL DEFAULT 0,"
                    + "rows_copied BIGINT NOT NULL DEFAULT 0,"
                    + "chunks BIGINT NOT NULL DEFAULT 0,"
                    + "started_at TIMESTAMP(6) NULL,"
                    + "finished_at TIMESTAMP(6) NULL"
                    + ") ENGINE=InnoDB");
            s.execute("CREATE TABLE IF NOT EXISTS " + table("apply_state") + " ("
                    + "migration_id CHAR(8) NOT NULL PRIMARY KEY,"
                    + "direction VARCHAR(8) NOT NULL COMMENT 'FORWARD: serving table to shadow; INVERSE: serving table to old',"
                    + "stage VARCHAR(16) NOT NULL COMMENT 'STREAMING, or SWAPPING between recording a swap and its RENAME',"
                    + "started TINYINT NOT NULL DEFAULT 0 COMMENT 'the start marker came back: the capture is live',"
                    + "next_offset BIGINT NOT NULL COMMENT 'next changelog offset to read',"
                    + "copied_up_to TEXT NULL COMMENT 'copy cursor as seen in the changelog',"
                    + "copy_done_seen TINYINT NOT NULL DEFAULT 0,"
                    + "last_gtid VARCHAR(100) NULL,"
                    + "events_applied BIGINT NOT NULL DEFAULT 0,"
                    + "swaps INT NOT NULL DEFAULT 0 COMMENT 'odd: the new schema serves',"
                    + "swap_offset BIGINT NULL,"
                    + "swap_gtid TEXT NULL,"
                    + "swap_freeze_ms BIGINT NULL,"
                    + "swap_lock_wait_ms BIGINT NULL,"
                    + "swap_at TIMESTAMP(6) NULL,"
                    + "updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)"
                    + ") ENGINE=InnoDB");
            s.execute("CREATE TABLE IF NOT EXISTS " + table("markers") + " ("
                    + "id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                    + "migration_id CHAR(8) NOT NULL,"
                    + "kind VARCHAR(16) NOT NULL,"
                    + "token CHAR(36) NOT NULL,"
                    + "created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
                    + ") ENGINE=InnoDB");
        }
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

    /** Advances the copy cursor in the chunk's transaction. */
    String advanceCopy() {
        return "UPDATE " + table("copy_state") + " SET last_key = COALESCE(?, last_key), done = ?,"
                + " rows_copied = rows_copied + ?, chunks = chunks + 1,"
                + " started_at = COALESCE(started_at, CURRENT_TIMESTAMP(6)),"
                + " finished_at = IF(? = 1, CURRENT_TIMESTAMP(6), NULL) WHERE migration_id = ?";
    }

    String markCopyStarted() {
        return "UPDATE " + table("copy_state") + " SET started_at = COALESCE(started_at, CURRENT_TIMESTAMP(6))"
                + " WHERE migration_id = ?";
    }

    String insertApplyState() {
        return "INSERT INTO " + table("apply_state") + " (migration_id, direction, stage, next_offset)"
                + " VALUES (?, 'FORWARD', 'STREAMING', ?)";
    }

    String selectApplyState() {
        return "SELECT direction, stage, started, next_offset, copied_up_to, copy_done_seen, last_gtid, events_applied,"
                + " swaps, swap_offset, swap_gtid, swap_freeze_ms, swap_lock_wait_ms FROM " + table("apply_state")
                + " WHERE migration_id = ?";
    }

    /** Records what was applied, in the apply's transaction. */
    String advanceApply() {
        return "UPDATE " + table("apply_state") + " SET next_offset = ?, started = ?, copied_up_to = ?,"
                + " copy_done_seen = ?, last_gtid = COALESCE(?, last_gtid), events_applied = events_applied + ?"
                + " WHERE migration_id = ?";
    }

    /** Before a RENAME: where the other direction will start, and the freeze point. */
    String recordSwap() {
        return "UPDATE " + table("apply_state") + " SET stage = 'SWAPPING', swap_offset = ?, swap_gtid = ?"
                + " WHERE migration_id = ?";
    }

    /** After the RENAME: the other direction starts at the freeze point. */
    String finishSwap() {
        return "UPDATE " + table("apply_state") + " SET stage = 'STREAMING', direction = ?, next_offset = swap_offset,"
                + " swaps = swaps + 1, swap_freeze_ms = NULL, swap_lock_wait_ms = NULL, swap_at = CURRENT_TIMESTAMP(6)"
                + " WHERE migration_id = ?";
    }

    /** After writes resumed: how long they were held. */
    String recordFreeze() {
        return "UPDATE " + table("apply_state") + " SET swap_freeze_ms = ?, swap_lock_wait_ms = ? WHERE migration_id = ?";
    }

    /** A swap that did not rename anything: go on streaming in the same direction. */
    String abandonSwap() {
        return "UPDATE " + table("apply_state") + " SET stage = 'STREAMING', swap_offset = NULL WHERE migration_id = ?";
    }

    String insertMarker() {
        return "INSERT INTO " + table("markers") + " (migration_id, kind, token) VALUES (?, ?, ?)";
    }

    String deleteState(String table) {
        return "DELETE FROM " + table(table) + " WHERE migration_id = ?";
    }
}
