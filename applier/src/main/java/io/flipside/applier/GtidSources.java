package io.flipside.applier;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The highest GTID read from each source (a server's UUID, with its tag on MySQL 8.3+): what tells, with the binlog
 * coordinates, a change the capture published again from one it had not published.
 *
 * <p>Binlog coordinates order the changes of one server's binlog only. After a failover the capture reads the
 * promoted replica's binlog, whose files and positions are its own and may well be below the last ones read from the
 * old source: a change there at or before the last coordinates is new unless its GTID was read before. A source's
 * GTIDs are binlogged in increasing order, so a number at or below its highest is one read before.
 */
final class GtidSources {
    private final Map<String, Long> highest;

    private GtidSources(Map<String, Long> highest) {
        this.highest = highest;
    }

    /** From {@link #text}; null or empty (a migration of an earlier build, or none read yet): none. */
    static GtidSources parse(String text) {
        Map<String, Long> highest = new LinkedHashMap<>();
        if (text != null && !text.isBlank()) {
            for (String gtid : text.split(",")) {
                add(highest, gtid.strip());
            }
        }
        return new GtidSources(highest);
    }

    /** Notes a GTID read ({@code source:N}). */
    void add(String gtid) {
        add(highest, gtid);
    }

    private static void add(Map<String, Long> highest, String gtid) {
        int colon = gtid.lastIndexOf(':');
        if (colon <= 0) {
            return;
        }
        try {
            highest.merge(gtid.substring(0, colon).toLowerCase(java.util.Locale.ROOT),
                    Long.parseLong(gtid.substring(colon + 1)), Math::max);
        } catch (NumberFormatException e) {
            // Not a GTID: nothing to note.
        }
    }

    /**
     * Whether a change at or before the last coordinates read, with this GTID, is one read before: yes when it has
     * none, or when none was noted (a migration of an earlier build: coordinates alone decide, as they did); else
     * only when its source's highest GTID read is at or after it.
     */
    boolean readBefore(String gtid) {
        if (gtid == null || highest.isEmpty()) {
            return true;
        }
        int colon = gtid.lastIndexOf(':');
        if (colon <= 0) {
            return true;
        }
        Long max = highest.get(gtid.substring(0, colon).toLowerCase(java.util.Locale.ROOT));
        try {
            return max != null && Long.parseLong(gtid.substring(colon + 1)) <= max;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    /** {@code source:N} for each source, comma-separated; null when none. */
    String text() {
        return highest.isEmpty() ? null : highest.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue())
                .collect(Collectors.joining(","));
    }
}
