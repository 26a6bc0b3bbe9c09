package io.flipside.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.flipside.cli.bench.Bench;
import io.flipside.cli.bench.BenchReport;
import io.flipside.cli.bench.BenchTable;
import io.flipside.cli.bench.BrokerProcess;
import io.flipside.core.config.FlipsideConfig;
import io.flipside.testkit.EmbeddedMySql;
import io.flipside.testkit.EmbeddedStack;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;

@CommandLine.Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark Flipside against MySQL's own ALTER and the peer tools, and report.",
            "On an embedded MySQL 8 and Kafka (or --config: a running Flipside), for each ALTER and scenario (idle,"
                + " under a steady write load), on a fresh sysbench-shaped table each: native ALGORITHM=COPY, INPLACE"
                + " and INSTANT, a raw INSERT ... SELECT (also with the index on k built after it),"
                + " pt-online-schema-change and gh-ost when installed, and"
                + " Flipside (submit to cut-over, revert, complete).",
            "Prints one table (times and their ratio to native ALGORITHM=COPY in the same scenario) and writes the"
                + " same as JSON. Exit 0 when the run completed (it reports, it does not judge), 1 on error."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--rows", description = "Rows in the sysbench table (default: ${DEFAULT-VALUE})")
    long rows = 1_000_000;

    @Option(names = "--rate", paramLabel = "WRITES_PER_SECOND",
            description = "Total rate of the background writes under load (default: ${DEFAULT-VALUE})")
    int rate = 500;

    @Option(names = "--writers", description = "Writer threads under load (default: ${DEFAULT-VALUE})")
    int writers = 4;

    @Option(names = "--writers-process", description = "Run the writers in a JVM of their own, as an application's"
            + " would be, instead of as threads of the bench's JVM (which also runs the broker and Flipside's roles)")
    boolean writersProcess;

    @Option(names = "--broker-process", description = "Run the embedded Kafka broker in a JVM of its own, as a"
            + " production broker runs apart from Flipside's roles, instead of in the bench's JVM")
    boolean brokerProcess;

    @Option(names = "--scenarios", split = ",", paramLabel = "idle,load",
            description = "Scenarios to run (default: idle,load)")
    List<String> scenarios = List.of("idle", "load");

    @Option(names = "--alters", split = ",", paramLabel = "add,drop",
            description = "ALTERs to run: add = ADD COLUMN extra VARCHAR(32) NULL, drop = DROP COLUMN pad (default: add,drop)")
    List<String> alters = List.of("add", "drop");

    @Option(names = "--methods", split = ",", paramLabel = "METHOD",
            description = "Methods to run, of copy,inplace,instant,raw,raw-late-index,pt-osc,gh-ost,flipside (default:"
                    + " all; ratios need copy)")
    List<String> methods = Bench.METHODS;

    @Option(names = "--baseline-seconds", paramLabel = "SECONDS",
            description = "How long the writers are measured alone, with no schema change (default: ${DEFAULT-VALUE})")
    int baselineSeconds = 10;

    @Option(names = "--warmup-seconds", paramLabel = "SECONDS",
            description = "How long the writers run before a measurement starts (default: ${DEFAULT-VALUE})")
    int warmupSeconds = 2;

    @Option(names = "--warmup-rows", paramLabel = "N",
            description = "Rows of an unmeasured Flipside migration run first, so that the measured ones meet a warm"
                    + " JVM, as a long-running applier is; 0: none (default: ${DEFAULT-VALUE})")
    long warmupRows = 50_000;

    @Option(names = "--buffer-pool-mb", paramLabel = "MB",
            description = "Resize the embedded MySQL's InnoDB buffer pool to this before the run (online, SET GLOBAL);"
                    + " 0: leave it as started (256 MB) (default: ${DEFAULT-VALUE})")
    long bufferPoolMb = 0;

    @Option(names = "--mysqld-option", paramLabel = "OPTION",
            description = "An option for the embedded mysqld, after its defaults (repeatable), such as"
                    + " --mysqld-option=--innodb-log-file-size=512M: to measure a server configured otherwise")
    List<String> mysqldOptions = new ArrayList<>();

    @Option(names = "--repeat", paramLabel = "N",
            description = "Rounds: every ALTER and scenario measured N times, each round with its own native COPY; the"
                    + " summary gives each ratio's median and range over the rounds (default: ${DEFAULT-VALUE})")
    int repeat = 1;

    @Option(names = "--burst-rows", paramLabel = "N",
            description = "Rows of the UPDATE whose row events measure Flipside's apply rate after the revert; 0: none"
                    + " (default: ${DEFAULT-VALUE}, at most --rows)")
    long burstRows = 100_000;

    @Option(names = "--stream-events-per-second", paramLabel = "N",
            description = "After the burst, a steady stream of row events (UPDATEs of consecutive rows, paced) for"
                    + " --stream-seconds, to see whether the apply keeps up for a while rather than drains a backlog;"
                    + " 0: none (default: ${DEFAULT-VALUE})")
    int streamEventsPerSecond = 0;

    @Option(names = "--stream-seconds", paramLabel = "SECONDS",
            description = "How long the stream of --stream-events-per-second runs (default: ${DEFAULT-VALUE})")
    int streamSeconds = 30;

    @Option(names = "--stream-connections", paramLabel = "N",
            description = "How many connections make the stream of --stream-events-per-second, each its share of the"
                    + " pace on its own part of the table, for a server that one connection cannot keep busy"
                    + " (default: ${DEFAULT-VALUE})")
    int streamConnections = 1;

    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "Longest wait for any one step, e.g. a Flipside migration to cut over; a step that times out"
                    + " is reported and the run goes on (default: ${DEFAULT-VALUE})")
    int timeoutSeconds = 1800;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "A Flipside setting for the embedded stack's roles, e.g. copy.chunk.target.ms=500 or"
                    + " kafka.max.poll.records=5000 (repeatable; to measure a lever)")
    java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();

    @Option(names = "--copy-priority", paramLabel = "0..19",
            description = "Create a resource group of this thread priority (19: the lowest) on the embedded MySQL and"
                    + " run Flipside's copy in it (copy.resource.group), to measure the writers with the copy"
                    + " scheduled below them; none by default")
    Integer copyPriority;

    @Option(names = "--copy-cpus", paramLabel = "CPUS",
            description = "Create a resource group on the embedded MySQL whose threads run on these CPUs only, as"
                    + " MySQL's VCPU lists them (e.g. 1, or 0-1, or 0,2-3), and run Flipside's copy in it"
                    + " (copy.resource.group; with --copy-priority, the same group), to measure the writers with the"
                    + " copy kept off their cores; none by default")
    String copyCpus;

    @Option(names = "--revert-early",
            description = "Revert as soon as the cut-over is seen, without waiting for the cut-over's checksum (the"
                    + " default waits, and measures a revert of a settled migration)")
    boolean revertEarly;

    @Option(names = "--hold-ready-seconds", paramLabel = "SECONDS",
            description = "Under load, hold each Flipside migration this long in READY (its cut-over postponed) and"
                    + " measure the writers while it only replicates; the migration's time leaves the hold out, and"
                    + " its writers' row then covers submit to READY; 0: no hold (default: ${DEFAULT-VALUE})")
    int holdReadySeconds = 0;

    @Option(names = "--swap-cycles", paramLabel = "N",
            description = "After each Flipside migration's cut-over and revert, N more cycles of a cut-over and a"
                    + " revert, each awaited with its freeze-point checksum, to measure the freezes over many swaps;"
                    + " 0: none (default: ${DEFAULT-VALUE})")
    int swapCycles = 0;

    @Option(names = "--json", paramLabel = "FILE", description = "Where to write the JSON report (default: ${DEFAULT-VALUE})")
    Path json = Path.of("target", "bench.json");

    @Option(names = "--database", description = "Database the bench creates its tables in (default: ${DEFAULT-VALUE})")
    String database = "flipside_bench";

    @Option(names = "--config", paramLabel = "FILE",
            description = "Run against this running Flipside (capture, applier and controller) and its MySQL instead"
                    + " of starting an embedded stack; Flipside's meters are read only when its applier runs in this JVM")
    Path config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Bench.Options options;
        try {
            options = new Bench.Options(rows, rate, writers, scenarios, alters, methods, baselineSeconds,
                    timeoutSeconds, burstRows, database, warmupSeconds, revertEarly, warmupRows, bufferPoolMb, repeat,
                    holdReadySeconds, swapCycles, streamEventsPerSecond, streamSeconds, streamConnections,
                    writersProcess, brokerProcess);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (copyPriority != null && (copyPriority < 0 || copyPriority > 19)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--copy-priority: a user resource group's"
                    + " thread priority is 0 (the usual) to 19 (the lowest); got " + copyPriority);
        }
        if (copyCpus != null && !copyCpus.matches("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--copy-cpus: CPU numbers and ranges"
                    + " separated by commas, as in 1 or 0-1 or 0,2-3; got " + copyCpus);
        }
        PrintWriter out = spec.commandLine().getOut();
        Bench.Progress progress = (fmt, args) -> {
            out.printf(Locale.ROOT, fmt + "%n", args);
            out.flush();
        };
        BenchReport report;
        if (config != null) {
            if (!settings.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--set applies to the embedded stack only; with --config, set them where the roles run");
            }
            if (!mysqldOptions.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--mysqld-option applies to the embedded MySQL only; configure the MySQL named in --config"
                                + " where it runs");
            }
            if (bufferPoolMb > 0) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--buffer-pool-mb applies to the embedded MySQL only; it would resize the buffer pool of the"
                                + " MySQL named in --config");
            }
            if (brokerProcess) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--broker-process applies to the embedded stack only; with --config, the broker is the one"
                                + " named there");
            }
            if (copyPriority != null || copyCpus != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), (copyPriority != null
                        ? "--copy-priority" : "--copy-cpus") + " applies to the embedded MySQL only; create the"
                        + " resource group on the MySQL named in --config and set copy.resource.group where the roles"
                        + " run");
            }
            report = new Bench(FlipsideConfig.load(config), options, false, progress).run();
        } else {
            for (String o : mysqldOptions) {
                if (!o.startsWith("--")) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--mysqld-option: a mysqld option"
                            + " starts with --, as in --mysqld-option=--innodb-log-file-size=512M; got " + o);
                }
            }
            Path dir = Files.createTempDirectory("flipside-bench-");
            progress.say("bench: starting an embedded MySQL 8 and Kafka broker%s in %s",
                    brokerProcess ? " (in a JVM of its own)" : "", dir);
            try {
                if (brokerProcess) {
                    try (EmbeddedMySql mysql = EmbeddedMySql.start(dir.resolve("mysql"), mysqldOptions);
                            BrokerProcess broker = BrokerProcess.start(dir.resolve("kafka"))) {
                        report = runEmbedded(DevCommand.configFor(mysql, broker.bootstrapServers(), dir), mysql,
                                options, progress);
                    }
                } else {
                    try (EmbeddedStack stack = EmbeddedStack.start(dir, mysqldOptions)) {
                        report = runEmbedded(DevCommand.configFor(stack), stack.mysql(), options, progress);
                    }
                }
            } finally {
                deleteQuietly(dir);
            }
        }
        BenchTable.print(report, out);
        Path file = json.toAbsolutePath();
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), report);
        out.println("JSON report: " + file);
        out.flush();
        return report.errors().isEmpty() ? Main.OK : Main.FAILED;
    }

    /** The bench on an embedded MySQL and broker, with the roles in this JVM started on {@code base} and --set. */
    private BenchReport runEmbedded(FlipsideConfig base, EmbeddedMySql mysql, Bench.Options options,
            Bench.Progress progress) throws Exception {
        FlipsideConfig cfg = base;
        for (var e : settings.entrySet()) {
            try {
                cfg = cfg.with(e.getKey(), e.getValue());
            } catch (IllegalArgumentException ex) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--set " + e.getKey() + ": "
                        + ex.getMessage());
            }
            if (!cfg.unknownKeys().isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--set: unknown setting "
                        + cfg.unknownKeys());
            }
        }
        if (copyPriority != null || copyCpus != null) {
            cfg = cfg.with(FlipsideConfig.COPY_RESOURCE_GROUP.key(), copyGroup(mysql,
                    copyPriority == null ? 0 : copyPriority, copyCpus));
        }
        if (options.methods().contains("gh-ost")) {
            cfg = Bench.withPeerTablesExcluded(cfg, options.database());
        }
        try (Roles roles = Roles.start(cfg, EnumSet.allOf(Roles.Role.class))) {
            return new Bench(cfg, options, true, progress).run();
        }
    }

    /**
     * A resource group of {@code priority} on the embedded MySQL, on {@code cpus} (all when null), for the copy; its
     * name.
     */
    private static String copyGroup(EmbeddedMySql mysql, int priority, String cpus) throws java.sql.SQLException {
        String group = "flipside_copy";
        try (java.sql.Connection c = mysql.connect(); java.sql.Statement s = c.createStatement()) {
            // The priority is a checked int, the CPUs a checked list of numbers and ranges (call())
            io.flipside.testkit.ResourceGroups.recreate(s, group, priority, cpus, true);
        }
        return group;
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception ignored) {
            // a temporary directory; the OS cleans it eventually
        }
    }
}
