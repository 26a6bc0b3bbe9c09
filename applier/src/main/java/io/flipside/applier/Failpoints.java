package io.flipside.applier;

import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named points in the applier where a test can make it pause, to kill the process at a precise phase (inside the
 * freeze, between the rename and priming inverse replication, ...). Off unless the system property
 * {@code flipside.failpoints} names some: {@code swap.renamed:5000,copy.chunk:2000} pauses 5 s after the cut-over's
 * RENAME and 2 s in every chunk's transaction. A pause is announced in the log first ("failpoint NAME: pausing"), so
 * a harness knows when to strike.
 *
 * <p>The points, in the order a migration meets them: {@code copy.chunk} (a chunk copied, not committed),
 * {@code apply.batch} (changes applied, not committed), {@code swap.locked} (writes held), {@code swap.applied} (the
 * freeze marker came back and the tail is applied), {@code swap.recorded} (the swap's stage recorded, not renamed),
 * {@code swap.renamed} (renamed, the other direction not primed), {@code swap.primed} (primed, writes still held).
 */
final class Failpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Failpoints.class);
    private static final Map<String, Long> PAUSES = parse(System.getProperty("flipside.failpoints", ""));

    private Failpoints() {}

    static Map<String, Long> parse(String spec) {
        Map<String, Long> m = new HashMap<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int colon = p.indexOf(':');
            m.put(colon < 0 ? p : p.substring(0, colon), colon < 0 ? 60_000L : Long.parseLong(p.substring(colon + 1)));
        }
        return m;
    }

    static void hit(String name) {
        Long ms = PAUSES.get(name);
        if (ms == null) {
            return;
        }
        LOG.warn("failpoint {}: pausing {} ms", name, ms);
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
