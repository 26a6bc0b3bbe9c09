package io.flipside.controller;

import io.flipside.core.config.Topics;
import io.flipside.core.migration.Decisions;
import io.flipside.core.migration.JournalFold;
import io.flipside.core.migration.Lifecycle;
import io.flipside.runtime.AvroCodec;
import io.flipside.runtime.LogContext;
import io.flipside.schema.Command;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's topology: one processor reads operator commands (control topic) and the applier's reports
 * (reports topic), decides with {@link Decisions}, appends the resulting events to the journal and folds them into
 * each migration's state ({@link Lifecycle#fold}), which it keeps in a state store and publishes to the compacted state
 * topic. Under exactly-once processing the journal records, the state records and the store's changelog commit
 * together, so the store is always the fold of the journal.
 *
 * <pre>
 *   control --+                          +--> journal (every event, key: migration id)
 *             +--> [decide / accept] ----+
 *   reports --+      stores: migrations, +--> state   (latest state, compacted, key: migration id)
 *                            requests
 * </pre>
 *
 * Every input is read as bytes and decoded inside the processor: a record that is not a command is answered with a
 * rejection in the journal and skipped, never a crash (no poison pill). A command whose request id was seen before
 * takes effect once.
 */
public final class ControllerTopology {
    static final String MIGRATIONS = "migrations";
    static final String REQUESTS = "requests";
    private static final Logger LOG = LoggerFactory.getLogger(ControllerTopology.class);

    private ControllerTopology() {}

    /** {@code streamsProperties}: the application's Kafka Streams settings, which the topology reads its own from. */
    public static Topology build(Topics topics, Duration defaultRetention, Properties streamsProperties) {
        Topology t = new Topology(new TopologyConfig(new StreamsConfig(streamsProperties)));
        t.addSource("control", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), topics.control());
        t.addSource("reports", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), topics.reports());
        t.addProcessor("decide", () -> new Decide(topics, new Decisions(defaultRetention)), "control", "reports");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MIGRATIONS), Serdes.String(),
                Serdes.ByteArray()), "decide");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(REQUESTS), Serdes.String(),
                Serdes.Long()), "decide");
        t.addSink("journal", topics.journal(), Serdes.String().serializer(), Serdes.ByteArray().serializer(), "decide");
        t.addSink("state", topics.state(), Serdes.String().serializer(), Serdes.ByteArray().serializer(), "decide");
        return t;
    }

    private static final class Decide implements Processor<String, byte[], String, byte[]> {
        private final Topics topics;
        private final Decisions decisions;
        private final AvroCodec<Command> commands = AvroCodec.of(Command.class);
        private final AvroCodec<JournalEvent> events = AvroCodec.of(JournalEvent.class);
        private final AvroCodec<MigrationState> states = AvroCodec.of(MigrationState.class);
        private ProcessorContext<String, byte[]> context;
        private KeyValueStore<String, byte[]> migrations;
        private KeyValueStore<String, Long> requests;

        Decide(Topics topics, Decisions decisions) {
            this.topics = topics;
            this.decisions = decisions;
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
            this.migrations = context.getStateStore(MIGRATIONS);
            this.requests = context.getStateStore(REQUESTS);
            context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::expireRetentionWindows);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
            String topic = context.recordMetadata().map(m -> m.topic()).orElse(topics.control());
            if (topic.equals(topics.reports())) {
                JournalEvent report;
                try {
                    report = events.decode(record.value());
                } catch (AvroCodec.BadRecordException e) {
                    LOG.warn("skipping an unreadable report: {}", e.getMessage());
                    return;
                }
                MigrationState m = report.getMigrationId() == null ? null : load(report.getMigrationId());
                List<JournalEvent> out = decisions.accept(report, m, now);
                if (out.isEmpty()) {
                    LOG.info("ignoring report {} for migration {} in state {}",
                            report.getPayload().getClass().getSimpleName(), report.getMigrationId(),
                            m == null ? "unknown" : m.getStatus());
                }
                out.forEach(e -> append(e, record.timestamp()));
                return;
            }
            Command command;
            try {
                command = commands.decode(record.value());
            } catch (AvroCodec.BadRecordException e) {
                LOG.warn("rejecting a malformed command: {}", e.getMessage());
                append(Decisions.malformed(e.getMessage(), now), record.timestamp());
                return;
            }
            if (requests.get(command.getRequestId()) != null) {
                LOG.info("request {} was already handled; ignoring the repeat", command.getRequestId());
                return;
            }
            requests.put(command.getRequestId(), now.toEpochMilli());
            List<JournalEvent> out = decisions.decide(command, view(), now);
            out.forEach(e -> append(e, record.timestamp()));
        }

        private void append(JournalEvent e, long timestamp) {
            String key = e.getMigrationId() == null ? "" : e.getMigrationId();
            context.forward(new Record<>(key, events.encode(e), timestamp), "journal");
            if (e.getMigrationId() == null) {
                return;
            }
            MigrationState before = load(e.getMigrationId());
            try (LogContext.Scope scope = LogContext.scope(e.getMigrationId(),
                    before == null ? "SUBMITTED" : before.getStatus().name())) {
                fold(before, e, timestamp);
            }
        }

        private void fold(MigrationState before, JournalEvent e, long timestamp) {
            Optional<MigrationState> next = JournalFold.next(before, e);
            if (next.isEmpty()) {
                return;
            }
            MigrationState after = next.get();
            byte[] bytes = states.encode(after);
            migrations.put(e.getMigrationId(), bytes);
            context.forward(new Record<>(e.getMigrationId(), bytes, timestamp), "state");
            if (before == null || before.getStatus() != after.getStatus()) {
                LOG.info("migration {} ({}): {} -> {} by {}", after.getId(), after.getTable(),
                        before == null ? "-" : before.getStatus(), after.getStatus(),
                        e.getPayload().getClass().getSimpleName());
            }
        }

        private void expireRetentionWindows(long wallClock) {
            Instant now = Instant.ofEpochMilli(wallClock);
            List<JournalEvent> due = new ArrayList<>();
            try (KeyValueIterator<String, byte[]> it = migrations.all()) {
                while (it.hasNext()) {
                    KeyValue<String, byte[]> kv = it.next();
                    decisions.expire(states.decode(kv.value), now).ifPresent(due::add);
                }
            }
            due.forEach(e -> append(e, wallClock));
        }

        private MigrationState load(String id) {
            byte[] b = migrations.get(id);
            return b == null ? null : states.decode(b);
        }

        private Decisions.Migrations view() {
            return new Decisions.Migrations() {
                @Override
                public Optional<MigrationState> byId(String id) {
                    return Optional.ofNullable(load(id));
                }

                @Override
                public Collection<MigrationState> all() {
                    List<MigrationState> all = new ArrayList<>();
                    try (KeyValueIterator<String, byte[]> it = migrations.all()) {
                        it.forEachRemaining(kv -> all.add(states.decode(kv.value)));
                    }
                    return all;
                }
            };
        }
    }
}
