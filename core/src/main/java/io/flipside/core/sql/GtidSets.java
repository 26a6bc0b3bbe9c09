package io.flipside.core.sql;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** MySQL GTID set text, for {@code WAIT_FOR_EXECUTED_GTID_SET}. */
public final class GtidSets {
    private GtidSets() {}

    /**
     * The set of the given GTIDs ({@code source:N}; the source may carry a tag), as MySQL writes sets: one entry per
     * source, its numbers as ranges, e.g. {@code 3e11fa47-...:1-3:7}. Empty when there are none.
     *
     * @throws IllegalArgumentException for text that is not a GTID
     */
    public static String of(Collection<String> gtids) {
        Map<String, TreeSet<Long>> bySource = new TreeMap<>();
        for (String g : gtids) {
            int colon = g.lastIndexOf(':');
            long n;
            try {
                n = colon <= 0 ? -1 : Long.parseLong(g.substring(colon + 1));
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1) {
                throw new IllegalArgumentException("not a GTID: " + g);
            }
            bySource.computeIfAbsent(g.substring(0, colon), k -> new TreeSet<>()).add(n);
        }
        List<String> parts = new ArrayList<>();
        for (var e : bySource.entrySet()) {
            StringBuilder sb = new StringBuilder(e.getKey());
            long start = -1;
            long end = -1;
            for (long n : e.getValue()) {
                if (n == end + 1) {
                    end = n;
                    continue;
                }
                if (start > 0) {
                    range(sb, start, end);
                }
                start = n;
                end = n;
            }
            range(sb, start, end);
            parts.add(sb.toString());
        }
        return String.join(",", parts);
    }

    private static void range(StringBuilder sb, long start, long end) {
        sb.append(':').append(start);
        if (end > start) {
            sb.append('-').append(end);
        }
    }
}
