package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableDefinitions;
import io.flipside.core.sql.TableName;
import io.flipside.core.sql.TypeConversions;
import io.flipside.schema.ChecksumVerdict;
import io.flipside.schema.ColumnPair;
import io.flipside.schema.DeferredIndex;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationStarted;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The end-to-end corpus: one folder per schema change under {@code src/test/resources/schema-changes/} (see its
 * README.md), each run against the real MySQL and Kafka under its own workload, and checked at every step: the
 * freeze-point checksums, and every mapped value of the two tables compared after the cut-over (inverse
 * replication) and after the revert (forward replication), or the expected rejection or failure with every table
 * left as it was.
 */
class SchemaChangesIT {
    /**
     * Cases run side by side. In the suite on two cores: 172 s one at a time, 84 s three at once; alone, with the
     * stack's start, 111 s three at once and 108 s four at once.
     */
    static final int AT_ONCE = 3;
    static final ExecutorService cases = Executors.newFixedThreadPool(AT_ONCE);
    static Flipside f;

    @BeforeAll
    static void start() throws Exception {
        f = Flipside.get();
    }

    @AfterAll
    static void stop() {
        cases.shutdownNow();
    }

    /**
     * Every case, {@link #AT_ONCE} at a time: each has a database, a table, a workload and a migration of its own, as
     * an applier's migrations of different tables do, and most of a case's time is the round trips of its commands
     * and markers. Each dynamic test waits for its case and reports its outcome.
     */
    @TestFactory
    Stream<DynamicTest> everyCase() throws IOException, URISyntaxException {
        Path root = Path.of(SchemaChangesIT.class.getResource("/schema-changes").toURI());
        try (Stream<Path> dirs = Files.list(root)) {
            // -Dschema.changes=NAME,... runs only those cases (while writing one).
            String only = System.getProperty("schema.changes", "");
            List<Path> chosen = dirs.filter(Files::isDirectory)
                    .filter(d -> only.isBlank() || List.of(only.split(",")).contains(d.getFileName().toString()))
                    .sorted().toList();
            Map<Path, Future<?>> runs = new LinkedHashMap<>();
            for (Path dir : chosen) {
                runs.put(dir, cases.submit(() -> {
                    run(dir);
                    return null;
                }));
            }
            return chosen.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
                try {
                    runs.get(dir).get();
                } catch (ExecutionException e) {
                    throw e.getCause();
                }
            }));
        }
    }

    record Case(String name, TableName table, List<String> create, String alter, List<String> workload,
            List<String> afterCutOver, List<String> afterRevert, Properties expect) {
        String outcome() {
            return expect.getProperty("outcome");
        }

        String message() {
            return expect.getProperty("message", "");
        }
    }

    static Case load(Path dir) throws IOException {
        String name = dir.getFileName().toString();
        Properties expect = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve("expect.properties"))) {
            expect.load(in);
        }
        TableName table = new TableName("sc_" + name.replace('-', '_'), "t");
        return new Case(name, table, statements(dir.resolve("create.sql")),
                Files.readString(dir.resolve("alter.sql")).strip(), lines(dir.resolve("workload.sql")),
                statements(dir.resolve("after-cutover.sql")), statements(dir.resolve("after-revert.sql")), expect);
    }

    /** Statements separated by a `;` at the end of a line; lines starting with -- are comments. */
    static List<String> statements(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(file)) {
            if (line.strip().startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (line.strip().endsWith(";")) {
                String s = current.toString().strip();
                out.add(s.substring(0, s.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            out.add(current.toString().strip());
        }
        return out;
    }

    static List<String> lines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        return Files.readAllLines(file).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("--")).toList();
    }

    void run(Path dir) throws Exception {
        Case c = load(dir);
        try (Connection conn = f.connect(); Statement s = conn.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + Sql.ident(c.table().database()));
            s.execute("CREATE DATABASE " + Sql.ident(c.table().database()));
            s.execute("USE " + Sql.ident(c.table().database()));
            for (String sql : c.create()) {
                s.execute(sql);
            }
        }
        String definitionBefore = definition(c.table());
        String definitionAfter = List.of("revert", "cutover").contains(c.outcome()) ? expectedDefinition(c) : null;
        String tablesBefore = tables(c);
        String contentsBefore = contents(c.table());
        Workload w = new Workload(c);
        w.start();
        Flipside.Run submit;
        try {
            submit = f.cli("submit", "--table", c.table().toString(), "--alter", c.alter());
        } catch (RuntimeException e) {
            w.stop();
            throw e;
        }
        try (OperatorClient client = new OperatorClient(f.config)) {
            switch (c.outcome()) {
                case "rejected" -> {
                    w.stop();
                    assertEquals(Main.REJECTED, submit.exit(), submit.toString());
                    assertTrue(submit.err().contains(c.message()), submit.err());
                    assertEquals(tablesBefore, tables(c), "no table created or left behind");
                    if (w.statements.isEmpty()) {
                        assertEquals(contentsBefore, contents(c.table()), "the table is unchanged");
                    }
                }
                case "failed" -> {
                    assertEquals(Main.OK, submit.exit(), submit.toString());
                    MigrationState failed = ConcurrencyIT.await(client, submit.lastLine(), MigrationStatus.FAILED);
                    w.stop();
                    assertTrue(failed.getError().contains(c.message()), failed.getError());
                    assertEquals(tablesBefore, tables(c), "the shadow table is dropped");
                    if (w.statements.isEmpty()) {
                        assertEquals(contentsBefore, contents(c.table()), "the table is unchanged");
                    }
                }
                case "revert", "cutover" -> migrate(c, client, submit, w, definitionBefore, definitionAfter);
                default -> throw new IllegalArgumentException(c.name() + ": unknown outcome " + c.outcome());
            }
        } finally {
            w.stop();
        }
        assertTrue(w.errors.isEmpty(), "the workload never failed: " + w.errors);
    }

    /**
     * The definition (SHOW CREATE TABLE without name and counter) the new table must have: what CREATE TABLE LIKE
     * plus the case's ALTER gives, tried on a table made for it and dropped again.
     */
    private static String expectedDefinition(Case c) throws Exception {
        TableName probe = c.table().sibling("expected_shape");
        try (Connection conn = f.connect(); Statement s = conn.createStatement()) {
            // As the applier's sessions: UTC, and zero dates allowed (an expression default may be checked against one).
            s.execute("SET SESSION time_zone = '+00:00'");
            String mode;
            try (ResultSet rs = s.executeQuery("SELECT @@SESSION.sql_mode")) {
                rs.next();
                mode = Stream.of(rs.getString(1).split(",")).filter(m -> !m.startsWith("NO_ZERO_"))
                        .collect(Collectors.joining(","));
            }
            try (PreparedStatement ps = conn.prepareStatement("SET SESSION sql_mode = ?")) {
                ps.setString(1, mode);
                ps.execute();
            }
            s.execute("CREATE TABLE " + probe.quoted() + " LIKE " + c.table().quoted());
            try {
                s.execute("ALTER TABLE " + probe.quoted() + " " + c.alter());
                return definition(probe);
            } finally {
                s.execute("DROP TABLE " + probe.quoted());
            }
        }
    }

    static String definition(TableName t) throws Exception {
        try (Connection conn = f.connect(); Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery("SHOW CREATE TABLE " + t.quoted())) {
            assertTrue(rs.next());
            return TableDefinitions.withoutNameAndCounter(rs.getString(2));
        }
    }

    private void migrate(Case c, OperatorClient client, Flipside.Run submit, Workload w, String definitionBefore,
            String definitionAfter) throws Exception {
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        String notes = c.expect.getProperty("revertNotes");
        if (notes != null) {
            assertTrue(submit.err().contains(notes), "the plan says: " + submit.err());
        }
        MigrationState cut = ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
        assertEquals(definitionAfter, definition(c.table()), "the new table has the requested definition");
        String deferred = c.expect.getProperty("deferredIndexes");
        if (deferred != null) {
            MigrationStarted started = JournalReader.of(f.config, id).stream().map(JournalEvent::getPayload)
                    .filter(MigrationStarted.class::isInstance).map(MigrationStarted.class::cast).findFirst()
                    .orElseThrow();
            assertEquals(deferred, started.getDeferredIndexes().stream().map(DeferredIndex::getName)
                    .collect(Collectors.joining(",")), "the indexes built after the copy");
            assertTrue(cut.getIndexMillis() != null && cut.getIndexMillis() > 0, "their build was timed");
        }
        assertEquals(definitionBefore, definition(c.table().sibling(cut.getOldTable())), "the old table is as it was");
        List<String> shared = sharedStoredColumns(c.table(), c.table().sibling(cut.getOldTable()));
        List<String> mapped = cut.getForward().stream().map(ColumnPair::getTo).toList();
        assertTrue(mapped.containsAll(shared), "the mapping carries every stored column both tables have: "
                + shared + " vs " + mapped);
        Thread.sleep(500); // the workload on the new table, for inverse replication
        try (Connection conn = f.connect(); Statement s = conn.createStatement()) {
            s.execute("USE " + Sql.ident(c.table().database()));
            for (String sql : c.afterCutOver()) {
                s.execute(sql);
            }
        }
        w.stop();
        assertTrue(w.done.get() > 0 || w.statements.isEmpty(), "the workload ran: " + w.done.get());
        TableName old = c.table().sibling(cut.getOldTable());
        boolean lossy = Boolean.parseBoolean(c.expect.getProperty("lossy", "false"));
        boolean revertible = Boolean.parseBoolean(c.expect.getProperty("revertible", "true"));
        assertEquals(revertible, cut.getRevertible(), "the plan says whether it is revertible");
        if (!revertible) {
            assertEquals(Main.REJECTED, f.cli("revert", id).exit(), "a revert is refused");
        } else if (lossy) {
            MigrationState l = client.awaitState(id, x -> x.getLossyValues() > 0, Duration.ofSeconds(60))
                    .orElseThrow(() -> new AssertionError("no lossy value recorded"));
            assertTrue(l.getLossyExamples().get(0).contains(c.message()), l.getLossyExamples().toString());
        } else {
            assertEquals("", awaitSame(c.table(), old, cut.getInverse(), true),
                    "inverse replication kept the old table");
        }
        ChecksumVerdict atCutOver = awaitVerdicts(client, id, 1).get(0);
        assertTrue(atCutOver.getMatched(), atCutOver.toString());
        if (c.outcome().equals("revert")) {
            Flipside.Run revert = lossy ? f.cli("revert", id, "--wait", "--force") : f.cli("revert", id, "--wait");
            assertEquals(Main.OK, revert.exit(), revert.toString());
            if (!lossy) {
                // A forced revert lost the values the old schema could not hold, so only an exact revert compares.
                TableName shadow = c.table().sibling(cut.getShadowTable());
                assertEquals("", awaitSame(c.table(), shadow, cut.getForward(), false),
                        "forward replication after the revert kept the new table");
            }
            assertEquals(definitionBefore, definition(c.table()), "the table is as it was before the migration");
            ChecksumVerdict atRevert = awaitVerdicts(client, id, 2).get(1);
            assertEquals(!lossy, atRevert.getMatched(), atRevert.toString());
            try (Connection conn = f.connect(); Statement s = conn.createStatement()) {
                s.execute("USE " + Sql.ident(c.table().database()));
                for (String sql : c.afterRevert()) {
                    try (ResultSet rs = s.executeQuery(sql)) {
                        if (rs.next()) {
                            fail("after the revert, " + sql + " found a row, key " + rs.getString(1));
                        }
                    }
                }
            }
        }
        assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
    }

    /** Columns (not generated) that both tables have by name: what a copy must carry as values. */
    private static List<String> sharedStoredColumns(TableName a, TableName b) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection conn = f.connect(); PreparedStatement ps = conn.prepareStatement("SELECT a.COLUMN_NAME FROM"
                + " information_schema.COLUMNS a JOIN information_schema.COLUMNS b ON b.TABLE_SCHEMA = a.TABLE_SCHEMA"
                + " AND b.TABLE_NAME = ? AND b.COLUMN_NAME = a.COLUMN_NAME WHERE a.TABLE_SCHEMA = ? AND a.TABLE_NAME = ?"
                + " AND a.GENERATION_EXPRESSION = '' AND b.GENERATION_EXPRESSION = ''")) {
            ps.setString(1, b.table());
            ps.setString(2, a.database());
            ps.setString(3, a.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static List<ChecksumVerdict> awaitVerdicts(OperatorClient client, String id, int n) {
        return client.awaitState(id, s -> s.getChecksums().size() >= n, Duration.ofSeconds(60))
                .orElseThrow(() -> new AssertionError("fewer than " + n + " checksum verdicts")).getChecksums();
    }

    /** The writes a case names, run in a loop from the submit until after the cut-over; ? is bound to 1, 2, ... */
    static final class Workload {
        final List<String> statements;
        final Case c;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger done = new AtomicInteger();
        final List<Throwable> errors = new ArrayList<>();
        Thread thread;

        Workload(Case c) {
            this.c = c;
            this.statements = c.workload();
        }

        void start() {
            if (statements.isEmpty()) {
                return;
            }
            thread = new Thread(() -> {
                try (Connection conn = f.connect(); Statement s = conn.createStatement()) {
                    s.execute("USE " + Sql.ident(c.table().database()));
                    s.execute("SET SESSION time_zone = '+05:30'");
                    for (int n = 1; !stop.get(); n++) {
                        String sql = statements.get(n % statements.size());
                        try (PreparedStatement ps = conn.prepareStatement(sql)) {
                            for (int i = 1; i <= ps.getParameterMetaData().getParameterCount(); i++) {
                                ps.setInt(i, n);
                            }
                            ps.executeUpdate();
                        }
                        done.incrementAndGet();
                        Thread.sleep(15);
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }, "workload-" + c.name());
            thread.start();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            if (thread != null) {
                thread.join();
            }
        }
    }

    private static String tables(Case c) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection conn = f.connect(); Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery("SHOW TABLES FROM " + Sql.ident(c.table().database()))) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out.toString();
    }

    private static String contents(TableName t) throws Exception {
        StringBuilder sb = new StringBuilder();
        try (Connection conn = f.connect(); Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM " + t.quoted() + " ORDER BY 1")) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    byte[] b = rs.getBytes(i);
                    sb.append(b == null ? "NULL" : HexFormat.of().formatHex(b)).append('|');
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * "" once {@code a}'s mapped columns equal {@code b}'s row for row (pairs: a's column to b's), else a diff. A
     * column whose type the migration changed to a DECIMAL, DATE, TIME, DATETIME or TIMESTAMP is compared as MySQL
     * converts both values into the new table's type ({@code aIsNew}: whether {@code a} is the new table), as the
     * ALTER asks: a narrowed one rounds the old table's values, which the old table keeps; one changed into text, as
     * text; a time changed into an integer, or a number into a BIT, as a signed integer; text into JSON, as JSON; a
     * DECIMAL, FLOAT or DOUBLE into JSON, the old value's text as JSON; a BIT into a DOUBLE or a DATE, the old value's
     * bits as an unsigned number in the new type. Several types separated by ';' apply in turn.
     */
    private static String awaitSame(TableName a, TableName b, List<ColumnPair> pairs, boolean aIsNew)
            throws Exception {
        List<String> aColumns = pairs.stream().map(ColumnPair::getFrom).toList();
        List<String> bColumns = pairs.stream().map(ColumnPair::getTo).toList();
        Map<String, String> aTypes = columnTypes(a);
        Map<String, String> bTypes = columnTypes(b);
        Map<String, String> aCasts = new HashMap<>();
        Map<String, String> bCasts = new HashMap<>();
        for (int i = 0; i < pairs.size(); i++) {
            String aType = aTypes.get(aColumns.get(i));
            String bType = bTypes.get(bColumns.get(i));
            if (aType.equals(bType)) {
                continue;
            }
            String oldType = aIsNew ? bType : aType;
            String newType = aIsNew ? aType : bType;
            Map<String, String> oldCasts = aIsNew ? bCasts : aCasts;
            Map<String, String> newCasts = aIsNew ? aCasts : bCasts;
            String oldColumn = aIsNew ? bColumns.get(i) : aColumns.get(i);
            String newColumn = aIsNew ? aColumns.get(i) : bColumns.get(i);
            java.util.regex.Matcher m = NEW_TYPE.matcher(newType);
            String both = null;
            if (newType.equals("json") && FRACTIONAL.matcher(oldType).lookingAt()) {
                // A DECIMAL, FLOAT or DOUBLE changed into JSON: its text read as JSON, as MySQL's ALTER writes it
                // (12345678901234.123456 is 12345678901234.125, where a cast reads 12345678901234.123).
                oldCasts.put(oldColumn, "CHAR;JSON");
                newCasts.put(newColumn, "JSON");
            } else if (oldType.startsWith("bit(") && BIT_AS_NUMBER.matcher(newType).matches()) {
                // A BIT changed into a DOUBLE or a DATE: its bits as an unsigned number, in the new type, as the
                // ALTER reads them (all 64 bits set are -1 in arithmetic; 10000000000 is the date 2001-00-00).
                String as = newType.toUpperCase(Locale.ROOT);
                oldCasts.put(oldColumn, "UNSIGNED;" + as);
                newCasts.put(newColumn, as);
            } else if (newType.startsWith("float") && oldType.startsWith("decimal")) {
                // A DECIMAL changed into a FLOAT: as the FLOAT MySQL's ALTER writes, the one nearest the DECIMAL.
                oldCasts.put(oldColumn, "DOUBLE;AS_FLOAT");
                newCasts.put(newColumn, "DOUBLE");
            } else if (m.lookingAt()) {
                both = (m.group(1).equals("timestamp") ? "DATETIME" : m.group(1).toUpperCase(Locale.ROOT))
                        + (m.group(2) == null ? "" : m.group(2));
            } else if (INTEGER_OR_BIT.matcher(newType).lookingAt() && TIME_OR_NUMBER.matcher(oldType).lookingAt()) {
                // A time into an integer, or a number into a BIT: as the integer MySQL's ALTER writes (20300101 for
                // 2030-01-01; a BIT(64)'s bits as a signed integer, -1 for all ones).
                both = "SIGNED";
            } else if (newType.equals("json") && TEXT_TYPE.matcher(oldType).lookingAt()) {
                // Text changed into JSON: read as JSON, which MySQL stores normalised ({"k":1} as {"k": 1}).
                both = "JSON";
            } else if (TEXT_TYPE.matcher(newType).lookingAt() && !TEXT_TYPE.matcher(oldType).lookingAt()) {
                // A number or a YEAR changed into text: its text, as MySQL's ALTER writes it.
                both = "CHAR";
            }
            if (both != null) {
                oldCasts.put(oldColumn, both);
                newCasts.put(newColumn, both);
            }
        }
        return Poll.untilNoDifference(() -> difference(a, aColumns, aCasts, b, bColumns, bCasts),
                Duration.ofSeconds(60));
    }

    private static final java.util.regex.Pattern FRACTIONAL =
            java.util.regex.Pattern.compile("(decimal|float|double)\\b");
    private static final java.util.regex.Pattern BIT_AS_NUMBER = java.util.regex.Pattern.compile("double|date");
    private static final java.util.regex.Pattern TEXT_TYPE =
            java.util.regex.Pattern.compile("(char|varchar|tinytext|text|mediumtext|longtext)\\b");
    private static final java.util.regex.Pattern INTEGER_OR_BIT =
            java.util.regex.Pattern.compile("(tinyint|smallint|mediumint|int|bigint|bit)\\b");
    private static final java.util.regex.Pattern TIME_OR_NUMBER = java.util.regex.Pattern.compile(
            "(date|datetime|timestamp|time|tinyint|smallint|mediumint|int|bigint|decimal|float|double)\\b");
    private static final java.util.regex.Pattern NEW_TYPE =
            java.util.regex.Pattern.compile("(decimal|datetime|timestamp|date|time)(\\([0-9,]+\\))?");

    /** The column types of {@code t} (information_schema's COLUMN_TYPE) by column name. */
    private static Map<String, String> columnTypes(TableName t) throws Exception {
        Map<String, String> out = new HashMap<>();
        try (Connection conn = f.connect(); PreparedStatement ps = conn.prepareStatement("SELECT COLUMN_NAME,"
                + " COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")) {
            ps.setString(1, t.database());
            ps.setString(2, t.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return out;
    }

    private static String difference(TableName a, List<String> aColumns, Map<String, String> aCasts, TableName b,
            List<String> bColumns, Map<String, String> bCasts) throws Exception {
        List<String> ra = values(a, aColumns, aCasts);
        List<String> rb = values(b, bColumns, bCasts);
        for (int i = 0; i < Math.min(ra.size(), rb.size()); i++) {
            if (!ra.get(i).equals(rb.get(i))) {
                return "row " + i + ": " + ra.get(i) + " vs " + rb.get(i);
            }
        }
        return ra.size() == rb.size() ? "" : ra.size() + " rows vs " + rb.size();
    }

    /**
     * A value as text that does not depend on its column's fractional digits or scale, so that a TIME(3) and a
     * TIME(6), or a DECIMAL(10,2) and a DECIMAL(12,4), holding the same value read the same.
     */
    static String sameValueSameText(int type, String text) {
        if (text == null) {
            return null;
        }
        if (type == Types.DECIMAL || type == Types.NUMERIC) {
            return new java.math.BigDecimal(text).stripTrailingZeros().toPlainString();
        }
        if ((type == Types.TIME || type == Types.TIMESTAMP) && text.contains(".")) {
            return text.replaceAll("\\.?0+$", "");
        }
        return text;
    }

    /**
     * The columns' values, rows sorted by their text: binary values as hex, the others as text; a column named in
     * {@code casts} as MySQL converts it to the type given. A FLOAT is read as the DOUBLE it holds exactly: MySQL
     * writes a FLOAT as text with 6 significant digits (16777216 as 16777200), so that it would not compare with the
     * same value in a DOUBLE column it was widened to.
     */
    private static List<String> values(TableName t, List<String> columns, Map<String, String> casts)
            throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection conn = f.connect(); Statement s = conn.createStatement()) {
            s.execute("SET SESSION time_zone = '+00:00'");
            List<String> select = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT " + Sql.identList(columns) + " FROM " + t.quoted()
                    + " LIMIT 0")) {
                for (int i = 1; i <= columns.size(); i++) {
                    String column = Sql.ident(columns.get(i - 1));
                    String cast = casts.get(columns.get(i - 1));
                    select.add(cast != null ? TypeConversions.cast(column, cast)
                            : rs.getMetaData().getColumnType(i) == Types.REAL ? "(" + column + " + 0E0)" : column);
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT " + String.join(", ", select) + " FROM " + t.quoted())) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    StringBuilder row = new StringBuilder();
                    for (int i = 1; i <= columns.size(); i++) {
                        int type = md.getColumnType(i);
                        boolean binary = type == Types.BINARY || type == Types.VARBINARY || type == Types.LONGVARBINARY
                                || type == Types.BLOB || type == Types.BIT;
                        if (binary) {
                            byte[] v = rs.getBytes(i);
                            row.append(v == null ? "NULL" : HexFormat.of().formatHex(v));
                        } else {
                            row.append(sameValueSameText(type, rs.getString(i)));
                        }
                        row.append('|');
                    }
                    out.add(row.toString());
                }
            }
        }
        out.sort(null);
        return out;
    }
}
