package io.flipside.core.sql;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * What MySQL 8.0.15 does when it writes a value of one column type into a column of another, as Flipside needs it:
 * which writes may round a value without an error ({@link #rounds}), how to show both values to compare them
 * ({@link #shownAs}), and what to select a column as so that the copy and replication store what MySQL's own
 * {@code ALTER TABLE ... MODIFY} stores ({@link #selectedAs}). {@code TypeConversionsIT} checks every rule against the
 * server; {@link Checksums#compareAs} builds on them.
 */
public final class TypeConversions {
    private TypeConversions() {}

    private static final Pattern TYPE = Pattern.compile("(timestamp|datetime|time|decimal|float|double)\\b"
            + "(?:\\((\\d+)(?:,(\\d+))?\\))?", Pattern.CASE_INSENSITIVE);

    /**
     * The type to hash a column as when its type differs between the two tables only in how it writes a value as
     * text: fractional seconds (TIME, DATETIME and TIMESTAMP), a DECIMAL's scale, FLOAT against DOUBLE. Empty when
     * the types are the same or of other kinds (their values' text does not depend on the type, or they differ).
     */
    public static Optional<String> commonType(String columnType, String otherColumnType) {
        Matcher a = TYPE.matcher(columnType);
        Matcher b = TYPE.matcher(otherColumnType);
        if (columnType.equalsIgnoreCase(otherColumnType) || !a.lookingAt() || !b.lookingAt()) {
            return Optional.empty();
        }
        String x = kind(a.group(1));
        if (!x.equals(kind(b.group(1)))) {
            return Optional.empty();
        }
        return Optional.of(switch (x) {
            case "decimal" -> "DECIMAL(65, " + Math.max(scale(a), scale(b)) + ")";
            case "float" -> "DOUBLE";
            case "datetime" -> "DATETIME(6)";
            default -> "TIME(6)";
        });
    }

    /** Numeric and temporal types as information_schema's COLUMN_TYPE spells them: kind, digits, scale, sign. */
    static final Pattern NUMERIC = Pattern.compile(
            "(tinyint|smallint|mediumint|int|bigint|decimal|float|double)\\b(?:\\((\\d+)(?:,(\\d+))?\\))?( unsigned)?",
            Pattern.CASE_INSENSITIVE);
    static final Pattern TEMPORAL = Pattern.compile("(datetime|timestamp|date|time|year)\\b(?:\\((\\d+)\\))?",
            Pattern.CASE_INSENSITIVE);

    /**
     * Whether MySQL, writing a value of {@code fromType} into a column of {@code toType}, may round it without an
     * error, even in strict mode: of the same kind, fewer fractional digits of a TIME, DATETIME or TIMESTAMP, a
     * smaller DECIMAL scale, a FLOAT from a DOUBLE (or a FLOAT or DOUBLE with fewer decimals given); across kinds, see
     * {@link #roundsAcrossKinds}. (Out-of-range values, too long strings and the like are refused in strict mode.)
     */
    public static boolean rounds(String fromType, String toType) {
        if (commonType(fromType, toType).isEmpty()) {
            return roundsAcrossKinds(fromType, toType);
        }
        Matcher from = TYPE.matcher(fromType);
        Matcher to = TYPE.matcher(toType);
        from.lookingAt();
        to.lookingAt();
        return switch (kind(from.group(1))) {
            case "decimal" -> scale(to) < scale(from);
            case "float" -> to.group(1).equalsIgnoreCase("float") && !from.group(1).equalsIgnoreCase("float")
                    || to.group(3) != null && (from.group(3) == null || scale(to) < scale(from));
            default -> digits(to) < digits(from);
        };
    }

    /**
     * Numeric into another kind of number, or temporal into another kind of time, where MySQL stores a value changed
     * without an error in strict mode (measured on 8.0.15: 1.5 into an INT is 2, 16777217 into a FLOAT 16777216, a
     * DATETIME into a DATE or a TIME loses a part, with a note at most). An integer into a DECIMAL and a DATE into a
     * DATETIME are exact or refused. Between a number and a time or a YEAR, always: 24 into a YEAR is 2024, 1.5 into
     * a TIME 00:00:02 ({@code TypeConversionsIT} measures them all).
     */
    private static boolean roundsAcrossKinds(String fromType, String toType) {
        return changesKind(NUMERIC, TypeConversions::numericKind, fromType, toType, "integer", "decimal")
                || changesKind(TEMPORAL, TypeConversions::kind, fromType, toType, "date", "datetime")
                || NUMERIC.matcher(fromType).lookingAt() && TEMPORAL.matcher(toType).lookingAt()
                || TEMPORAL.matcher(fromType).lookingAt() && NUMERIC.matcher(toType).lookingAt();
    }

    /**
     * Whether both types are of {@code family} and of different kinds in it ({@code kindOf} its first group), other
     * than from {@code exactFrom} to {@code exactTo}.
     */
    private static boolean changesKind(Pattern family, java.util.function.UnaryOperator<String> kindOf,
            String fromType, String toType, String exactFrom, String exactTo) {
        Matcher f = family.matcher(fromType);
        Matcher t = family.matcher(toType);
        if (!f.lookingAt() || !t.lookingAt()) {
            return false;
        }
        String from = kindOf.apply(f.group(1));
        String to = kindOf.apply(t.group(1));
        return !from.equals(to) && !(from.equals(exactFrom) && to.equals(exactTo));
    }

    /**
     * The type {@code fromType}'s and {@code toType}'s values are shown as when a write of one into the other may
     * round ({@link #rounds}): their {@link #commonType}; a TIME into a DATE, DATETIME or TIMESTAMP as a
     * {@code TIME(6)}, the time the column gives back (a TIME's 24:00:00 became tomorrow's date, whose time is
     * 00:00:00); across kinds a DOUBLE when one of them is a floating point type (a FLOAT's text has 6 digits); a
     * DATE, TIME, DATETIME or TIMESTAMP into an integer or a DECIMAL as a DECIMAL with the fraction of both (the number
     * MySQL makes of a time: 20380119031407.999999, which it compares with 20380119031408 as an equal DOUBLE); else
     * each value's own text.
     */
    public static String shownAs(String fromType, String toType) {
        Matcher from = TEMPORAL.matcher(fromType);
        Matcher to = TEMPORAL.matcher(toType);
        if (from.lookingAt() && to.lookingAt() && kind(from.group(1)).equals("time")
                && List.of("date", "datetime").contains(kind(to.group(1)))) {
            return "TIME(6)";
        }
        Matcher number = NUMERIC.matcher(toType);
        if (from.lookingAt() && !isYear(fromType) && number.lookingAt()
                && !numericKind(number.group(1)).equals("float")) {
            return "DECIMAL(65, " + Math.max(digits(from), scale(number)) + ")";
        }
        return commonType(fromType, toType).orElseGet(() -> {
            Matcher f = NUMERIC.matcher(fromType);
            boolean floating = f.lookingAt() && numericKind(f.group(1)).equals("float")
                    || number.lookingAt() && numericKind(number.group(1)).equals("float");
            return floating ? "DOUBLE" : "CHAR";
        });
    }

    /**
     * How a write of a {@code fromType} value into a {@code toType} column that may round it ({@link #rounds}) is
     * checked: both values are shown as {@link #shownAs}, and {@link #heldExactly} tells whether the written value is
     * the read one.
     *
     * @param givenBack where MySQL writes a {@code toType} value back into a {@code fromType} column by arithmetic that
     *     {@link #cast} can repeat, that cast (applied to the written value), else null: the written value holds the
     *     read one exactly when it gives it back. For a FLOAT written from a DECIMAL, and a DECIMAL or a TIME written
     *     from a FLOAT: the FLOAT nearest 0.1 does not equal 0.10, yet each is what the other's column makes of it,
     *     and a write back is how a second cut-over or a revert's own undo would see it.
     */
    public record Rounding(String shownAs, String givenBack) {
        /**
         * Whether the {@code written} value is the {@code read} one exactly, as SQL. Without {@link #givenBack}: MySQL
         * compares a FLOAT or DOUBLE with an integer, a DECIMAL or a time as DOUBLEs, which cannot tell
         * 9007199254740993 from 9007199254740992 (nor 20380119031407.999999 from 20380119031408): such pairs, shown as
         * a DOUBLE or a DECIMAL, are compared as DECIMALs too. It compares a TIME with a date as on the current date,
         * which takes 24:00:00 for tomorrow's date it became: a TIME into a date (shown as TIME(6)) is compared with
         * the time the date gives back too.
         */
        public String heldExactly(String written, String read) {
            if (givenBack != null) {
                return "(" + cast(written, givenBack) + " <=> " + read + ")";
            }
            String also = shownAs.equals("DOUBLE") || shownAs.startsWith("DECIMAL(")
                    ? " AND CAST(" + written + " AS DECIMAL(65, 30)) <=> CAST(" + read + " AS DECIMAL(65, 30))"
                    : shownAs.equals("TIME(6)") ? " AND CAST(" + written + " AS TIME(6)) <=> " + read : "";
            return "(" + written + " <=> " + read + also + ")";
        }
    }

    /** How a write of {@code fromType} into {@code toType} that may round is checked ({@link Rounding}). */
    public static Rounding rounding(String fromType, String toType) {
        Matcher f = NUMERIC.matcher(fromType);
        Matcher t = NUMERIC.matcher(toType);
        boolean fromNumber = f.lookingAt();
        boolean toNumber = t.lookingAt();
        boolean fromFloat = fromNumber && f.group(1).equalsIgnoreCase("float");
        boolean toFloat = toNumber && t.group(1).equalsIgnoreCase("float");
        boolean fromDecimal = fromNumber && f.group(1).equalsIgnoreCase("decimal");
        boolean toDecimal = toNumber && t.group(1).equalsIgnoreCase("decimal");
        Matcher time = TEMPORAL.matcher(toType);
        boolean toTime = time.lookingAt() && time.group(1).equalsIgnoreCase("time");
        String back = null;
        if (fromFloat && (toDecimal || toTime)) {
            back = NEAREST_FLOAT;
        } else if (toFloat && fromDecimal) {
            back = "DECIMAL(" + (f.group(2) == null ? 10 : f.group(2)) + ", " + scale(f) + ")";
        }
        return new Rounding(shownAs(fromType, toType), back);
    }

    /** Types whose values are text, as information_schema's COLUMN_TYPE spells them. */
    static final Pattern TEXT = Pattern.compile("(char|varchar|tinytext|text|mediumtext|longtext)\\b",
            Pattern.CASE_INSENSITIVE);

    /** Types whose values are bytes, as information_schema's COLUMN_TYPE spells them. */
    static final Pattern BYTES = Pattern.compile("(binary|varbinary|tinyblob|blob|mediumblob|longblob)\\b",
            Pattern.CASE_INSENSITIVE);

    /** ENUM and SET, whose values are members of a list. */
    static final Pattern MEMBERS = Pattern.compile("(enum|set)\\b", Pattern.CASE_INSENSITIVE);

    /** Whether a type's values are text, bytes, members of a list, or JSON. */
    private static boolean isString(String type) {
        return TEXT.matcher(type).lookingAt() || BYTES.matcher(type).lookingAt() || MEMBERS.matcher(type).lookingAt()
                || type.equalsIgnoreCase("json");
    }

    /**
     * The type to select a column of {@code fromType} as, in an {@code INSERT ... SELECT} into a column of
     * {@code toType}, so that MySQL stores what its own {@code ALTER TABLE ... MODIFY} stores; empty where the column
     * itself does. Measured on 8.0.15 ({@code TypeConversionsIT} compares every pair with the ALTER):
     *
     * <ul>
     *   <li>an unsigned integer into a signed one: {@code UNSIGNED}. From the column, MySQL copies the value bit for
     *       bit, a TINYINT UNSIGNED's 200 becoming -56 and an INT UNSIGNED's 2147483648 -2147483648, in strict mode
     *       and without a warning, where the ALTER refuses them as out of range; from the expression it checks the
     *       range;</li>
     *   <li>a number or a YEAR into a string, an ENUM, a SET or a JSON column: {@code CHAR}, the value's own text.
     *       From the column, MySQL writes a FLOAT's 0.1 as 0.10000000149011612 and a YEAR's 0000 as 0, a DECIMAL's
     *       1.00 into an ENUM as its first member, and refuses every number into a JSON column ("Cannot create a JSON
     *       value from a string with CHARACTER SET 'binary'"), where the ALTER writes 0.1 and 0000, refuses 1.00, and
     *       reads each number's text as JSON;</li>
     *   <li>a number or a YEAR into a DATE, TIME, DATETIME or TIMESTAMP: {@code CHAR}, as the ALTER reads its text.
     *       From the column, MySQL takes 0 as a zero date the ALTER refuses, and reads some numbers otherwise (a
     *       FLOAT's 101112.5 is 10:11:13 where the ALTER writes 10:11:12);</li>
     *   <li>a DATE, TIME, DATETIME or TIMESTAMP into an integer: {@code SIGNED}, and into a FLOAT or DOUBLE:
     *       {@code DOUBLE}, as the ALTER reads it. From the column, MySQL writes a DATE into a BIGINT as
     *       20300101000000 (and refuses it into an INT) where the ALTER writes 20300101, and a TIME(3)'s 00:00:01.235
     *       into a DOUBLE as 1.235 where the ALTER writes 1.2349999999999999;</li>
     *   <li>a FLOAT or DOUBLE into a YEAR: {@code SIGNED}, rounded as the ALTER rounds (1.5 is 2002, not 2001);</li>
     *   <li>anything but an integer or a BIT into a BIT: its number, {@code SIGNED} from a DECIMAL (the ALTER writes
     *       -1.00 as all ones, where the column is refused) and {@code UNSIGNED} otherwise (the ALTER reads a CHAR's
     *       '3' as 3, not as its byte). From a VARCHAR, VARBINARY or TEXT the ALTER reads more than that (a fraction
     *       rounded, the string's bytes): there the copy refuses what it cannot read as a whole number, and the
     *       migration fails naming the row.</li>
     * </ul>
     */
    public static Optional<String> selectedAs(String fromType, String toType) {
        if (fromType.equalsIgnoreCase(toType)) {
            return Optional.empty();
        }
        Matcher f = NUMERIC.matcher(fromType);
        Matcher t = NUMERIC.matcher(toType);
        boolean fromNumber = f.lookingAt();
        boolean toNumber = t.lookingAt();
        String fromKind = fromNumber ? numericKind(f.group(1)) : "";
        String toKind = toNumber ? numericKind(t.group(1)) : "";
        boolean fromYear = isYear(fromType);
        boolean fromTime = TEMPORAL.matcher(fromType).lookingAt() && !fromYear;
        boolean toTime = TEMPORAL.matcher(toType).lookingAt() && !isYear(toType);
        if (fromKind.equals("integer") && toKind.equals("integer") && f.group(4) != null && t.group(4) == null) {
            return Optional.of("UNSIGNED");
        }
        if (isBit(toType)) {
            return fromKind.equals("integer") || isBit(fromType) ? Optional.empty()
                    : Optional.of(fromKind.equals("decimal") ? "SIGNED" : "UNSIGNED");
        }
        if ((fromNumber || fromYear) && (toTime || isString(toType))) {
            return Optional.of("CHAR");
        }
        if (fromTime && toKind.equals("integer") || fromKind.equals("float") && isYear(toType)) {
            return Optional.of("SIGNED");
        }
        return fromTime && toKind.equals("float") ? Optional.of("DOUBLE") : Optional.empty();
    }

    static boolean isYear(String type) {
        return type.toLowerCase(java.util.Locale.ROOT).startsWith("year");
    }

    static boolean isBit(String type) {
        return type.toLowerCase(java.util.Locale.ROOT).startsWith("bit");
    }

    static String numericKind(String type) {
        return switch (type.toLowerCase(java.util.Locale.ROOT)) {
            case "decimal" -> "decimal";
            case "float", "double" -> "float";
            default -> "integer";
        };
    }

    /** Fractional seconds digits of a TIME, DATETIME or TIMESTAMP: 0 unless given. */
    static int digits(Matcher m) {
        return m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
    }

    /** Separates the types of a {@link #cast} to several types in turn. */
    static final String THEN = ";";

    /** A step of a {@link #cast}: the text without its trailing spaces, as a CHAR column reads it. */
    static final String TRAILING_SPACES_TRIMMED = "RTRIM";

    /**
     * A step of a {@link #cast}: as {@code type}, and as its zero where MySQL's cast cannot read the value (it reads
     * '' and 1E10 as no TIME, where a write into a TIME column stores 00:00:00).
     */
    static String orZero(String type) {
        return OR_ZERO + type;
    }

    private static final String OR_ZERO = "OR_ZERO ";

    /**
     * A step of a {@link #cast}: a whole number as the YEAR it is written as, 0 as 0000, 1 to 69 as 2001 to 2069 and
     * 70 to 99 as 1970 to 1999 (other numbers, and a YEAR's own, are themselves).
     */
    static final String AS_YEAR = "AS_YEAR";

    /**
     * A step of a {@link #cast}: a DOUBLE rounded to the nearest FLOAT (24 significant bits, ties to even, as a write
     * into a FLOAT column rounds it), which MySQL before 8.0.17 has no cast for: scaled by a power of two so that the
     * bits a FLOAT keeps are the whole part, rounded by ROUND (as C's rint), scaled back. Both scalings are exact.
     */
    static final String AS_FLOAT = "AS_FLOAT";

    /** For {@link #cast}: a number as the FLOAT a write into a FLOAT column makes of it. */
    static final String NEAREST_FLOAT = "DOUBLE" + THEN + AS_FLOAT;

    /**
     * As {@link #AS_YEAR}, for a whole number written as text, where 0 is 2000 ('0' and '00' are, '0000' is 0000:
     * both 0000 and 2000 are 2000 here).
     */
    static final String AS_YEAR_OF_TEXT = "AS_YEAR_OF_TEXT";

    /**
     * A step of a {@link #cast}: text as the number of the ENUM member it names, as a write into an ENUM column of
     * {@code charset} and {@code collation} reads it: the member it equals in that collation, else the member whose
     * number it is ('2' is the second member unless a member is '2'). The members are parameters of the statement,
     * in order ({@link #members}).
     */
    static String memberNumberIn(String charset, String collation) {
        return MEMBER_NUMBER + Sql.ident(charset) + " " + Sql.ident(collation);
    }

    /**
     * A step of a {@link #cast}: text as the bits of the SET members it names, as a write into a SET column of
     * {@code charset} and {@code collation} reads it: each member it lists, in any order, compared in that collation,
     * else the number it is ('3' is the first two). The members are parameters of the statement, in order.
     */
    static String memberBitsIn(String charset, String collation) {
        return MEMBER_BITS + Sql.ident(charset) + " " + Sql.ident(collation);
    }

    private static final String MEMBER_NUMBER = "MEMBER_NUMBER ";
    private static final String MEMBER_BITS = "MEMBER_BITS ";

    /** Whether a {@link #cast} to {@code type} takes the members of an ENUM or a SET as parameters. */
    static boolean takesMembers(String type) {
        return type.contains(MEMBER_NUMBER) || type.contains(MEMBER_BITS);
    }

    /**
     * The members of an ENUM or SET type as information_schema's COLUMN_TYPE spells it ({@code enum('a','it''s')}),
     * in order, as MySQL compares them: a quote is written twice there, a backslash as two.
     */
    public static List<String> members(String columnType) {
        List<String> out = new ArrayList<>();
        Matcher m = MEMBER.matcher(columnType.substring(columnType.indexOf('(')));
        while (m.find()) {
            out.add(m.group(1).replace("''", "'").replace("\\\\", "\\"));
        }
        return out;
    }

    private static final Pattern MEMBER = Pattern.compile("'((?:[^']|'')*)'");

    /** As {@link #cast(String, String, int)}, for a type that takes no parameters. */
    public static String cast(String column, String type) {
        return cast(column, type, 0);
    }

    /**
     * {@code column} as {@code type}, or as each of the types {@code type} names separated by {@link #THEN} in turn;
     * a DOUBLE by arithmetic, since MySQL before 8.0.17 has no CAST to DOUBLE. The steps
     * {@link #TRAILING_SPACES_TRIMMED}, {@link #orZero}, {@link #AS_YEAR}, {@link #AS_YEAR_OF_TEXT},
     * {@link #AS_FLOAT}, {@link #memberNumberIn} and {@link #memberBitsIn} are functions rather than types; the last
     * two take an ENUM's or SET's {@code members} as that many parameters ({@code ?}).
     */
    public static String cast(String column, String type, int members) {
        String expression = column;
        for (String t : type.split(THEN)) {
            if (t.equals("DOUBLE")) {
                expression = "(" + expression + " + 0E0)";
            } else if (t.equals(TRAILING_SPACES_TRIMMED)) {
                expression = "RTRIM(" + expression + ")";
            } else if (t.equals(AS_YEAR) || t.equals(AS_YEAR_OF_TEXT)) {
                expression = "CASE " + (t.equals(AS_YEAR) ? "WHEN " + expression + " = 0 THEN 0 " : "") + "WHEN "
                        + expression + " < 70 THEN " + expression + " + 2000 WHEN " + expression + " < 100 THEN "
                        + expression + " + 1900 ELSE " + expression + " END";
            } else if (t.equals(AS_FLOAT)) {
                // The exponent of the FLOAT's last kept bit; no lower than a subnormal FLOAT's. LOG2(0) is NULL: 0.
                String exponent = "GREATEST(FLOOR(LOG2(ABS(" + expression + "))) - 23, -149)";
                expression = "IFNULL(ROUND(" + expression + " * POW(2, -" + exponent + ")) * POW(2, " + exponent
                        + "), 0E0)";
            } else if (t.startsWith(OR_ZERO)) {
                String as = t.substring(OR_ZERO.length());
                expression = "IFNULL(CAST(" + expression + " AS " + as + "), CAST(0 AS " + as + "))";
            } else if (t.startsWith(MEMBER_NUMBER) || t.startsWith(MEMBER_BITS)) {
                boolean bits = t.startsWith(MEMBER_BITS);
                String[] charsetAndCollation = t.substring((bits ? MEMBER_BITS : MEMBER_NUMBER).length()).split(" ");
                String text = expression + " COLLATE " + charsetAndCollation[1];
                String member = "CONVERT(? USING " + charsetAndCollation[0] + ")";
                String named = bits
                        ? IntStream.range(0, members).mapToObj(i -> "((FIND_IN_SET(" + member + ", " + text
                                + ") > 0) << " + i + ")").collect(Collectors.joining(" | "))
                        : "FIELD(" + text + ", " + String.join(", ", Collections.nCopies(members, member)) + ")";
                // None named: a number, or a value the write refuses (MySQL does, in a strict session).
                expression = "COALESCE(NULLIF(" + named + ", 0), CAST(" + expression + " AS UNSIGNED))";
            } else {
                expression = "CAST(" + expression + " AS " + t + ")";
            }
        }
        return expression;
    }

    private static String kind(String type) {
        return switch (type.toLowerCase(java.util.Locale.ROOT)) {
            case "timestamp", "datetime" -> "datetime";
            case "double" -> "float";
            default -> type.toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** A DECIMAL's scale: 0 unless given. */
    static int scale(Matcher m) {
        return m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
    }
}
