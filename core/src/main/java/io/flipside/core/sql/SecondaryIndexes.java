package io.flipside.core.sql;

import io.flipside.schema.DeferredIndex;
import io.flipside.schema.IndexPart;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The secondary indexes the copy leaves out of the shadow table and builds afterwards ({@code copy.defer.indexes}).
 *
 * <p>Why: inserting the copied rows one by one into each secondary index costs MySQL a random index insertion per row
 * and index, where an online {@code ADD INDEX} on the filled table reads it once, sorts the keys and builds the index
 * bottom-up. On a 1M-row sysbench table here, an {@code INSERT ... SELECT} into a table with its index on {@code k}
 * took 11–13 s, the same into a table without it 7–8 s and the index built afterwards 1.3 s (BENCHMARKS.md).
 *
 * <p>Only plain indexes are deferred: not unique (a unique index must refuse a duplicate during the copy, and the
 * apply's upserts depend on which unique indexes exist), B-tree, visible, over columns (not expressions), without a
 * comment. Everything else stays in the shadow table from the start. The clauses are built from the index's parts;
 * identifiers go through {@link Sql#ident}, and prefix lengths are integers.
 */
public final class SecondaryIndexes {
    private SecondaryIndexes() {}

    /** {@code DROP INDEX `a`, DROP INDEX `b`}: for the empty shadow table, right after it is created. */
    public static String dropClauses(List<DeferredIndex> indexes) {
        requireSome(indexes);
        return indexes.stream().map(i -> "DROP INDEX " + Sql.ident(i.getName())).collect(Collectors.joining(", "));
    }

    /** {@code ADD INDEX `a` (`x`, `y`(10) DESC), ADD INDEX ...}: one ALTER builds them all in one read of the table. */
    public static String addClauses(List<DeferredIndex> indexes) {
        requireSome(indexes);
        return indexes.stream().map(SecondaryIndexes::addClause).collect(Collectors.joining(", "));
    }

    static String addClause(DeferredIndex index) {
        if (index.getParts().isEmpty()) {
            throw new IllegalArgumentException("index " + index.getName() + " has no column");
        }
        return "ADD INDEX " + Sql.ident(index.getName()) + " ("
                + index.getParts().stream().map(SecondaryIndexes::part).collect(Collectors.joining(", ")) + ")";
    }

    private static String part(IndexPart p) {
        StringBuilder b = new StringBuilder(Sql.ident(p.getColumn()));
        if (p.getPrefixLength() != null) {
            if (p.getPrefixLength() < 1) {
                throw new IllegalArgumentException("prefix length " + p.getPrefixLength() + " of " + p.getColumn());
            }
            b.append('(').append(p.getPrefixLength().intValue()).append(')');
        }
        if (p.getDescending()) {
            b.append(" DESC");
        }
        return b.toString();
    }

    private static void requireSome(List<DeferredIndex> indexes) {
        if (indexes.isEmpty()) {
            throw new IllegalArgumentException("no index");
        }
    }

    /** How the journal and the log name them: {@code a(x, y(10) DESC)}. */
    public static String describe(List<DeferredIndex> indexes) {
        return indexes.stream().map(i -> i.getName() + "(" + i.getParts().stream()
                .map(p -> p.getColumn() + (p.getPrefixLength() == null ? "" : "(" + p.getPrefixLength() + ")")
                        + (p.getDescending() ? " DESC" : ""))
                .collect(Collectors.joining(", ")) + ")").collect(Collectors.joining(", "));
    }
}
