package io.flipside.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flipside.core.migration.JournalFold;
import io.flipside.runtime.AvroJson;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationState;
import io.flipside.schema.Progressed;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * One migration's timeline, from the journal: every command with who asked and why, every event with the state it
 * led to, progress reports summarised, each freeze with its GTID and how long writes were held, checksum verdicts,
 * and the outcome.
 */
@CommandLine.Command(name = "audit", mixinStandardHelpOptions = true,
        description = {"Print a migration's timeline from the journal: commands with who and why, state changes,",
            "progress summarised, freezes with their GTID and length, checksum verdicts, and the outcome.",
            "Exit 0, or 2 when the journal has no such migration."})
final class AuditCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Parameters(paramLabel = "ID", description = "The migration id")
    String id;

    @Option(names = "--json", description = "A JSON array: one object per event, with the state it led to")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One journal event of the migration, with the migration's status after it. */
    record Entry(long offset, JournalEvent event, String statusAfter) {}

    @Override
    public Integer call() throws JsonProcessingException {
        List<Entry> entries = new ArrayList<>();
        try (OperatorClient client = new OperatorClient(config.load())) {
            MigrationState state = null;
            for (OperatorClient.JournalRecord r : client.journal(client.journalTopic())) {
                if (r.event() == null || !id.equals(r.event().getMigrationId())) {
                    continue;
                }
                Optional<MigrationState> next = JournalFold.next(state, r.event());
                state = next.orElse(state);
                entries.add(new Entry(r.offset(), r.event(), state == null ? null : state.getStatus().name()));
            }
        }
        if (entries.isEmpty()) {
            spec.commandLine().getErr().println("flipside: the journal has no migration " + id);
            return Main.REJECTED;
        }
        spec.commandLine().getOut().print(json ? json(entries) + System.lineSeparator() : text(entries));
        return Main.OK;
    }

    static String json(List<Entry> entries) throws JsonProcessingException {
        ArrayNode out = StatusView.JSON.createArrayNode();
        for (Entry e : entries) {
            JournalEvent ev = e.event();
            ObjectNode o = out.addObject();
            o.put("offset", e.offset());
            o.put("at", ev.getAt().toString());
            o.put("event", ev.getPayload().getClass().getSimpleName());
            o.put("operator", ev.getOperator());
            o.put("reason", ev.getReason());
            o.put("requestId", ev.getRequestId());
            o.put("recordedBy", ev.getRecordedBy());
            o.put("gtid", ev.getGtid());
            o.put("statusAfter", e.statusAfter());
            o.set("payload", StatusView.JSON.readTree(AvroJson.encode((SpecificRecord) ev.getPayload())));
        }
        return out.toString();
    }

    static String text(List<Entry> entries) {
        StringBuilder sb = new StringBuilder();
        JournalEvent first = entries.get(0).event();
        sb.append("migration ").append(first.getMigrationId()).append(System.lineSeparator());
        String status = null;
        List<Entry> progress = new ArrayList<>();
        for (Entry e : entries) {
            if (e.event().getPayload() instanceof Progressed) {
                progress.add(e);
                continue;
            }
            flushProgress(sb, progress);
            JournalEvent ev = e.event();
            sb.append(ev.getAt()).append("  ").append(words(ev.getPayload().getClass().getSimpleName()));
            if (ev.getOperator() != null && ev.getRequestId() != null) {
                sb.append(" by ").append(ev.getOperator());
                if (ev.getReason() != null && !ev.getReason().isBlank()) {
                    sb.append(" (\"").append(ev.getReason()).append("\")");
                }
            } else if (!"controller".equals(ev.getRecordedBy())) {
                sb.append(" [").append(ev.getRecordedBy()).append(']');
            }
            String fields = fields((SpecificRecord) ev.getPayload());
            if (!fields.isEmpty()) {
                sb.append(": ").append(fields);
            }
            if (ev.getGtid() != null) {
                sb.append(" at GTID ").append(ev.getGtid());
            }
            if (e.statusAfter() != null && !e.statusAfter().equals(status)) {
                sb.append("  -> ").append(e.statusAfter());
                status = e.statusAfter();
            }
            sb.append(System.lineSeparator());
        }
        flushProgress(sb, progress);
        sb.append("outcome: ").append(status == null ? "never started (the submit was rejected)" : status)
                .append(System.lineSeparator());
        return sb.toString();
    }

    /** Consecutive progress reports as one line: how many, rows first to last, the highest lag, events applied. */
    private static void flushProgress(StringBuilder sb, List<Entry> progress) {
        if (progress.isEmpty()) {
            return;
        }
        Progressed a = (Progressed) progress.get(0).event().getPayload();
        Progressed z = (Progressed) progress.get(progress.size() - 1).event().getPayload();
        long lag = progress.stream().mapToLong(e -> ((Progressed) e.event().getPayload()).getLagMillis()).max()
                .orElse(0);
        sb.append(progress.get(0).event().getAt()).append("  progress x").append(progress.size()).append(" until ")
                .append(progress.get(progress.size() - 1).event().getAt()).append(": rows copied ")
                .append(a.getRowsCopied()).append(" -> ").append(z.getRowsCopied()).append(" of ")
                .append(z.getRowsTotal()).append(", ").append(z.getChunks()).append(" chunks, events applied ")
                .append(z.getEventsApplied()).append(", apply lag up to ").append(lag).append(" ms")
                .append(System.lineSeparator());
        progress.clear();
    }

    /** The record's fields as name=value, long lists cut short. */
    private static String fields(SpecificRecord r) {
        List<String> out = new ArrayList<>();
        for (Schema.Field f : r.getSchema().getFields()) {
            Object v = r.get(f.pos());
            if (v == null || v instanceof List<?> l && l.isEmpty()) {
                continue;
            }
            String text = v instanceof List<?> l && l.size() > 6
                    ? l.subList(0, 6) + " and " + (l.size() - 6) + " more" : String.valueOf(v);
            out.add(f.name() + "=" + text);
        }
        return String.join(", ", out);
    }

    /** "CutOverCompleted" -> "cut over completed". */
    static String words(String type) {
        return type.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
    }
}
