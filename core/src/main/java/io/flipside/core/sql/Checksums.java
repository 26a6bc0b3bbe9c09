package io.flipside.core.sql;

import static io.flipside.core.sql.TypeConversions.NUMERIC;
import static io.flipside.core.sql.TypeConversions.TEMPORAL;
import static io.flipside.core.sql.TypeConversions.TEXT;
import static io.flipside.core.sql.TypeConversions.THEN;
import static io.flipside.core.sql.TypeConversions.cast;
import static io.flipside.core.sql.TypeConversions.digits;
import static io.flipside.core.sql.TypeConversions.isBit;
import static io.flipside.core.sql.TypeConversions.isYear;
import static io.flipside.core.sql.TypeConversions.numericKind;
import static io.flipside.core.sql.TypeConversions.scale;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.stream.Collectors;

/**
 * A checksum of chosen columns of a table, computed by MySQL: the row count and two 64-bit XORs of the halves of each
 * row's MD5, over the columns in a fixed order with an explicit NULL mask (CONCAT_WS would otherwise skip NULLs, and
 * {@code ('a', NULL)} would equal {@code (NULL, 'a')}). Two tables whose mapped columns hold the same values row for
 * row have the same checksum, whatever their other columns; a single differing value changes it.
 */
public final class Checksums {
    private Checksums() {}

    /**
     * Up to {@code limit} keys (as text) of rows of {@code a} that {@code b} lacks or holds with other values in the
     * mapped columns ({@code <=>}: NULL equals NULL). Run it both ways to find rows only {@code b} has. The key
     * columns named in {@code aBinaryKey} are given in hex after {@code 0x}: a binary string's bytes, a BIT's number.
     */
    public static String differingKeys(String migrationId, TableName a, List<String> aKey, List<String> aColumns,
            TableName b, List<String> bKey, List<String> bColumns, int limit, java.util.Set<String> aBinaryKey) {
        StringBuilder on = new StringBuilder();
        for (int i = 0; i < aKey.size(); i++) {
            on.append(i == 0 ? "" : " AND ").append("a.").append(Sql.ident(aKey.get(i))).append(" = b.")
                    .append(Sql.ident(bKey.get(i)));
        }
        StringBuilder same = new StringBuilder();
        for (int i = 0; i < aColumns.size(); i++) {
            same.append(i == 0 ? "" : " AND ").append("a.").append(Sql.ident(aColumns.get(i))).append(" <=> b.")
                    .append(Sql.ident(bColumns.get(i)));
        }
        String key = aKey.stream().map(k -> aBinaryKey.contains(k) ? "'0x', HEX(a." + Sql.ident(k) + ")"
                : "a." + Sql.ident(k)).collect(Collectors.joining(", '|', "));
        return Sql.tag(migrationId, "checksum") + "SELECT CONCAT(" + key + ") FROM " + a.quoted() + " AS a LEFT JOIN "
                + b.quoted() + " AS b ON " + on + " WHERE b." + Sql.ident(bKey.get(0)) + " IS NULL OR NOT (" + same
                + ") LIMIT " + limit;
    }

    /** Returns one row: {@code rows, checksum} where checksum is a 32-character hex string. */
    public static String query(String migrationId, TableName table, List<String> columns) {
        return query(migrationId, table, columns, java.util.Set.of());
    }

    /**
     * As {@link #query(String, TableName, List)}, with the character columns named in {@code textColumns} hashed as
     * utf8mb4: MD5 hashes bytes, so the same text in latin1 and in utf8mb4 would otherwise differ, and a migration that
     * changes a column's character set would never match. (Binary columns are hashed as their bytes.)
     */
    public static String query(String migrationId, TableName table, List<String> columns,
            java.util.Set<String> textColumns) {
        return query(migrationId, table, columns, textColumns, java.util.Map.of());
    }

    /**
     * As above, with the columns named in {@code castTo} hashed as that type ({@link TypeConversions#commonType}): so
     * that a column whose type the migration widened, TIME(3) to TIME(6) say, hashes the same value the same in both
     * tables.
     */
    public static String query(String migrationId, TableName table, List<String> columns,
            java.util.Set<String> textColumns, java.util.Map<String, String> castTo) {
        String values = columns.stream()
                .map(c -> castTo.containsKey(c) ? cast(Sql.ident(c), castTo.get(c))
                        : textColumns.contains(c) ? "CONVERT(" + Sql.ident(c) + " USING utf8mb4)" : Sql.ident(c))
                .collect(Collectors.joining(", "));
        String nullMask = columns.stream().map(c -> "ISNULL(" + Sql.ident(c) + ")").collect(Collectors.joining(", "));
        String rowHash = "MD5(CONCAT_WS('#', " + values + ", CONCAT(" + nullMask + ")))";
        // BIT_XOR is 0 over no rows. No COALESCE(..., 0): it would type the result as a signed BIGINT and clamp every
        // value with the high bit set to 7FFFFFFFFFFFFFFF, so that half of all checksums would compare equal.
        return Sql.tag(migrationId, "checksum") + "SELECT COUNT(*), CONCAT("
                + "LPAD(HEX(BIT_XOR(CAST(CONV(SUBSTRING(h, 1, 16), 16, 10) AS UNSIGNED))), 16, '0'), "
                + "LPAD(HEX(BIT_XOR(CAST(CONV(SUBSTRING(h, 17, 16), 16, 10) AS UNSIGNED))), 16, '0'))"
                + " FROM (SELECT " + rowHash + " AS h FROM " + table.quoted() + ") AS rows_";
    }

    /**
     * The type to hash a column as in both tables when the migration changed it from {@code oldType} to
     * {@code newType}, both numeric or both temporal, between a number and a DATE, TIME, DATETIME or TIMESTAMP (but
     * from a BIGINT, FLOAT or DOUBLE into a TIME), from a number into a BIT, from a YEAR, a JSON document or a BIT (but
     * into a FLOAT or DOUBLE) into a number, or from text (CHAR, VARCHAR, TEXT) into a number, a time or JSON: the new
     * type, as MySQL converts the old table's values into it (its scale or fractional digits, a whole number for an
     * integer type, a DATE), so that a widened column compares as the same values (an INT and a DECIMAL(12,2) write 3
     * and 3.00, a VARCHAR's '1.5' is 1.50, a DATE's 2030-01-01 is 20300101 in a BIGINT) and a narrowed one as the
     * values the ALTER asked for (MySQL's own ALTER rounds them the same). A number into a date or a time is hashed as
     * its text read as that type ({@link TypeConversions#THEN}), as {@link TypeConversions#selectedAs} writes it; into
     * a BIT as the integer it was written as. A FLOAT compares as DOUBLE: MySQL before 8.0.17 cannot cast to FLOAT, so
     * a value narrowed to a FLOAT shows as a difference; a column changed into a YEAR as it is (24 is 2024 there, and
     * 8.0.15 has no cast to YEAR), a BIGINT, FLOAT or DOUBLE into a TIME as its own text (MySQL's cast of the text
     * reads some as NULL where the copy stores 00:00:00). Empty for the same type and for other kinds, whose values are
     * hashed as each table's own text.
     */
    public static Optional<String> compareAs(String oldType, String newType) {
        if (oldType.equalsIgnoreCase(newType)) {
            return Optional.empty();
        }
        // Text read as a number or a time: '1.5' is 1.50 in a DECIMAL(10,2), as the ALTER converts it.
        boolean fromText = TEXT.matcher(oldType).lookingAt();
        Matcher on = NUMERIC.matcher(oldType);
        Matcher nn = NUMERIC.matcher(newType);
        Matcher ot = TEMPORAL.matcher(oldType);
        Matcher nt = TEMPORAL.matcher(newType);
        boolean fromTime = ot.lookingAt() && !isYear(oldType);
        // A YEAR, a JSON document or a BIT into a number: as the number MySQL reads it as (2024, a BIT's bits unsigned;
        // a BIT(64) into a DOUBLE is not, the sum that casts to DOUBLE reading some values otherwise than the copy).
        boolean fromOtherNumber = isYear(oldType) || oldType.equalsIgnoreCase("json")
                || isBit(oldType) && nn.lookingAt() && !numericKind(nn.group(1)).equals("float");
        if ((on.lookingAt() || fromText || fromTime || fromOtherNumber) && nn.lookingAt()) {
            String kind = nn.group(1).toLowerCase(java.util.Locale.ROOT);
            return Optional.of(switch (kind) {
                case "decimal" -> "DECIMAL(65, " + scale(nn) + ")";
                case "float", "double" -> "DOUBLE";
                // Text into an integer rounds ('1.5' is 2), where CAST AS SIGNED truncates.
                default -> fromText ? "DECIMAL(65, 0)" : nn.group(4) == null ? "SIGNED" : "UNSIGNED";
            });
        }
        if (fromText && newType.equalsIgnoreCase("json")) {
            // Text into JSON: read as JSON, as the copy writes it ({"k":1} is {"k": 1}). (Not a number: MySQL does
            // not read a JSON double's own text back as the same text, 12345678901234.125 as 12345678901234.123.)
            return Optional.of("JSON");
        }
        if (on.lookingAt() && isBit(newType)) {
            // A number into a BIT is written as an integer (selectedAs): the BIT's bits read as that integer.
            return Optional.of(numericKind(on.group(1)).equals("float") || on.group(4) != null ? "UNSIGNED" : "SIGNED");
        }
        if ((ot.lookingAt() || fromText || on.lookingAt()) && nt.lookingAt()) {
            int fraction = digits(nt);
            Optional<String> type = switch (nt.group(1).toLowerCase(java.util.Locale.ROOT)) {
                case "date" -> Optional.of("DATE");
                case "datetime", "timestamp" -> Optional.of("DATETIME(" + fraction + ")");
                // A BIGINT, FLOAT or DOUBLE into a TIME: the copy, as the ALTER, stores some values it cannot read
                // (1E10, a DOUBLE's 9007199254740992) as 00:00:00, where the cast of their text gives NULL.
                case "time" -> on.lookingAt() && (numericKind(on.group(1)).equals("float")
                        || on.group(1).equalsIgnoreCase("bigint")) ? Optional.empty()
                                : Optional.of("TIME(" + fraction + ")");
                default -> Optional.empty();
            };
            // A number is written into a date or a time as its text (selectedAs), which MySQL reads otherwise than
            // the number.
            return on.lookingAt() ? type.map(t -> "CHAR" + THEN + t) : type;
        }
        return Optional.empty();
    }
}
