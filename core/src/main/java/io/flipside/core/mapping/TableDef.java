package io.flipside.core.mapping;

import java.util.List;
import java.util.Optional;

/**
 * A table's definition as read from information_schema: its columns in ordinal order and its unique keys over
 * non-null columns (primary key first).
 */
public record TableDef(String name, List<ColumnDef> columns, List<UniqueKey> uniqueKeys) {
    public TableDef {
        columns = List.copyOf(columns);
        uniqueKeys = List.copyOf(uniqueKeys);
    }

    public Optional<ColumnDef> column(String columnName) {
        return columns.stream().filter(c -> c.name().equalsIgnoreCase(columnName)).findFirst();
    }

    public List<String> columnNames() {
        return columns.stream().map(ColumnDef::name).toList();
    }
}
