package io.flipside.core.mapping;

import io.flipside.core.ddl.AlterClauses;
import io.flipside.core.sql.WriteMode;
import io.flipside.core.sql.TableName;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The immutable plan of one migration, made once from the two real table definitions (the source table, and the
 * shadow table after the ALTER was applied to it): the projections both ways, the unique key both tables share, and
 * what a revert would do to values, said before anything is copied.
 *
 * @param source      the production table
 * @param shadow      the shadow table, in the same database
 * @param old         the name the source table takes at the cut-over
 * @param forward     source columns to shadow columns; {@code forward.inverse()} is the inverse projection
 * @param sourceKey   the shared unique key, in the source's column names and order
 * @param shadowKey   the same key in the shadow's column names, same order
 * @param keyIndex    the source's index that holds the key (for the chunked copy)
 * @param revertNotes what a revert would do, one sentence each
 * @param revertible  whether inverse replication can keep the old table complete
 * @param writeMode   how the forward projection writes the shadow, from the shadow's unique indexes
 * @param addedUniqueKeys the shadow's unique indexes that the source does not enforce, in the source's column names
 *     (those over a column the source does not have are left out: every copied row gets the same default there)
 * @param inverseWriteMode how inverse replication writes the old table: {@link WriteMode#UPSERT} when its only unique
 *     index is the key; when it has others that the new table enforces too, {@link WriteMode#REPLACE} if every old
 *     column is mapped, else {@link WriteMode#REPLACE_KEEPING}
 * @param inverseKeepColumns the old table's columns the inverse mapping does not write (kept by REPLACE_KEEPING)
 * @param inverseUniqueIndexes the old table's unique indexes besides the key, in its column names
 */
public record MigrationPlan(TableName source, TableName shadow, TableName old, ColumnMapping forward,
        List<String> sourceKey, List<String> shadowKey, String keyIndex, List<String> revertNotes,
        boolean revertible, WriteMode writeMode, List<UniqueKey> addedUniqueKeys, WriteMode inverseWriteMode,
        List<String> inverseKeepColumns, List<UniqueKey> inverseUniqueIndexes) {

    public MigrationPlan {
        sourceKey = List.copyOf(sourceKey);
        shadowKey = List.copyOf(shadowKey);
        revertNotes = List.copyOf(revertNotes);
        addedUniqueKeys = List.copyOf(addedUniqueKeys);
        inverseKeepColumns = List.copyOf(inverseKeepColumns);
        inverseUniqueIndexes = List.copyOf(inverseUniqueIndexes);
    }

    public ColumnMapping inverse() {
        return forward.inverse();
    }

    /**
     * Plans the migration of {@code sourceDef} into {@code shadowDef}.
     *
     * @throws PlanException when the tables share no unique key over non-null columns, when a column of the new
     *     table could not be filled, when the tables share no column, or when the capture could not read changes
     *     of either table ({@link BinlogLimits})
     */
    public static MigrationPlan plan(TableName source, TableName shadow, TableName old, TableDef sourceDef,
            TableDef shadowDef, AlterClauses alter) throws PlanException {
        if (sourceDef.uniqueKeys().isEmpty()) {
            throw new PlanException("table " + source + " has no primary key and no unique key over whole NOT NULL"
                    + " columns (a unique index over a nullable column, a column's prefix or an expression identifies"
                    + " no row); Flipside needs one to copy in chunks and to apply changes row by row");
        }
        Optional<String> unreadable = BinlogLimits.unreadable(sourceDef);
        if (unreadable.isPresent()) {
            throw new PlanException("table " + source + " has " + unreadable.get());
        }
        unreadable = BinlogLimits.unreadable(shadowDef);
        if (unreadable.isPresent()) {
            throw new PlanException("after the ALTER, the table would have " + unreadable.get());
        }
        ColumnMapping forward;
        try {
            forward = ColumnMapping.forward(sourceDef, shadowDef, alter.renames());
        } catch (IllegalArgumentException e) {
            throw new PlanException("the new table shares no column with " + source);
        }
        for (ColumnDef c : shadowDef.columns()) {
            boolean fed = forward.toColumns().stream().anyMatch(t -> t.equalsIgnoreCase(c.name()));
            if (!fed && !c.generated() && !c.hasDefault()) {
                throw new PlanException("new column " + c.name() + " is NOT NULL without a default, so rows copied from "
                        + source + " could not be inserted; give it a DEFAULT");
            }
        }
        List<String> generatedInKeys = sourceDef.uniqueKeys().stream().flatMap(k -> k.columns().stream())
                .filter(c -> sourceDef.column(c).map(ColumnDef::generated).orElse(false)).distinct().toList();
        if (!generatedInKeys.isEmpty() && sourceDef.uniqueKeys().stream().allMatch(k -> k.columns().stream()
                .anyMatch(generatedInKeys::contains))) {
            throw new PlanException("every unique key of " + source + " over NOT NULL columns holds a generated"
                    + " column (" + String.join(", ", generatedInKeys) + "), which MySQL computes and Flipside does not"
                    + " key rows by; give the table a unique key without one first");
        }
        UniqueKeyChoice key = chooseKey(sourceDef, shadowDef, forward)
                .orElseThrow(() -> new PlanException("after the ALTER, " + source + " and the new table share no unique"
                        + " key over NOT NULL columns (the new table must keep one of the old table's unique keys)"
                        + widenedKeyHint(source, sourceDef, shadowDef, forward)));

        List<String> notes = new ArrayList<>();
        boolean revertible = true;
        ColumnMapping inverse = forward.inverse();
        for (ColumnDef c : sourceDef.columns()) {
            if (c.generated()) {
                continue;
            }
            boolean mapped = inverse.toColumns().stream().anyMatch(t -> t.equalsIgnoreCase(c.name()));
            if (mapped) {
                continue;
            }
            if (c.hasDefault()) {
                notes.add("column " + c.name() + " is not in the new schema: after a revert, rows that existed at the"
                        + " cut-over keep their " + c.name() + ", rows inserted after the cut-over get its default");
            } else {
                revertible = false;
                notes.add("not revertible: column " + c.name() + " is NOT NULL without a default and not in the new"
                        + " schema, so rows inserted after the cut-over could not be written to the old table;"
                        + " inverse replication does not write it");
            }
        }
        for (ColumnDef c : shadowDef.columns()) {
            boolean fed = forward.toColumns().stream().anyMatch(t -> t.equalsIgnoreCase(c.name()));
            if (!fed && !c.generated()) {
                notes.add("column " + c.name() + " is new: a revert discards the values written to it after the cut-over");
            }
        }
        for (ColumnMapping.Pair p : forward.pairs()) {
            ColumnDef from = sourceDef.column(p.from()).orElseThrow();
            ColumnDef to = shadowDef.column(p.to()).orElseThrow();
            if (!from.sameTypeAs(to)) {
                notes.add("column " + p.from() + (p.from().equals(p.to()) ? "" : " (renamed " + p.to() + ")")
                        + " changes from " + from.describeType() + " to " + to.describeType() + ": "
                        + TypeChanges.describe(from, to));
            }
        }
        WriteMode mode = WriteMode.UPSERT;
        List<UniqueKey> added = new ArrayList<>();
        ColumnMapping back = forward.inverse();
        for (UniqueKey index : shadowDef.uniqueIndexes()) {
            if (sameColumns(index.columns(), key.shadowColumns())) {
                continue;
            }
            Optional<List<String>> sourceColumns = mapped(index.columns(), back);
            if (sourceColumns.isPresent() && hasUniqueIndex(sourceDef, sourceColumns.get())) {
                mode = mode == WriteMode.INSERT ? mode : WriteMode.REPLACE;
            } else {
                mode = WriteMode.INSERT;
                sourceColumns.ifPresent(cols -> added.add(new UniqueKey(index.indexName(), cols)));
            }
        }
        WriteMode inverseMode = WriteMode.UPSERT;
        List<String> keep = sourceDef.columns().stream().filter(c -> !c.generated())
                .map(ColumnDef::name)
                .filter(n -> back.toColumns().stream().noneMatch(t -> t.equalsIgnoreCase(n))).toList();
        List<UniqueKey> otherIndexes = new ArrayList<>();
        for (UniqueKey index : sourceDef.uniqueIndexes()) {
            if (sameColumns(index.columns(), key.sourceColumns())) {
                continue;
            }
            Optional<List<String>> newColumns = mapped(index.columns(), forward);
            if (newColumns.isPresent() && hasUniqueIndex(shadowDef, newColumns.get())) {
                otherIndexes.add(index);
                if (inverseMode == WriteMode.UPSERT) {
                    inverseMode = keep.isEmpty() ? WriteMode.REPLACE : WriteMode.REPLACE_KEEPING;
                }
            } else {
                revertible = false;
                notes.add("not revertible: the new table does not enforce the old table's unique index "
                        + index.indexName() + ", so the old table could not hold every row written after the"
                        + " cut-over");
            }
        }
        return new MigrationPlan(source, shadow, old, forward, key.sourceColumns(), key.shadowColumns(),
                key.sourceIndex(), notes, revertible, mode, added, inverseMode, keep, otherIndexes);
    }

    private record UniqueKeyChoice(String sourceIndex, List<String> sourceColumns, List<String> shadowColumns) {}

    /** The first unique key of the source (primary key first) whose columns map onto a unique key of the shadow. */
    private static Optional<UniqueKeyChoice> chooseKey(TableDef sourceDef, TableDef shadowDef, ColumnMapping forward) {
        for (UniqueKey k : sourceDef.uniqueKeys()) {
            Optional<List<String>> mapped = mapped(k.columns(), forward);
            if (mapped.isPresent()
                    && shadowDef.uniqueKeys().stream().anyMatch(sk -> sameColumns(sk.columns(), mapped.get()))) {
                return Optional.of(new UniqueKeyChoice(k.indexName(), k.columns(), mapped.get()));
            }
        }
        return Optional.empty();
    }

    /**
     * When a unique key of the new table holds every column of one of the old table's (a primary key widened to take
     * a partitioning column in, say), over columns NOT NULL in the old table: how to get there, with a unique key of
     * those columns given to the table first. Empty otherwise.
     */
    private static String widenedKeyHint(TableName source, TableDef sourceDef, TableDef shadowDef,
            ColumnMapping forward) {
        ColumnMapping inverse = forward.inverse();
        for (UniqueKey wider : shadowDef.uniqueKeys()) {
            Optional<List<String>> inSource = mapped(wider.columns(), inverse);
            if (inSource.isEmpty() || inSource.get().stream()
                    .anyMatch(c -> sourceDef.column(c).map(ColumnDef::nullable).orElse(true))) {
                continue;
            }
            for (UniqueKey k : sourceDef.uniqueKeys()) {
                if (includes(inSource.get(), k.columns())) {
                    return "; the new table's key (" + String.join(", ", wider.columns()) + ") holds the old key ("
                            + String.join(", ", k.columns()) + "): give " + source + " a unique key on ("
                            + String.join(", ", inSource.get()) + ") first, in a migration of its own, then submit"
                            + " this one again";
                }
            }
        }
        return "";
    }

    /** {@code columns} as {@code mapping} writes them, or empty when one of them is not mapped. */
    private static Optional<List<String>> mapped(List<String> columns, ColumnMapping mapping) {
        List<String> out = new ArrayList<>();
        for (String c : columns) {
            Optional<String> target = mapping.target(c);
            if (target.isEmpty()) {
                return Optional.empty();
            }
            out.add(target.get());
        }
        return Optional.of(out);
    }

    /** Whether {@code def} has a unique index (of any nullability) over exactly {@code columns}. */
    private static boolean hasUniqueIndex(TableDef def, List<String> columns) {
        return def.uniqueIndexes().stream().anyMatch(i -> sameColumns(i.columns(), columns));
    }

    private static boolean sameColumns(List<String> a, List<String> b) {
        return a.size() == b.size() && includes(b, a);
    }

    /** Whether every column of {@code some} is in {@code all} (names ignoring case, as MySQL compares them). */
    private static boolean includes(List<String> all, List<String> some) {
        return some.stream().allMatch(x -> all.stream().anyMatch(y -> y.equalsIgnoreCase(x)));
    }
}
