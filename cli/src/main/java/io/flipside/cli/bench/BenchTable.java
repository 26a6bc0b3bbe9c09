package io.flipside.cli.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Prints a {@link BenchReport} as one table: absolute times, their ratio to native COPY, and the writers' view. */
public final class BenchTable {
    private static final String ROW = "%-46s %10s %7s | %8s %8s %8s %8s %9s %6s | %-16s %s%n";
    /** The note of a freeze's longest write (the bench's window: while writes were held). */
    private static final String SEEN = "as the writers saw it (0: no write in flight)";

    private BenchTable() {}

    public static void print(BenchReport r, PrintWriter out) {
        BenchReport.Machine m = r.machine();
        BenchReport.Settings s = r.settings();
        out.println();
        out.printf(Locale.ROOT, "Flipside benchmark: %,d sysbench rows; %s%n", s.rows(), String.join(", ", s.alters()));
        out.printf(Locale.ROOT, "machine: %d cores, %,d MB, %s, %s, JVM max heap %d MB, MySQL %s (buffer pool %s MB,"
                + " redo log %s MB, adaptive hash index %s, sync_binlog %s, flush_log_at_trx_commit %s)%n", m.cores(),
                m.memoryMb(), m.os(), m.jvm(), m.jvmMaxHeapMb(), m.mysqlVersion(),
                mb(m.mysqlSettings().get("innodb_buffer_pool_size")), redoMb(m.mysqlSettings()),
                "1".equals(m.mysqlSettings().get("innodb_adaptive_hash_index")) ? "ON" : "OFF",
                m.mysqlSettings().get("sync_binlog"), m.mysqlSettings().get("innodb_flush_log_at_trx_commit"));
        out.printf(Locale.ROOT, "load average: %s at the start, %s at the end; run took %.0f s%n",
                m.loadAverageAtStart(), m.loadAverageAtEnd(), r.totalSeconds());
        out.printf(Locale.ROOT, "load scenario: %d writes/s from %d writers%s%s; Flipside: %s%s%n", s.rate(),
                s.writers(), s.writersProcess() ? " in a JVM of their own" : "",
                s.brokerProcess() ? "; the Kafka broker in a JVM of its own" : "", s.flipside(),
                s.revertEarly() ? "; reverted without waiting for the cut-over's checksum" : "");
        for (String n : r.notes()) {
            out.println("  - " + n);
        }
        out.println();
        out.println("writes/s ... failed: the background writers during that time (load only); CPU-s: CPU seconds"
                + " used meanwhile by mysqld / this JVM / other processes on the machine");
        out.printf(Locale.ROOT, ROW, "measurement", "time", "x COPY", "writes/s", "p50 ms", "p95 ms", "p99 ms",
                "max ms", "failed", "CPU-s my/jvm/oth", "note");
        out.println("-".repeat(170));
        for (BenchReport.Scenario sc : r.results()) {
            out.printf(Locale.ROOT, "%s, %s%s%n", sc.alter(), sc.scenario().equals("load")
                    ? "under load (" + s.rate() + " writes/s)" : "idle", s.repeat() > 1 ? ", round " + sc.round() : "");
            if (sc.baseline() != null) {
                row(out, "  writers alone, no schema change (" + s.baselineSeconds() + " s)", null, sc.baseline(), null,
                        "");
            }
            for (BenchReport.Method me : sc.methods()) {
                String note = me.reason() != null ? me.reason() : me.note() == null ? "" : me.note();
                BenchReport.Time t = me.seconds() == null ? null
                        : new BenchReport.Time(me.seconds() * 1000, me.ratioToCopy());
                row(out, "  " + me.label(), t, me.writers(), me.cpu(), t == null && note.isEmpty() ? "no time" : note);
            }
            if (sc.flipside() != null) {
                flipside(out, sc.flipside());
            }
        }
        out.println("-".repeat(170));
        if (s.repeat() > 1) {
            summary(out, r);
        }
        if (!r.errors().isEmpty()) {
            out.println("errors:");
            r.errors().forEach(e -> out.println("  " + e));
        }
        out.flush();
    }

    /** The medians over the rounds: one line per figure, with each round's ratio. */
    private static void summary(PrintWriter out, BenchReport r) {
        out.printf(Locale.ROOT, "medians over %d rounds (ratios to each round's own native COPY, unless named):%n",
                r.settings().repeat());
        String last = null;
        for (BenchReport.Summary x : r.summary()) {
            String where = x.alterKey() + ", " + x.scenario();
            if (!where.equals(last)) {
                out.printf(Locale.ROOT, "%s%n", where);
                last = where;
            }
            out.printf(Locale.ROOT, "  %-52s %9s  %6.2f  (%.2f-%.2f; rounds: %s)%n", x.label(),
                    x.medianSeconds() == null ? "" : String.format(Locale.ROOT, "%.2f s", x.medianSeconds()),
                    x.medianRatio(), x.minRatio(), x.maxRatio(), x.ratios().stream()
                            .map(v -> String.format(Locale.ROOT, "%.2f", v)).toList());
        }
    }

    static void flipside(PrintWriter out, BenchReport.FlipsideFigures f) {
        String p = "    Flipside ";
        if (f.migrationByFlipside() != null) {
            line(out, p + "migration as journalled", f.migrationByFlipside(), "submittedAt to cutOverAt, " + f.migrationId());
        }
        if (f.copy() != null) {
            line(out, p + "copy", f.copy(), String.format(Locale.ROOT, "%,d rows in %d chunks, %,.0f rows/s",
                    f.rowsCopied(), f.chunks(), f.copyRowsPerSecond()));
        }
        if (f.deferredIndexes() != null) {
            line(out, p + "indexes built after the copy", f.deferredIndexes(), "");
        }
        if (f.copyRested() != null) {
            line(out, p + "copy resting between chunks", f.copyRested(),
                    "part of the copy's time (copy.rest.percent, throttle --rest-percent)");
        }
        if (f.applyEvents() != null) {
            line(out, p + "apply (forward)", null, f.applyEvents() == 0 ? "no changes to apply"
                    : String.format(Locale.ROOT, "%,d events, %,.0f events/s over submit to cut-over, best 1 s %s",
                            f.applyEvents(), f.applyEventsPerSecond(), f.applyEventsPerSecondBest1s() == null ? "-"
                                    : String.format(Locale.ROOT, "%,.0f/s", f.applyEventsPerSecondBest1s())));
        }
        if (f.applyLagP99Ms() != null) {
            line(out, p + "apply lag (forward)", null, String.format(Locale.ROOT, "p50 %.0f ms, p99 %.0f ms, max %.0f ms",
                    f.applyLagP50Ms(), f.applyLagP99Ms(), f.applyLagMaxMs()));
        }
        if (f.cpuMigration() != null) {
            row(out, p + "CPU, submit to cut-over", null, null, f.cpuMigration(), threads(f.cpuMigration()));
        }
        statements(out, p + "MySQL time by statement", f.mysqlStatementsMigration());
        if (f.cutOverFreeze() != null) {
            line(out, p + "cut-over: writes held", f.cutOverFreeze(), "as Flipside measured it");
        }
        if (f.cutOverFreezeSeenByWriters() != null) {
            line(out, p + "cut-over: longest write", f.cutOverFreezeSeenByWriters(), SEEN);
        }
        if (f.checksumAfterCutOver() != null) {
            line(out, p + "cut-over checksum verdict", f.checksumAfterCutOver(), "after the cut-over");
        }
        if (f.revertToOldSchemaServing() != null || f.revertToReverted() != null) {
            line(out, p + "revert command to old schema", f.revertToOldSchemaServing(),
                    (f.revertedEarly() ? "sent as soon as CUT_OVER was seen; " : "") + "polled in information_schema"
                            + (f.revertToOldSchemaServingByFlipside() == null ? "" : String.format(Locale.ROOT,
                                    "; Flipside's figure %.0f ms", f.revertToOldSchemaServingByFlipside().ms())));
            line(out, p + "revert command to REVERTED", f.revertToReverted(), "state topic");
            line(out, p + "revert: writes held", f.revertFreeze(), "as Flipside measured it");
        }
        if (f.revertFreezeSeenByWriters() != null) {
            line(out, p + "revert: longest write", f.revertFreezeSeenByWriters(), SEEN);
        }
        if (f.freezes() != null && f.freezes().swaps() > 2) {
            BenchReport.Freezes z = f.freezes();
            line(out, p + "freezes: writes held, " + z.swaps() + " swaps", null, String.format(Locale.ROOT,
                    "p50 %.0f ms, p99 %.0f ms, max %.0f ms (the swap cycles: --swap-cycles)", z.heldP50Ms(),
                    z.heldP99Ms(), z.heldMaxMs()));
            if (z.seenP99Ms() != null) {
                line(out, p + "freezes: longest write, " + z.swaps() + " swaps", null, String.format(Locale.ROOT,
                        "p50 %.1f ms, p99 %.1f ms, max %.1f ms, as the writers saw them", z.seenP50Ms(),
                        z.seenP99Ms(), z.seenMaxMs()));
            }
        }
        if (f.writersDuringSwaps() != null) {
            row(out, p + "writers, during the swap cycles", null, f.writersDuringSwaps(), null, "");
        }
        if (f.slowestWritesDuringSwaps() != null && !f.slowestWritesDuringSwaps().isEmpty()) {
            List<String> slow = new ArrayList<>();
            for (BenchReport.SlowWrite w : f.slowestWritesDuringSwaps()) {
                slow.add(String.format(Locale.ROOT, "%.1f ms at %s (%s)", w.ms(), w.startedAt(),
                        w.swap() == null ? "in no freeze" : "in the freeze of swap " + (w.swap() + 1)));
            }
            line(out, p + "longest writes, swap cycles", null, String.join("; ", slow));
        }
        if (f.writersWhileReady() != null) {
            row(out, p + "writers, held in READY", null, f.writersWhileReady(), null,
                    "the copy done, replication only (--hold-ready-seconds)");
        }
        if (f.writersThroughRevert() != null) {
            row(out, p + "writers, submit to REVERTED", null, f.writersThroughRevert(), null, "");
        }
        if (f.burst() != null) {
            BenchReport.Burst b = f.burst();
            line(out, p + "burst of row events", b.applySeconds() == null ? null
                    : new BenchReport.Time(b.applySeconds() * 1000, null), b.reason() != null ? b.reason()
                    : String.format(Locale.ROOT, "%,d events (one UPDATE, %.2f s in MySQL) after the revert: published"
                            + " in %.2f s, applied in %.2f s = %,.0f events/s%s", b.events(), b.updateSeconds(),
                            b.captureSeconds() == null ? -1 : b.captureSeconds(), b.applySeconds(),
                            b.eventsPerSecond(), b.drainPerSecond() == null ? "" : String.format(Locale.ROOT,
                                    "; the %,d left when the capture was done at %,.0f/s", b.drainEvents(),
                                    b.drainPerSecond())));
        }
        if (f.cpuBurst() != null) {
            row(out, p + "CPU during the burst", null, null, f.cpuBurst(), threads(f.cpuBurst()));
        }
        statements(out, p + "MySQL time by statement", f.mysqlStatementsBurst());
        if (f.stream() != null && !f.stream().measured()) {
            line(out, p + "steady stream of row events", null, String.format(Locale.ROOT, "%,d/s asked for %d s: %s",
                    f.stream().askedPerSecond(), f.stream().seconds(), f.stream().reason()));
        } else if (f.stream() != null) {
            BenchReport.Stream st = f.stream();
            line(out, p + "steady stream of row events", null, String.format(Locale.ROOT, "%,d/s asked for %d s"
                    + " (UPDATEs of %d rows%s): MySQL made %,.0f/s, applied %,.0f/s meanwhile, at most %,d behind; %s",
                    st.askedPerSecond(), st.seconds(), st.rowsPerStatement(),
                    st.connections() > 1 ? " on " + st.connections() + " connections" : "", st.madePerSecond(),
                    st.appliedPerSecond(),
                    st.maxBacklog(), st.tailSeconds() == null ? st.reason() : String.format(Locale.ROOT,
                            "the last applied %.2f s after the stream", st.tailSeconds())));
            row(out, p + "CPU during the stream", null, null, st.cpu(), threads(st.cpu()));
            statements(out, p + "MySQL time by statement", st.mysqlStatements());
        }
        if (f.complete() != null) {
            line(out, p + "complete command to COMPLETED", f.complete(), "");
        }
        if (f.writersDuringComplete() != null) {
            row(out, p + "writers during the complete", null, f.writersDuringComplete(), null, "");
        }
        if (f.peakHeapMb() != null) {
            line(out, p + "JVM peak heap", null, String.format(Locale.ROOT, "%.0f MB in use at most (when a GC began);"
                    + " at most %s MB in use after a GC (upper bounds: this JVM also hosts the other roles, and the"
                    + " broker and the writers unless --broker-process, --writers-process)", f.peakHeapMb(),
                    f.maxHeapAfterGcMb() == null ? "?" : String.format(Locale.ROOT, "%.0f", f.maxHeapAfterGcMb())));
        }
        if (f.checksums() != null && f.checksums().size() > 2) {
            List<String> mismatches = f.checksums().stream().filter(c -> !c.contains(": matched")).toList();
            line(out, p + "freeze-point checksums", null, String.format(Locale.ROOT, "%d of %d matched%s",
                    f.checksums().size() - mismatches.size(), f.checksums().size(),
                    mismatches.isEmpty() ? "" : "; " + String.join("; ", mismatches)));
        } else if (f.checksums() != null && !f.checksums().isEmpty()) {
            line(out, p + "freeze-point checksums", null, String.join("; ", f.checksums()));
        }
        if (f.reason() != null) {
            line(out, p + "outcome", null, f.reason());
        }
    }

    private static void statements(PrintWriter out, String label, List<String> lines) {
        if (lines == null) {
            return;
        }
        for (int i = 0; i < lines.size(); i++) {
            line(out, i == 0 ? label : "", null, lines.get(i));
        }
    }

    private static String threads(BenchReport.Cpu c) {
        String jvm = "busiest JVM threads (CPU-s): " + busiest(c.jvmThreads(), 6);
        return c.mysqldThreads() == null || c.mysqldThreads().isEmpty() ? jvm
                : jvm + "; mysqld's (CPU-s): " + busiest(c.mysqldThreads(), 5);
    }

    /** The first {@code n} entries of a busiest-first map, as "name seconds, ...". */
    private static String busiest(Map<String, Double> cpuSeconds, int n) {
        StringBuilder b = new StringBuilder();
        int i = 0;
        for (var e : cpuSeconds.entrySet()) {
            if (i++ == n) {
                break;
            }
            b.append(i == 1 ? "" : ", ").append(e.getKey()).append(' ')
                    .append(String.format(Locale.ROOT, "%.1f", e.getValue()));
        }
        return b.toString();
    }

    private static String cpu(BenchReport.Cpu c) {
        if (c == null) {
            return "";
        }
        return String.format(Locale.ROOT, "%s/%.1f/%.1f", c.mysqld() == null ? "?"
                : String.format(Locale.ROOT, "%.1f", c.mysqld()), c.jvm(), c.otherProcesses());
    }

    private static void line(PrintWriter out, String label, BenchReport.Time t, String note) {
        row(out, label, t, null, null, note);
    }

    private static void row(PrintWriter out, String label, BenchReport.Time t, BenchReport.Writers w,
            BenchReport.Cpu c, String note) {
        out.printf(Locale.ROOT, ROW, label, t == null ? "-" : time(t.ms()),
                t == null || t.ratioToCopy() == null ? "" : String.format(Locale.ROOT, "%.2f", t.ratioToCopy()),
                w == null ? "" : String.format(Locale.ROOT, "%.0f", w.writesPerSecond()),
                w == null ? "" : ms(w.p50Ms()), w == null ? "" : ms(w.p95Ms()), w == null ? "" : ms(w.p99Ms()),
                w == null ? "" : ms(w.maxMs()), w == null ? "" : String.valueOf(w.failed()), cpu(c),
                note == null ? "" : note);
    }

    static String time(double ms) {
        if (ms >= 10_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000);
        }
        if (ms >= 1_000) {
            return String.format(Locale.ROOT, "%.2f s", ms / 1000);
        }
        return String.format(Locale.ROOT, "%.0f ms", ms);
    }

    private static String ms(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    /** The redo log's capacity: innodb_redo_log_capacity where the server has it, else files × file size. */
    private static String redoMb(Map<String, String> settings) {
        if (settings.get("innodb_redo_log_capacity") != null) {
            return mb(settings.get("innodb_redo_log_capacity"));
        }
        try {
            return String.valueOf(Long.parseLong(settings.get("innodb_log_files_in_group"))
                    * Long.parseLong(settings.get("innodb_log_file_size")) / (1024 * 1024));
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private static String mb(String bytes) {
        try {
            return String.valueOf(Long.parseLong(bytes) / (1024 * 1024));
        } catch (RuntimeException e) {
            return bytes;
        }
    }
}
