package io.flipside.core.mapping;

/**
 * One column as information_schema.COLUMNS describes it.
 *
 * @param name       column name
 * @param columnType the full type, e.g. {@code varchar(64)}, {@code bigint unsigned}, {@code enum('a','b')}
 * @param nullable   IS_NULLABLE
 * @param generated  a stored or virtual generated column: never written directly
 * @param hasDefault an INSERT that leaves it out succeeds: nullable, or with a default, or auto-increment
 * @param charset    CHARACTER_SET_NAME, or null for non-character types
 * @param collation  COLLATION_NAME, or null
 */
public record ColumnDef(String name, String columnType, boolean nullable, boolean generated, boolean hasDefault,
        String charset, String collation) {

    /** Same type, nullability, character set and collation: every value of one fits the other unchanged. */
    public boolean sameTypeAs(ColumnDef other) {
        return columnType.equalsIgnoreCase(other.columnType) && nullable == other.nullable
                && java.util.Objects.equals(charset, other.charset)
                && java.util.Objects.equals(collation, other.collation);
    }

    public String describeType() {
        return columnType + (nullable ? "" : " NOT NULL")
                + (charset == null ? "" : " CHARACTER SET " + charset + " COLLATE " + collation);
    }
}
