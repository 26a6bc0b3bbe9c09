package io.flipside.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flipside.schema.ChecksumVerdict;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** How a migration's state is shown: as JSON for tools, as a table for people. */
final class StatusView {
    static final ObjectMapper JSON = new ObjectMapper();

    private StatusView() {}

    static ObjectNode json(MigrationState s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", s.getId());
        o.put("table", s.getTable());
        o.put("state", s.getStatus().name());
        o.put("rowsCopied", s.getRowsCopied());
        o.put("rowsTotal", s.getRowsTotal());
        o.put("lagMillis", s.getLagMillis());
        o.put("revertible", io.flipside.core.migration.Decisions.revertAcceptedNow(s));
        o.put("freezeGtid", s.getFreezeGtid());
        if (s.getWriteFreezeMillis() == null) {
            o.putNull("writeFreezeMillis");
        } else {
            o.put("writeFreezeMillis", s.getWriteFreezeMillis());
        }
        o.put("error", s.getError());
        o.put("kind", s.getKind());
        o.put("alter", s.getAlter());
        o.put("operator", s.getOperator());
        o.put("submittedAt", s.getSubmittedAt().toString());
        o.put("postponeCutover", s.getPostponeCutover());
        o.put("paused", s.getPaused());
        o.put("throttled", s.getThrottled());
        o.put("throttleEpisodes", s.getThrottleEpisodes());
        o.put("throttledMillis", s.getThrottledMillis());
        putNullable(o, "throttleMaxLagMillis", s.getThrottleMaxLagMillis());
        putNullable(o, "throttleMaxThreadsRunning", s.getThrottleMaxThreadsRunning());
        putNullable(o, "throttleMaxReplicaLagMillis", s.getThrottleMaxReplicaLagMillis());
        putNullable(o, "chunkTimeMillis", s.getChunkTimeMillis());
        putNullable(o, "restPercent", s.getRestPercent());
        o.put("retentionSeconds", s.getRetentionSeconds());
        o.put("pendingAction", s.getPendingAction());
        o.put("interruption", s.getInterruption());
        putNullable(o, "interruptedSince", s.getInterruptedSince());
        o.put("interruptions", s.getInterruptions());
        o.put("planRevertible", s.getRevertible());
        ArrayNode notes = o.putArray("revertNotes");
        s.getRevertNotes().forEach(notes::add);
        o.put("instantCapable", s.getInstantCapable());
        o.put("lossyValues", s.getLossyValues());
        ArrayNode lossy = o.putArray("lossyExamples");
        s.getLossyExamples().forEach(lossy::add);
        ArrayNode key = o.putArray("keyColumns");
        s.getKeyColumns().forEach(key::add);
        ArrayNode forward = o.putArray("forward");
        s.getForward().forEach(p -> forward.addObject().put("from", p.getFrom()).put("to", p.getTo()));
        ArrayNode inverse = o.putArray("inverse");
        s.getInverse().forEach(p -> inverse.addObject().put("from", p.getFrom()).put("to", p.getTo()));
        o.put("shadowTable", s.getShadowTable());
        o.put("oldTable", s.getOldTable());
        o.put("chunks", s.getChunks());
        putNullable(o, "copyMillis", s.getCopyMillis());
        putNullable(o, "indexMillis", s.getIndexMillis());
        putNullable(o, "restedMillis", s.getRestedMillis());
        o.put("eventsApplied", s.getEventsApplied());
        o.put("cutOverAttempts", s.getCutOverAttempts());
        putNullable(o, "cutOverAt", s.getCutOverAt());
        Long retentionEndsAt = retentionEndsAt(s);
        putNullable(o, "retentionEndsAt", retentionEndsAt);
        o.put("revertFreezeGtid", s.getRevertFreezeGtid());
        putNullable(o, "revertFreezeMillis", s.getRevertFreezeMillis());
        putNullable(o, "revertServingMillis", s.getRevertServingMillis());
        ArrayNode checks = o.putArray("checksums");
        for (ChecksumVerdict v : s.getChecksums()) {
            ObjectNode c = checks.addObject();
            c.put("phase", v.getPhase());
            c.put("freezeGtid", v.getFreezeGtid());
            c.put("matched", v.getMatched());
            c.put("rows", v.getRows());
            c.put("expectedRows", v.getExpectedRows());
            c.put("checksum", v.getChecksum());
            c.put("expectedChecksum", v.getExpectedChecksum());
        }
        o.put("version", s.getVersion());
        return o;
    }

    static Long retentionEndsAt(MigrationState s) {
        Long since = s.getStatus() == MigrationStatus.CUT_OVER ? s.getCutOverAt()
                : s.getStatus() == MigrationStatus.REVERTED ? s.getRevertedAt() : null;
        return since == null ? null : since + s.getRetentionSeconds() * 1000;
    }

    private static void putNullable(ObjectNode o, String field, Number v) {
        if (v == null) {
            o.putNull(field);
        } else {
            o.put(field, v.longValue());
        }
    }

    static String json(Collection<MigrationState> all) {
        ArrayNode a = JSON.createArrayNode();
        all.forEach(s -> a.add(json(s)));
        return a.toString();
    }

    /** A table a person reads at a glance. */
    static String table(List<MigrationState> all, Instant now) {
        StringBuilder sb = new StringBuilder();
        String fmt = "%-8s  %-24s  %-12s  %-20s  %-8s  %-10s  %s%n";
        sb.append(String.format(fmt, "ID", "TABLE", "STATE", "COPIED", "LAG", "FREEZE", "NOTE"));
        for (MigrationState s : all) {
            String copied = s.getRowsTotal() > 0
                    ? String.format("%d/%d (%d%%)", s.getRowsCopied(), s.getRowsTotal(),
                            Math.min(100, s.getRowsCopied() * 100 / Math.max(1, s.getRowsTotal())))
                    : String.valueOf(s.getRowsCopied());
            String freeze = s.getWriteFreezeMillis() == null ? "-" : s.getWriteFreezeMillis() + " ms";
            String note;
            if (s.getError() != null) {
                note = s.getError();
            } else if (s.getInterruption() != null) {
                note = retrying(s, now);
            } else if (s.getPendingAction() != null) {
                note = s.getPendingAction().toLowerCase() + " pending";
            } else if (s.getPaused()) {
                note = "paused (flipside resume " + s.getId() + ")";
            } else if (s.getThrottled() != null) {
                note = "throttled: " + s.getThrottled();
            } else if (retentionEndsAt(s) != null) {
                long left = Math.max(0, (retentionEndsAt(s) - now.toEpochMilli()) / 1000);
                note = (io.flipside.core.migration.Decisions.revertAcceptedNow(s) ? "revertible; " : "")
                        + (s.getLossyValues() > 0 ? (s.getStatus() == MigrationStatus.REVERTED ? "cutover" : "revert")
                                + " lossy (" + s.getLossyValues() + " values, --force); " : "")
                        + "completes in " + left / 60 + "m" + left % 60 + "s";
            } else {
                note = "ALTER".equals(s.getKind()) ? s.getAlter() : (s.getKind() + " " + s.getAlter()).strip();
            }
            sb.append(String.format(fmt, s.getId(), abbreviate(s.getTable(), 24), s.getStatus(), copied,
                    s.getLagMillis() + " ms", freeze, note));
        }
        return sb.toString();
    }

    /**
     * One frame of {@code status --watch}: the table, then a progress bar for every migration that copies (rows copied
     * of the estimate, the rate since {@code before} was read {@code elapsedMillis} earlier, the time left at that
     * rate, and the apply lag).
     */
    static String watchFrame(List<MigrationState> all, Map<String, MigrationState> before, long elapsedMillis,
            Instant now) {
        StringBuilder sb = new StringBuilder(table(all, now));
        for (MigrationState s : all) {
            if (s.getStatus() != MigrationStatus.COPYING) {
                continue;
            }
            long total = Math.max(s.getRowsTotal(), s.getRowsCopied());
            int percent = total == 0 ? 0 : (int) Math.min(99, s.getRowsCopied() * 100 / total);
            int filled = percent * 30 / 100;
            MigrationState b = before.get(s.getId());
            long rate = b == null || elapsedMillis <= 0 ? -1
                    : Math.max(0, (s.getRowsCopied() - b.getRowsCopied()) * 1000 / elapsedMillis);
            String eta = rate <= 0 ? "ETA -" : "ETA " + duration((total - s.getRowsCopied()) / rate);
            sb.append(String.format("%-8s  [%s%s] %2d%%  %d/%d rows  %s  %s  lag %d ms%s%n", s.getId(),
                    "#".repeat(filled), ".".repeat(30 - filled), percent, s.getRowsCopied(), total,
                    rate < 0 ? "- rows/s" : rate + " rows/s", eta, s.getLagMillis(),
                    s.getPaused() ? "  (paused)" : s.getThrottled() != null ? "  (throttled)" : ""));
        }
        return sb.toString();
    }

    /**
     * What the migration waits on, for an operator whose command waited in vain: the applier retrying (and why), or,
     * still queued, an applier to take it up (none in {@code group}, or the one that owns the migrations, when
     * {@code appliers} can tell); empty when its state tells neither.
     */
    static Optional<String> waitingOn(MigrationState s, Instant now, String group,
            Supplier<Optional<List<OperatorClient.ApplierMember>>> appliers) {
        if (s.getInterruption() != null) {
            return Optional.of(retrying(s, now));
        }
        if (s.getStatus() != MigrationStatus.QUEUED) {
            return Optional.empty();
        }
        Optional<List<OperatorClient.ApplierMember>> members = appliers.get();
        if (members.isPresent() && members.get().isEmpty()) {
            return Optional.of("no applier is running in group " + group + " (start one, with the same topic.prefix)");
        }
        String owner = members.flatMap(m -> m.stream().filter(OperatorClient.ApplierMember::owns).findFirst())
                .map(m -> " (" + m.name() + " owns the migrations)")
                .orElse(" (is one running, with the same topic.prefix?)");
        return Optional.of("no applier has taken it up yet" + owner);
    }

    /**
     * One line on the appliers' group under the status table: who owns the migrations and who stands by, or that none
     * runs; nothing when the group could not be described.
     */
    static String appliers(String group, Optional<List<OperatorClient.ApplierMember>> members) {
        if (members.isEmpty()) {
            return "";
        }
        if (members.get().isEmpty()) {
            return "appliers: none running in group " + group + "; migrations wait for one" + System.lineSeparator();
        }
        return "appliers: " + members.get().stream()
                .map(m -> m.name() + (m.owns() ? " (owns the migrations)" : " (stands by)"))
                .collect(java.util.stream.Collectors.joining(", ")) + System.lineSeparator();
    }

    /** How long the applier has been retrying the migration, and why. */
    private static String retrying(MigrationState s, Instant now) {
        long since = s.getInterruptedSince() == null ? 0
                : Math.max(0, (now.toEpochMilli() - s.getInterruptedSince()) / 1000);
        return "retrying for " + duration(since) + ": " + s.getInterruption();
    }

    private static String duration(long seconds) {
        return seconds >= 3600 ? seconds / 3600 + "h" + seconds % 3600 / 60 + "m"
                : seconds >= 60 ? seconds / 60 + "m" + seconds % 60 + "s" : seconds + "s";
    }

    private static String abbreviate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
