package io.flipside.core.sql;

import static io.flipside.core.sql.TypeConversions.NEAREST_FLOAT;
import static io.flipside.core.sql.TypeConversions.AS_YEAR;
import static io.flipside.core.sql.TypeConversions.AS_YEAR_OF_TEXT;
import static io.flipside.core.sql.TypeConversions.BYTES;
import static io.flipside.core.sql.TypeConversions.MEMBERS;
import static io.flipside.core.sql.TypeConversions.NUMERIC;
import static io.flipside.core.sql.TypeConversions.TEMPORAL;
import static io.flipside.core.sql.TypeConversions.TEXT;
import static io.flipside.core.sql.TypeConversions.THEN;
import static io.flipside.core.sql.TypeConversions.TRAILING_SPACES_TRIMMED;
import static io.flipside.core.sql.TypeConversions.cast;
import static io.flipside.core.sql.TypeConversions.digits;
import static io.flipside.core.sql.TypeConversions.isBit;
import static io.flipside.core.sql.TypeConversions.isYear;
import static io.flipside.core.sql.TypeConversions.memberBitsIn;
import static io.flipside.core.sql.TypeConversions.memberNumberIn;
import static io.flipside.core.sql.TypeConversions.numericKind;
import static io.flipside.core.sql.TypeConversions.orZero;
import static io.flipside.core.sql.TypeConversions.scale;

import io.flipside.core.mapping.ColumnDef;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
     * The columns of a table as a checksum hashes them, in this order: those named in {@code textColumns} as utf8mb4
     * (MD5 hashes bytes, so the same text in latin1 and in utf8mb4 would otherwise differ, and a migration that
     * changes a column's character set would never match; binary columns are hashed as their bytes), those named in
     * {@code castTo} as that type ({@link #compareAs}), the others as they are. A type that reads text as an ENUM's
     * or a SET's members takes them from {@code members}, as parameters of the statement ({@link #parameters}).
     */
    public record Hashed(List<String> columns, Set<String> textColumns, Map<String, String> castTo,
            Map<String, List<String>> members) {
        public Hashed {
            columns = List.copyOf(columns);
            textColumns = Set.copyOf(textColumns);
            castTo = Map.copyOf(castTo);
            members = Map.copyOf(members);
            for (Map.Entry<String, String> c : castTo.entrySet()) {
                if (TypeConversions.takesMembers(c.getValue())
                        && members.getOrDefault(c.getKey(), List.of()).isEmpty()) {
                    throw new IllegalArgumentException("column " + c.getKey() + " is hashed as " + c.getValue()
                            + ", which needs the members of its ENUM or SET");
                }
            }
        }

        public Hashed(List<String> columns, Set<String> textColumns, Map<String, String> castTo) {
            this(columns, textColumns, castTo, Map.of());
        }

        /**
         * The columns of the old table ({@code oldTable}) or of the new one, those the migration changed hashed as
         * {@code changed} says for that table.
         */
        public static Hashed of(List<String> columns, Set<String> textColumns, Map<String, ComparedAs> changed,
                boolean oldTable) {
            Map<String, String> castTo = new HashMap<>();
            Map<String, List<String>> members = new HashMap<>();
            changed.forEach((column, as) -> {
                castTo.put(column, oldTable ? as.oldAs() : as.newAs());
                if (oldTable) {
                    members.put(column, as.members());
                }
            });
            return new Hashed(columns, textColumns, castTo, members);
        }

        /** Each row's MD5, of the columns of the table named {@code alias} ("" for none). */
        String rowHash(String alias) {
            String values = columns.stream().map(c -> {
                String column = alias + Sql.ident(c);
                return castTo.containsKey(c) ? cast(column, castTo.get(c), membersOf(c).size())
                        : textColumns.contains(c) ? "CONVERT(" + column + " USING utf8mb4)" : column;
            }).collect(Collectors.joining(", "));
            String nullMask = columns.stream().map(c -> "ISNULL(" + alias + Sql.ident(c) + ")")
                    .collect(Collectors.joining(", "));
            return "MD5(CONCAT_WS('#', " + values + ", CONCAT(" + nullMask + ")))";
        }

        /** The values of {@link #rowHash}'s parameters, in order. */
        public List<String> parameters() {
            return columns.stream().flatMap(c -> membersOf(c).stream()).toList();
        }

        private List<String> membersOf(String column) {
            return castTo.containsKey(column) && TypeConversions.takesMembers(castTo.get(column))
                    ? members.getOrDefault(column, List.of()) : List.of();
        }
    }

    /**
     * The types to hash a changed column as ({@link #compareAs}) in the old table and in the new one, and the members
     * of the ENUM or SET the old table's text is read as (the new table's as its own number).
     */
    public record ComparedAs(String oldAs, String newAs, List<String> members) {
        public ComparedAs {
            members = List.copyOf(members);
        }

        /** Both tables' columns hashed as {@code type}. */
        public static ComparedAs both(String type) {
            return new ComparedAs(type, type, List.of());
        }
    }

    /**
     * Up to {@code limit} keys (as text) of rows of {@code a} that {@code b} lacks or whose hash differs from that
     * of {@code b}'s row, each table's columns hashed as its checksum hashes them: the rows that make the checksums
     * differ (a comparison of the values would take 'User' for 'user' in a case-insensitive column, where the hashes
     * differ). Run it both ways to find rows only {@code b} has. The key columns named in {@code aBinaryKey} are given
     * in hex after {@code 0x}: a binary string's bytes, a BIT's number; those in {@code aFloatKey} as a DOUBLE, which
     * gives a FLOAT in full (MySQL's text for it has six significant digits: 1006.67 finds no row 1006.6666870117188).
     * A key column of {@code b} named in {@code bCollations}, whose collation is not that of {@code a}'s, is compared
     * with {@code a}'s value brought into its own ({@link Projection#comparing}): MySQL refuses to compare the two
     * columns as they are. Its parameters: {@code aHashed}'s, then {@code bHashed}'s ({@link Hashed#parameters}).
     */
    public static String differingKeys(String migrationId, TableName a, List<String> aKey, Hashed aHashed,
            TableName b, List<String> bKey, Hashed bHashed, int limit, Set<String> aBinaryKey, Set<String> aFloatKey,
            Map<String, Projection.Collation> bCollations) {
        StringBuilder on = new StringBuilder();
        for (int i = 0; i < aKey.size(); i++) {
            String value = "a." + Sql.ident(aKey.get(i));
            Projection.Collation c = bCollations.get(bKey.get(i));
            on.append(i == 0 ? "" : " AND ").append("b.").append(Sql.ident(bKey.get(i))).append(" = ")
                    .append(c == null ? value : c.applyTo(value));
        }
        String key = aKey.stream().map(k -> aBinaryKey.contains(k) ? "'0x', HEX(a." + Sql.ident(k) + ")"
                : aFloatKey.contains(k) ? TypeConversions.cast("a." + Sql.ident(k), "DOUBLE")
                : "a." + Sql.ident(k)).collect(Collectors.joining(", '|', "));
        return Sql.tag(migrationId, "checksum") + "SELECT CONCAT(" + key + ") FROM " + a.quoted() + " AS a LEFT JOIN "
                + b.quoted() + " AS b ON " + on + " WHERE b." + Sql.ident(bKey.get(0)) + " IS NULL OR "
                + aHashed.rowHash("a.") + " <> " + bHashed.rowHash("b.") + " LIMIT " + limit;
    }

    /** Returns one row: {@code rows, checksum} where checksum is a 32-character hex string. */
    public static String query(String migrationId, TableName table, List<String> columns) {
        return query(migrationId, table, new Hashed(columns, Set.of(), Map.of()));
    }

    /**
     * As {@link #query(String, TableName, List)}, with the columns hashed as {@code hashed} says; its parameters are
     * {@link Hashed#parameters}.
     */
    public static String query(String migrationId, TableName table, Hashed hashed) {
        // BIT_XOR is 0 over no rows. No COALESCE(..., 0): it would type the result as a signed BIGINT and clamp every
        // value with the high bit set to 7FFFFFFFFFFFFFFF, so that half of all checksums would compare equal.
        return Sql.tag(migrationId, "checksum") + "SELECT COUNT(*), CONCAT("
                + "LPAD(HEX(BIT_XOR(CAST(CONV(SUBSTRING(h, 1, 16), 16, 10) AS UNSIGNED))), 16, '0'), "
                + "LPAD(HEX(BIT_XOR(CAST(CONV(SUBSTRING(h, 17, 16), 16, 10) AS UNSIGNED))), 16, '0'))"
                + " FROM (SELECT " + hashed.rowHash("") + " AS h FROM " + table.quoted() + ") AS rows_";
    }

    /**
     * As {@link #compareAs(String, String)}, and between columns whose character sets matter: text or bytes changed
     * into a CHAR is hashed as that CHAR's text without its trailing spaces (a CHAR reads none back, so the
     * ALTER's 'A&nbsp;&nbsp;' is 'A'); text, bytes or a JSON document into an ENUM or a SET as the number of the
     * member, the bits of the members, it names in the new column's collation without its trailing spaces, or by
     * number ('A&nbsp;&nbsp;' is 'a', 'c,A' is 'a,c', and '2' is the second member unless a member is '2'), as the
     * ALTER writes it, the members given, and the ENUM or SET as its own number; bytes into other text as read in that
     * text's character set. And between columns hashed each its own way: a DECIMAL, FLOAT or DOUBLE into JSON, the old
     * value's text read as JSON, as the copy writes it (JSON reads 12345678901234.123456 as 12345678901234.125, 1.50 as
     * 1.5), and the JSON column as it is; a BIT into a FLOAT, DOUBLE, DATE, DATETIME or TIMESTAMP, the old value's bits
     * as an unsigned number in the new type, as the copy writes it, and the new column as it is.
     */
    public static Optional<ComparedAs> compareAs(ColumnDef oldColumn, ColumnDef newColumn) {
        String oldType = oldColumn.columnType();
        String newType = newColumn.columnType();
        boolean fromString = TEXT.matcher(oldType).lookingAt() || BYTES.matcher(oldType).lookingAt();
        if ((fromString || oldType.equalsIgnoreCase("json")) && newColumn.charset() != null
                && !oldType.equalsIgnoreCase(newType)) {
            // The old value in the new column's character set, as the ALTER converts text and reads bytes.
            String inNewCharset = "CHAR CHARACTER SET " + Sql.ident(newColumn.charset());
            if (CHAR.matcher(newType).lookingAt() && fromString) {
                return Optional.of(ComparedAs.both(inNewCharset + THEN + TRAILING_SPACES_TRIMMED));
            }
            Matcher members = MEMBERS.matcher(newType);
            if (members.lookingAt()) {
                String named = members.group(1).equalsIgnoreCase("enum")
                        ? memberNumberIn(newColumn.charset(), newColumn.collation())
                        : memberBitsIn(newColumn.charset(), newColumn.collation());
                // The ENUM's or SET's own number: a member misread here makes a difference, never hides one.
                return Optional.of(new ComparedAs(inNewCharset + THEN + TRAILING_SPACES_TRIMMED + THEN + named,
                        "UNSIGNED", TypeConversions.members(newType)));
            }
            if (BYTES.matcher(oldType).lookingAt() && TEXT.matcher(newType).lookingAt()) {
                return Optional.of(ComparedAs.both(inNewCharset));
            }
        }
        Matcher number = NUMERIC.matcher(oldType);
        if (number.lookingAt() && !numericKind(number.group(1)).equals("integer") && newType.equalsIgnoreCase("json")) {
            // Its text read as JSON, as the copy writes it: JSON reads a number's text with a parser of its own
            // (12345678901234.123456 is 12345678901234.125 there, where arithmetic gives 12345678901234.123), a
            // DECIMAL's 1.50 as 1.5, a FLOAT's 0.1 as 0.1 (not 0.10000000149011612). The JSON column as it is.
            return Optional.of(new ComparedAs("CHAR" + THEN + "JSON", "JSON", List.of()));
        }
        if (bitIntoFloatOrDate(oldType, newType)) {
            // Its bits as an unsigned number (arithmetic reads all 64 set as -1), then as the FLOAT or DOUBLE, or the
            // date MySQL reads that number as, as the copy (as the ALTER) writes it: 10000000000 is 2001-00-00, where
            // its text reads as 2010-00-00. The new column as it is (a DOUBLE's 1.8446744073709552e19 is
            // 9223372036854775808 as an integer).
            Matcher date = TEMPORAL.matcher(newType);
            String as = date.lookingAt() ? asDate(date) : compareAs("bigint unsigned", newType).orElseThrow();
            return Optional.of(new ComparedAs("UNSIGNED" + THEN + as, as, List.of()));
        }
        return compareAs(oldType, newType).map(ComparedAs::both);
    }

    /** The type a DATE, DATETIME or TIMESTAMP column ({@code type} matched by TEMPORAL) is cast to: itself. */
    private static String asDate(Matcher type) {
        return type.group(1).equalsIgnoreCase("date") ? "DATE" : "DATETIME(" + digits(type) + ")";
    }

    /** A BIT into a FLOAT, a DOUBLE, a DATE, a DATETIME or a TIMESTAMP: each table's column hashed its own way. */
    private static boolean bitIntoFloatOrDate(String oldType, String newType) {
        Matcher number = NUMERIC.matcher(newType);
        Matcher date = TEMPORAL.matcher(newType);
        return isBit(oldType) && (number.lookingAt() && numericKind(number.group(1)).equals("float")
                || date.lookingAt() && !date.group(1).equalsIgnoreCase("time") && !isYear(newType));
    }

    private static final Pattern CHAR = Pattern.compile("char\\b", Pattern.CASE_INSENSITIVE);

    /**
     * The type to hash a column as in both tables when the migration changed it from {@code oldType} to
     * {@code newType}, so that the value the copy (as MySQL's own ALTER) wrote hashes as the value it was written
     * from: mostly the new type, as MySQL converts the old table's values into it (its scale or fractional digits, a
     * whole number for an integer type, a DATE), so that a widened column compares as the same values (an INT and a
     * DECIMAL(12,2) write 3 and 3.00, a VARCHAR's '1.5' is 1.50, a DATE's 2030-01-01 is 20300101 in a BIGINT) and a
     * narrowed one as the values the ALTER asked for (MySQL's own ALTER rounds them the same). Several types, or
     * functions, are applied in turn ({@link TypeConversions#cast}). Namely:
     *
     * <ul>
     *   <li>into a number: from a number, a time, text or bytes (a VARBINARY's '1.5' is 2 in an INT), a YEAR, a JSON
     *       document, an ENUM or a SET (its member's number, its members' bits), a BIT (its bits, unsigned; into a
     *       FLOAT or DOUBLE, see below); into a FLOAT as the FLOAT it rounds to ({@link TypeConversions#AS_FLOAT}:
     *       MySQL before 8.0.17 has no cast to FLOAT), but a FLOAT(M,D);</li>
     *   <li>into a DATE, DATETIME or TIMESTAMP: from a time, text or bytes; from a number as its text read as that
     *       type, as {@link TypeConversions#selectedAs} writes it; a TIME as a DATETIME first, as it rounds into the
     *       next day;</li>
     *   <li>into a TIME: from a time; from a number, a YEAR, text, bytes, an ENUM, a SET or a BIT as above, and as its
     *       zero where the cast cannot read it (the copy stores 1E10 and '' as 00:00:00), compared as a number ('-0'
     *       is 00:00:00, where the cast gives -00:00:00);</li>
     *   <li>into a YEAR: as the whole number the value is rounded to, read as a year (24 is 2024, and '0' 2000);</li>
     *   <li>into a BIT: as the integer it was written as;</li>
     *   <li>into an ENUM or a SET from a number or a YEAR: as the member's number, the members' bits;</li>
     *   <li>into text, bytes, an ENUM or a SET from a BIT: as its number (the copy writes its number's text), but into
     *       a TEXT or a BLOB, where it writes the BIT's bytes;</li>
     *   <li>into a BINARY(n): as the bytes padded to n, as the BINARY stores them (a number's text); into other bytes
     *       from text: as the text's bytes in its own character set;</li>
     *   <li>into JSON: text read as JSON, as the copy writes it ({"k":1} is {"k": 1}).</li>
     * </ul>
     *
     * <p>Empty for the same type and for other kinds, whose values are hashed as each table's own text (a number into
     * text: the copy writes its text); and for a DECIMAL, FLOAT or DOUBLE into JSON and a BIT into a FLOAT, DOUBLE or
     * date, which no one type hashes alike in both tables ({@link #compareAs(ColumnDef, ColumnDef)} hashes each its
     * own way). {@code TypeConversionsIT} checks every pair of 32 types.
     */
    public static Optional<String> compareAs(String oldType, String newType) {
        if (oldType.equalsIgnoreCase(newType)) {
            return Optional.empty();
        }
        // Text read as a number or a time: '1.5' is 1.50 in a DECIMAL(10,2), as the ALTER converts it.
        boolean fromText = TEXT.matcher(oldType).lookingAt();
        boolean fromBytes = BYTES.matcher(oldType).lookingAt();
        boolean fromString = fromText || fromBytes;
        Matcher on = NUMERIC.matcher(oldType);
        Matcher nn = NUMERIC.matcher(newType);
        Matcher ot = TEMPORAL.matcher(oldType);
        Matcher nt = TEMPORAL.matcher(newType);
        boolean fromNumber = on.lookingAt();
        boolean fromTime = ot.lookingAt() && !isYear(oldType);
        boolean fromBit = isBit(oldType);
        boolean fromMembers = MEMBERS.matcher(oldType).lookingAt();
        if (bitIntoFloatOrDate(oldType, newType)) {
            // Each table's column its own way: compareAs(ColumnDef, ColumnDef).
            return Optional.empty();
        }
        if (fromBit && nt.lookingAt() && nt.group(1).equalsIgnoreCase("time")) {
            // A BIT's bits as a number, then as the number the copy writes into a TIME.
            return compareAs("bigint unsigned", newType).map(t -> "UNSIGNED" + THEN + t);
        }
        // A YEAR, a JSON document, an ENUM or a SET read as a number: 2024, a member's number, the members' bits.
        boolean fromOtherNumber = isYear(oldType) || oldType.equalsIgnoreCase("json")
                || fromMembers || fromBit;
        if ((fromNumber || fromString || fromTime || fromOtherNumber) && nn.lookingAt()) {
            String kind = nn.group(1).toLowerCase(java.util.Locale.ROOT);
            return Optional.of(switch (kind) {
                case "decimal" -> "DECIMAL(65, " + scale(nn) + ")";
                // Into a FLOAT as the FLOAT the value rounds to (not a FLOAT(M,D), which rounds to D decimals first).
                case "float", "double" -> kind.equals("float") && nn.group(3) == null ? NEAREST_FLOAT
                        : "DOUBLE";
                // Text into an integer rounds ('1.5' is 2), where CAST AS SIGNED truncates.
                default -> fromString ? "DECIMAL(65, 0)" : nn.group(4) == null ? "SIGNED" : "UNSIGNED";
            });
        }
        if (isYear(newType)) {
            // Into a YEAR: as the whole number the value is rounded to (a FLOAT's 2.5 to 2, a DECIMAL's or a text's
            // to 3, as the copy and the ALTER do), read as a YEAR: 24 is 2024.
            if (fromString) {
                return Optional.of("DECIMAL(65, 0)" + THEN + AS_YEAR_OF_TEXT);
            }
            String whole = fromNumber && !numericKind(on.group(1)).equals("decimal") || !fromNumber && !fromTime
                    ? fromBit ? "UNSIGNED" : "SIGNED" : "DECIMAL(65, 0)";
            return Optional.of(whole + THEN + AS_YEAR);
        }
        if (fromText && newType.equalsIgnoreCase("json")) {
            // Text into JSON: read as JSON, as the copy writes it ({"k":1} is {"k": 1}). (Not a number: MySQL does
            // not read a JSON double's own text back as the same text, 12345678901234.125 as 12345678901234.123.)
            return Optional.of("JSON");
        }
        if (fromBit && NUMBER_AS_TEXT.matcher(newType).lookingAt()) {
            // A BIT into a CHAR, VARCHAR, BINARY, VARBINARY, ENUM or SET is written as its number's text: 24 is
            // '24', and names the member by its number. (Into a TEXT or a BLOB as its bytes.)
            return Optional.of("UNSIGNED");
        }
        if (isBit(newType)) {
            // Written as an integer (selectedAs): the BIT's bits read as that integer.
            return Optional.of(fromNumber && !numericKind(on.group(1)).equals("float") && on.group(4) == null
                    ? "SIGNED" : "UNSIGNED");
        }
        if ((fromNumber || isYear(oldType)) && MEMBERS.matcher(newType).lookingAt()) {
            // A number names a member by its number, or the members by their bits.
            return Optional.of("SIGNED");
        }
        Matcher binary = FIXED_BYTES.matcher(newType);
        if (binary.lookingAt()) {
            // A BINARY(n) pads its bytes with zeros to n; a number's bytes are its text, as the copy writes it.
            String padded = "BINARY(" + binary.group(1) + ")";
            return Optional.of(fromNumber || isYear(oldType) ? "CHAR" + THEN + padded : padded);
        }
        if (fromText && BYTES.matcher(newType).lookingAt()) {
            // Text into bytes: its bytes in its own character set, as the ALTER stores them.
            return Optional.of("BINARY");
        }
        boolean intoTime = nt.lookingAt() && nt.group(1).equalsIgnoreCase("time");
        if ((fromTime || fromString || fromNumber || (fromMembers || isYear(oldType)) && intoTime)
                && nt.lookingAt()) {
            int fraction = digits(nt);
            Optional<String> type = switch (nt.group(1).toLowerCase(java.util.Locale.ROOT)) {
                // A TIME takes the current date, and rounds into the next day: 23:59:59.5 is tomorrow's date.
                case "date" -> Optional.of((ot.lookingAt() && ot.group(1).equalsIgnoreCase("time")
                        ? "DATETIME(0)" + THEN : "") + asDate(nt));
                case "datetime", "timestamp" -> Optional.of(asDate(nt));
                // The copy, as the ALTER, stores a value it cannot read as a time (1E10, '') as 00:00:00, where the
                // cast of its text gives NULL; and '-0' as 00:00:00, where the cast gives -00:00:00 (as numbers, 0).
                case "time" -> Optional.of(fromTime ? "TIME(" + fraction + ")"
                        : orZero("TIME(" + fraction + ")") + THEN + "DECIMAL(65, " + fraction + ")");
                default -> Optional.empty();
            };
            // A number (or a YEAR) is written into a date or a time as its text (selectedAs), which MySQL reads
            // otherwise than the number.
            return fromNumber || isYear(oldType) ? type.map(t -> "CHAR" + THEN + t) : type;
        }
        return Optional.empty();
    }

    private static final Pattern FIXED_BYTES = Pattern.compile("binary\\((\\d+)\\)", Pattern.CASE_INSENSITIVE);
    private static final Pattern NUMBER_AS_TEXT = Pattern.compile("(char|varchar|binary|varbinary|enum|set)\\b",
            Pattern.CASE_INSENSITIVE);
}
