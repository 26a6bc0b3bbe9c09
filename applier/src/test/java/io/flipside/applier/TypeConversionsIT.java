package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.mapping.ColumnDef;
import io.flipside.core.mapping.ColumnMapping;
import io.flipside.core.sql.Checksums;
import io.flipside.core.sql.Projection;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.core.sql.TypeConversions;
import io.flipside.testkit.EmbeddedStack;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the applier assumes about MySQL's conversions between numeric types and between temporal types, checked
 * against the server for every ordered pair of a set of types and a set of values, each written as the applier writes
 * (its strict session, the copy's statement one row at a time, a value MySQL refuses left out as a migration would
 * fail on it):
 *
 * <ul>
 *   <li>{@link Checksums#compareAs}: after the copy, both tables have the same checksum; otherwise every such
 *       migration would report a false CHECKSUM MISMATCH (a value narrowed into a FLOAT too);</li>
 *   <li>{@link TypeConversions#rounds}: a value the written type does not hold exactly (written back into its own type
 *       it comes back different, or compares unequal where that type refuses it) is only met where {@code rounds} says
 *       a write may round, and inverse replication's check after each write ({@link Projection#notHeldExactly}) finds
 *       it, so that a revert cannot silently serve it; and it finds no value the write did not change, which would
 *       refuse a revert needlessly.</li>
 * </ul>
 *
 * <p>Both hold for every pair, between a number and a time and into or from a YEAR too. A number made of a time is
 * held exactly when it is the number MySQL makes of the time (20300101 of 2030-01-01, 101112.5 of 10:11:12.5); any
 * other value is held exactly when the type it came from gives it back. A TIME written into a type with a date takes
 * the current date, in the copy as in MySQL's own ALTER, and a run that crosses midnight would see other dates.
 * {@link #theCopyStoresWhatMySqlsOwnAlterStores} compares the copy with MySQL's own ALTER, over more types and those.
 */
class TypeConversionsIT {
    static final String DB = "type_conversions_it";

    static final List<String> TYPES = List.of("TINYINT", "INT", "INT UNSIGNED", "BIGINT", "DECIMAL(10,0)",
            "DECIMAL(10,2)", "DECIMAL(12,4)", "DECIMAL(20,6)", "FLOAT", "DOUBLE", "YEAR", "DATE", "TIME", "TIME(3)",
            "TIME(6)", "DATETIME", "DATETIME(3)", "DATETIME(6)", "TIMESTAMP", "TIMESTAMP(6)");

    /** Written into each type as SQL literals; those a type refuses are left out of its table. */
    static final List<String> VALUES = List.of("0", "1", "-1", "0.5", "1.5", "2.5", "-2.5", "0.1", "1.2345", "2.675",
            "1.23456789", "24", "69", "70", "99", "2024", "2024.5", "16777217", "2147483648", "9007199254740993",
            "20300101", "20300101.5", "101112", "101112.5", "20300101101112", "20300101101112.5",
            "12345678901234.123456", "2.5E0", "0.1E0", "1E10", "1.8446744073709552E19", "'2030-01-01'",
            "'2030-01-01 10:11:12'", "'2030-01-01 10:11:12.5'", "'2030-01-01 10:11:12.123456'", "'10:11:12'",
            "'10:11:12.5'", "'-10:11:12.25'", "'24:00:00'", "'-48:00:00'", "'838:59:59'", "'23:59:59.999999'",
            "'2038-01-19 03:14:07.999999'");

    static Connection c;

    @BeforeAll
    static void tables() throws SQLException {
        c = EmbeddedStack.shared().mysql().connect();
        try (Statement s = c.createStatement()) {
            String global;
            try (ResultSet rs = s.executeQuery("SELECT @@GLOBAL.sql_mode")) {
                rs.next();
                global = rs.getString(1);
            }
            try (PreparedStatement ps = c.prepareStatement("SET SESSION sql_mode = ?")) {
                ps.setString(1, Db.sessionMode(global));
                ps.execute();
            }
            s.execute("SET SESSION time_zone = '+00:00'");
            s.execute("DROP DATABASE IF EXISTS " + Sql.ident(DB));
            s.execute("CREATE DATABASE " + Sql.ident(DB));
            for (int t = 0; t < TYPES.size(); t++) {
                for (String role : List.of("v", "to", "sub", "back")) {
                    s.execute("CREATE TABLE " + table(role, t).quoted() + " (id INT PRIMARY KEY, v " + TYPES.get(t)
                            + ")");
                }
                for (int v = 0; v < VALUES.size(); v++) {
                    try {
                        s.executeUpdate("INSERT INTO " + table("v", t).quoted() + " VALUES (" + (v + 1) + ", "
                                + VALUES.get(v) + ")");
                    } catch (SQLException e) {
                        refusedOrThrow(e);
                    }
                }
            }
        }
    }

    @Test
    void checksumsAndRoundingFollowMySqlsConversionsOfNumbersAndOfTimes() throws SQLException {
        // A TIME written into a DATE, DATETIME or TIMESTAMP takes the current date.
        String day = today();
        List<String> mismatches = new ArrayList<>();
        List<String> unseenRoundings = new ArrayList<>();
        List<String> unnoticed = new ArrayList<>();
        List<String> falseAlarms = new ArrayList<>();
        Set<String> roundingMet = new TreeSet<>();
        for (int f = 0; f < TYPES.size(); f++) {
            for (int t = 0; t < TYPES.size(); t++) {
                String pair = TYPES.get(f) + " -> " + TYPES.get(t);
                if (f == t) {
                    continue;
                }
                String fromType = columnType(table("v", f));
                String toType = columnType(table("to", t));
                List<Integer> copied = copy(table("v", f), table("to", t));
                if (copied.isEmpty()) {
                    continue;
                }
                // The checksum of the old table's copied rows against the new table's, as the Verifier hashes them.
                try (Statement s = c.createStatement()) {
                    s.execute("DELETE FROM " + table("sub", f).quoted());
                    s.execute("INSERT INTO " + table("sub", f).quoted() + " SELECT * FROM " + table("v", f).quoted()
                            + " WHERE id IN (" + copied.stream().map(String::valueOf).collect(Collectors.joining(", "))
                            + ")");
                }
                Map<String, String> castTo = Checksums.compareAs(fromType, toType).map(x -> Map.of("v", x))
                        .orElse(Map.of());
                Checksums.Hashed hashed = new Checksums.Hashed(List.of("id", "v"), Set.of(), castTo);
                String oldSum = one(Checksums.query("it", table("sub", f), hashed));
                String newSum = one(Checksums.query("it", table("to", t), hashed));
                if (!oldSum.equals(newSum)) {
                    mismatches.add(pair);
                    System.out.println("TypeConversionsIT: " + pair + " hashed as " + castTo.get("v") + " differ: "
                            + differing(f, t, castTo.get("v")));
                }
                // Which values did the write change? A number made of a time is the number MySQL makes of it
                // (20300101 of 2030-01-01); a write back would go through MySQL's reading of a number as a time,
                // which loses what a FLOAT holds beyond its six-digit text (101112.5 comes back as 10:11:12).
                copy(table("to", t), table("back", f));
                Set<Integer> changed = new TreeSet<>();
                List<String> what = new ArrayList<>();
                String differs = family(TYPES.get(f)).equals("time") && family(TYPES.get(t)).equals("number")
                        ? "NOT (CAST(w.v AS DECIMAL(65, 30)) <=> CAST(a.v AS DECIMAL(65, 30)))"
                        : "IF(b.id IS NULL, NOT (w.v <=> a.v), NOT (a.v <=> b.v))";
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT a.id,"
                        + " CAST(a.v AS CHAR), CAST(w.v AS CHAR) FROM " + table("sub", f).quoted() + " a JOIN "
                        + table("to", t).quoted() + " w USING (id) LEFT JOIN " + table("back", f).quoted()
                        + " b USING (id) WHERE " + differs)) {
                    while (rs.next()) {
                        changed.add(rs.getInt(1));
                        what.add(rs.getString(2) + " became " + rs.getString(3));
                    }
                }
                if (!TypeConversions.rounds(fromType, toType)) {
                    if (!changed.isEmpty()) {
                        unseenRoundings.add(pair + ": " + what);
                    }
                    continue;
                }
                Set<Integer> noticed = noticed(table("sub", f), table("to", t),
                        TypeConversions.rounding(fromType, toType), copied);
                Set<Integer> falselyNoticed = new TreeSet<>(noticed);
                falselyNoticed.removeAll(changed);
                if (!falselyNoticed.isEmpty()) {
                    falseAlarms.add(pair + ": ids " + falselyNoticed);
                }
                if (changed.isEmpty()) {
                    continue;
                }
                roundingMet.add(pair);
                Set<Integer> missed = new TreeSet<>(changed);
                missed.removeAll(noticed);
                if (!missed.isEmpty()) {
                    unnoticed.add(pair + ": ids " + missed + " of " + what);
                }
            }
        }
        if (!day.equals(today())) {
            // The date changed meanwhile: a TIME written into a date may have taken either.
            for (List<String> l : List.of(mismatches, unseenRoundings, unnoticed, falseAlarms)) {
                l.removeIf(TypeConversionsIT::timeIntoADate);
            }
        }
        System.out.println("TypeConversionsIT: roundings met where expected: " + roundingMet);
        assertTrue(roundingMet.containsAll(List.of("DOUBLE -> FLOAT", "DECIMAL(12,4) -> DECIMAL(10,2)",
                "DATETIME(6) -> DATE", "TIME -> DATE", "TIME(3) -> DATETIME(6)", "DECIMAL(10,2) -> INT",
                "BIGINT -> DOUBLE", "DECIMAL(20,6) -> DOUBLE", "TIME(6) -> TIME")),
                "the values exercise the roundings: " + roundingMet);
        assertEquals(List.of(), unseenRoundings, "values changed where TypeConversions.rounds says none are");
        assertEquals(List.of(), unnoticed, "values changed that the check after each write does not find");
        assertEquals(List.of(), falseAlarms, "values the check after each write finds that were not changed");
        assertEquals(List.of(), mismatches, "false checksum mismatches");
    }

    /** Column types beyond numbers and times, for {@link #theCopyStoresWhatMySqlsOwnAlterStores}. */
    static final List<String> OTHER_TYPES = List.of("BIT(8)", "BIT(64)", "CHAR(10)", "VARCHAR(40)",
            "VARCHAR(40) CHARACTER SET latin1", "VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "BINARY(8)",
            "VARBINARY(40)", "TEXT", "ENUM('a','b','c')", "SET('a','b','c')", "JSON");
    static final List<String> OTHER_VALUES = List.of("'a'", "'b,c'", "'c,a'", "'abc'", "'A  '", "'  x'", "'é'",
            "'😀'", "'12abc'", "'1e3'", "'2'", "'{\"k\": [1, 2.50]}'", "'{\"k\":1}'", "'[]'", "'\"s\"'", "b'101'",
            "X'00FF'", "X'C3A9'", "''", "-0.0E0", "3");

    /**
     * The copy's statement stores, for every ordered pair of column types here, what MySQL's own {@code ALTER TABLE
     * ... MODIFY ... ALGORITHM=COPY} stores: it takes the values the ALTER takes, no other (an INT UNSIGNED's
     * 2147483648 became -2147483648 in an INT before the copy range-checked such columns), and stores them as the
     * ALTER does (a FLOAT's 0.1 became 0.10000000149011612 in a VARCHAR before it was selected as text, a DATE
     * 20300101000000 in a BIGINT before it was selected as an integer). Each pair:
     * the copy one row at a time in the applier's strict session, and the ALTER of a table of all the values in a
     * lenient one, whose warnings name the rows a strict ALTER refuses. And the freeze-point checksums of the copied
     * rows, each column hashed as {@link Checksums#compareAs} says, match in every pair.
     */
    @Test
    void theCopyStoresWhatMySqlsOwnAlterStores() throws SQLException {
        List<String> types = new ArrayList<>(TYPES);
        types.addAll(OTHER_TYPES);
        List<String> values = new ArrayList<>(VALUES);
        values.addAll(OTHER_VALUES);
        String db = DB + "_alter";
        try (Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + Sql.ident(db));
            s.execute("CREATE DATABASE " + Sql.ident(db));
            for (int t = 0; t < types.size(); t++) {
                for (String role : List.of("v", "to")) {
                    s.execute("CREATE TABLE " + Sql.ident(db) + "." + Sql.ident(role + t) + " (id INT PRIMARY KEY, v "
                            + types.get(t) + ")");
                }
                for (int v = 0; v < values.size(); v++) {
                    try {
                        s.executeUpdate("INSERT INTO " + Sql.ident(db) + "." + Sql.ident("v" + t) + " VALUES ("
                                + (v + 1) + ", " + values.get(v) + ")");
                    } catch (SQLException e) {
                        refusedOrThrow(e);
                    }
                }
            }
        }
        // A TIME written into a DATE, DATETIME or TIMESTAMP takes the current date, in the copy as in the ALTER.
        String day = today();
        List<String> refusedByAlter = new ArrayList<>();
        List<String> takenByAlterOnly = new ArrayList<>();
        List<String> checksumsDiffer = new ArrayList<>();
        List<String> storedOtherwise = new ArrayList<>();
        int compared = 0;
        for (int f = 0; f < types.size(); f++) {
            for (int t = 0; t < types.size(); t++) {
                if (f == t) {
                    continue;
                }
                String pair = types.get(f) + " -> " + types.get(t);
                TableName from = new TableName(db, "v" + f);
                TableName to = new TableName(db, "to" + t);
                TableName altered = new TableName(db, "altered");
                List<Integer> all = ids(from);
                List<Integer> copied = copy(from, to);
                // MySQL's ALTER of a table of all the values, in a lenient session: the rows it warns about are the
                // ones it refuses in a strict one.
                Set<Integer> warned = new TreeSet<>();
                boolean rowsNamed = true;
                try (Statement s = c.createStatement()) {
                    s.execute("DROP TABLE IF EXISTS " + altered.quoted());
                    s.execute("CREATE TABLE " + altered.quoted() + " LIKE " + from.quoted());
                    s.execute("INSERT INTO " + altered.quoted() + " SELECT * FROM " + from.quoted());
                    String strict = sqlMode();
                    setSqlMode(LossyValues.lenient(strict));
                    try {
                        s.execute("ALTER TABLE " + altered.quoted() + " MODIFY v " + types.get(t)
                                + ", ALGORITHM=COPY");
                        warned.addAll(warnedRows(from, all, pair));
                    } catch (SQLException e) {
                        // Refused in any mode (text that is not JSON): the ALTER of the values the copy took, in the
                        // strict session, names no row either; it must take them all.
                        refusedOrThrow(e);
                        rowsNamed = false;
                        setSqlMode(strict);
                        s.execute("DELETE FROM " + altered.quoted());
                        s.execute("INSERT INTO " + altered.quoted() + " SELECT * FROM " + from.quoted()
                                + (copied.isEmpty() ? " WHERE FALSE" : " WHERE id IN (" + copied.stream()
                                        .map(String::valueOf).collect(Collectors.joining(", ")) + ")"));
                        try {
                            s.execute("ALTER TABLE " + altered.quoted() + " MODIFY v " + types.get(t)
                                    + ", ALGORITHM=COPY");
                        } catch (SQLException x) {
                            refusedOrThrow(x);
                            refusedByAlter.add(pair + ": " + x.getMessage());
                            continue;
                        }
                    } finally {
                        setSqlMode(strict);
                    }
                    for (int id : rowsNamed ? all : List.<Integer>of()) {
                        if (copied.contains(id) && warned.contains(id)) {
                            refusedByAlter.add(pair + ": " + value(from, id));
                        } else if (!copied.contains(id) && !warned.contains(id) && !stricter(types.get(f), types.get(t))
                                && alterTakes(from, id, types.get(t))) {
                            // (A warning that quotes the value otherwise than its text, an emoji's, names no row:
                            // the ALTER of that row alone, in the strict session, tells.)
                            takenByAlterOnly.add(pair + ": " + value(from, id));
                        }
                    }
                    // The freeze-point checksum of the copied rows, as the Verifier computes it.
                    if (!copied.isEmpty() && rowsNamed && !checksumsMatch(from, to, copied)) {
                        checksumsDiffer.add(pair);
                    }
                    try (ResultSet rs = s.executeQuery("SELECT CAST(a.v AS CHAR), CAST(w.v AS CHAR), a.id FROM "
                            + altered.quoted() + " a JOIN " + to.quoted() + " w USING (id)"
                            + " WHERE NOT (CAST(a.v AS BINARY) <=> CAST(w.v AS BINARY))")) {
                        while (rs.next()) {
                            if (!warned.contains(rs.getInt(3))) {
                                storedOtherwise.add(pair + ": the ALTER stored " + rs.getString(1) + ", the copy "
                                        + rs.getString(2));
                            }
                        }
                    }
                }
                compared++;
            }
        }
        System.out.println("TypeConversionsIT: " + compared + " pairs compared with MySQL's ALTER");
        assertTrue(compared > 900, "pairs compared: " + compared);
        if (!day.equals(today())) {
            // The date changed meanwhile: those pairs' copy and ALTER may have taken different dates.
            for (List<String> l : List.of(refusedByAlter, takenByAlterOnly, storedOtherwise, checksumsDiffer)) {
                l.removeIf(TypeConversionsIT::timeIntoADate);
            }
        }
        refusedByAlter.forEach(x -> System.out.println("TypeConversionsIT: refused by the ALTER: " + x));
        takenByAlterOnly.forEach(x -> System.out.println("TypeConversionsIT: refused by the copy: " + x));
        storedOtherwise.forEach(x -> System.out.println("TypeConversionsIT: stored otherwise: " + x));
        assertEquals(List.of(), refusedByAlter, "values the copy took that MySQL's ALTER refuses");
        assertEquals(List.of(), takenByAlterOnly, "values the copy refused that MySQL's ALTER takes");
        assertEquals(List.of(), storedOtherwise, "values the copy stored otherwise than MySQL's ALTER");
        checksumsDiffer.forEach(x -> System.out.println("TypeConversionsIT: checksums differ: " + x));
        assertEquals(List.of(), checksumsDiffer, "checksums that differ after a copy that did what the ALTER does");
    }

    static TableName table(String role, int type) {
        return new TableName(DB, role + type);
    }

    /** "number", "time" (DATE, TIME, DATETIME, TIMESTAMP), "year" or "other". */
    static String family(String type) {
        return type.equals("YEAR") ? "year" : type.matches("(DATE|TIME|DATETIME|TIMESTAMP)\\b.*") ? "time"
                : type.matches("(TINYINT|INT|BIGINT|DECIMAL|FLOAT|DOUBLE)\\b.*") ? "number" : "other";
    }

    /** Whether {@code pair} (as the tests name one) writes a TIME into a DATE, DATETIME or TIMESTAMP. */
    static boolean timeIntoADate(String pair) {
        return pair.matches("TIME\\b[^>]*-> (DATE|DATETIME|TIMESTAMP)\\b.*");
    }

    /** Throws {@code e} unless it is MySQL refusing a value, as the applier tells them apart. */
    static void refusedOrThrow(SQLException e) throws SQLException {
        if (!LossyValues.isRefusedValue(e)) {
            throw e;
        }
    }

    /** Column {@code v} of {@code t}, one of the tables made in {@link #tables} or for the comparison with ALTER. */
    static ColumnDef column(TableName t) throws SQLException {
        ColumnDef v = COLUMNS.get(t);
        if (v == null) {
            v = TableInspector.columns(c, t).get(1);
            COLUMNS.put(t, v);
        }
        return v;
    }

    /** Their definitions do not change, and each pair of the 992 asked for two or more of them each time. */
    static final Map<TableName, ColumnDef> COLUMNS = new HashMap<>();

    static String columnType(TableName t) throws SQLException {
        return column(t).columnType();
    }

    static String today() throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT CURDATE()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    static String one(String sql) throws SQLException {
        return one(sql, List.of());
    }

    static String one(String sql, List<String> parameters) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.size(); i++) {
                s.setString(i + 1, parameters.get(i));
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1) + ":" + rs.getString(2);
            }
        }
    }

    /**
     * Copies {@code from}'s values into {@code to} one row at a time with the copy's statement, selecting the column
     * as the replicator sets it up ({@link TypeConversions#selectedAs}); returns the ids MySQL took.
     */
    static List<Integer> copy(TableName from, TableName to) throws SQLException {
        Projection p = projection(from, to);
        List<Integer> taken = new ArrayList<>();
        // One transaction, not a commit per row: a refused value rolls back its own statement only, as in the
        // applier's, and the suite spends no time on some 70,000 flushes of the logs.
        c.setAutoCommit(false);
        try {
            try (Statement s = c.createStatement()) {
                s.execute("DELETE FROM " + to.quoted());
            }
            for (int id : ids(from)) {
                try (PreparedStatement ps = c.prepareStatement(p.copyChunk(false, false))) {
                    ps.setInt(1, id - 1);
                    ps.setInt(2, 1);
                    ps.executeUpdate();
                    taken.add(id);
                } catch (SQLException e) {
                    refusedOrThrow(e);
                }
            }
            c.commit();
        } finally {
            c.setAutoCommit(true);
        }
        return taken;
    }

    static Projection projection(TableName from, TableName to) throws SQLException {
        Projection p = new Projection("it", from, to, new ColumnMapping(List.of(new ColumnMapping.Pair("id", "id"),
                new ColumnMapping.Pair("v", "v"))), List.of("id"), List.of("id"), "PRIMARY");
        return TypeConversions.selectedAs(columnType(from), columnType(to)).map(type -> p.selecting(Map.of("v", type)))
                .orElse(p);
    }

    static final java.util.regex.Pattern AT_ROW = java.util.regex.Pattern.compile(" at row (\\d+)");
    static final java.util.regex.Pattern QUOTED = java.util.regex.Pattern.compile("value: '(.*)'$",
            java.util.regex.Pattern.DOTALL);

    /**
     * Pairs where the copy refuses values the ALTER takes, and the migration fails naming the row where the ALTER
     * would store part of the value: text that is not a number into a DECIMAL ('2030-01-01' becomes 2030 in the
     * ALTER, from a TEXT though not from a VARCHAR), a JSON number into a TIME, text that is not a whole number
     * into a BIT from a VARCHAR, VARBINARY or TEXT (the ALTER rounds '1.5' to 2, and takes 'a' as its byte), and a
     * FLOAT of 2^63 or more into a BIGINT (the ALTER stores -9223372036854775808, without a warning).
     */
    static boolean stricter(String from, String to) {
        return from.equals("TEXT") && to.startsWith("DECIMAL") || from.equals("JSON") && to.startsWith("TIME")
                || from.matches("(VARCHAR|VARBINARY|TEXT)\\b.*") && to.startsWith("BIT")
                || from.equals("FLOAT") && to.equals("BIGINT");
    }

    /** Whether MySQL's ALTER, in the strict session, takes row {@code id} of {@code from} into {@code type}. */
    static boolean alterTakes(TableName from, int id, String type) throws SQLException {
        TableName one = new TableName(from.database(), "one_row");
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + one.quoted());
            s.execute("CREATE TABLE " + one.quoted() + " LIKE " + from.quoted());
            s.execute("INSERT INTO " + one.quoted() + " SELECT * FROM " + from.quoted() + " WHERE id = " + id);
            s.execute("ALTER TABLE " + one.quoted() + " MODIFY v " + type + ", ALGORITHM=COPY");
            return true;
        } catch (SQLException e) {
            refusedOrThrow(e);
            return false;
        }
    }

    /**
     * The rows of {@code from} ({@code all}, in key order) that the ALTER just run in the lenient session warned
     * about: by the row its warning names, or by the value it quotes ("Truncated incorrect DECIMAL value:
     * '2030-01-01'").
     */
    static Set<Integer> warnedRows(TableName from, List<Integer> all, String pair) throws SQLException {
        Set<Integer> warned = new TreeSet<>();
        Set<String> warnedValues = new HashSet<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW WARNINGS")) {
            while (rs.next()) {
                java.util.regex.Matcher row = AT_ROW.matcher(rs.getString(3));
                java.util.regex.Matcher quoted = QUOTED.matcher(rs.getString(3));
                if (rs.getString(1).equals("Note") || rs.getString(3).endsWith(" at row -1")) {
                    continue; // "Incorrect DECIMAL value: '0' for column '' at row -1" follows others
                } else if (row.find()) {
                    warned.add(all.get(Integer.parseInt(row.group(1)) - 1));
                } else if (quoted.find()) {
                    warnedValues.add(quoted.group(1));
                } else {
                    throw new AssertionError(pair + ": a warning naming neither row nor value: " + rs.getString(3));
                }
            }
        }
        for (int id : all) {
            if (warnedValues.contains(value(from, id))) {
                warned.add(id);
            }
        }
        return warned;
    }

    /** Whether the rows {@code copied} from {@code from} have the checksum {@code to} has, as the Verifier hashes. */
    static boolean checksumsMatch(TableName from, TableName to, List<Integer> copied) throws SQLException {
        // A table like from's for each from (made once, emptied for each pair): the copied rows alone.
        TableName sub = new TableName(from.database(), "sub_" + from.table());
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + sub.quoted() + " LIKE " + from.quoted());
            s.execute("DELETE FROM " + sub.quoted());
            s.execute("INSERT INTO " + sub.quoted() + " SELECT * FROM " + from.quoted() + " WHERE id IN ("
                    + copied.stream().map(String::valueOf).collect(Collectors.joining(", ")) + ")");
        }
        Map<String, Checksums.ComparedAs> changed = Checksums.compareAs(column(from), column(to))
                .map(x -> Map.of("v", x)).orElse(Map.of());
        Checksums.Hashed old = Checksums.Hashed.of(List.of("id", "v"), textColumn(from), changed, true);
        Checksums.Hashed written = Checksums.Hashed.of(List.of("id", "v"), textColumn(to), changed, false);
        return one(Checksums.query("it", sub, old), old.parameters())
                .equals(one(Checksums.query("it", to, written), written.parameters()));
    }

    /** {@code v} when it has a character set, as the Verifier hashes such columns as utf8mb4. */
    static Set<String> textColumn(TableName t) throws SQLException {
        return column(t).charset() == null ? Set.of() : Set.of("v");
    }

    static String sqlMode() throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@SESSION.sql_mode")) {
            rs.next();
            return rs.getString(1);
        }
    }

    static void setSqlMode(String mode) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SET SESSION sql_mode = ?")) {
            ps.setString(1, mode);
            ps.execute();
        }
    }

    /** Row {@code id}'s value in {@code t}, as text, for a message. */
    static String value(TableName t, int id) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT CAST(v AS CHAR) FROM " + t.quoted() + " WHERE id = " + id)) {
            return rs.next() ? rs.getString(1) : "(none)";
        }
    }

    static List<Integer> ids(TableName t) throws SQLException {
        List<Integer> ids = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id FROM " + t.quoted() + " ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getInt(1));
            }
        }
        return ids;
    }

    /** The ids whose value inverse replication's check after a write finds not held exactly. */
    static Set<Integer> noticed(TableName read, TableName written, TypeConversions.Rounding rounding,
            List<Integer> ids) throws SQLException {
        LinkedHashMap<String, TypeConversions.Rounding> columns = new LinkedHashMap<>();
        columns.put("v", rounding);
        Set<Integer> out = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(projection(read, written).notHeldExactly(ids.size(), columns,
                false))) {
            for (int i = 0; i < ids.size(); i++) {
                ps.setInt(i + 1, ids.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getInt(1));
                }
            }
        }
        return out;
    }

    /** The values of the pair whose hashed text differs, for the log. */
    static List<String> differing(int f, int t, String as) throws SQLException {
        String a = as == null ? "a.v" : TypeConversions.cast("a.v", as);
        String w = as == null ? "w.v" : TypeConversions.cast("w.v", as);
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT CONCAT(" + a + "), CONCAT(" + w
                + ") FROM " + table("sub", f).quoted() + " a JOIN " + table("to", t).quoted() + " w USING (id)"
                + " WHERE NOT (CONCAT(" + a + ") <=> CONCAT(" + w + "))")) {
            while (rs.next()) {
                out.add(rs.getString(1) + " / " + rs.getString(2));
            }
        }
        return out;
    }
}
