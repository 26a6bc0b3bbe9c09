package io.flipside.cli.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where the CPU went during a phase: this JVM's threads grouped by name (the capture, the applier, the copy, the
 * Kafka broker, the writers...), the mysqld process (and its threads by kind, when it can be asked their names), the
 * JVMs this one started (the writers' or the broker's, each by its main class), and the whole machine (so that what
 * other processes took, the noise of a shared machine, is visible). Thread CPU times are sampled every 250 ms so that
 * threads that end during the phase (the copy) are counted; a thread's CPU time before the phase started is not.
 */
final class CpuProfile implements AutoCloseable {
    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

    /** CPU seconds per component over a phase of {@code wallSeconds}. */
    record Result(double wallSeconds, double machineBusy, Double mysqld, double jvm, double otherProcesses,
            Map<String, Double> jvmThreads, Double jitSeconds, double gcPauseSeconds, Map<String, Double> mysqldThreads,
            Map<String, Double> childJvms) {}

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<Long, long[]> perThread = new HashMap<>(); // id -> {first cpu ns, last cpu ns}
    private final Map<Long, String> names = new HashMap<>();
    private final Map<String, long[]> vmThreadTicks = new HashMap<>(); // tid -> {first ticks, last ticks}
    private final Map<String, String> vmThreadKinds = new HashMap<>(); // tid -> kind, "" when not a JIT or GC thread
    private final Long mysqldPid;
    private final WriteLoad.Connector mysql; // names mysqld's threads; null: mysqld as one figure
    private final Map<String, long[]> mysqldTicks = new HashMap<>(); // tid -> {first ticks, last ticks}
    private final Map<String, String> mysqldGroups = new HashMap<>(); // tid -> group
    private final Map<Long, long[]> childTicks = new HashMap<>(); // pid -> {first ticks, last ticks}
    private final Map<Long, String> childNames = new HashMap<>(); // pid -> main class, "" when not a JVM of the bench
    private long lastNaming = System.nanoTime() - 2_000_000_000L;
    private Connection namer; // asks performance_schema for mysqld's thread names
    private final long t0 = System.nanoTime();
    private final long[] machine0;
    private final long mysqld0;
    private final long jvm0;
    private final long jit0;
    private final long gc0;
    private final Thread sampler;
    private volatile boolean stopping;
    private final boolean threadCpu;
    private boolean initialized;

    CpuProfile(Long mysqldPid) {
        this(mysqldPid, null);
    }

    /**
     * The same, with mysqld's CPU also given by thread kind when {@code mysql} reaches the local mysqld (named from
     * {@code performance_schema.threads}; see {@link #mysqldGroup}).
     */
    CpuProfile(Long mysqldPid, WriteLoad.Connector mysql) {
        this.mysqldPid = mysqldPid;
        this.mysql = mysql;
        this.threadCpu = threads.isThreadCpuTimeSupported();
        if (threadCpu && !threads.isThreadCpuTimeEnabled()) {
            threads.setThreadCpuTimeEnabled(true);
        }
        machine0 = machineTicks();
        mysqld0 = processTicks(mysqldPid);
        jvm0 = jvmCpuNanos();
        jit0 = jitMillis();
        gc0 = gcMillis();
        sample();
        sampler = new Thread(() -> {
            while (!stopping) {
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
                sample();
            }
        }, "bench-cpu-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    private synchronized void sample() {
        if (!threadCpu) {
            return;
        }
        long[] ids = threads.getAllThreadIds();
        ThreadInfo[] infos = threads.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            long cpu = threads.getThreadCpuTime(ids[i]);
            if (cpu < 0 || infos[i] == null) {
                continue;
            }
            if (!perThread.containsKey(ids[i])) {
                names.put(ids[i], group(infos[i].getThreadName()));
            }
            track(perThread, ids[i], cpu);
        }
        sampleVmThreads();
        sampleMysqldThreads();
        sampleChildJvms();
        initialized = true;
    }

    /**
     * Records a thread's CPU time counter: {first, last}. A thread first seen after the start counts from zero, since
     * it started during the phase.
     */
    private <K> void track(Map<K, long[]> counters, K thread, long value) {
        long[] seen = counters.get(thread);
        if (seen == null) {
            counters.put(thread, new long[] {initialized ? 0 : value, value});
        } else {
            seen[1] = value;
        }
    }

    /** The JVMs this one started ({@link ChildJvm}): the writers' and the broker's, when they run apart. */
    private void sampleChildJvms() {
        ProcessHandle.current().children().forEach(child -> {
            String name = childNames.computeIfAbsent(child.pid(), pid -> ChildJvm.mainClass(pid).orElse(""));
            long ticks = name.isEmpty() ? -1 : processTicks(child.pid()); // mysqld's wrapper, a peer tool: not read
            if (ticks >= 0) {
                track(childTicks, child.pid(), ticks);
            }
        });
    }

    /** mysqld's threads from /proc/PID/task, each named by kind once performance_schema shows it. */
    private void sampleMysqldThreads() {
        if (mysqldPid == null || mysql == null) {
            return;
        }
        try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(mysqldPid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String tid = task.getFileName().toString();
                long ticks;
                try {
                    ticks = ticks(Files.readString(task.resolve("stat")));
                } catch (IOException | RuntimeException e) {
                    continue; // ended while listed
                }
                track(mysqldTicks, tid, ticks);
            }
        } catch (IOException | RuntimeException e) {
            return; // no /proc, or mysqld gone
        }
        // A connection's thread idles in mysqld's thread cache, out of performance_schema.threads, between two
        // connections: it is named once a connection runs on it again. At most one query a second.
        boolean unnamed = mysqldTicks.keySet().stream().anyMatch(t -> !mysqldGroups.containsKey(t));
        if (unnamed && System.nanoTime() - lastNaming > 1_000_000_000L) {
            lastNaming = System.nanoTime();
            nameMysqldThreads();
        }
    }

    /** Names the threads performance_schema shows, on one connection kept for the phase (opened at first use). */
    private void nameMysqldThreads() {
        try {
            if (namer == null) {
                namer = mysql.connect();
            }
            try (Statement s = namer.createStatement();
                    ResultSet rs = s.executeQuery("SELECT THREAD_OS_ID, NAME, PROCESSLIST_COMMAND"
                            + " FROM performance_schema.threads WHERE THREAD_OS_ID IS NOT NULL")) {
                while (rs.next()) {
                    mysqldGroups.putIfAbsent(rs.getString(1), mysqldGroup(rs.getString(2), rs.getString(3)));
                }
            }
        } catch (SQLException e) {
            // no Performance Schema: the threads stay unnamed, counted as one remainder
            closeNamer();
        }
    }

    private synchronized void closeNamer() {
        if (namer != null) {
            try {
                namer.close();
            } catch (SQLException e) {
                // closing a connection the phase no longer needs
            }
            namer = null;
        }
    }

    static final String BINLOG_DUMP = "binlog dump (the capture's reader)";
    static final String CONNECTIONS = "client connections (statements)";

    /**
     * The kind of a mysqld thread from its {@code performance_schema.threads} name and command: a replica's (the
     * capture's) binlog dump, any other client connection, or the background thread's own name ("innodb/..." and
     * "sql/...", numbers folded).
     */
    static String mysqldGroup(String name, String command) {
        if (command != null && command.startsWith("Binlog Dump")) {
            return BINLOG_DUMP;
        }
        if (name == null) {
            return "(unnamed)";
        }
        if (name.equals("thread/sql/one_connection")) {
            return CONNECTIONS;
        }
        return group(name.startsWith("thread/") ? name.substring("thread/".length()) : name);
    }

    /**
     * The JIT compiler and GC threads of this JVM, which ThreadMXBean does not show: Linux names them in
     * /proc/self/task ("C2 CompilerThre", "G1 Conc#0", "GC Thread#1"). Nothing when /proc is not there.
     */
    private void sampleVmThreads() {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String tid = task.getFileName().toString();
                String kind = vmThreadKinds.get(tid);
                if (kind == null) {
                    kind = vmKind(Files.readString(task.resolve("comm")).trim());
                    vmThreadKinds.put(tid, kind);
                }
                if (kind.isEmpty()) {
                    continue;
                }
                track(vmThreadTicks, tid, ticks(Files.readString(task.resolve("stat"))));
            }
        } catch (IOException | RuntimeException e) {
            // a thread that ended while listed, or no /proc: the VM threads stay counted as one remainder
        }
    }

    /** Which kind of VM thread a Linux thread name is: JIT, GC, or "" for any other. */
    static String vmKind(String comm) {
        if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
            return JIT_THREADS;
        }
        if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
            return GC_THREADS;
        }
        return "";
    }

    static final String JIT_THREADS = "(JIT compiler threads)";
    static final String GC_THREADS = "(GC threads)";

    /** Stops sampling and returns the CPU seconds of each component. */
    Result stop() {
        stopping = true;
        sampler.interrupt();
        try {
            sampler.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample();
        closeNamer();
        double wall = (System.nanoTime() - t0) / 1e9;
        long[] machine1 = machineTicks();
        double busy = machine0 == null || machine1 == null ? -1 : (machine1[0] - machine0[0]) / (double) TICKS_PER_SECOND;
        long mysqld1 = processTicks(mysqldPid);
        Double mysqld = mysqld0 < 0 || mysqld1 < 0 ? null : (mysqld1 - mysqld0) / (double) TICKS_PER_SECOND;
        double jvm = (jvmCpuNanos() - jvm0) / 1e9;
        Map<String, Double> groups = new HashMap<>();
        synchronized (this) {
            for (Map.Entry<Long, long[]> e : perThread.entrySet()) {
                double s = (e.getValue()[1] - e.getValue()[0]) / 1e9;
                if (s > 0) {
                    groups.merge(names.get(e.getKey()), s, Double::sum);
                }
            }
        }
        double named = groups.values().stream().mapToDouble(Double::doubleValue).sum();
        double vm = 0;
        synchronized (this) {
            for (Map.Entry<String, long[]> e : vmThreadTicks.entrySet()) {
                double s = (e.getValue()[1] - e.getValue()[0]) / (double) TICKS_PER_SECOND;
                if (s > 0) {
                    groups.merge(vmThreadKinds.get(e.getKey()), s, Double::sum);
                    vm += s;
                }
            }
        }
        if (jvm - named - vm > 0.01) {
            groups.put(vm > 0 ? "(other VM threads)" : "(GC, JIT and other VM threads)", jvm - named - vm);
        }
        Map<String, Double> top = new LinkedHashMap<>();
        groups.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(12)
                .forEach(e -> top.put(e.getKey(), Bench.round(e.getValue(), 2)));
        double other = busy < 0 ? -1 : Math.max(0, busy - jvm - (mysqld == null ? 0 : mysqld));
        Map<String, Double> children = new LinkedHashMap<>();
        synchronized (this) {
            childTicks.forEach((pid, t) -> children.merge(childNames.get(pid),
                    (t[1] - t[0]) / (double) TICKS_PER_SECOND, Double::sum));
        }
        children.replaceAll((k, v) -> Bench.round(v, 2));
        long jit1 = jitMillis();
        return new Result(Bench.round(wall, 2), Bench.round(busy, 2), mysqld == null ? null : Bench.round(mysqld, 2),
                Bench.round(jvm, 2), Bench.round(other, 2), top, jit0 < 0 || jit1 < 0 ? null
                        : Bench.round((jit1 - jit0) / 1e3, 2), Bench.round((gcMillis() - gc0) / 1e3, 2),
                mysqldTop(), children);
    }

    /** mysqld's CPU-s by thread kind over the phase, busiest first; empty when its threads were not named. */
    private synchronized Map<String, Double> mysqldTop() {
        Map<String, Double> groups = new HashMap<>();
        for (Map.Entry<String, long[]> e : mysqldTicks.entrySet()) {
            double s = (e.getValue()[1] - e.getValue()[0]) / (double) TICKS_PER_SECOND;
            if (s > 0) {
                groups.merge(mysqldGroups.getOrDefault(e.getKey(), "(unnamed)"), s, Double::sum);
            }
        }
        if (mysqldGroups.isEmpty()) {
            return Map.of();
        }
        Map<String, Double> top = new LinkedHashMap<>();
        groups.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(12)
                .forEach(e -> top.put(e.getKey(), Bench.round(e.getValue(), 2)));
        return top;
    }

    /** The JIT compilers' accumulated time (summed over compiler threads), or -1 when the JVM does not say. */
    private static long jitMillis() {
        var jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    /** The garbage collectors' accumulated collection time (G1: the pauses). */
    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(g -> Math.max(0, g.getCollectionTime()))
                .sum();
    }

    @Override
    public void close() {
        stopping = true;
        sampler.interrupt();
        try {
            sampler.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeNamer();
    }

    /** A thread name with its numbers and ids folded, so that the threads of one kind add up. */
    static String group(String name) {
        String g = name.replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "#")
                .replaceAll("(?<![0-9a-z])[0-9a-f]{8}(?![0-9a-z])", "#").replaceAll("\\d+", "#")
                .replace("#.#.#.#:#", "#");
        return g.length() > 60 ? g.substring(0, 60) : g;
    }

    private static long jvmCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    /** Busy ticks of the whole machine (everything but idle and iowait), or null when /proc/stat is not there. */
    private static long[] machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return new long[] {busy};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** utime + stime of a process in ticks, or -1. */
    private static long processTicks(Long pid) {
        if (pid == null) {
            return -1;
        }
        try {
            return ticks(Files.readString(Path.of("/proc", String.valueOf(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** utime + stime, in ticks, from the text of a /proc stat file (of a process or a thread). */
    private static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split("\\s+");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** The pid of the local mysqld listening on {@code port}, found in /proc; null when there is none. */
    static Long findMysqld(int port) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String n = p.getFileName().toString();
                if (!n.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                List<String> cmd = ChildJvm.commandLine(Long.parseLong(n)); // empty: gone, or not ours
                if (cmd.stream().anyMatch(a -> a.contains("mysqld")) && cmd.contains("--port=" + port)) {
                    return Long.parseLong(n);
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** Formats a result on one line: the biggest consumers first. */
    static String describe(Result r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(java.util.Locale.ROOT, "%.1f s wall: machine %.1f CPU-s (mysqld %s, this JVM %.1f, other"
                + " processes %.1f", r.wallSeconds(), r.machineBusy(), r.mysqld() == null ? "?"
                        : String.format(java.util.Locale.ROOT, "%.1f", r.mysqld()), r.jvm(), r.otherProcesses()));
        if (!r.childJvms().isEmpty()) {
            b.append(", of them the bench's other JVMs: ").append(r.childJvms().entrySet().stream()
                    .map(e -> e.getKey() + String.format(java.util.Locale.ROOT, " %.1f", e.getValue()))
                    .collect(java.util.stream.Collectors.joining(", ")));
        }
        b.append(')');
        if (r.jitSeconds() != null) {
            b.append(String.format(java.util.Locale.ROOT, "; JIT compiling %.1f s, GC pauses %.1f s", r.jitSeconds(),
                    r.gcPauseSeconds()));
        }
        List<Map.Entry<String, Double>> top = r.jvmThreads().entrySet().stream().limit(6).toList();
        if (!top.isEmpty()) {
            b.append("; JVM threads: ");
            for (int i = 0; i < top.size(); i++) {
                b.append(i == 0 ? "" : ", ").append(top.get(i).getKey()).append(' ')
                        .append(String.format(java.util.Locale.ROOT, "%.1f", top.get(i).getValue()));
            }
        }
        return b.toString();
    }
}
