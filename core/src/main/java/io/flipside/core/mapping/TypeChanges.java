package io.flipside.core.mapping;

import io.flipside.core.sql.TypeConversions;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a column's type change means for the values, in words for the plan's notes: which values written after the
 * cut-over the old type cannot hold (a revert is then lossy and needs force), and which existing values the new type
 * cannot hold (the migration then fails before its cut-over), and which values the new type rounds (as MySQL's own
 * ALTER would). Knows integer ranges, DECIMAL digits, fractional seconds, FLOAT against DOUBLE, character lengths, ENUM
 * and SET members, character sets and nullability; says only "MySQL converts" for anything else.
 */
public final class TypeChanges {
    private static final Map<String, Integer> INTEGER_BYTES = Map.of("tinyint", 1, "smallint", 2, "mediumint", 3,
            "int", 4, "bigint", 8);
    private static final Pattern LENGTH = Pattern.compile("^(?:var)?(?:char|binary)\\((\\d+)\\)");
    private static final Pattern DECIMAL = Pattern.compile("^decimal\\((\\d+),(\\d+)\\)");
    private static final Pattern FRACTIONAL = Pattern.compile("^(?:timestamp|datetime|time)(?:\\((\\d+)\\))?");
    /** Character sets that hold every Unicode character. */
    private static final Set<String> FULL_UNICODE = Set.of("utf8mb4", "utf16", "utf16le", "utf32");

    private TypeChanges() {}

    /** One sentence on {@code from} becoming {@code to} (both the same column, before and after). */
    public static String describe(ColumnDef from, ColumnDef to) {
        List<String> back = new ArrayList<>(); // values the old type cannot hold
        List<String> forward = new ArrayList<>(); // values the new type cannot hold
        List<String> rounded = new ArrayList<>(); // values the new type rounds, as the ALTER asks
        compare(from, to, back, forward, rounded);
        StringBuilder sb = new StringBuilder("a revert converts values back");
        if (!back.isEmpty()) {
            sb.append("; ").append(String.join(", ", back)).append(" written after the cut-over would not fit the old")
                    .append(" type (the revert then needs --force)");
        }
        if (!forward.isEmpty()) {
            sb.append("; ").append(String.join(", ", forward)).append(" in the table would not fit the new type (the")
                    .append(" migration then fails before its cut-over)");
        }
        if (!rounded.isEmpty()) {
            sb.append("; ").append(String.join(", ", rounded)).append(" in the table or written before the cut-over")
                    .append(" are rounded, as MySQL's own ALTER rounds them");
        }
        if (back.isEmpty() && forward.isEmpty() && rounded.isEmpty()) {
            sb.append("; MySQL converts the values, and a value one type cannot hold is reported when it is met");
        }
        return sb.toString();
    }

    private static void compare(ColumnDef from, ColumnDef to, List<String> back, List<String> forward,
            List<String> rounded) {
        String a = from.columnType().toLowerCase(Locale.ROOT);
        String b = to.columnType().toLowerCase(Locale.ROOT);
        Optional<BigInteger[]> ra = integerRange(a);
        Optional<BigInteger[]> rb = integerRange(b);
        if (ra.isPresent() && rb.isPresent()) {
            outside(ra.get(), rb.get(), a).ifPresent(back::add);
            outside(rb.get(), ra.get(), b).ifPresent(forward::add);
        }
        Matcher da = DECIMAL.matcher(a);
        Matcher db = DECIMAL.matcher(b);
        if (da.find() && db.find()) {
            integerDigits(da, db).ifPresent(back::add);
            decimals(da, db).ifPresent(back::add);
            integerDigits(db, da).ifPresent(forward::add);
            decimals(db, da).ifPresent(rounded::add);
        }
        // Rounded without an error even in strict mode; the applier compares what it wrote after the cut-over.
        Matcher fa = FRACTIONAL.matcher(a);
        Matcher fb = FRACTIONAL.matcher(b);
        if (fa.find() && fb.find()) {
            if (TypeConversions.rounds(b, a)) {
                back.add("values with more than " + digits(fa) + " fractional digits of a second (rounded)");
            } else if (TypeConversions.rounds(a, b)) {
                rounded.add("values with more than " + digits(fb) + " fractional digits of a second");
            }
        }
        if ((a.startsWith("float") || a.startsWith("double")) && TypeConversions.rounds(b, a)) {
            back.add("values that " + a + " rounds");
        } else if ((b.startsWith("float") || b.startsWith("double")) && TypeConversions.rounds(a, b)) {
            rounded.add("values that " + b + " rounds");
        }
        Matcher la = LENGTH.matcher(a);
        Matcher lb = LENGTH.matcher(b);
        if (la.find() && lb.find()) {
            int na = Integer.parseInt(la.group(1));
            int nb = Integer.parseInt(lb.group(1));
            if (nb > na) {
                back.add("values longer than " + na + " characters");
            } else if (na > nb) {
                forward.add("values longer than " + nb + " characters");
            }
        }
        if ((a.startsWith("enum(") && b.startsWith("enum(")) || (a.startsWith("set(") && b.startsWith("set("))) {
            String kind = a.startsWith("enum(") ? "ENUM" : "SET";
            Set<String> ma = new LinkedHashSet<>(TypeConversions.members(a));
            Set<String> mb = new LinkedHashSet<>(TypeConversions.members(b));
            missing(mb, ma).ifPresent(m -> back.add("the " + kind + " member" + m + " the old type lacks"));
            missing(ma, mb).ifPresent(m -> forward.add("the " + kind + " member" + m + " the new type lacks"));
        }
        if (from.charset() != null && to.charset() != null && !from.charset().equalsIgnoreCase(to.charset())) {
            if (!FULL_UNICODE.contains(from.charset().toLowerCase(Locale.ROOT))) {
                back.add("characters " + from.charset() + " cannot encode");
            }
            if (!FULL_UNICODE.contains(to.charset().toLowerCase(Locale.ROOT))) {
                forward.add("characters " + to.charset() + " cannot encode");
            }
        }
        if (to.nullable() && !from.nullable()) {
            back.add("NULLs");
        } else if (from.nullable() && !to.nullable()) {
            forward.add("NULLs");
        }
    }

    /** The values of range {@code wider} that {@code narrower} lacks, if any, as words. */
    private static Optional<String> outside(BigInteger[] narrower, BigInteger[] wider, String narrowerType) {
        if (wider[0].compareTo(narrower[0]) >= 0 && wider[1].compareTo(narrower[1]) <= 0) {
            return Optional.empty();
        }
        return Optional.of("values outside " + narrowerType.replaceAll("\\(\\d+\\)", "") + "'s range " + narrower[0]
                + ".." + narrower[1]);
    }

    private static Optional<BigInteger[]> integerRange(String type) {
        String base = type.replaceAll("\\(\\d+\\)", "").trim();
        boolean unsigned = base.endsWith(" unsigned") || base.endsWith(" unsigned zerofill");
        Integer bytes = INTEGER_BYTES.get(base.split(" ")[0]);
        if (bytes == null) {
            return Optional.empty();
        }
        BigInteger span = BigInteger.ONE.shiftLeft(bytes * 8);
        return Optional.of(unsigned ? new BigInteger[] {BigInteger.ZERO, span.subtract(BigInteger.ONE)}
                : new BigInteger[] {span.shiftRight(1).negate(), span.shiftRight(1).subtract(BigInteger.ONE)});
    }

    /** The integer digits DECIMAL {@code wide} holds that DECIMAL {@code narrow} does not, as words. */
    private static Optional<String> integerDigits(Matcher narrow, Matcher wide) {
        int intNarrow = Integer.parseInt(narrow.group(1)) - Integer.parseInt(narrow.group(2));
        int intWide = Integer.parseInt(wide.group(1)) - Integer.parseInt(wide.group(2));
        return intWide > intNarrow ? Optional.of("values with more than " + intNarrow + " integer digits")
                : Optional.empty();
    }

    /** The decimals DECIMAL {@code wide} holds that DECIMAL {@code narrow} rounds away, as words. */
    private static Optional<String> decimals(Matcher narrow, Matcher wide) {
        return Integer.parseInt(wide.group(2)) > Integer.parseInt(narrow.group(2))
                ? Optional.of("values with more than " + narrow.group(2) + " decimals (rounded)") : Optional.empty();
    }

    /** Fractional digits of a second given in a TIME, DATETIME or TIMESTAMP type: 0 unless given. */
    private static String digits(Matcher m) {
        return m.group(1) == null ? "0" : m.group(1);
    }

    /** The members of {@code in} that {@code of} lacks, as " 'a', 'b'" (with an s when several), or empty. */
    private static Optional<String> missing(Set<String> in, Set<String> of) {
        List<String> out = in.stream().filter(v -> !of.contains(v)).map(v -> "'" + v + "'").toList();
        return out.isEmpty() ? Optional.empty() : Optional.of((out.size() == 1 ? " " : "s ") + String.join(", ", out));
    }
}
