package io.flipside.core.mapping;

import java.util.List;
import java.util.Optional;

/**
 * A table's definition as read from information_schema: its columns in ordinal order, its unique keys over non-null
 * columns (primary key first), and all its unique indexes (those too, and unique indexes over nullable columns, which
 * identify no row but still refuse a duplicate).
 */
public record TableDef(String name, List<ColumnDef> columns, List<UniqueKey> uniqueKeys, List<UniqueKey> uniqueIndexes) {
    public TableDef {
        columns = List.copyOf(columns);
        uniqueKeys = List.copyOf(uniqueKeys);
        uniqueIndexes = List.copyOf(uniqueIndexes);
    }

    /** A table whose only unique indexes are its unique keys. */
    public TableDef(String name, List<ColumnDef> columns, List<UniqueKey> uniqueKeys) {
        this(name, columns, uniqueKeys, uniqueKeys);
    }

    public Optional<ColumnDef> column(String columnName) {
        return columns.stream().filter(c -> c.name().equalsIgnoreCase(columnName)).findFirst();
    }

    public List<String> columnNames() {
        return columns.stream().map(ColumnDef::name).toList();
    }
}
