package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.flipside.core.sql.TableName;
import io.flipside.runtime.AvroCodec;
import io.flipside.runtime.KafkaSetup;
import io.flipside.schema.CutOverCompleted;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code audit} tells a migration's story from the journal; {@code replay} rebuilds every state from the journal and
 * finds it equal to the controller's, and names the first divergence of a corrupted copy of the journal.
 */
class AuditReplayIT {
    static Flipside f;

    @BeforeAll
    static void start() throws Exception {
        f = Flipside.get();
    }

    @Test
    void auditTellsTheStoryAndReplayRebuildsEveryState() throws Exception {
        TableName t = f.recreate(new TableName("audit", "accounts"), "id BIGINT PRIMARY KEY, note VARCHAR(20) NULL");
        f.fill(t, 500, "n, CONCAT('note ', n)");
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT NULL",
                "--as", "alice", "--reason", "ticket 42");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        try (OperatorClient client = new OperatorClient(f.config)) {
            ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
        }
        assertEquals(Main.REJECTED, f.cli("cancel", id, "--as", "bob").exit(), "refused, and journalled");
        assertEquals(Main.OK, f.cli("revert", id, "--wait", "--as", "carol", "--reason", "app still reads it").exit());
        assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());

        Flipside.Run audit = f.cli("audit", id);
        assertEquals(Main.OK, audit.exit(), audit.toString());
        String text = audit.out();
        for (String expected : List.of("migration " + id, "migration submitted by alice (\"ticket 42\")",
                "-> QUEUED", "migration started [applier]", "-> COPYING", "progress x", "copy completed",
                "cut over completed [applier]: freezeGtid=", "writeFreezeMillis=", "-> CUT_OVER",
                "command rejected by bob: command=cancel", "revert requested by carol (\"app still reads it\")",
                "revert completed", "-> REVERTED", "checksum verified", "matched", "outcome: COMPLETED")) {
            assertTrue(text.contains(expected), "audit lacks \"" + expected + "\":\n" + text);
        }
        assertTrue(text.indexOf("-> CUT_OVER") < text.indexOf("-> REVERTED"), text);

        Flipside.Run json = f.cli("audit", id, "--json");
        assertEquals(Main.OK, json.exit(), json.toString());
        JsonNode events = StatusView.JSON.readTree(json.out());
        JsonNode cut = null;
        for (JsonNode e : events) {
            if (e.get("event").asText().equals("CutOverCompleted")) {
                cut = e;
            }
        }
        assertTrue(cut != null && cut.get("payload").get("freezeGtid").asText().contains(":")
                && cut.get("statusAfter").asText().equals("CUT_OVER"), json.out());
        assertEquals("alice", events.get(0).get("operator").asText());
        assertEquals(Main.REJECTED, f.cli("audit", "0badcafe").exit(), "no such migration");

        Flipside.Run replay = f.cli("replay");
        assertEquals(Main.OK, replay.exit(), replay.toString());
        assertTrue(replay.out().contains("states match"), replay.out());

        // A copy of the journal in which this migration's cut-over held writes 1 ms longer.
        String copy = "flipside-it-journal-copy-" + UUID.randomUUID().toString().substring(0, 8);
        copyJournal(copy, e -> e.getPayload() instanceof CutOverCompleted c && id.equals(e.getMigrationId())
                ? Optional.of(JournalEvent.newBuilder(e).setPayload(CutOverCompleted.newBuilder(c)
                        .setWriteFreezeMillis(c.getWriteFreezeMillis() + 1).build()).build())
                : Optional.of(e));
        Flipside.Run diverged = f.cli("replay", "--journal-topic", copy);
        assertEquals(ReplayCommand.DIVERGED, diverged.exit(), diverged.toString());
        assertTrue(diverged.err().contains("migration " + id + ": writeFreezeMillis is "), diverged.err());

        String unreadable = "flipside-it-journal-junk-" + UUID.randomUUID().toString().substring(0, 8);
        copyJournal(unreadable, Optional::of);
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaSetup.producer(f.config, "it-junk"))) {
            p.send(new ProducerRecord<>(unreadable, 0, "x", new byte[] {1, 2, 3})).get();
        }
        Flipside.Run junk = f.cli("replay", "--journal-topic", unreadable);
        assertEquals(ReplayCommand.DIVERGED, junk.exit(), junk.toString());
        assertTrue(junk.err().contains("cannot be read"), junk.err());
    }

    private static void copyJournal(String topic, java.util.function.Function<JournalEvent, Optional<JournalEvent>> edit)
            throws Exception {
        AvroCodec<JournalEvent> codec = AvroCodec.of(JournalEvent.class);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", f.stack.kafka().bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        try (OperatorClient client = new OperatorClient(f.config);
                KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaSetup.producer(f.config, "it-copy"))) {
            for (OperatorClient.JournalRecord r : client.journal(client.journalTopic())) {
                Optional<JournalEvent> e = edit.apply(r.event());
                if (e.isPresent()) {
                    p.send(new ProducerRecord<>(topic, 0, String.valueOf(e.get().getMigrationId()),
                            codec.encode(e.get())));
                }
            }
            p.flush();
        }
    }
}
