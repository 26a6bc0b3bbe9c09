package io.flipside.cli.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The JVM's heap during a phase, from the collector's notifications, two ways. The peak the issue asks for: the most
 * heap in use when a collection began, or at the end if that is more; the heap in use falls only when memory is
 * freed, so that is its peak, garbage not yet collected counted, but for what G1 on Java 17 frees in its concurrent
 * cycle's pauses without a notification (Java 20 and later notify them too): a peak just before one of those is not
 * seen. And the largest heap still in use right after a collection: an upper bound of what was live, closer to what
 * the processes need. Each sums the heap pools at one moment; summing each pool's own peak
 * ({@link MemoryPoolMXBean#getPeakUsage}) adds peaks of different moments and can exceed the maximum heap.
 */
final class HeapWatch implements AutoCloseable {
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final Set<String> heapPools;
    private volatile long maxBeforeGc;
    private volatile long maxAfterGc;
    private final NotificationListener listener = this::handle;

    HeapWatch() {
        heapPools = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter e) {
                e.addNotificationListener(listener, null, null);
                emitters.add(e);
            }
        }
    }

    private void handle(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        GcInfo gc = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()).getGcInfo();
        // one listener thread delivers the notifications, so the read-then-write below does not race
        maxBeforeGc = Math.max(maxBeforeGc, heapUsed(gc.getMemoryUsageBeforeGc()));
        maxAfterGc = Math.max(maxAfterGc, heapUsed(gc.getMemoryUsageAfterGc()));
    }

    private long heapUsed(Map<String, MemoryUsage> pools) {
        long used = 0;
        for (Map.Entry<String, MemoryUsage> e : pools.entrySet()) {
            if (heapPools.contains(e.getKey())) {
                used += e.getValue().getUsed();
            }
        }
        return used;
    }

    /** The most heap in use since the start, in MB: when a collection began, or now if that is more. */
    double peakMb() {
        long now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        return Bench.round(Math.max(maxBeforeGc, now) / (1024.0 * 1024.0), 1);
    }

    /** The largest heap in use right after a collection since the start, in MB; null when no collection ran. */
    Double maxAfterGcMb() {
        long v = maxAfterGc;
        return v == 0 ? null : Bench.round(v / (1024.0 * 1024.0), 1);
    }

    @Override
    public void close() {
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(listener);
            } catch (ListenerNotFoundException ignored) {
                // already gone
            }
        }
    }
}
