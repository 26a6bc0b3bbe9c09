package io.flipside.cli;

import io.flipside.core.migration.JournalFold;
import io.flipside.schema.MigrationState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Rebuilds every migration's state by folding the journal from its beginning, and compares it with the controller's
 * states: the proof that the journal is the truth. The states are read first and each migration's fold stops at as
 * many events as its state holds, so a migration that moves on meanwhile is compared as it was.
 */
@CommandLine.Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Fold the journal from its beginning and check that it rebuilds every migration's live state.",
            "Exit 0 when every state matches; 3 naming the first divergence (or an event that cannot be read or"
                    + " folded)."})
final class ReplayCommand implements Callable<Integer> {
    static final int DIVERGED = 3;

    @Mixin
    ConfigOption config;

    @Option(names = "--journal-topic", paramLabel = "TOPIC",
            description = "Replay this topic (a copy of the journal, say) instead of the journal")
    String journalTopic;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        try (OperatorClient client = new OperatorClient(config.load())) {
            Map<String, MigrationState> live = client.states();
            String topic = journalTopic == null ? client.journalTopic() : journalTopic;
            List<OperatorClient.JournalRecord> journal = client.journal(topic);
            Map<String, Long> versions = live.values().stream()
                    .collect(Collectors.toMap(MigrationState::getId, MigrationState::getVersion));
            JournalFold fold = new JournalFold();
            for (OperatorClient.JournalRecord r : journal) {
                if (r.event() == null) {
                    return diverged("the record at offset " + r.offset() + " of " + topic + " cannot be read: "
                            + r.unreadable());
                }
                try {
                    fold.add(r.event(), versions);
                } catch (RuntimeException e) {
                    return diverged("the event at offset " + r.offset() + " of " + topic + " ("
                            + r.event().getPayload().getClass().getSimpleName() + " for migration "
                            + r.event().getMigrationId() + ") does not fit the state before it: " + e.getMessage());
                }
            }
            Optional<String> divergence = JournalFold.firstDivergence(fold.states(), live);
            if (divergence.isPresent()) {
                return diverged(divergence.get());
            }
            spec.commandLine().getOut().println("replayed " + journal.size() + " events of " + topic + ": the "
                    + live.size() + " migrations' states match");
            return Main.OK;
        }
    }

    private int diverged(String what) {
        spec.commandLine().getErr().println("flipside: replay diverges: " + what);
        return DIVERGED;
    }
}
