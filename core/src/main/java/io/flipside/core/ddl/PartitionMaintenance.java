package io.flipside.core.ddl;

import io.flipside.core.ddl.SqlTokens.Token;
import io.flipside.core.sql.TableName;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * An {@code ALTER TABLE} that changes which partitions a table has, as MySQL ran it (read from the binlog): the work of
 * a job that rotates a table's partitions. Four forms name every partition they add and remove, so that the same
 * clause can be run on a second table with the same partitions, and can be seen there as done:
 * {@code ADD PARTITION (PARTITION p ...)}, {@code DROP PARTITION p, ...}, {@code TRUNCATE PARTITION p, ...} and
 * {@code REORGANIZE PARTITION p, ... INTO (PARTITION q ...)}. Any other change of the partitions ({@code COALESCE
 * PARTITION n}, {@code ADD PARTITION PARTITIONS n}, a clause among others, a statement with an executable comment) is
 * {@link Kind#OTHER}. Maintenance that changes neither the partitions nor their rows ({@code ANALYZE}, {@code CHECK},
 * {@code OPTIMIZE}, {@code REBUILD}, {@code REPAIR PARTITION}) and the partitioning itself ({@code PARTITION BY},
 * {@code REMOVE PARTITIONING}) are not partition maintenance here; an {@code EXCHANGE PARTITION} is a
 * {@link RowRemoval}.
 *
 * @param table   the table altered (its database the statement's own when it names none)
 * @param kind    which of the forms
 * @param clause  the clause as run, from its first word to the end of the statement; empty for {@link Kind#OTHER}
 * @param added   the partitions the clause creates (in lower case: MySQL's partition names are case-insensitive)
 * @param removed the partitions it removes or empties ({@code ALL} for {@code TRUNCATE PARTITION ALL})
 */
public record PartitionMaintenance(TableName table, Kind kind, String clause, List<String> added,
        List<String> removed) {

    public enum Kind { ADD, DROP, TRUNCATE, REORGANIZE, OTHER }

    /** Words that start a clause changing which partitions a table has. */
    private static final Set<String> CHANGES_PARTITIONS = Set.of("ADD", "DROP", "TRUNCATE", "REORGANIZE", "COALESCE");

    public PartitionMaintenance {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
    }

    /**
     * The partition maintenance {@code ddl} does, a statement MySQL ran with {@code database} as its current database
     * (null: none); empty for any other statement, or one whose table it cannot tell.
     */
    public static Optional<PartitionMaintenance> of(String ddl, String database) {
        List<Token> t;
        try {
            t = SqlTokens.tokenizeAsRun(ddl);
        } catch (InvalidAlterException e) {
            return Optional.empty(); // not a statement MySQL ran
        }
        if (t.size() < 3 || !t.get(0).isWord("ALTER") || !t.get(1).isWord("TABLE") || t.get(2).identifier() == null) {
            return Optional.empty();
        }
        int i = 3;
        TableName table;
        if (i + 1 < t.size() && t.get(i).isSymbol(".") && t.get(i + 1).identifier() != null) {
            table = new TableName(t.get(2).identifier(), t.get(i + 1).identifier());
            i += 2;
        } else if (database != null) {
            table = new TableName(database, t.get(2).identifier());
        } else {
            return Optional.empty();
        }
        int clauseStart = i;
        boolean changesPartitions = false;
        for (int j = clauseStart; j + 1 < t.size(); j++) {
            if (t.get(j).kind() == SqlTokens.Kind.WORD && CHANGES_PARTITIONS.contains(t.get(j).upper())
                    && (t.get(j + 1).isWord("PARTITION") || t.get(j + 1).isWord("PARTITIONS"))) {
                changesPartitions = true;
            }
        }
        if (!changesPartitions) {
            return Optional.empty();
        }
        PartitionMaintenance other = new PartitionMaintenance(table, Kind.OTHER, "", List.of(), List.of());
        if (clauseStart + 2 > t.size() || !t.get(clauseStart + 1).isWord("PARTITION") || ddl.contains("/*!")) {
            return Optional.of(other);
        }
        String clause = ddl.substring(t.get(clauseStart).position()).strip();
        List<Token> rest = t.subList(clauseStart + 2, t.size());
        String word = t.get(clauseStart).upper();
        return Optional.of(switch (word) {
            case "ADD" -> definitions(rest, 0).filter(d -> d.end() == rest.size())
                    .map(d -> new PartitionMaintenance(table, Kind.ADD, clause, d.names(), List.of())).orElse(other);
            case "DROP", "TRUNCATE" -> names(rest, 0).filter(n -> n.end() == rest.size())
                    .map(n -> new PartitionMaintenance(table, Kind.valueOf(word), clause, List.of(), n.names()))
                    .orElse(other);
            case "REORGANIZE" -> names(rest, 0).filter(n -> n.end() + 1 < rest.size() && rest.get(n.end()).isWord("INTO"))
                    .flatMap(n -> definitions(rest, n.end() + 1).filter(d -> d.end() == rest.size())
                            .map(d -> new PartitionMaintenance(table, Kind.REORGANIZE, clause, d.names(), n.names())))
                    .orElse(other);
            default -> other;
        });
    }

    /** Names read from token {@code end} on: the token after them. */
    private record Names(List<String> names, int end) {}

    /** {@code name [, name ...]} from token {@code from}. */
    private static Optional<Names> names(List<Token> t, int from) {
        List<String> names = new ArrayList<>();
        int i = from;
        while (i < t.size() && t.get(i).identifier() != null && !t.get(i).isWord("INTO")) {
            names.add(t.get(i).identifier().toLowerCase(Locale.ROOT));
            i++;
            if (i < t.size() && t.get(i).isSymbol(",")) {
                i++;
            } else {
                break;
            }
        }
        return names.isEmpty() ? Optional.empty() : Optional.of(new Names(names, i));
    }

    /**
     * {@code (PARTITION name ..., PARTITION name ...)} from token {@code from}: the names of the partitions defined
     * (not of their subpartitions), with the token after the closing parenthesis.
     */
    private static Optional<Names> definitions(List<Token> t, int from) {
        if (from >= t.size() || !t.get(from).isSymbol("(")) {
            return Optional.empty();
        }
        List<String> names = new ArrayList<>();
        int depth = 0;
        for (int i = from; i < t.size(); i++) {
            Token k = t.get(i);
            if (k.isSymbol("(")) {
                depth++;
            } else if (k.isSymbol(")")) {
                depth--;
                if (depth == 0) {
                    return names.isEmpty() ? Optional.empty() : Optional.of(new Names(names, i + 1));
                }
            } else if (depth == 1 && k.isWord("PARTITION") && i + 1 < t.size() && t.get(i + 1).identifier() != null
                    && (t.get(i - 1).isSymbol("(") || t.get(i - 1).isSymbol(","))) {
                names.add(t.get(i + 1).identifier().toLowerCase(Locale.ROOT));
            }
        }
        return Optional.empty();
    }

    /**
     * Whether the clause removes rows ({@code DROP} and {@code TRUNCATE PARTITION}); {@code ADD} and {@code REORGANIZE}
     * only place the rows there are.
     */
    public boolean removesRows() {
        return kind == Kind.DROP || kind == Kind.TRUNCATE;
    }

    /**
     * Whether a table whose partitions are {@code partitions} (in lower case) has had this maintenance done: every
     * partition it adds is there and every one it removes (and does not add again) is gone. A {@code TRUNCATE} is
     * never done in this sense (doing it again empties partitions already empty).
     */
    public boolean doneOn(java.util.Collection<String> partitions) {
        return switch (kind) {
            case ADD, DROP, REORGANIZE -> partitions.containsAll(added)
                    && removed.stream().filter(n -> !added.contains(n)).noneMatch(partitions::contains);
            case TRUNCATE, OTHER -> false;
        };
    }
}
