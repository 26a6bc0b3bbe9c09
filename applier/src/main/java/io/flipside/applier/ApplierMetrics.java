package io.flipside.applier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The applier's meters, in Micrometer's global registry (tags: the migration id, and the direction or phase). When a
 * migration's worker ends they stay registered with their last values for {@link #KEPT} (the gauges hold their state
 * strongly, so a finished migration reads 0, not NaN), long enough for a scraper to see the final values, and are then
 * removed, so that an applier running for months does not accumulate series. A worker started again for the same
 * migration in the same process (the migrations moved to another applier and back) gets fresh meters: the previous
 * worker's are removed first, or its gauges would go on reporting the state it left.
 *
 * <ul>
 *   <li>{@code flipside.apply.lag}: for every applied change, from its commit on the serving table to the commit of
 *       its projection (p50, p99 published).</li>
 *   <li>{@code flipside.apply.events}, {@code flipside.copy.rows}: counts.</li>
 *   <li>{@code flipside.freeze}: how long writes were held at each swap (phase cutover or revert).</li>
 *   <li>{@code flipside.copy.throttled}: 1 while the copy waits on a throttle threshold.</li>
 *   <li>{@code flipside.revert.ready}: 1 while a revert would be accepted and its freeze would be short: the migration
 *       is cut over and revertible, and the old table is kept in step to within cutover.catchup.max.lag.ms.</li>
 * </ul>
 */
final class ApplierMetrics {
    /** How long a finished migration's meters stay. */
    static final Duration KEPT = Duration.ofMinutes(5);
    private static final Map<String, ApplierMetrics> LIVE = new HashMap<>();
    private static final ScheduledExecutorService REMOVER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "flipside-metrics-remover");
        t.setDaemon(true);
        return t;
    });

    private final String migrationId;
    private final List<Meter> meters = new ArrayList<>();
    private final Timer lagForward;
    private final Timer lagInverse;
    private final Counter eventsForward;
    private final Counter eventsInverse;
    private final Counter rowsCopied;
    private final Timer freezeCutOver;
    private final Timer freezeRevert;
    private final java.util.concurrent.atomic.AtomicInteger throttled = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger revertReady = new java.util.concurrent.atomic.AtomicInteger();

    ApplierMetrics(String migrationId) {
        this.migrationId = migrationId;
        synchronized (LIVE) {
            ApplierMetrics previous = LIVE.put(migrationId, this);
            if (previous != null) {
                previous.removeNow();
            }
        }
        MeterRegistry r = Metrics.globalRegistry;
        lagForward = lag(r, migrationId, "forward");
        lagInverse = lag(r, migrationId, "inverse");
        eventsForward = Counter.builder("flipside.apply.events").tag("migration", migrationId)
                .tag("direction", "forward").description("Changes applied").register(r);
        eventsInverse = Counter.builder("flipside.apply.events").tag("migration", migrationId)
                .tag("direction", "inverse").description("Changes applied").register(r);
        rowsCopied = Counter.builder("flipside.copy.rows").tag("migration", migrationId)
                .description("Rows copied into the shadow table").register(r);
        freezeCutOver = freeze(r, migrationId, "cutover");
        freezeRevert = freeze(r, migrationId, "revert");
        Meter throttledGauge = Gauge.builder("flipside.copy.throttled", throttled, Number::doubleValue)
                .tag("migration", migrationId).description("1 while the copy waits on a throttle threshold")
                .strongReference(true).register(r);
        Meter revertReadyGauge = Gauge.builder("flipside.revert.ready", revertReady, Number::doubleValue)
                .tag("migration", migrationId)
                .description("1 while a revert would be accepted and the old table is in step with the serving one")
                .strongReference(true).register(r);
        meters.addAll(List.of(lagForward, lagInverse, eventsForward, eventsInverse, rowsCopied, freezeCutOver,
                freezeRevert, throttledGauge, revertReadyGauge));
    }

    /** The worker ended: the meters go after {@code kept}, unless a new worker of the migration replaced them. */
    void release(Duration kept) {
        REMOVER.schedule(() -> {
            synchronized (LIVE) {
                if (LIVE.remove(migrationId, this)) {
                    removeNow();
                }
            }
        }, kept.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void removeNow() {
        meters.forEach(Metrics.globalRegistry::remove);
    }

    private static Timer lag(MeterRegistry r, String id, String direction) {
        return Timer.builder("flipside.apply.lag").tag("migration", id).tag("direction", direction)
                .description("From a change's commit on the serving table to the commit of its projection")
                .publishPercentiles(0.5, 0.99).distributionStatisticExpiry(Duration.ofMinutes(10))
                .distributionStatisticBufferLength(3).register(r);
    }

    private static Timer freeze(MeterRegistry r, String id, String phase) {
        return Timer.builder("flipside.freeze").tag("migration", id).tag("phase", phase)
                .description("How long writes were held at a swap").register(r);
    }

    void applied(boolean forward, long events, long[] commitMillis, int count, long committedAt) {
        (forward ? eventsForward : eventsInverse).increment(events);
        Timer t = forward ? lagForward : lagInverse;
        for (int i = 0; i < count; i++) {
            t.record(Duration.ofMillis(Math.max(0, committedAt - commitMillis[i])));
        }
    }

    void copied(long rows) {
        rowsCopied.increment(rows);
    }

    void throttled(boolean waiting) {
        throttled.set(waiting ? 1 : 0);
    }

    void revertReady(boolean ready) {
        revertReady.set(ready ? 1 : 0);
    }

    void froze(boolean cutOver, long millis) {
        (cutOver ? freezeCutOver : freezeRevert).record(Duration.ofMillis(millis));
    }
}
