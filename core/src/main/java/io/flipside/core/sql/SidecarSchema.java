package io.flipside.core.sql;

import java.util.List;

/**
 * The sidecar schema's tables, created by the capture before it first reads the binlog (so that its schema snapshot
 * knows them) and by the applier (which writes them); both create them only when missing.
 *
 * <ul>
 *   <li>{@code migrations}: the tables and plan of each migration.</li>
 *   <li>{@code copy_state}: the copy cursor. Each chunk updates it in the chunk's own transaction, and the capture
 *       publishes that update, so the changelog shows exactly where in binlog order each chunk was copied. A chunk
 *       read without locks is also opened there, in a commit of its own before it reads.</li>
 *   <li>{@code apply_state}: the changelog offset up to which changes are applied, the copy cursor as last seen in the
 *       changelog, the direction (forward before a cut-over, inverse after) and the stage of a table swap. Not
 *       published.</li>
 *   <li>{@code lossy_values}: values written to the serving table that the table that does not serve could not hold
 *       exactly (after a cut-over, the old table; after a revert, the new one), recorded in the apply's transaction
 *       (so none is forgotten by a crash) and journalled from here. One row per swap count, key and column. Not
 *       published.</li>
 *   <li>{@code heartbeat}: one row whose timestamp the copy rewrites before each chunk when replicas are watched;
 *       its age on a replica is that replica's lag. Not published.</li>
 *   <li>{@code retiring}: tables completed migrations set aside, held under their hold name until {@code drop_after}.
 *       Not published.</li>
 *   <li>{@code markers}: rows written to come back through the changelog (the start of a migration, the freeze point
 *       of a cut-over): seeing one proves every earlier binlog event has been read. A capture writes one as it
 *       starts, with the tables it leaves out.</li>
 * </ul>
 */
public final class SidecarSchema {
    /** Tables of the sidecar whose changes the capture does not publish (the applier's own bookkeeping). */
    public static final List<String> UNPUBLISHED = List.of("migrations", "apply_state", "lossy_values", "heartbeat",
            "retiring");

    private static final String OPENED_CHUNKS = "opened_chunks BIGINT NOT NULL DEFAULT 0 COMMENT 'chunks begun: bumped"
            + " in a commit of its own before each chunk that reads without locks'";

    private static final String SWAP_STARTED_MS = "swap_started_ms BIGINT NULL COMMENT 'when the last swap asked for"
            + " its locks, epoch ms on the applier''s clock'";

    private static final String LAST_BINLOG_PART = "last_binlog_part TINYINT NULL COMMENT '1: that change was an"
            + " INSERT, which Debezium publishes after the DELETE at the same coordinates for an UPDATE of the key'";

    private static final String OLD_COLUMNS = "old_columns TEXT NULL COMMENT 'the old schema''s columns as prepared"
            + " (ColumnDef.describe): an applier that takes the migration up compares them with the table''s'";

    private static final String NEW_COLUMNS = "new_columns TEXT NULL COMMENT 'the new schema''s columns as prepared'";

    private static final String OLD_DEFINITION = "old_definition TEXT NULL COMMENT 'the old schema''s table as prepared"
            + " (SHOW CREATE TABLE without its name and counter): while it serves, a change to it from elsewhere would"
            + " be undone by a cut-over'";

    private static final String SEEN_GTIDS = "seen_gtids TEXT NULL COMMENT 'the highest GTID read from each source, as"
            + " source:N comma-separated: a change at or before the last coordinates is a re-publication only when"
            + " its GTID is one of these or before one, since after a failover the coordinates are another server''s'";

    private static final String CAPTURE_EXCLUDE = "capture_exclude TEXT NULL COMMENT 'on a capture''s own marker: the"
            + " capture.exclude.tables of the capture that wrote it'";

    /**
     * Columns added to a table after its first release, as {table, column, definition}: a sidecar created by an
     * earlier build lacks them, and the applier adds them at start ({@code CREATE TABLE IF NOT EXISTS} leaves an
     * existing table as it is).
     */
    public static final List<List<String>> ADDED_COLUMNS = List.of(
            List.of("apply_state", "swap_started_ms", SWAP_STARTED_MS),
            List.of("apply_state", "last_binlog_part", LAST_BINLOG_PART),
            List.of("apply_state", "old_columns", OLD_COLUMNS),
            List.of("apply_state", "new_columns", NEW_COLUMNS),
            List.of("apply_state", "old_definition", OLD_DEFINITION),
            List.of("apply_state", "seen_gtids", SEEN_GTIDS),
            List.of("copy_state", "opened_chunks", OPENED_CHUNKS),
            List.of("markers", "capture_exclude", CAPTURE_EXCLUDE));

    private SidecarSchema() {}

    public static List<String> create(String database) {
        return List.of(
                "CREATE DATABASE IF NOT EXISTS " + Sql.ident(database) + " CHARACTER SET utf8mb4",
                "CREATE TABLE IF NOT EXISTS " + t(database, "migrations") + " ("
                    + "migration_id CHAR(8) NOT NULL PRIMARY KEY,"
                    + "table_schema VARCHAR(64) NOT NULL,"
                    + "table_name VARCHAR(64) NOT NULL,"
                    + "shadow_table VARCHAR(64) NOT NULL,"
                    + "old_table VARCHAR(64) NOT NULL,"
                    + "plan TEXT NOT NULL COMMENT 'Avro JSON of the MigrationStarted event',"
                    + "created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
                    + "ended_at TIMESTAMP(6) NULL,"
                    + "outcome VARCHAR(32) NULL"
                    + ") ENGINE=InnoDB",
                "CREATE TABLE IF NOT EXISTS " + t(database, "copy_state") + " ("
                    + "migration_id CHAR(8) NOT NULL PRIMARY KEY,"
                    + "epoch BIGINT NOT NULL DEFAULT 0 COMMENT 'the owner: a copy from an older epoch is fenced',"
                    + "last_key TEXT NULL COMMENT 'Avro JSON of the last copied key; NULL before the first chunk',"
                    + "done TINYINT NOT NULL DEFAULT 0,"
                    + "rows_copied BIGINT NOT NULL DEFAULT 0,"
                    + "chunks BIGINT NOT NULL DEFAULT 0,"
                    + "started_at TIMESTAMP(6) NULL,"
                    + "finished_at TIMESTAMP(6) NULL,"
                    + OPENED_CHUNKS
                    + ") ENGINE=InnoDB",
                "CREATE TABLE IF NOT EXISTS " + t(database, "apply_state") + " ("
                    + "migration_id CHAR(8) NOT NULL PRIMARY KEY,"
                    + "epoch BIGINT NOT NULL DEFAULT 0 COMMENT 'the owner: every update names it; an older owner is fenced',"
                    + "direction VARCHAR(8) NOT NULL COMMENT 'FORWARD: serving table to shadow; INVERSE: serving table to old',"
                    + "stage VARCHAR(16) NOT NULL COMMENT 'STREAMING, or SWAPPING between recording a swap and its RENAME',"
                    + "started TINYINT NOT NULL DEFAULT 0 COMMENT 'the start marker came back: the capture is live',"
                    + "next_offset BIGINT NOT NULL COMMENT 'next changelog offset to read',"
                    + "copied_up_to TEXT NULL COMMENT 'copy cursor as seen in the changelog',"
                    + "copy_done_seen TINYINT NOT NULL DEFAULT 0,"
                    + "last_gtid VARCHAR(100) NULL,"
                    + "last_binlog_file VARCHAR(255) NULL COMMENT 'binlog coordinates of the last change read',"
                    + "last_binlog_pos BIGINT NULL,"
                    + "last_binlog_row INT NULL,"
                    + LAST_BINLOG_PART + ","
                    + "events_applied BIGINT NOT NULL DEFAULT 0,"
                    + "swaps INT NOT NULL DEFAULT 0 COMMENT 'odd: the new schema serves',"
                    + "swap_offset BIGINT NULL,"
                    + "swap_gtid TEXT NULL,"
                    + "swap_freeze_ms BIGINT NULL,"
                    + "swap_lock_wait_ms BIGINT NULL,"
                    + "swap_at TIMESTAMP(6) NULL,"
                    + SWAP_STARTED_MS + ","
                    + OLD_COLUMNS + ","
                    + NEW_COLUMNS + ","
                    + OLD_DEFINITION + ","
                    + SEEN_GTIDS + ","
                    + "updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)"
                    + ") ENGINE=InnoDB",
                "CREATE TABLE IF NOT EXISTS " + t(database, "lossy_values") + " ("
                    + "migration_id CHAR(8) NOT NULL,"
                    + "seq BIGINT NOT NULL COMMENT '1, 2, ... per migration: the RevertLossy event''s seq',"
                    + "key_text TEXT NOT NULL,"
                    + "key_digest CHAR(32) NOT NULL,"
                    + "column_name VARCHAR(64) NOT NULL,"
                    + "detail TEXT NOT NULL,"
                    + "reported TINYINT NOT NULL DEFAULT 0 COMMENT 'journalled',"
                    + "swaps INT NOT NULL COMMENT 'apply_state.swaps when recorded: odd, the old table could not hold"
                    + " the value; even, the new table could not',"
                    + "created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
                    + "PRIMARY KEY (migration_id, seq),"
                    + "UNIQUE KEY one_per_value (migration_id, swaps, column_name, key_digest)"
                    + ") ENGINE=InnoDB",
                "CREATE TABLE IF NOT EXISTS " + t(database, "retiring") + " ("
                    + "table_schema VARCHAR(64) NOT NULL,"
                    + "table_name VARCHAR(64) NOT NULL,"
                    + "migration_id CHAR(8) NOT NULL,"
                    + "drop_after TIMESTAMP(6) NOT NULL,"
                    + "PRIMARY KEY (table_schema, table_name)"
                    + ") ENGINE=InnoDB",
                "CREATE TABLE IF NOT EXISTS " + t(database, "heartbeat") + " ("
                    + "id TINYINT NOT NULL PRIMARY KEY,"
                    + "ts TIMESTAMP(6) NOT NULL"
                    + ") ENGINE=InnoDB",
                "CREATE TABLE IF NOT EXISTS " + t(database, "markers") + " ("
                    + "id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                    + "migration_id CHAR(8) NOT NULL,"
                    + "kind VARCHAR(16) NOT NULL,"
                    + "token CHAR(36) NOT NULL,"
                    + "created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
                    + CAPTURE_EXCLUDE
                    + ") ENGINE=InnoDB");
    }

    private static String t(String database, String table) {
        return Sql.qualified(database, table);
    }
}
