package io.flipside.core.sql;

/**
 * How the forward projection writes a row of the shadow table, chosen by the plan from the shadow's unique indexes.
 * The apply re-reads rows by key, so for a moment the shadow can hold a row's older value while a row written now
 * already holds the newer one: with a second unique index the two can collide, although the source never held both.
 */
public enum WriteMode {
    /**
     * The shadow's only unique index is the shared key: {@code INSERT ... ON DUPLICATE KEY UPDATE} of the mapped
     * columns, so that columns the mapping does not name keep their values.
     */
    UPSERT,
    /**
     * The shadow has other unique indexes, and the source enforces each of them too: a collision is with a stale row
     * whose own change comes later in the changelog. {@code REPLACE} removes that row and its change puts it back.
     * (An {@code ON DUPLICATE KEY UPDATE} would instead overwrite the stale row with this one's values, and lose
     * this row.)
     */
    REPLACE,
    /**
     * The shadow has a unique index that the source does not enforce ({@code ADD UNIQUE}): a collision may be a real
     * duplicate, which must fail the migration and never drop a row. The batch's rows are deleted and inserted with a
     * plain {@code INSERT}, which refuses a duplicate.
     */
    INSERT,
    /**
     * Inverse replication into an old table that has other unique indexes (the new table enforces them too) and
     * columns the new table dropped: a {@code REPLACE} that reads those columns from the row it replaces (new rows
     * take their defaults), after adding to the batch the old rows that hold one of the batch's unique values, so
     * that REPLACE never removes a row whose dropped-column values it did not read.
     */
    REPLACE_KEEPING
}
