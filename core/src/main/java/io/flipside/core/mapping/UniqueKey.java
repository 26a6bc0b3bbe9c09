package io.flipside.core.mapping;

import java.util.List;

/**
 * A unique index. In {@link TableDef#uniqueKeys()} only those whose columns are all NOT NULL (the primary key, or a
 * UNIQUE key over non-null columns): such a key identifies every row, so it can drive the chunked copy and key-based
 * apply.
 *
 * @param indexName {@code PRIMARY} or the index's name
 * @param columns   in index order
 */
public record UniqueKey(String indexName, List<String> columns) {
    public UniqueKey {
        columns = List.copyOf(columns);
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("a key has at least one column");
        }
    }

    public boolean isPrimary() {
        return indexName.equals("PRIMARY");
    }
}
