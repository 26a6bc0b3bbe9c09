package io.flipside.cli;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.schema.JournalEvent;
import java.util.List;
import java.util.Objects;

/** Reads the whole journal, as an auditor would ({@link OperatorClient#journal}). */
final class JournalReader {
    private JournalReader() {}

    static List<JournalEvent> all(FlipsideConfig config) {
        try (OperatorClient client = new OperatorClient(config)) {
            return client.journal(client.journalTopic()).stream().map(OperatorClient.JournalRecord::event)
                    .filter(Objects::nonNull).toList();
        }
    }

    /** The applier's reports about {@code migrationId}, as the controller reads them (before it judges them). */
    static List<JournalEvent> reports(FlipsideConfig config, String migrationId) {
        try (OperatorClient client = new OperatorClient(config)) {
            return client.journal(config.topics().reports()).stream().map(OperatorClient.JournalRecord::event)
                    .filter(Objects::nonNull).filter(e -> migrationId.equals(e.getMigrationId())).toList();
        }
    }

    static List<JournalEvent> of(FlipsideConfig config, String migrationId) {
        return all(config).stream().filter(e -> migrationId.equals(e.getMigrationId())).toList();
    }
}
