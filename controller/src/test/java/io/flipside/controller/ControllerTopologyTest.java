package io.flipside.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.Topics;
import io.flipside.core.migration.Lifecycle;
import io.flipside.runtime.AvroCodec;
import io.flipside.schema.CaughtUp;
import io.flipside.schema.Command;
import io.flipside.schema.CommandRejected;
import io.flipside.schema.CompleteRequested;
import io.flipside.schema.CutOverCompleted;
import io.flipside.schema.CutOverRequested;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationStarted;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.MigrationSubmitted;
import io.flipside.schema.Revert;
import io.flipside.schema.Submit;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ControllerTopologyTest {
    static final Topics TOPICS = new Topics("t", "db1");
    final AvroCodec<Command> commands = AvroCodec.of(Command.class);
    final AvroCodec<JournalEvent> events = AvroCodec.of(JournalEvent.class);
    final AvroCodec<MigrationState> states = AvroCodec.of(MigrationState.class);
    final List<JournalEvent> journal = new ArrayList<>();
    TopologyTestDriver driver;
    TestInputTopic<String, byte[]> control;
    TestInputTopic<String, byte[]> reports;
    TestOutputTopic<String, byte[]> journalOut;
    TestOutputTopic<String, byte[]> stateOut;
    Instant start = Instant.parse("2026-11-22T10:00:00Z");

    @BeforeEach
    void setUp() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(ControllerTopology.build(TOPICS, Duration.ofMinutes(30), p), p, start);
        control = driver.createInputTopic(TOPICS.control(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        reports = driver.createInputTopic(TOPICS.reports(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        journalOut = driver.createOutputTopic(TOPICS.journal(), Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
        stateOut = driver.createOutputTopic(TOPICS.state(), Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    List<JournalEvent> send(Command c) {
        control.pipeInput(c.getRequestId(), commands.encode(c));
        return drain();
    }

    List<JournalEvent> report(String id, Object payload) {
        JournalEvent r = JournalEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setAt(start)
                .setMigrationId(id).setRecordedBy("applier").setPayload(payload).build();
        reports.pipeInput(id, events.encode(r));
        return drain();
    }

    List<JournalEvent> drain() {
        List<JournalEvent> out = new ArrayList<>();
        journalOut.readValuesToList().forEach(v -> out.add(events.decode(v)));
        journal.addAll(out);
        return out;
    }

    static Command command(Object action) {
        return new Command(UUID.randomUUID().toString(), Instant.now(), "alice", "test", action);
    }

    MigrationState stored(String id) {
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(ControllerTopology.MIGRATIONS);
        return states.decode(store.get(id));
    }

    Map<String, MigrationState> latestStates() {
        Map<String, MigrationState> m = new LinkedHashMap<>();
        stateOut.readKeyValuesToList().forEach(kv -> m.put(kv.key, states.decode(kv.value)));
        return m;
    }

    String submit() {
        List<JournalEvent> out = send(command(new Submit("app.users", "DROP COLUMN title", false, null, "ALTER")));
        return assertInstanceOf(MigrationSubmitted.class, out.get(0).getPayload()) != null
                ? out.get(0).getMigrationId() : null;
    }

    static MigrationStarted started() {
        return MigrationStarted.newBuilder().setShadowTable("_users_x_new").setOldTable("_users_x_old")
                .setKeyColumns(List.of("id")).setForward(List.of()).setInverse(List.of()).setRevertNotes(List.of())
                .setRevertible(true).setRowsTotal(10L).build();
    }

    @Test
    void submitIsJournalledAndTheStateIsPublished() {
        String id = submit();
        assertEquals(MigrationStatus.QUEUED, stored(id).getStatus());
        MigrationState published = latestStates().get(id);
        assertEquals(MigrationStatus.QUEUED, published.getStatus());
        assertEquals("alice", published.getOperator());
    }

    @Test
    void aMalformedCommandIsRejectedAndTheControllerKeepsGoing() {
        control.pipeInput("x", "not avro at all".getBytes(StandardCharsets.UTF_8));
        control.pipeInput("y", (byte[]) null);
        List<JournalEvent> out = drain();
        assertEquals(2, out.size());
        for (JournalEvent e : out) {
            assertEquals("malformed", assertInstanceOf(CommandRejected.class, e.getPayload()).getCommand());
            assertNull(e.getMigrationId());
        }
        String id = submit();
        assertEquals(MigrationStatus.QUEUED, stored(id).getStatus(), "the next command is still handled");
    }

    @Test
    void aCommandDeliveredTwiceTakesEffectOnce() {
        Command c = command(new Submit("app.users", "DROP COLUMN title", false, null, "ALTER"));
        assertEquals(1, send(c).size());
        assertTrue(send(c).isEmpty(), "the repeat is ignored, not rejected as a second migration of the table");
    }

    @Test
    void theWorkedExampleAndReplay() {
        String id = submit();
        report(id, started());
        List<JournalEvent> out = report(id, new CaughtUp(0L));
        assertInstanceOf(CutOverRequested.class, out.get(1).getPayload());
        report(id, new CutOverCompleted("u:1-5", 30L, 1L, 1, null));
        assertEquals(MigrationStatus.CUT_OVER, stored(id).getStatus());
        assertInstanceOf(CommandRejected.class, send(command(new Submit("app.users", "ADD COLUMN y INT", false, null, "ALTER")))
                .get(0).getPayload(), "a second migration of the table while the first is in flight");
        send(command(new Revert(id, false)));
        assertEquals(MigrationStatus.REVERTING, stored(id).getStatus());

        MigrationState replayed = Lifecycle.foldAll(journal.stream().filter(e -> id.equals(e.getMigrationId())).toList());
        assertEquals(stored(id), replayed, "folding the journal rebuilds the stored state");
        assertEquals(stored(id), latestStates().get(id), "the state topic carries the same state");
    }

    @Test
    void aStaleReportIsIgnored() {
        String id = submit();
        assertTrue(report(id, new CutOverCompleted("u:1", 1L, 1L, 1, null)).isEmpty());
        assertEquals(MigrationStatus.QUEUED, stored(id).getStatus());
    }

    @Test
    void theRetentionWindowEndsWithAnAutomaticComplete() {
        String id = submit();
        report(id, started());
        report(id, new CaughtUp(0L));
        report(id, new CutOverCompleted("u:1-5", 30L, 1L, 1, null));
        driver.advanceWallClockTime(Duration.ofMinutes(10));
        assertTrue(drain().isEmpty());
        driver.advanceWallClockTime(Duration.ofMinutes(25));
        List<JournalEvent> out = drain();
        assertEquals(1, out.size(), out.toString());
        assertTrue(assertInstanceOf(CompleteRequested.class, out.get(0).getPayload()).getAutomatic());
        assertEquals(Lifecycle.COMPLETE, stored(id).getPendingAction());
    }
}
