package io.flipside.runtime;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named points in the applier and the capture where a test can make them pause, to kill the process at a precise
 * phase (inside the freeze, between the rename and the end of the swap, ...). Off unless the system property
 * {@code flipside.failpoints} names some: {@code swap.renamed:5000,copy.chunk:2000} pauses 5 s after the cut-over's
 * RENAME and 2 s in every chunk's transaction; {@code copy.chunk:15000:1} pauses in the first chunk only,
 * {@code copy.chunk:15000:1:2} in the third only. A pause is announced in the log first ("failpoint NAME: pausing"),
 * so a harness knows when to strike.
 *
 * <p>The points, in the order a migration meets them: {@code copy.open} (a chunk that reads a snapshot about to be
 * opened, {@code binlog_order_commits} read), {@code copy.chunk} (a chunk copied, not committed), {@code apply.chunk}
 * (the replicator met a chunk's cursor with changes held since the chunk's opening, not applied), {@code copy.indexes}
 * (the copy done, the deferred indexes not built yet), {@code apply.batch} (changes applied, not committed),
 * {@code apply.carry} (the serving table's partition maintenance read, not carried yet; while the copy runs, the copier
 * not held), {@code apply.partitions} (that maintenance done on the shadow table, the position after its statement not
 * recorded; while the copy runs, the rows copied since it not copied again), {@code swap.probed} (the swap's probe
 * marker back through the changelog, the partitions compared, nothing locked yet), {@code swap.locked} (writes held),
 * {@code swap.applied} (the freeze marker came back and the tail is applied), {@code swap.recorded} (the swap's stage
 * recorded, not renamed), {@code swap.renamed} (renamed, writes still held), {@code swap.unlocked} (writes resumed on
 * the swapped table, the swap not yet finished in apply_state).
 *
 * <p>In the capture: {@code capture.batch} (a batch read from the binlog, none of it published) and
 * {@code capture.marker} (a batch holding a capture's own marker row, that marker not published).
 */
public final class Failpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Failpoints.class);
    private static final Map<String, Point> POINTS = parse(System.getProperty("flipside.failpoints", ""));

    private Failpoints() {}

    /**
     * A pause of {@code ms}, for the next {@code remaining} hits (unbounded when negative), once {@code skip} hits
     * have passed without one.
     */
    record Point(long ms, AtomicInteger remaining, AtomicInteger skip) {
        /** Whether this hit pauses; counts the skipped hits, then the pauses when the point is bounded. */
        boolean take() {
            if (skip.getAndUpdate(k -> k > 0 ? k - 1 : k) > 0) {
                return false;
            }
            return remaining.getAndUpdate(r -> r > 0 ? r - 1 : r) != 0;
        }
    }

    /**
     * {@code name[:ms[:times[:skip]]]}, comma-separated; ms defaults to a minute, times to every hit, skip (hits
     * that pass before the first pause) to none.
     */
    static Map<String, Point> parse(String spec) {
        Map<String, Point> m = new HashMap<>();
        for (String part : spec.split(",")) {
            String[] p = part.trim().split(":");
            if (p[0].isEmpty()) {
                continue;
            }
            long ms = p.length > 1 ? Long.parseLong(p[1]) : 60_000L;
            int times = p.length > 2 ? Integer.parseInt(p[2]) : -1;
            int skip = p.length > 3 ? Integer.parseInt(p[3]) : 0;
            m.put(p[0], new Point(ms, new AtomicInteger(times), new AtomicInteger(skip)));
        }
        return m;
    }

    public static void hit(String name) {
        Point point = POINTS.get(name);
        if (point == null || !point.take()) {
            return;
        }
        LOG.warn("failpoint {}: pausing {} ms", name, point.ms());
        try {
            Thread.sleep(point.ms());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
