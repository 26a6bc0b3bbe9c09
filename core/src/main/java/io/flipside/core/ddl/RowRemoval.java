package io.flipside.core.ddl;

import io.flipside.core.ddl.SqlTokens.Token;
import io.flipside.core.sql.TableName;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A DDL statement that removes or replaces a table's rows without a row event in the binlog: {@code TRUNCATE TABLE},
 * and the clauses of {@code ALTER TABLE} that do the same to a partition or a tablespace ({@code TRUNCATE PARTITION},
 * {@code DROP PARTITION}, {@code EXCHANGE PARTITION ... WITH TABLE}, {@code DISCARD} and {@code IMPORT} of a
 * tablespace). Nothing in the changelog says which rows went, so a table changed so cannot be kept equal to its
 * standby. Partition maintenance that keeps the rows (adding, reorganising, coalescing, rebuilding partitions, or
 * removing the partitioning) is not such a statement.
 *
 * @param what          the statement's words that remove the rows, as "TRUNCATE PARTITION"
 * @param exchangedWith the table named by {@code EXCHANGE PARTITION ... WITH TABLE}, whose rows are replaced too
 *                      (its database the statement's own when it names none), or empty
 */
public record RowRemoval(String what, Optional<TableName> exchangedWith) {
    private static final Set<String> PARTITION_REMOVALS = Set.of("TRUNCATE", "DROP", "EXCHANGE");

    /**
     * What in {@code ddl}, a statement MySQL ran with {@code database} as its current database (null: none), removes
     * or replaces rows without row events; empty for any other statement.
     */
    public static Optional<RowRemoval> of(String ddl, String database) {
        List<Token> t;
        try {
            t = SqlTokens.tokenizeAsRun(ddl);
        } catch (InvalidAlterException e) {
            return Optional.empty(); // not a statement MySQL ran
        }
        if (t.isEmpty()) {
            return Optional.empty();
        }
        if (t.get(0).isWord("TRUNCATE")) {
            return Optional.of(new RowRemoval("TRUNCATE", Optional.empty()));
        }
        if (!t.get(0).isWord("ALTER")) {
            return Optional.empty();
        }
        for (int i = 1; i + 1 < t.size(); i++) {
            Token a = t.get(i);
            Token b = t.get(i + 1);
            String word = a.upper();
            if (b.isWord("PARTITION") && a.kind() == SqlTokens.Kind.WORD && PARTITION_REMOVALS.contains(word)) {
                return Optional.of(new RowRemoval(word + " PARTITION",
                        word.equals("EXCHANGE") ? exchangedWith(t, i + 2, database) : Optional.empty()));
            }
            if ((a.isWord("DISCARD") || a.isWord("IMPORT")) && (b.isWord("TABLESPACE") || b.isWord("PARTITION"))) {
                return Optional.of(new RowRemoval(word + " TABLESPACE", Optional.empty()));
            }
        }
        return Optional.empty();
    }

    /** Whether the statement puts other rows in the place of those it removes (an exchange, an import). */
    public boolean replaces() {
        return what.startsWith("EXCHANGE") || what.startsWith("IMPORT");
    }

    /** The table after {@code WITH TABLE}, from token {@code from} on. */
    private static Optional<TableName> exchangedWith(List<Token> t, int from, String database) {
        for (int i = from; i + 2 < t.size(); i++) {
            if (t.get(i).isWord("WITH") && t.get(i + 1).isWord("TABLE") && t.get(i + 2).identifier() != null) {
                String first = t.get(i + 2).identifier();
                if (i + 4 < t.size() && t.get(i + 3).isSymbol(".") && t.get(i + 4).identifier() != null) {
                    return Optional.of(new TableName(first, t.get(i + 4).identifier()));
                }
                return database == null ? Optional.empty() : Optional.of(new TableName(database, first));
            }
        }
        return Optional.empty();
    }
}
