package io.flipside.cli.bench;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark of issue 6: on one MySQL server with Flipside running (capture, applier and controller), for each
 * ALTER and each scenario (idle, or under a steady background write load), the same schema change done by native
 * {@code ALTER TABLE ... ALGORITHM=COPY}, native {@code ALGORITHM=INPLACE} and {@code INSTANT} (for reference, where
 * MySQL allows them), a raw {@code INSERT ... SELECT} into an empty table of the new shape (the raw copy rate), the
 * peer tools when installed, and Flipside; each on its own fresh copy of a sysbench-shaped table.
 *
 * <p>It reports, it does not judge: every time is printed with its ratio to native ALGORITHM=COPY measured in the same
 * scenario of the same run. See BENCHMARKS.md for the method.
 *
 * <p>Before each measurement the server is let settle (dirty pages flushed, undo purged, the capture idle) so that
 * one measurement does not pay for the previous one's writes.
 */
public final class Bench {
    /** Where progress lines go. */
    public interface Progress {
        void say(String fmt, Object... args);
    }

    /** The ALTERs of the benchmark, by the name {@code --alters} uses. */
    public static final Map<String, String> ALTERS = Map.of(
            "add", "ADD COLUMN extra VARCHAR(32) NULL",
            "drop", "DROP COLUMN pad");
    public static final List<String> ALTER_ORDER = List.of("add", "drop");
    public static final List<String> SCENARIOS = List.of("idle", "load");
    /** Every method, in the order they run; {@code copy} first: every ratio is to it. */
    public static final List<String> METHODS = List.of("copy", "inplace", "instant", "raw", "raw-late-index",
            "pt-osc", "gh-ost", "flipside");

    static final String LABEL_COPY = "native ALGORITHM=COPY";

    /** The run's options. */
    public record Options(long rows, int rate, int writers, List<String> scenarios, List<String> alters,
            List<String> methods, int baselineSeconds, int timeoutSeconds, long burstRows, String database,
            int warmupSeconds, boolean revertEarly, long warmupRows, long bufferPoolMb, int repeat,
            int holdReadySeconds, int swapCycles, int streamEventsPerSecond, int streamSeconds,
            int streamConnections, boolean writersProcess, boolean brokerProcess) {
        public Options {
            if (streamConnections < 1 || streamConnections > 64) {
                throw new IllegalArgumentException("--stream-connections must be 1 to 64");
            }
            if (streamEventsPerSecond < 0) {
                throw new IllegalArgumentException("--stream-events-per-second must be 0 or more");
            }
            if (streamSeconds < 1) {
                throw new IllegalArgumentException("--stream-seconds must be at least 1");
            }
            if (holdReadySeconds < 0) {
                throw new IllegalArgumentException("--hold-ready-seconds must be 0 or more");
            }
            if (swapCycles < 0) {
                throw new IllegalArgumentException("--swap-cycles must be 0 or more");
            }
            if (repeat < 1) {
                throw new IllegalArgumentException("--repeat must be at least 1");
            }
            if (bufferPoolMb < 0) {
                throw new IllegalArgumentException("--buffer-pool-mb must be 0 or more");
            }
            if (rows < 1) {
                throw new IllegalArgumentException("--rows must be at least 1");
            }
            if (warmupRows < 0) {
                throw new IllegalArgumentException("--warmup-rows must be 0 or more");
            }
            if (rate < 1 || writers < 1) {
                throw new IllegalArgumentException("--rate and --writers must be at least 1");
            }
            scenarios = check(scenarios, SCENARIOS, "--scenarios");
            alters = check(alters, ALTER_ORDER, "--alters");
            methods = check(methods, METHODS, "--methods");
            if (!database.matches("[A-Za-z0-9_]{1,64}")) {
                throw new IllegalArgumentException("--database must be a plain name (letters, digits, _)");
            }
        }

        /** The given names, known and in the canonical order. */
        private static List<String> check(List<String> given, List<String> known, String option) {
            List<String> lower = given.stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty())
                    .toList();
            for (String g : lower) {
                if (!known.contains(g)) {
                    throw new IllegalArgumentException(option + ": unknown value " + g + "; known: "
                            + String.join(",", known));
                }
            }
            if (lower.isEmpty()) {
                throw new IllegalArgumentException(option + " is empty; known: " + String.join(",", known));
            }
            return known.stream().filter(lower::contains).toList();
        }
    }

    private final FlipsideConfig config;
    private final Options options;
    private final boolean embeddedStack;
    private final Progress progress;
    private final List<String> errors = new ArrayList<>();
    private final String template = "sbtest_template";
    private boolean binlogOffWorked = true;
    private Long mysqldPid;
    private String mysqlVersion = "";

    public Bench(FlipsideConfig config, Options options, boolean embeddedStack, Progress progress) {
        this.config = config;
        this.options = options;
        this.embeddedStack = embeddedStack;
        this.progress = progress;
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(config.jdbcUrl(), config.jdbcProperties());
    }

    /** The writers of the load scenario on {@code table}, as threads here or in a process of their own. */
    private WriteLoad writeLoad(TableName table, long rows) {
        return options.writersProcess()
                ? WriteLoad.inProcess(table.quoted(), rows, config.jdbcUrl(), config.jdbcProperties(),
                        options.writers(), options.rate())
                : new WriteLoad(table.quoted(), rows, this::connect, options.writers(), options.rate());
    }

    public BenchReport run() throws Exception {
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        ensureMeterRegistry();
        String host = config.get(FlipsideConfig.MYSQL_HOST);
        if (host.equals("127.0.0.1") || host.equals("localhost")) {
            mysqldPid = CpuProfile.findMysqld(config.get(FlipsideConfig.MYSQL_PORT));
        }
        if (options.bufferPoolMb() > 0) {
            resizeBufferPool(options.bufferPoolMb());
        }
        String loadAtStart = loadAverage();
        BenchReport.Machine machineAtStart = machine(loadAtStart, null);
        mysqlVersion = machineAtStart.mysqlVersion();
        say("bench: %d rows, alters %s, scenarios %s, methods %s; load %d writes/s from %d writers", options.rows(),
                options.alters(), options.scenarios(), options.methods(), options.rate(), options.writers());
        say("bench: machine: %d cores, %d MB, %s, %s, MySQL %s, load average %s", machineAtStart.cores(),
                machineAtStart.memoryMb(), machineAtStart.os(), machineAtStart.jvm(), machineAtStart.mysqlVersion(),
                loadAtStart);
        List<BenchReport.Scenario> results = new ArrayList<>();
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS " + Sql.ident(options.database()));
            long l0 = System.nanoTime();
            SysbenchTable.createTemplate(c, options.database(), template, options.rows());
            binlogOffWorked = SysbenchTable.binlogOff(c);
            SysbenchTable.binlogOn(c);
            say("bench: template %s.%s with %d rows generated in %.1f s", options.database(), template, options.rows(),
                    (System.nanoTime() - l0) / 1e9);
        }
        try {
            if (options.methods().contains("flipside") && options.warmupRows() > 0) {
                warmUp();
            }
            for (int round = 1; round <= options.repeat(); round++) {
                if (options.repeat() > 1) {
                    say("bench: --- round %d of %d ---", round, options.repeat());
                }
                for (String alter : options.alters()) {
                    for (String scenario : options.scenarios()) {
                        results.add(scenario(alter, scenario, round));
                    }
                }
            }
        } finally {
            try (Connection c = connect()) {
                SysbenchTable.drop(c, options.database(), template);
            } catch (SQLException e) {
                errors.add("dropping the template: " + e.getMessage());
            }
        }
        Instant finished = Instant.now();
        return new BenchReport(machine(loadAtStart, loadAverage()), settings(), started.toString(),
                finished.toString(), round((System.nanoTime() - t0) / 1e9, 1), notes(), results, BenchSummary.of(results),
                List.copyOf(errors));
    }

    // ---------------------------------------------------------------------------------------------- scenarios

    private BenchReport.Scenario scenario(String alterKey, String scenario, int round) throws InterruptedException {
        String alter = ALTERS.get(alterKey);
        boolean load = scenario.equals("load");
        say("bench: === %s, %s ===", alter, scenario);
        List<BenchReport.Method> methods = new ArrayList<>();
        Double copySeconds = null;
        BenchReport.Writers baseline = null;
        BenchReport.FlipsideFigures flipside = null;
        for (String m : options.methods()) {
            String table = "sbtest_" + alterKey + "_" + scenario + "_" + m.replace("-", "");
            try {
                switch (m) {
                    case "copy" -> {
                        Measured r = measure(table, load, options.baselineSeconds(),
                                (c, t) -> exec(c, "ALTER TABLE " + t.quoted() + " " + alter + ", ALGORITHM=COPY"));
                        copySeconds = r.seconds;
                        baseline = r.baseline;
                        methods.add(method(m, LABEL_COPY, r.seconds, copySeconds, null, r.writers, r.cpu, r.note));
                    }
                    case "inplace", "instant" -> {
                        String algorithm = m.equals("inplace") ? "ALGORITHM=INPLACE, LOCK=NONE" : "ALGORITHM=INSTANT";
                        String label = "native " + algorithm.replace(", ", " ");
                        String refused = refusal(alter, algorithm);
                        if (refused != null) {
                            methods.add(method(m, label, null, copySeconds, "not run: MySQL refuses " + algorithm
                                    + " for this ALTER: " + refused, null, null, null));
                        } else {
                            Measured r = measure(table, load, 0,
                                    (c, t) -> exec(c, "ALTER TABLE " + t.quoted() + " " + alter + ", " + algorithm));
                            methods.add(method(m, label, r.seconds, copySeconds, null, r.writers, r.cpu, r.note));
                        }
                    }
                    case "raw", "raw-late-index" -> {
                        // Named like a Flipside helper table, so that the capture skips its rows as it skips a
                        // shadow table's: the reference is MySQL's copy cost, binlog included.
                        String target = "_" + table + "_00000000_new";
                        boolean late = m.equals("raw-late-index");
                        Measured r = measure(table, load, 0, new RawCopy(alter, target, late));
                        methods.add(method(m, late ? "raw INSERT ... SELECT, index on k built after"
                                : "raw INSERT ... SELECT into the new shape", r.seconds, copySeconds, null,
                                r.writers, r.cpu, r.note));
                    }
                    case "pt-osc", "gh-ost" -> {
                        boolean pt = m.equals("pt-osc");
                        String tool = pt ? PeerTools.PT_OSC : PeerTools.GH_OST;
                        if (PeerTools.which(tool) == null) {
                            methods.add(method(m, tool, null, copySeconds,
                                    pt ? PeerTools.PT_OSC_NOT_INSTALLED : PeerTools.GH_OST_NOT_INSTALLED, null, null,
                                    null));
                        } else {
                            PeerTools.Server server = new PeerTools.Server(config.get(FlipsideConfig.MYSQL_HOST),
                                    config.get(FlipsideConfig.MYSQL_PORT), config.get(FlipsideConfig.MYSQL_USER),
                                    config.get(FlipsideConfig.MYSQL_PASSWORD));
                            boolean twoStep = !pt && PeerTools.atomicCutOverFails(mysqlVersion);
                            PeerTools.Outcome[] out = new PeerTools.Outcome[1];
                            Measured r = measure(table, load, 0, (c, t) -> out[0] = pt
                                    ? PeerTools.ptOnlineSchemaChange(server, options.database(), table, alter,
                                            options.timeoutSeconds())
                                    : PeerTools.ghOst(server, options.database(), table, alter,
                                            options.timeoutSeconds(), twoStep));
                            String note = twoStep ? PeerTools.GH_OST_TWO_STEP : null;
                            if (!pt && !captureSkips(table + "_gho")) {
                                note = (note == null ? "" : note + "; ") + "the capture published its ghost table's"
                                        + " rows (not in capture.exclude.tables)";
                            }
                            methods.add(method(m, tool, out[0].seconds(), copySeconds, out[0].reason(),
                                    out[0].seconds() == null ? null : r.writers, r.cpu, join(r.note, note)));
                        }
                    }
                    case "flipside" -> {
                        FlipsideRun run = new FlipsideRun(config, this::connect, progress,
                                Duration.ofSeconds(options.timeoutSeconds()), Math.min(options.burstRows(),
                                        options.rows()), copySeconds, mysqldPid, options.revertEarly(),
                                options.holdReadySeconds(), options.swapCycles(), options.streamEventsPerSecond(),
                                options.streamSeconds(), options.streamConnections());
                        FlipsideRun.Result[] out = new FlipsideRun.Result[1];
                        Measured r = measure(table, load, 0, (c, t) -> out[0] = run.run(t, alter, currentLoad));
                        flipside = out[0].figures();
                        methods.add(method(m, "Flipside (submit to cut-over)", out[0].seconds(), copySeconds,
                                out[0].reason(), out[0].writers(), flipside == null ? null : flipside.cpuMigration(),
                                r.note));
                    }
                    default -> throw new IllegalStateException(m);
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                String msg = m + " (" + alterKey + ", " + scenario + "): " + e;
                errors.add(msg);
                say("bench: ERROR %s", msg);
                methods.add(method(m, m, null, copySeconds, "error: " + e.getMessage(), null, null, null));
            }
            BenchReport.Method last = methods.get(methods.size() - 1);
            say("bench: %-8s %s", m, last.seconds() != null
                    ? String.format(Locale.ROOT, "%.2f s%s", last.seconds(), last.ratioToCopy() == null ? ""
                            : String.format(Locale.ROOT, " (%.2f x COPY)", last.ratioToCopy()))
                    : last.reason());
        }
        return new BenchReport.Scenario(alterKey, alter, scenario, round, copySeconds, baseline, methods, flipside);
    }

    /**
     * One unmeasured Flipside migration of a small table, so that the measured ones meet a warm applier (classes
     * loaded, code compiled), as in production, where the roles run for months, not for one migration. When the load
     * scenario is measured, the warm-up runs under the same writers: the code that applies their changes (small
     * batches, many commits) is other code than an idle copy's, and JFR showed the JIT compiling it through most of
     * a measured migration under load when the warm-up had been idle.
     */
    private void warmUp() throws Exception {
        long rows = Math.min(options.warmupRows(), options.rows());
        String table = "sbtest_warmup";
        long w0 = System.nanoTime();
        try (Connection c = connect()) {
            SysbenchTable.copy(c, options.database(), template, table, rows);
        }
        FlipsideRun run = new FlipsideRun(config, this::connect, (fmt, args) -> { }, Duration.ofSeconds(
                options.timeoutSeconds()), Math.min(options.burstRows(), rows), null, null, false, 0, 0, 0, 1, 1);
        TableName warm = new TableName(options.database(), table);
        FlipsideRun.Result r;
        try (WriteLoad w = options.scenarios().contains("load") ? writeLoad(warm, rows) : null) {
            if (w != null) {
                w.start();
            }
            r = run.run(warm, ALTERS.get("add"), w);
        }
        try (Connection c = connect()) {
            SysbenchTable.drop(c, options.database(), table);
        }
        if (r.figures() == null || !"COMPLETED".equals(r.figures().outcome())) {
            errors.add("warm-up migration: " + (r.reason() != null ? r.reason() : r.figures().outcome()));
        }
        say("bench: warm-up: an unmeasured Flipside migration of %d rows%s, %.1f s", rows,
                options.scenarios().contains("load") ? " under the load" : "", (System.nanoTime() - w0) / 1e9);
    }

    private static BenchReport.Method method(String id, String label, Double seconds, Double copySeconds,
            String reason, BenchReport.Writers writers, BenchReport.Cpu cpu, String note) {
        Double s = seconds == null ? null : round(seconds, 3);
        Double ratio = seconds == null || copySeconds == null || copySeconds <= 0 ? null : round(seconds / copySeconds, 4);
        return new BenchReport.Method(id, label, s, ratio, seconds == null && reason == null ? "no time" : reason,
                writers, cpu, note);
    }

    /**
     * The embedded stack's configuration with gh-ost's ghost and changelog tables in the bench's database added to
     * {@code capture.exclude.tables}, so that the capture running beside gh-ost skips its copied rows, as it skips a
     * shadow table's (gh-ost cannot name them like a Flipside helper table, as pt-osc's is named).
     */
    public static FlipsideConfig withPeerTablesExcluded(FlipsideConfig cfg, String database) {
        String given = cfg.get(FlipsideConfig.CAPTURE_EXCLUDE_TABLES).text();
        String peers = java.util.regex.Pattern.quote(database) + "\\._.*_(gho|ghc)";
        return cfg.with(FlipsideConfig.CAPTURE_EXCLUDE_TABLES.key(), given.isEmpty() ? peers : given + "," + peers);
    }

    /** Whether Flipside's capture leaves out the bench database's table {@code _<suffixed>} (capture.exclude.tables). */
    private boolean captureSkips(String suffixed) {
        return config.get(FlipsideConfig.CAPTURE_EXCLUDE_TABLES).matches(new TableName(options.database(),
                "_" + suffixed));
    }

    private static String join(String a, String b) {
        return a == null ? b : b == null ? a : a + "; " + b;
    }

    /** Why MySQL refuses the ALTER with this algorithm (tried on an empty table of the same shape), or null. */
    private String refusal(String alter, String algorithm) throws SQLException {
        String probe = "sbtest_probe";
        try (Connection c = connect()) {
            SysbenchTable.drop(c, options.database(), probe);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE " + Sql.qualified(options.database(), probe) + " LIKE "
                        + Sql.qualified(options.database(), template));
                s.execute("ALTER TABLE " + Sql.qualified(options.database(), probe) + " " + alter + ", " + algorithm);
                return null;
            } catch (SQLException e) {
                return e.getMessage();
            } finally {
                SysbenchTable.drop(c, options.database(), probe);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- measuring

    /** A timed action on the fresh table. */
    private interface Action {
        /** Untimed preparation, before the writers start. */
        default void prepare(Connection c, TableName table) throws Exception {}

        void run(Connection c, TableName table) throws Exception;
    }

    private record Measured(double seconds, BenchReport.Writers writers, BenchReport.Writers baseline,
            BenchReport.Cpu cpu, String note) {}

    /** The writers of the measurement in progress (load scenario), for the Flipside run. */
    private WriteLoad currentLoad;

    /**
     * Prepares a fresh copy of the template, lets the server settle, starts the writers (load), measures the
     * baseline (when asked), times the action, stops the writers and drops the table.
     */
    private Measured measure(String tableName, boolean load, int baselineSeconds, Action action) throws Exception {
        TableName t = new TableName(options.database(), tableName);
        try (Connection c = connect()) {
            long p0 = System.nanoTime();
            SysbenchTable.copy(c, options.database(), template, tableName, options.rows());
            double copied = (System.nanoTime() - p0) / 1e9;
            action.prepare(c, t);
            long settled = settle(c);
            say("bench: fresh %s (%.1f s), settled in %.1f s", t, copied, settled / 1000.0);
            WriteLoad w = load ? writeLoad(t, options.rows()) : null;
            currentLoad = w;
            try {
                BenchReport.Writers base = null;
                if (w != null) {
                    w.start();
                    Thread.sleep(options.warmupSeconds() * 1000L);
                    if (baselineSeconds > 0) {
                        long b0 = System.currentTimeMillis();
                        Thread.sleep(baselineSeconds * 1000L);
                        base = BenchReport.Writers.of(w.stats(b0, System.currentTimeMillis()));
                        say("bench: baseline: %.0f writes/s, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms",
                                base.writesPerSecond(), base.p50Ms(), base.p95Ms(), base.p99Ms(), base.maxMs());
                    }
                }
                long a0 = System.currentTimeMillis();
                CpuProfile cpu = new CpuProfile(mysqldPid, this::connect);
                long n0 = System.nanoTime();
                action.run(c, t);
                double seconds = (System.nanoTime() - n0) / 1e9;
                long a1 = System.currentTimeMillis();
                BenchReport.Cpu used = BenchReport.Cpu.of(cpu.stop());
                if (w != null) {
                    w.awaitPast(a1, 60_000);
                }
                BenchReport.Writers ws = w == null ? null : BenchReport.Writers.of(w.stats(a0, a1));
                String note = null;
                if (w != null) {
                    w.close();
                    if (w.failed() > 0) {
                        note = w.failed() + " writes failed during the run, e.g. " + w.failures().get(0);
                    }
                }
                return new Measured(seconds, ws, base, used, note);
            } finally {
                currentLoad = null;
                if (w != null) {
                    w.close();
                }
                dropFamily(c, tableName);
            }
        }
    }

    /** Drops the table and anything a method left next to it (the raw copy's target, a tool's leftovers). */
    private void dropFamily(Connection c, String tableName) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?")) {
            ps.setString(1, options.database());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String n = rs.getString(1);
                    if (n.equals(tableName) || n.startsWith("_" + tableName + "_")) {
                        names.add(n);
                    }
                }
            }
        }
        for (String n : names) {
            SysbenchTable.drop(c, options.database(), n);
        }
    }

    /**
     * The raw copy: an empty table of the new shape, then one INSERT ... SELECT of the common columns; with {@code
     * lateIndex}, the table's secondary index on {@code k} is dropped before and built after it (online ADD INDEX), as
     * Flipside's copy does with {@code copy.defer.indexes}.
     */
    private final class RawCopy implements Action {
        private final String alter;
        private final String target;
        private final boolean lateIndex;

        RawCopy(String alter, String target, boolean lateIndex) {
            this.alter = alter;
            this.target = target;
            this.lateIndex = lateIndex;
        }

        private String columns;

        @Override
        public void prepare(Connection c, TableName t) throws SQLException {
            TableName to = t.sibling(target);
            exec(c, "DROP TABLE IF EXISTS " + to.quoted());
            exec(c, "CREATE TABLE " + to.quoted() + " LIKE " + t.quoted());
            exec(c, "ALTER TABLE " + to.quoted() + " " + alter);
            if (lateIndex) {
                exec(c, "ALTER TABLE " + to.quoted() + " DROP INDEX " + Sql.ident(SysbenchTable.K_INDEX));
            }
            List<String> from = columnsOf(c, t);
            columns = String.join(", ", columnsOf(c, to).stream().filter(from::contains).map(Sql::ident).toList());
        }

        @Override
        public void run(Connection c, TableName t) throws SQLException {
            exec(c, "INSERT INTO " + t.sibling(target).quoted() + " (" + columns + ") SELECT " + columns + " FROM "
                    + t.quoted());
            if (lateIndex) {
                exec(c, "ALTER TABLE " + t.sibling(target).quoted() + " ADD INDEX " + Sql.ident(SysbenchTable.K_INDEX)
                        + " (" + Sql.ident("k") + "), ALGORITHM=INPLACE, LOCK=NONE");
            }
        }
    }

    /** The table's column names, in order. */
    static List<String> columnsOf(Connection c, TableName t) throws SQLException {
        List<String> out = new ArrayList<>();
        try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION")) {
            ps.setString(1, t.database());
            ps.setString(2, t.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /**
     * Lets the server settle before a measurement: dirty pages flushed (innodb_max_dirty_pages_pct 0, and
     * innodb_io_capacity raised to innodb_io_capacity_max, for the while, then restored), undo history purged, and
     * the capture idle (the changelog's end not moving). Returns the milliseconds it took.
     */
    private long settle(Connection c) throws SQLException, InterruptedException {
        long t0 = System.currentTimeMillis();
        awaitRetired(c);
        String pct = null;
        String capacity = null;
        try (Statement s = c.createStatement()) {
            String capacityMax;
            try (ResultSet rs = s.executeQuery("SELECT @@GLOBAL.innodb_max_dirty_pages_pct,"
                    + " @@GLOBAL.innodb_io_capacity, @@GLOBAL.innodb_io_capacity_max")) {
                rs.next();
                pct = rs.getString(1);
                capacity = rs.getString(2);
                capacityMax = rs.getString(3);
            }
            try {
                s.execute("SET GLOBAL innodb_max_dirty_pages_pct = 0");
            } catch (SQLException e) {
                pct = null;
            }
            // At the default 200 pages a second, the flush of a 5,000-row table's fresh copy took 3 s here.
            try (PreparedStatement ps = c.prepareStatement("SET GLOBAL innodb_io_capacity = ?")) {
                ps.setLong(1, Long.parseLong(capacityMax));
                ps.execute();
            } catch (SQLException e) {
                capacity = null;
            }
            long deadline = System.currentTimeMillis() + 120_000;
            while (System.currentTimeMillis() < deadline) {
                long dirty = status(c, "Innodb_buffer_pool_pages_dirty");
                long total = Math.max(1, status(c, "Innodb_buffer_pool_pages_total"));
                long history = historyLength(s);
                if (dirty * 100 < total && history < 10_000) {
                    break;
                }
                Thread.sleep(250);
            }
        } finally {
            if (pct != null) {
                try (PreparedStatement ps = c.prepareStatement("SET GLOBAL innodb_max_dirty_pages_pct = ?")) {
                    ps.setDouble(1, Double.parseDouble(pct));
                    ps.execute();
                }
            }
            if (capacity != null) {
                try (PreparedStatement ps = c.prepareStatement("SET GLOBAL innodb_io_capacity = ?")) {
                    ps.setLong(1, Long.parseLong(capacity));
                    ps.execute();
                }
            }
        }
        try (ChangelogProbe probe = new ChangelogProbe(config)) {
            probe.awaitQuiet(1500, 300_000);
        }
        return System.currentTimeMillis() - t0;
    }

    /** Waits until the applier has purged and dropped the tables earlier migrations retired (up to 5 minutes). */
    private void awaitRetired(Connection c) throws SQLException, InterruptedException {
        String retiring = io.flipside.core.sql.Sql.qualified(config.get(FlipsideConfig.SIDECAR_DATABASE), "retiring");
        long deadline = System.currentTimeMillis() + 300_000;
        try (Statement s = c.createStatement()) {
            while (System.currentTimeMillis() < deadline) {
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + retiring)) {
                    rs.next();
                    if (rs.getLong(1) == 0) {
                        return;
                    }
                } catch (SQLException e) {
                    if (e.getErrorCode() == 1146 || e.getErrorCode() == 1049) {
                        return; // no sidecar: no applier ran here
                    }
                    throw e;
                }
                Thread.sleep(250);
            }
        }
    }

    private static long status(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT VARIABLE_VALUE FROM performance_schema.global_status WHERE VARIABLE_NAME = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private static long historyLength(Statement s) {
        try (ResultSet rs = s.executeQuery("SELECT COUNT FROM information_schema.INNODB_METRICS"
                + " WHERE NAME = 'trx_rseg_history_len'")) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            return 0;
        }
    }

    // ---------------------------------------------------------------------------------------------- context

    /**
     * A registry for the roles' meters, which the bench reads, unless one is there: the roles' health endpoints add
     * theirs as they start, before any meter, and one added after the meters would miss what they recorded before
     * (Micrometer warns).
     */
    private static void ensureMeterRegistry() {
        if (Metrics.globalRegistry.getRegistries().isEmpty()) {
            Metrics.addRegistry(new SimpleMeterRegistry());
        }
    }

    private BenchReport.Machine machine(String loadAtStart, String loadAtEnd) throws SQLException {
        Map<String, String> mysql = new LinkedHashMap<>();
        String version;
        try (Connection c = connect(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT VERSION(), @@innodb_buffer_pool_size,"
                    + " @@innodb_flush_log_at_trx_commit, @@sync_binlog, @@binlog_format, @@binlog_row_image, @@gtid_mode,"
                    + " @@innodb_flush_method, @@innodb_io_capacity, @@transaction_isolation, @@innodb_adaptive_hash_index")) {
                rs.next();
                version = rs.getString(1);
                String[] names = {"innodb_buffer_pool_size", "innodb_flush_log_at_trx_commit", "sync_binlog",
                    "binlog_format", "binlog_row_image", "gtid_mode", "innodb_flush_method", "innodb_io_capacity",
                    "transaction_isolation", "innodb_adaptive_hash_index"};
                for (int i = 0; i < names.length; i++) {
                    mysql.put(names[i], rs.getString(i + 2));
                }
            }
            // The redo log's capacity bounds how fast InnoDB can take writes once its dirty pages must be flushed; its
            // variables differ across 8.0 releases (innodb_redo_log_capacity since 8.0.30).
            try (ResultSet rs = s.executeQuery("SELECT VARIABLE_NAME, VARIABLE_VALUE FROM"
                    + " performance_schema.global_variables WHERE VARIABLE_NAME IN ('innodb_log_file_size',"
                    + " 'innodb_log_files_in_group', 'innodb_redo_log_capacity') ORDER BY VARIABLE_NAME")) {
                while (rs.next()) {
                    mysql.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return new BenchReport.Machine(Runtime.getRuntime().availableProcessors(), memoryMb(), osName(),
                System.getProperty("os.name") + " " + System.getProperty("os.version"),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                Runtime.getRuntime().maxMemory() / (1024 * 1024), version, mysql, loadAtStart, loadAtEnd);
    }

    private static long memoryMb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    private static String osName() {
        try {
            for (String l : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (l.startsWith("PRETTY_NAME=")) {
                    String name = l.substring("PRETTY_NAME=".length()).replace("\"", "");
                    Path v = Path.of("/etc/debian_version");
                    return Files.exists(v) ? name + " (" + Files.readString(v).trim() + ")" : name;
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return System.getProperty("os.name");
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return String.format(Locale.ROOT, "%.2f",
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    /**
     * Resizes InnoDB's buffer pool online (MySQL rounds the size up to whole chunks) and waits until MySQL has, so
     * that every method runs with it.
     */
    private void resizeBufferPool(long mb) throws SQLException, InterruptedException {
        long bytes = mb * 1024 * 1024;
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(
                "SET GLOBAL innodb_buffer_pool_size = ?")) {
            ps.setLong(1, bytes);
            ps.execute();
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (true) {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@innodb_buffer_pool_size,"
                        + " (SELECT VARIABLE_VALUE FROM performance_schema.global_status"
                        + " WHERE VARIABLE_NAME = 'Innodb_buffer_pool_resize_status')")) {
                    rs.next();
                    String state = rs.getString(2);
                    if (rs.getLong(1) >= bytes && (state == null || state.isEmpty() || state.startsWith("Completed"))) {
                        say("bench: InnoDB buffer pool resized to %d MB (%s)", rs.getLong(1) / 1024 / 1024, state);
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new SQLException("the buffer pool was not resized to " + mb + " MB within 5 minutes");
                }
                Thread.sleep(200);
            }
        }
    }

    private BenchReport.Settings settings() {
        Map<String, String> f = new LinkedHashMap<>();
        for (var s : List.of(FlipsideConfig.CHUNK_TARGET_MS, FlipsideConfig.CHUNK_MAX_ROWS,
                FlipsideConfig.COPY_PARALLEL_CHUNKS, FlipsideConfig.COPY_REST_PERCENT, FlipsideConfig.APPLY_BATCH_KEYS,
                FlipsideConfig.CAPTURE_POLL_MS, FlipsideConfig.CATCHUP_MAX_LAG_MS, FlipsideConfig.VERIFY_CHECKSUM)) {
            f.put(s.key(), String.valueOf(config.get(s)));
        }
        String group = config.get(FlipsideConfig.COPY_RESOURCE_GROUP);
        if (!group.isEmpty()) {
            f.put(FlipsideConfig.COPY_RESOURCE_GROUP.key(), group + resourceGroupAttributes(group));
        }
        config.kafkaClientSettings().forEach((k, v) -> {
            if (!k.equals("bootstrap.servers")) {
                f.put(FlipsideConfig.KAFKA_PREFIX + k, v);
            }
        });
        return new BenchReport.Settings(options.rows(), options.rate(), options.writers(), options.scenarios(),
                options.alters(), options.methods(), options.baselineSeconds(), options.timeoutSeconds(),
                Math.min(options.burstRows(), options.rows()), options.database(), embeddedStack, options.revertEarly(),
                options.methods().contains("flipside") ? Math.min(options.warmupRows(), options.rows()) : 0,
                options.repeat(), options.holdReadySeconds(), options.swapCycles(), options.streamEventsPerSecond(),
                options.streamSeconds(), options.streamConnections(), options.writersProcess(), options.brokerProcess(),
                f);
    }

    /** The group's CPUs and thread priority, as MySQL reports them, or why not. */
    private String resourceGroupAttributes(String group) {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement("SELECT VCPU_IDS, THREAD_PRIORITY"
                + " FROM information_schema.RESOURCE_GROUPS WHERE RESOURCE_GROUP_NAME = ?")) {
            ps.setString(1, group);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? " (THREAD_PRIORITY " + rs.getInt(2) + ", VCPU " + rs.getString(1) + ")"
                        : " (no such group)";
            }
        } catch (SQLException e) {
            return " (unread: " + e.getMessage() + ")";
        }
    }

    private List<String> notes() {
        List<String> n = new ArrayList<>();
        n.add("ratio (x COPY) = the time / native ALTER TABLE ... ALGORITHM=COPY for the same ALTER in the same"
                + " scenario of this run");
        n.add("every method ran on its own fresh copy of the table, after the server settled (dirty pages flushed,"
                + " undo purged, capture idle); Flipside's capture, applier and controller ran throughout, as in"
                + " production");
        n.add("load: " + options.rate() + " writes/s in total from " + options.writers() + " writer threads"
                + (options.writersProcess() ? " in a JVM of their own" : " of the bench's JVM") + ", single-row"
                + " autocommit UPDATE k / UPDATE c / DELETE / INSERT on the table being changed; latency = one"
                + " statement, send to reply; writers figures cover the method's time (Flipside: submit to cut-over)");
        List<String> beside = new ArrayList<>(List.of("the controller", "the capture"));
        if (!options.brokerProcess()) {
            beside.add(0, "the embedded Kafka broker");
        }
        if (!options.writersProcess()) {
            beside.add("the writers");
        }
        n.add("Flipside's peak heap is the most this JVM had in use since the submit, when a collection began: more"
                + " than Flipside needs, since it counts garbage not yet collected, and this JVM also runs "
                + String.join(", ", beside.subList(0, beside.size() - 1)) + " and " + beside.get(beside.size() - 1));
        if (options.brokerProcess()) {
            n.add("the embedded Kafka broker ran in a JVM of its own (" + String.join(" ", BrokerProcess.JVM_OPTIONS)
                    + "), as a production broker runs apart from Flipside's roles; its CPU is among the other"
                    + " processes'");
        }
        n.add("the raw copy's target and pt-online-schema-change's new table are named like a Flipside helper table"
                + " so that the capture skips their rows, as it skips a shadow table's"
                + (captureSkips("sbtest_gho") ? "; gh-ost's ghost and changelog tables are in capture.exclude.tables" : ""));
        if (options.methods().contains("flipside") && options.warmupRows() > 0) {
            n.add("before the first measurement, an unmeasured Flipside migration of " + Math.min(options.warmupRows(),
                    options.rows()) + " rows" + (options.scenarios().contains("load") ? ", under the same load," : "")
                    + " warmed the JVM up (classes loaded, code compiled), as a long-running applier is; --warmup-rows 0"
                    + " measures a cold JVM");
        }
        if (options.holdReadySeconds() > 0 && options.methods().contains("flipside")
                && options.scenarios().contains("load")) {
            n.add("under load each Flipside migration was held " + options.holdReadySeconds() + " s in READY (its"
                    + " cut-over postponed, then asked for): its time leaves the hold out, its writers' row covers submit"
                    + " to READY, and 'writers, held in READY' the hold; its CPU profile and apply rate include the hold");
        }
        if (!binlogOffWorked) {
            n.add("the tables were loaded with binary logging on (this user may not set sql_log_bin): the capture"
                    + " published every loaded row before each measurement");
        }
        return n;
    }

    private void say(String fmt, Object... args) {
        progress.say(fmt, args);
    }

    static double round(double v, int decimals) {
        double f = Math.pow(10, decimals);
        return Math.round(v * f) / f;
    }

    /** The index of the {@code p} quantile (0 to 1) in {@code n} sorted values, by the nearest rank; n > 0. */
    static int nearestRank(int n, double p) {
        return Math.max(0, Math.min(n - 1, (int) Math.ceil(p * n) - 1));
    }
}
