package io.flipside.cli.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * Everything one run of the benchmark measured; written as JSON ({@code --json}) and printed as one table. Times are
 * absolute; every time also has its ratio to native {@code ALTER TABLE ... ALGORITHM=COPY} measured for the same ALTER
 * in the same scenario of the same run ({@code ratioToCopy}, null when that could not be measured). A method that was
 * not run or did not finish has no time and says why ({@code reason}).
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record BenchReport(Machine machine, Settings settings, String startedAt, String finishedAt,
        double totalSeconds, List<String> notes, List<Scenario> results, List<Summary> summary, List<String> errors) {

    /**
     * Where it ran. {@code jvmMaxHeapMb} is this JVM's -Xmx; the JVM also hosts the embedded Kafka broker unless it
     * ran in a JVM of its own ({@link Settings#brokerProcess}).
     */
    public record Machine(int cores, long memoryMb, String os, String kernel, String jvm, long jvmMaxHeapMb,
            String mysqlVersion, Map<String, String> mysqlSettings, String loadAverageAtStart, String loadAverageAtEnd) {}

    /** The options of the run, and the Flipside settings that shape the figures. */
    public record Settings(long rows, int rate, int writers, List<String> scenarios, List<String> alters,
            List<String> methods, int baselineSeconds, int timeoutSeconds, long burstRows, String database,
            boolean embeddedStack, boolean revertEarly, long warmupRows, int repeat, int holdReadySeconds,
            int swapCycles, int streamEventsPerSecond, int streamSeconds, int streamConnections,
            boolean writersProcess, boolean brokerProcess, Map<String, String> flipside) {}

    /** One ALTER in one scenario, in one round ({@code --repeat}): every method on its own fresh copy of the table. */
    public record Scenario(String alterKey, String alter, String scenario, int round, Double nativeCopySeconds,
            Writers baseline, List<Method> methods, FlipsideFigures flipside) {}

    /**
     * One method's result. {@code seconds} is how long the schema change took (for Flipside: from the submit to the
     * cut-over), or null with {@code reason}. {@code writers}: what the background writers saw while it ran (load
     * scenario only).
     */
    public record Method(String id, String label, Double seconds, Double ratioToCopy, String reason, Writers writers,
            Cpu cpu, String note) {}

    /**
     * CPU seconds spent during a phase of {@code wallSeconds}: by the whole machine (busy time of all cores), mysqld,
     * this JVM, and every other process (the noise of a shared machine); this JVM's busiest thread groups; how long
     * the JIT compilers worked (summed over their threads) and the garbage collector paused, in this JVM; and mysqld's
     * busiest thread kinds (the capture's binlog dump, client connections, InnoDB's background threads), when the
     * bench's mysqld is local; and of the other processes, the JVMs the bench started ({@code --writers-process},
     * {@code --broker-process}), by main class.
     */
    public record Cpu(double wallSeconds, double machineBusy, Double mysqld, double jvm, double otherProcesses,
            Map<String, Double> jvmThreads, Double jitCompilingSeconds, double gcPauseSeconds,
            Map<String, Double> mysqldThreads, Map<String, Double> childJvms) {
        static Cpu of(CpuProfile.Result r) {
            return r == null ? null : new Cpu(r.wallSeconds(), r.machineBusy(), r.mysqld(), r.jvm(), r.otherProcesses(),
                    r.jvmThreads(), r.jitSeconds(), r.gcPauseSeconds(), r.mysqldThreads(), r.childJvms());
        }
    }

    /** The background writers over a window: achieved rate, latency percentiles of single writes, failures. */
    public record Writers(double seconds, long writes, long failed, double writesPerSecond, double p50Ms, double p95Ms,
            double p99Ms, double maxMs) {
        static Writers of(WriteLoad.Stats s) {
            return s == null ? null : new Writers(s.seconds(), s.writes(), s.failed(), s.writesPerSecond(), s.p50Ms(),
                    s.p95Ms(), s.p99Ms(), s.maxMs());
        }
    }

    /** A duration in milliseconds with its ratio to native ALGORITHM=COPY; null when not measured. */
    public record Time(double ms, Double ratioToCopy) {}

    /**
     * Flipside's own figures for one migration. Times (milliseconds, with ratios): the migration as the bench saw it
     * (submit command to CUT_OVER state) and as Flipside recorded it (submittedAt to cutOverAt); the copy, and the
     * secondary indexes built after it ({@code copy.defer.indexes}; null when none were deferred), and the part of
     * the copy spent resting between chunks ({@code copy.rest.percent}; null when it did not rest); each freeze
     * as Flipside measured it (writes held) and as the writers saw it (load only: the longest write in flight while
     * writes were held, from the moment the applier asked for the locks, as journalled; 0 when none was); the revert
     * command to the old schema serving (polled in information_schema) and to the REVERTED state; the complete
     * command to COMPLETED. Rates: copy rows/s (rowsCopied / copyMillis), apply events/s (forward changes applied /
     * the time from submit to cut-over, and the best one-second rate seen), apply lag p50/p99/max (forward,
     * Micrometer's {@code flipside.apply.lag}). Burst: one UPDATE of {@code burst.events} rows after the revert
     * (forward replication), timed from its commit until the capture had published it and until the applier had
     * applied it. Peak heap: the most in use since the migration was submitted, when a garbage collection began,
     * garbage counted (this JVM also runs the other roles, and the embedded Kafka broker and the writers unless they
     * run apart); the largest heap in use right after a collection is closer to what stayed live. Writers: over submit
     * to REVERTED (the bench's own burst excluded), and during the complete. CPU: where the CPU went during the
     * migration (submit to cut-over) and during the burst (from the UPDATE's commit), and MySQL's busiest statements
     * meanwhile (Performance Schema digests). Swaps: every freeze of the migration, in order ({@code --swap-cycles}
     * adds cycles of a cut-over and a revert after the first revert, before the burst), and the writers over those
     * cycles; freezes: their percentiles.
     */
    public record FlipsideFigures(String migrationId, String outcome, Time migration, Time migrationByFlipside,
            Long rowsCopied, Long chunks, Time copy, Double copyRowsPerSecond, Time deferredIndexes, Time copyRested,
            Long applyEvents, Double applyEventsPerSecond, Double applyEventsPerSecondBest1s, Double applyLagP50Ms,
            Double applyLagP99Ms, Double applyLagMaxMs, Time cutOverFreeze, Time cutOverFreezeSeenByWriters, Time checksumAfterCutOver,
            Time revertToOldSchemaServing, Time revertToOldSchemaServingByFlipside, Time revertToReverted,
            Time revertFreeze, Time revertFreezeSeenByWriters, Burst burst, Stream stream, Time complete,
            List<String> checksums,
            Double peakHeapMb, Double maxHeapAfterGcMb, Writers writersThroughRevert, Writers writersDuringComplete,
            Writers writersWhileReady, Cpu cpuMigration, Cpu cpuBurst, List<String> mysqlStatementsMigration,
            List<String> mysqlStatementsBurst, boolean revertedEarly, List<Swap> swaps, Freezes freezes,
            Writers writersDuringSwaps, List<SlowWrite> slowestWritesDuringSwaps, String reason) {}

    /**
     * One of the writers' longest writes during the swap cycles: when it started (this machine's clock, ISO-8601, to
     * find in the logs), how long it took, and the swap (its index in {@code swaps}) whose freeze it overlapped, or null
     * when it overlapped none: then something else held it.
     */
    public record SlowWrite(String startedAt, double ms, Integer swap) {}

    /**
     * One swap of a migration, in order: the first cut-over, the first revert, then those of {@code --swap-cycles}.
     * {@code heldMs}: how long Flipside held writes; {@code seenMs}: the longest write in flight meanwhile, as the
     * writers saw it (load only, else null); {@code startedAt}: when it asked for the locks (epoch ms, as journalled;
     * null from an applier that did not journal it).
     */
    public record Swap(String kind, long heldMs, Double seenMs, Long startedAt) {}

    /**
     * The freezes of one migration ({@link Swap}s), by the nearest rank: writes held as Flipside measured them, and the
     * longest write in flight meanwhile as the writers saw it (null without writers).
     */
    public record Freezes(int swaps, double heldP50Ms, double heldP99Ms, double heldMaxMs, Double seenP50Ms,
            Double seenP99Ms, Double seenMaxMs) {
        static Freezes of(List<Swap> swaps) {
            if (swaps.isEmpty()) {
                return null;
            }
            double[] held = swaps.stream().mapToDouble(Swap::heldMs).sorted().toArray();
            double[] seen = swaps.stream().filter(x -> x.seenMs() != null).mapToDouble(Swap::seenMs).sorted().toArray();
            boolean writers = seen.length == swaps.size();
            return new Freezes(swaps.size(), at(held, 0.5), at(held, 0.99), held[held.length - 1],
                    writers ? at(seen, 0.5) : null, writers ? at(seen, 0.99) : null,
                    writers ? seen[seen.length - 1] : null);
        }

        private static double at(double[] sorted, double p) {
            return sorted[Bench.nearestRank(sorted.length, p)];
        }
    }

    /**
     * One figure of one ALTER and scenario over the rounds that measured it: each round's ratio (to that round's own
     * native COPY, unless {@code label} names another reference), their median and range, and the median time in
     * seconds where the figure is a time. With one round, the median is that round's figure.
     */
    public record Summary(String alterKey, String scenario, String id, String label, int rounds, Double medianSeconds,
            double medianRatio, double minRatio, double maxRatio, List<Double> ratios) {}

    /**
     * A burst of row events applied by forward replication after the revert: {@code updateSeconds} is how long MySQL
     * took for the UPDATE that made them (send to commit), the reference for the apply's time. {@code drainEvents}
     * were still to apply when the capture had published the whole burst, and were applied at
     * {@code drainPerSecond} with the capture idle: the apply's own rate from a backlog (null when that backlog was
     * under a tenth of the burst, too few to time).
     */
    public record Burst(long events, Double updateSeconds, Double captureSeconds, Double applySeconds,
            Double eventsPerSecond, Long drainEvents, Double drainPerSecond, String reason) {}

    /**
     * A steady stream of row events through forward replication after the burst ({@link EventStream}): asked
     * {@code askedPerSecond} for {@code seconds}, in UPDATEs of {@code rowsPerStatement} rows; MySQL made {@code
     * events} at {@code madePerSecond}; the applier applied {@code appliedPerSecond} of them while the stream ran (the
     * events it applied, less the background writers' rows meanwhile); the most events made (the writers' included)
     * and not yet applied at a one-second sample, and how long after the stream's end the last was applied ({@code
     * tailSeconds}, null with {@code reason} when not within the timeout); where the CPU and MySQL's time went
     * meanwhile.
     */
    public record Stream(int askedPerSecond, int seconds, int connections, int rowsPerStatement, long events,
            double madePerSecond,
            double appliedPerSecond, long maxBacklog, Double tailSeconds, Cpu cpu, List<String> mysqlStatements,
            String reason) {

        /** A stream asked for and not run, for {@code reason}: no figure, only the reason. */
        static Stream notMeasured(int askedPerSecond, int seconds, int connections, String reason) {
            return new Stream(askedPerSecond, seconds, connections, 0, 0, 0, 0, 0, null, null, List.of(), reason);
        }

        /** Whether the stream ran (false: {@link #notMeasured}, and {@code reason} says why). */
        public boolean measured() {
            return rowsPerStatement > 0;
        }
    }
}
