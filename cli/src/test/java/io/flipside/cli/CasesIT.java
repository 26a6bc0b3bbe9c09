package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.schema.ChecksumVerdict;
import io.flipside.schema.ChecksumVerified;
import io.flipside.schema.ColumnPair;
import io.flipside.schema.CommandRejected;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationFailed;
import io.flipside.schema.MigrationRejected;
import io.flipside.schema.MigrationStarted;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.MigrationSubmitted;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The end-to-end case corpus (DESIGN.md, "Testing"): one folder per schema change under
 * {@code src/test/resources/cases/} (its README.md says what a folder holds), each run as a dynamic test against the
 * embedded MySQL 8 and Kafka with every role running in this JVM.
 *
 * <p>A case that migrates is submitted while its workload writes, cut over, and checked twice, after the cut-over and
 * after the revert: the journal's freeze-point checksum verdicts matched, and, once the workload has stopped and
 * replication has caught up, the serving table equals the other one row for row and value for value over the
 * migration's own column mapping (the inverse mapping after the cut-over, the forward one after the revert), read by
 * the harness itself. A revert must also bring back the old definition. A rejected case must say why on the CLI and
 * in the journal, and a failed one must fail before the cut-over with the expected reason; both must leave the
 * database exactly as it was: the same tables, and {@code t} with the same definition and rows.
 */
class CasesIT {
    /** How long a migration may take to reach a state. */
    static final Duration STATE_TIMEOUT = Duration.ofMinutes(3);
    /** How long replication may take to catch up once the workload has stopped. */
    static final Duration CATCH_UP = Duration.ofSeconds(60);
    /** Statements the workload must complete after the cut-over (and after the revert) before it is stopped. */
    static final int WRITES_AFTER_SWAP = 24;
    /** Pause between two workload statements: at most about 40 statements a second. */
    static final long PACE_MS = 25;
    static final Set<String> BINARY_TYPES = Set.of("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob",
            "bit", "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
            "geometrycollection", "geomcollection");

    static Flipside f;

    @BeforeAll
    static void start() throws Exception {
        f = Flipside.get();
    }

    @TestFactory
    Stream<DynamicTest> everyCase() throws IOException, URISyntaxException {
        Path root = Path.of(Objects.requireNonNull(CasesIT.class.getResource("/cases"), "cases/ on the class path")
                .toURI());
        List<Path> dirs;
        try (Stream<Path> list = Files.list(root)) {
            dirs = list.filter(Files::isDirectory).sorted().toList();
        }
        assertTrue(dirs.size() >= 30, "the corpus is on the class path: " + dirs);
        return dirs.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), dir.toUri(),
                () -> run(Case.load(dir))));
    }

    /** One folder of the corpus. */
    record Case(String name, String database, List<String> create, String alter, List<String> session,
            List<String> workload, List<String> checkCutOver, List<String> checkRevert, Properties expect) {
        static final Set<String> OUTCOMES = Set.of("revert", "cutover", "rejected", "failed");

        static Case load(Path dir) throws IOException {
            String name = dir.getFileName().toString();
            Properties expect = new Properties();
            try (InputStream in = Files.newInputStream(dir.resolve("expect.properties"))) {
                expect.load(in);
            }
            String alter = String.join("\n", lines(dir.resolve("alter.sql"))).strip();
            Case c = new Case(name, "case_" + name.replace('-', '_'), statements(dir.resolve("create.sql")), alter,
                    lines(dir.resolve("session.sql")), lines(dir.resolve("workload.sql")),
                    lines(dir.resolve("check-cutover.sql")), lines(dir.resolve("check-revert.sql")), expect);
            if (!OUTCOMES.contains(c.outcome())) {
                throw new IllegalArgumentException(name + ": outcome must be one of " + OUTCOMES + ", not "
                        + c.outcome());
            }
            if (c.create.isEmpty() || alter.isEmpty()) {
                throw new IllegalArgumentException(name + ": create.sql and alter.sql are required");
            }
            boolean refused = c.outcome().equals("rejected") || c.outcome().equals("failed");
            if (refused && (c.message().isEmpty() || !c.workload.isEmpty())) {
                throw new IllegalArgumentException(name + ": a " + c.outcome() + " case needs a message and has no"
                        + " workload (t must be left exactly as it was)");
            }
            if (c.outcome().equals("cutover") && !c.checkRevert.isEmpty()) {
                throw new IllegalArgumentException(name + ": check-revert.sql in a case that does not revert");
            }
            return c;
        }

        TableName table() {
            return new TableName(database, "t");
        }

        String outcome() {
            return expect.getProperty("outcome", "");
        }

        String message() {
            return expect.getProperty("message", "");
        }
    }

    /** Statements that end with a {@code ;} at the end of a line; lines starting with {@code --} are comments. */
    static List<String> statements(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
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

    /** One statement a line; blank lines and lines starting with {@code --} are skipped. */
    static List<String> lines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("--")).toList();
    }

    void run(Case c) throws Exception {
        try (Connection conn = f.connect(); Statement s = conn.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + Sql.ident(c.database()));
            s.execute("CREATE DATABASE " + Sql.ident(c.database()));
            s.execute("USE " + Sql.ident(c.database()));
            for (String sql : c.create()) {
                s.execute(sql);
            }
        }
        List<String> tablesBefore = tables(c.database());
        String before = snapshot(c.table());
        switch (c.outcome()) {
            case "rejected" -> rejected(c, tablesBefore, before);
            case "failed" -> failed(c, tablesBefore, before);
            default -> migrated(c, tablesBefore);
        }
    }

    private void rejected(Case c, List<String> tablesBefore, String before) throws Exception {
        Flipside.Run submit = f.cli("submit", "--table", c.table().toString(), "--alter", c.alter());
        assertEquals(Main.REJECTED, submit.exit(), c.name() + ": submit is rejected: " + submit);
        assertTrue(submit.err().contains(c.message()), c.name() + ": the CLI says why (" + c.message() + "): "
                + submit.err());
        assertTrue(journalRefusal(c.table(), c.message()).isPresent(),
                c.name() + ": the journal records a rejection of " + c.table() + " saying " + c.message());
        assertEquals(tablesBefore, tables(c.database()), c.name() + ": no table created or left behind");
        assertEquals(before, snapshot(c.table()), c.name() + ": t has the same definition and rows");
    }

    private void failed(Case c, List<String> tablesBefore, String before) throws Exception {
        Flipside.Run submit = f.cli("submit", "--table", c.table().toString(), "--alter", c.alter());
        assertEquals(Main.OK, submit.exit(), c.name() + ": accepted at submit, to fail while copying: " + submit);
        String id = submit.lastLine();
        try (OperatorClient client = new OperatorClient(f.config)) {
            MigrationState end = client.awaitState(id, s -> s.getStatus() == MigrationStatus.FAILED
                    || s.getStatus() == MigrationStatus.CUT_OVER || s.getStatus() == MigrationStatus.READY
                    || s.getStatus() == MigrationStatus.CANCELLED, STATE_TIMEOUT)
                    .orElseThrow(() -> new AssertionError(c.name() + ": " + id + " neither failed nor cut over"));
            try {
                assertEquals(MigrationStatus.FAILED, end.getStatus(), c.name() + ": the migration fails before the"
                        + " cut-over; error: " + end.getError());
            } finally {
                cleanUp(client, id);
            }
            assertTrue(String.valueOf(end.getError()).contains(c.message()), c.name() + ": the error says "
                    + c.message() + ": " + end.getError());
            String journalled = JournalReader.of(f.config, id).stream()
                    .filter(e -> e.getPayload() instanceof MigrationFailed)
                    .map(e -> ((MigrationFailed) e.getPayload()).getReason()).findFirst().orElse("");
            assertTrue(journalled.contains(c.message()), c.name() + ": the journal's MigrationFailed says "
                    + c.message() + ": " + journalled);
        }
        assertEquals(tablesBefore, awaitValue(() -> tables(c.database()), tablesBefore, Duration.ofSeconds(30)),
                c.name() + ": the shadow table is dropped, nothing is left behind");
        assertEquals(before, snapshot(c.table()), c.name() + ": t has the same definition and rows");
    }

    private void migrated(Case c, List<String> tablesBefore) throws Exception {
        TableName t = c.table();
        String definitionBefore = definition(t);
        Workload w = new Workload(c);
        String id = null;
        try (OperatorClient client = new OperatorClient(f.config)) {
            try {
                w.start();
                Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", c.alter());
                assertEquals(Main.OK, submit.exit(), c.name() + ": submit is accepted: " + submit);
                id = submit.lastLine();
                String notes = c.expect.getProperty("revertNotes");
                if (notes != null) {
                    assertTrue(submit.err().contains(notes), c.name() + ": submit says what a revert does (" + notes
                            + "): " + submit.err());
                }
                MigrationState cut = awaitStatus(client, id, MigrationStatus.CUT_OVER);
                long cutOverN = w.iteration();
                long writesBeforeCutOver = w.completed();
                w.awaitMore(WRITES_AFTER_SWAP, c.name() + ": the workload writes to the new table after the cut-over");
                w.stop();
                w.assertNoErrors(c.name() + ": before and after the cut-over");
                assertTrue(w.isEmpty() || writesBeforeCutOver > 0, c.name() + ": the workload wrote during the copy");
                assertNotEquals(definitionBefore, definition(t), c.name() + ": the new schema serves after the cut-over");

                List<String> oldKey = cut.getKeyColumns();
                List<String> newKey = mapped(oldKey, cut.getForward());
                TableName old = t.sibling(cut.getOldTable());
                assertEquals("", awaitSame(t, newKey, old, oldKey, cut.getInverse()), c.name() + ": after the"
                        + " cut-over, inverse replication kept the old table equal to the new one");
                runChecks(c, "check-cutover.sql", c.checkCutOver(), cutOverN);

                List<String> phases = new ArrayList<>(List.of("CUT_OVER"));
                boolean revertible = Boolean.parseBoolean(c.expect.getProperty("revertible", "true"));
                if (c.outcome().equals("revert")) {
                    Flipside.Run revert = f.cli("revert", id, "--wait");
                    assertEquals(Main.OK, revert.exit(), c.name() + ": revert: " + revert);
                    phases.add("REVERT");
                    w.start();
                    w.awaitMore(WRITES_AFTER_SWAP, c.name() + ": the workload writes to the old schema after the"
                            + " revert");
                    w.stop();
                    w.assertNoErrors(c.name() + ": after the revert");
                    assertEquals(definitionBefore, definition(t), c.name() + ": the revert brings the old definition"
                            + " back");
                    TableName shadow = t.sibling(cut.getShadowTable());
                    assertEquals("", awaitSame(t, oldKey, shadow, newKey, cut.getForward()), c.name() + ": after the"
                            + " revert, the old schema serves every row, and forward replication kept the new table"
                            + " equal to it");
                    runChecks(c, "check-revert.sql", c.checkRevert(), cutOverN);
                } else if (!revertible) {
                    Flipside.Run revert = f.cli("revert", id);
                    assertEquals(Main.REJECTED, revert.exit(), c.name() + ": a revert is refused: " + revert);
                    assertTrue(revert.err().contains("not revertible"), c.name() + ": " + revert.err());
                }
                int verdicts = phases.size();
                client.awaitState(id, s -> s.getChecksums().size() >= verdicts, CATCH_UP).orElseThrow(() ->
                        new AssertionError(c.name() + ": fewer than " + verdicts + " checksum verdicts"));
                Flipside.Run complete = f.cli("complete", id, "--wait");
                assertEquals(Main.OK, complete.exit(), c.name() + ": complete: " + complete);
                assertEquals(tablesBefore, awaitValue(() -> tables(c.database()), tablesBefore,
                        Duration.ofSeconds(30)), c.name() + ": complete retires the table that does not serve");
                if (c.outcome().equals("revert")) {
                    assertEquals(definitionBefore, definition(t), c.name() + ": the old schema still serves");
                }

                List<JournalEvent> journal = JournalReader.of(f.config, id);
                MigrationStarted started = journal.stream().map(JournalEvent::getPayload)
                        .filter(MigrationStarted.class::isInstance).map(MigrationStarted.class::cast).findFirst()
                        .orElseThrow(() -> new AssertionError(c.name() + ": no MigrationStarted in " + journal));
                if (notes != null) {
                    assertTrue(started.getRevertNotes().stream().anyMatch(n -> n.contains(notes)), c.name()
                            + ": the journal's revert notes say " + notes + ": " + started.getRevertNotes());
                }
                assertEquals(revertible, started.getRevertible(), c.name() + ": revertible; notes: "
                        + started.getRevertNotes());
                List<ChecksumVerdict> checked = journal.stream().map(JournalEvent::getPayload)
                        .filter(ChecksumVerified.class::isInstance)
                        .map(p -> ((ChecksumVerified) p).getVerdict()).toList();
                assertEquals(phases, checked.stream().map(ChecksumVerdict::getPhase).toList(),
                        c.name() + ": one checksum verdict per swap: " + checked);
                for (ChecksumVerdict v : checked) {
                    assertTrue(v.getMatched(), c.name() + ": the " + v.getPhase() + " checksum matched: " + v);
                    assertEquals(v.getExpectedRows(), v.getRows(), c.name() + ": " + v);
                }
            } finally {
                w.stop();
                if (id != null) {
                    cleanUp(client, id);
                }
            }
        }
    }

    static MigrationState awaitStatus(OperatorClient client, String id, MigrationStatus status) {
        MigrationState s = client.awaitState(id, x -> x.getStatus() == status || x.getStatus() == MigrationStatus.FAILED
                || x.getStatus() == MigrationStatus.CANCELLED, STATE_TIMEOUT)
                .orElseThrow(() -> new AssertionError(id + " did not reach " + status + " within " + STATE_TIMEOUT
                        + "; last state: " + client.state(id).map(x -> x.getStatus() + " " + x.getError())
                                .orElse("none")));
        assertEquals(status, s.getStatus(), id + ": " + s.getError());
        return s;
    }

    /** Ends a migration that a failed check left running, so that it does not go on replicating. */
    private static void cleanUp(OperatorClient client, String id) {
        MigrationStatus s = client.state(id).map(MigrationState::getStatus).orElse(MigrationStatus.FAILED);
        switch (s) {
            case COMPLETED, CANCELLED, FAILED -> { }
            case CUT_OVER, REVERTED -> f.cli("complete", id, "--wait");
            default -> f.cli("cancel", id, "--wait");
        }
    }

    /** The reason of a rejection of a submit of {@code table} in the journal that contains {@code part}. */
    static java.util.Optional<String> journalRefusal(TableName table, String part) {
        List<JournalEvent> all = JournalReader.all(f.config);
        Set<String> ids = all.stream().filter(e -> e.getPayload() instanceof MigrationSubmitted m
                && m.getTable().equals(table.toString())).map(JournalEvent::getMigrationId).collect(Collectors.toSet());
        return all.stream().map(e -> {
            String reason = e.getPayload() instanceof MigrationRejected r ? r.getReason()
                    : e.getPayload() instanceof CommandRejected r ? r.getReason() : null;
            boolean ours = ids.contains(e.getMigrationId()) || reason != null && reason.contains(table.toString());
            return ours ? reason : null;
        }).filter(r -> r != null && r.contains(part)).findFirst();
    }

    /** Each query of a check file must return 1; {@code @cutover_n} is the workload iteration seen at the cut-over. */
    private static void runChecks(Case c, String file, List<String> queries, long cutOverN) throws SQLException {
        if (queries.isEmpty()) {
            return;
        }
        try (Connection conn = f.connect(); Statement s = conn.createStatement()) {
            s.execute("USE " + Sql.ident(c.database()));
            try (PreparedStatement ps = conn.prepareStatement("SET @cutover_n = ?")) {
                ps.setLong(1, cutOverN);
                ps.execute();
            }
            for (String q : queries) {
                try (ResultSet rs = s.executeQuery(q)) {
                    assertTrue(rs.next(), c.name() + ": " + file + ": no row from " + q);
                    assertEquals("1", rs.getString(1), c.name() + ": " + file + ": " + q);
                }
            }
        }
    }

    /** The columns that {@code pairs} map {@code columns} to, in order. */
    static List<String> mapped(List<String> columns, List<ColumnPair> pairs) {
        List<String> out = new ArrayList<>();
        for (String col : columns) {
            out.add(pairs.stream().filter(p -> p.getFrom().equalsIgnoreCase(col)).map(ColumnPair::getTo).findFirst()
                    .orElseThrow(() -> new AssertionError("key column " + col + " is not mapped: " + pairs)));
        }
        return out;
    }

    // ---- comparing two tables -------------------------------------------------------------------------------------

    /** A column as information_schema describes it. */
    record ColumnInfo(String dataType, String columnType, String charset, String collation) {}

    static Map<String, ColumnInfo> columns(TableName t) throws SQLException {
        Map<String, ColumnInfo> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        try (Connection conn = f.connect(); PreparedStatement ps = conn.prepareStatement("SELECT COLUMN_NAME,"
                + " DATA_TYPE, COLUMN_TYPE, CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")) {
            ps.setString(1, t.database());
            ps.setString(2, t.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), new ColumnInfo(rs.getString(2).toLowerCase(java.util.Locale.ROOT),
                            rs.getString(3), rs.getString(4), rs.getString(5)));
                }
            }
        }
        return out;
    }

    /**
     * How to read each pair's two columns so that equal values compare equal: as bytes when both columns have the same
     * binary, bit or spatial type, as MySQL's text otherwise (and always when the pair changes type).
     */
    static List<Boolean> asBytes(TableName a, List<String> aColumns, TableName b, List<String> bColumns)
            throws SQLException {
        Map<String, ColumnInfo> ai = columns(a);
        Map<String, ColumnInfo> bi = columns(b);
        List<Boolean> out = new ArrayList<>();
        for (int i = 0; i < aColumns.size(); i++) {
            ColumnInfo x = Objects.requireNonNull(ai.get(aColumns.get(i)), a + " has no column " + aColumns.get(i));
            ColumnInfo y = Objects.requireNonNull(bi.get(bColumns.get(i)), b + " has no column " + bColumns.get(i));
            out.add(x.equals(y) && BINARY_TYPES.contains(x.dataType()));
        }
        return out;
    }

    /** "" once {@code a} and {@code b} are equal on the mapped columns (pairs: a's column to b's), else the diff. */
    static String awaitSame(TableName a, List<String> aKey, TableName b, List<String> bKey, List<ColumnPair> pairs)
            throws Exception {
        return awaitValue(() -> difference(a, aKey, b, bKey, pairs), "", CATCH_UP);
    }

    static String difference(TableName a, List<String> aKey, TableName b, List<String> bKey, List<ColumnPair> pairs)
            throws SQLException {
        List<String> aColumns = pairs.stream().map(ColumnPair::getFrom).toList();
        List<String> bColumns = pairs.stream().map(ColumnPair::getTo).toList();
        List<Boolean> bytes = asBytes(a, aColumns, b, bColumns);
        Map<String, String> ra = rows(a, aKey, aColumns, bytes);
        Map<String, String> rb = rows(b, bKey, bColumns, bytes);
        Set<String> keys = new TreeSet<>(ra.keySet());
        keys.addAll(rb.keySet());
        List<String> diffs = new ArrayList<>();
        int count = 0;
        for (String k : keys) {
            String x = ra.get(k);
            String y = rb.get(k);
            if (!Objects.equals(x, y)) {
                count++;
                if (diffs.size() < 5) {
                    diffs.add("key " + k + ": " + a.table() + " " + (x == null ? "has no row" : x) + ", "
                            + b.table() + " " + (y == null ? "has no row" : y));
                }
            }
        }
        return count == 0 ? "" : count + " of " + keys.size() + " keys differ (" + a + " " + ra.size() + " rows, "
                + b + " " + rb.size() + " rows; columns " + aColumns + " vs " + bColumns + "): "
                + String.join("; ", diffs);
    }

    /** Rows by key (the key's values as text), each the pair columns' values; read in UTC and ordered by the key. */
    static Map<String, String> rows(TableName t, List<String> key, List<String> columns, List<Boolean> bytes)
            throws SQLException {
        List<String> all = new ArrayList<>(key);
        all.addAll(columns);
        Map<String, ColumnInfo> info = columns(t);
        Map<String, String> out = new LinkedHashMap<>();
        try (Connection conn = f.connect(); Statement s = conn.createStatement()) {
            s.execute("SET SESSION time_zone = '+00:00'");
            try (ResultSet rs = s.executeQuery("SELECT " + Sql.identList(all) + " FROM " + t.quoted() + " ORDER BY "
                    + Sql.identList(key))) {
                while (rs.next()) {
                    List<String> k = new ArrayList<>();
                    for (int i = 0; i < key.size(); i++) {
                        k.add(value(rs, i + 1, BINARY_TYPES.contains(info.get(key.get(i)).dataType())));
                    }
                    List<String> v = new ArrayList<>();
                    for (int i = 0; i < columns.size(); i++) {
                        v.add(columns.get(i) + "=" + value(rs, key.size() + i + 1, bytes.get(i)));
                    }
                    String previous = out.put(String.join("|", k), String.join(", ", v));
                    assertEquals(null, previous, t + ": two rows with key " + k);
                }
            }
        }
        return out;
    }

    static String value(ResultSet rs, int i, boolean bytes) throws SQLException {
        if (bytes) {
            byte[] b = rs.getBytes(i);
            return b == null ? "NULL" : "0x" + HexFormat.of().formatHex(b);
        }
        String s = rs.getString(i);
        return s == null ? "NULL" : "'" + s + "'";
    }

    // ---- the database as it was -------------------------------------------------------------------------------------

    static List<String> tables(String database) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection conn = f.connect(); Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery("SHOW TABLES FROM " + Sql.ident(database))) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        Collections.sort(out);
        return out;
    }

    /** SHOW CREATE TABLE without the AUTO_INCREMENT counter. */
    static String definition(TableName t) throws SQLException {
        try (Connection conn = f.connect(); Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery("SHOW CREATE TABLE " + t.quoted())) {
            rs.next();
            return rs.getString(2).replaceAll(" AUTO_INCREMENT=\\d+", "");
        }
    }

    /** The definition and every row (every column's bytes), sorted: equal snapshots, unchanged table. */
    static String snapshot(TableName t) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection conn = f.connect(); Statement s = conn.createStatement()) {
            s.execute("SET SESSION time_zone = '+00:00'");
            try (ResultSet rs = s.executeQuery("SELECT * FROM " + t.quoted())) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    StringBuilder row = new StringBuilder();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        row.append(value(rs, i, true)).append('|');
                    }
                    rows.add(row.toString());
                }
            }
        }
        Collections.sort(rows);
        return definition(t) + "\n" + rows.size() + " rows\n" + String.join("\n", rows);
    }

    /** Polls {@code read} until it returns {@code expected} or the timeout ends; returns the last value read. */
    static <T> T awaitValue(Callable<T> read, T expected, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = read.call();
        while (!Objects.equals(expected, last) && System.nanoTime() < deadline) {
            Thread.sleep(250);
            last = read.call();
        }
        return last;
    }

    // ---- the workload -----------------------------------------------------------------------------------------------

    /**
     * A case's workload: one thread, one connection (set up with the case's session.sql), iterations n = 1, 2, ...;
     * iteration n runs line {@code n % lines} of workload.sql with every {@code ?} bound to n. It can be stopped and
     * started again; n goes on counting.
     */
    static final class Workload {
        private final Case c;
        private final AtomicLong iteration = new AtomicLong();
        private final AtomicLong completed = new AtomicLong();
        private final AtomicLong failures = new AtomicLong();
        private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
        private volatile boolean stop;
        private Thread thread;

        Workload(Case c) {
            this.c = c;
        }

        boolean isEmpty() {
            return c.workload().isEmpty();
        }

        long iteration() {
            return iteration.get();
        }

        long completed() {
            return completed.get();
        }

        void start() {
            if (isEmpty()) {
                return;
            }
            stop = false;
            thread = new Thread(this::loop, "workload-" + c.name());
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            try (Connection conn = f.connect(); Statement s = conn.createStatement()) {
                s.execute("USE " + Sql.ident(c.database()));
                for (String sql : c.session()) {
                    s.execute(sql);
                }
                List<PreparedStatement> statements = new ArrayList<>();
                for (String sql : c.workload()) {
                    statements.add(conn.prepareStatement(sql));
                }
                while (!stop) {
                    long n = iteration.incrementAndGet();
                    int line = (int) (n % statements.size());
                    PreparedStatement ps = statements.get(line);
                    try {
                        for (int p = 1; p <= ps.getParameterMetaData().getParameterCount(); p++) {
                            ps.setLong(p, n);
                        }
                        ps.executeUpdate();
                        completed.incrementAndGet();
                    } catch (SQLException e) {
                        failures.incrementAndGet();
                        if (errors.size() < 10) {
                            errors.add("n=" + n + " [" + c.workload().get(line) + "]: " + e.getMessage());
                        }
                    }
                    Thread.sleep(PACE_MS);
                }
            } catch (Exception e) {
                failures.incrementAndGet();
                errors.add(e.toString());
            }
        }

        /** Waits until {@code more} statements have completed from now on. */
        void awaitMore(int more, String what) throws Exception {
            if (isEmpty()) {
                return;
            }
            long target = completed.get() + more;
            long last = awaitValue(() -> Math.min(completed.get(), target), target, CATCH_UP);
            assertEquals(target, last, what + "; failures: " + failures.get() + " " + errors);
        }

        void stop() throws InterruptedException {
            stop = true;
            if (thread != null) {
                thread.join(30_000);
                assertTrue(!thread.isAlive(), c.name() + ": the workload stops (a statement hangs?)");
                thread = null;
            }
        }

        void assertNoErrors(String when) {
            assertEquals(0, failures.get(), when + ": every workload statement succeeded: " + errors);
        }
    }
}
