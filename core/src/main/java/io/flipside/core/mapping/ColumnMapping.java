package io.flipside.core.mapping;

import io.flipside.schema.ColumnPair;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A projection between two tables: which column of the table read feeds which column of the table written. Columns
 * of the written table that no pair names keep what they have (for rows that exist) or take their default (for rows
 * that do not): this is what makes a revert keep the values of a dropped column for old rows, and give new rows its
 * default.
 */
public record ColumnMapping(List<Pair> pairs) {

    /** Column {@code from} of the table read becomes column {@code to} of the table written. */
    public record Pair(String from, String to) {}

    public ColumnMapping {
        pairs = List.copyOf(pairs);
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("the two tables share no column");
        }
    }

    /**
     * The forward projection from {@code source} to {@code target}: a column maps to the column of the same name
     * (ignoring case, as MySQL does), or to its new name when the ALTER renames it. Generated columns are never
     * written, so they are neither read nor written here; MySQL computes them.
     *
     * @param renames old column name to new column name, as the ALTER states them
     */
    public static ColumnMapping forward(TableDef source, TableDef target, Map<String, String> renames) {
        Map<String, String> byLowerName = new HashMap<>();
        renames.forEach((from, to) -> byLowerName.put(from.toLowerCase(Locale.ROOT), to));
        Set<String> renameTargets = new HashSet<>();
        renames.values().forEach(to -> renameTargets.add(to.toLowerCase(Locale.ROOT)));
        List<Pair> pairs = new ArrayList<>();
        for (ColumnDef s : source.columns()) {
            if (s.generated()) {
                continue;
            }
            String renamed = byLowerName.get(s.name().toLowerCase(Locale.ROOT));
            // `DROP COLUMN b, RENAME COLUMN a TO b`: the new b holds a's values, not the old b's.
            if (renamed == null && renameTargets.contains(s.name().toLowerCase(Locale.ROOT))) {
                continue;
            }
            String targetName = renamed != null ? renamed : s.name();
            target.column(targetName)
                    .filter(t -> !t.generated())
                    .ifPresent(t -> pairs.add(new Pair(s.name(), t.name())));
        }
        return new ColumnMapping(pairs);
    }

    /** The same pairs read the other way: the inverse projection. */
    public ColumnMapping inverse() {
        return new ColumnMapping(pairs.stream().map(p -> new Pair(p.to(), p.from())).toList());
    }

    public List<String> fromColumns() {
        return pairs.stream().map(Pair::from).toList();
    }

    public List<String> toColumns() {
        return pairs.stream().map(Pair::to).toList();
    }

    /** The written column fed by {@code fromColumn}, if any. */
    public Optional<String> target(String fromColumn) {
        return pairs.stream().filter(p -> p.from().equalsIgnoreCase(fromColumn)).map(Pair::to).findFirst();
    }

    public List<ColumnPair> toAvro() {
        return pairs.stream().map(p -> new ColumnPair(p.from(), p.to())).toList();
    }

    public static ColumnMapping fromAvro(List<ColumnPair> pairs) {
        return new ColumnMapping(pairs.stream().map(p -> new Pair(p.getFrom(), p.getTo())).toList());
    }
}
