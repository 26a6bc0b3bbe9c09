package io.flipside.cli;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.config.Topics;
import io.flipside.runtime.AvroCodec;
import io.flipside.runtime.KafkaSetup;
import io.flipside.schema.Command;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * What an operator does through Kafka: writes commands to the control topic, reads the controller's answers from the
 * journal, and reads migrations' states from the state topic. Used by the CLI and the demo.
 */
public final class OperatorClient implements AutoCloseable {
    private final Topics topics;
    private final FlipsideConfig config;
    private final KafkaProducer<String, byte[]> producer;
    private final AvroCodec<Command> commands = AvroCodec.of(Command.class);
    private final AvroCodec<JournalEvent> events = AvroCodec.of(JournalEvent.class);
    private final AvroCodec<MigrationState> states = AvroCodec.of(MigrationState.class);

    public OperatorClient(FlipsideConfig config) {
        this.config = config;
        this.topics = config.topics();
        this.producer = new KafkaProducer<>(KafkaSetup.producer(config, "flipside-cli"));
    }

    /** A command with a fresh request id. */
    public static Command command(Object action, String operator, String reason) {
        return new Command(UUID.randomUUID().toString(), Instant.now(), operator, reason, action);
    }

    /** A journal reader positioned at the journal's current end: it sees only what happens after this call. */
    public JournalFollower followJournal() {
        return new JournalFollower();
    }

    public void send(Command c) {
        try {
            producer.send(new ProducerRecord<>(topics.control(), 0, c.getRequestId(), commands.encode(c)))
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot write to " + topics.control() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Every migration's latest state, read from the state topic up to its current end. */
    public Map<String, MigrationState> states() {
        Map<String, MigrationState> out = new LinkedHashMap<>();
        TopicPartition tp = new TopicPartition(topics.state(), 0);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(KafkaSetup.consumer(config, "flipside-cli-status"))) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.value() != null) {
                        MigrationState s = states.decode(r.value());
                        out.put(s.getId(), s);
                    }
                }
            }
        }
        return out;
    }

    /** One journal record: its offset, and the event, or why it could not be decoded. */
    public record JournalRecord(long offset, JournalEvent event, String unreadable) {}

    /** The journal topic {@code topic} (normally the journal; or a copy of it) from its beginning to its current end. */
    public List<JournalRecord> journal(String topic) {
        List<JournalRecord> out = new ArrayList<>();
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(KafkaSetup.consumer(config, "flipside-cli-journal"))) {
            if (c.partitionsFor(topic, Duration.ofSeconds(30)).isEmpty()) {
                throw new IllegalArgumentException("no topic " + topic);
            }
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    try {
                        out.add(new JournalRecord(r.offset(), events.decode(r.value()), null));
                    } catch (AvroCodec.BadRecordException e) {
                        out.add(new JournalRecord(r.offset(), null, e.getMessage()));
                    }
                }
            }
        }
        return out;
    }

    public String applierGroup() {
        return topics.applierGroupId();
    }

    public String journalTopic() {
        return topics.journal();
    }

    /** A member of the appliers' group: its {@code instance.id} (else Kafka's client id and host); whether it owns. */
    public record ApplierMember(String name, boolean owns) {}

    /**
     * The appliers in their group, the owner of the migrations first, as the group's coordinator describes them; empty
     * when the group cannot be described (no DESCRIBE on the group, say: the command then says nothing of appliers).
     */
    public Optional<List<ApplierMember>> appliers() {
        String group = topics.applierGroupId();
        try (Admin admin = Admin.create(KafkaSetup.common(config))) {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS)
                    .get(group);
            List<ApplierMember> out = new ArrayList<>();
            for (MemberDescription m : d.members()) {
                boolean owns = m.assignment().topicPartitions().stream()
                        .anyMatch(tp -> tp.topic().equals(topics.state()));
                String host = m.host().replaceFirst("^/", "");
                out.add(new ApplierMember(m.groupInstanceId().orElse(m.clientId() + " on " + host), owns));
            }
            out.sort(java.util.Comparator.comparing((ApplierMember m) -> !m.owns()).thenComparing(ApplierMember::name));
            return Optional.of(out);
        } catch (ExecutionException e) {
            // A group that never had a member may be unknown to the coordinator; anything else leaves it untold.
            return e.getCause() instanceof GroupIdNotFoundException ? Optional.of(List.of()) : Optional.empty();
        } catch (TimeoutException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    public Optional<MigrationState> state(String id) {
        return Optional.ofNullable(states().get(id));
    }

    /**
     * Waits until the migration's state satisfies {@code done}, reading the state topic as it grows.
     *
     * @return the state, or empty on timeout
     */
    public Optional<MigrationState> awaitState(String id, Predicate<MigrationState> done, Duration timeout) {
        TopicPartition tp = new TopicPartition(topics.state(), 0);
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(KafkaSetup.consumer(config, "flipside-cli-wait"))) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            MigrationState latest = null;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    if (id.equals(r.key()) && r.value() != null) {
                        latest = states.decode(r.value());
                    }
                }
                if (latest != null && done.test(latest)) {
                    return Optional.of(latest);
                }
            }
        }
        return Optional.empty();
    }

    /** Reads journal events from the position it was created at. */
    public final class JournalFollower implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;

        private JournalFollower() {
            TopicPartition tp = new TopicPartition(topics.journal(), 0);
            consumer = new KafkaConsumer<>(KafkaSetup.consumer(config, "flipside-cli-journal"));
            consumer.assign(List.of(tp));
            consumer.seekToEnd(List.of(tp));
            consumer.position(tp);
        }

        /** The first event caused by {@code requestId} that {@code decisive} accepts, or empty on timeout. */
        public Optional<JournalEvent> await(String requestId, Predicate<JournalEvent> decisive, Duration timeout) {
            long deadline = System.currentTimeMillis() + timeout.toMillis();
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    JournalEvent e = events.decode(r.value());
                    if (requestId.equals(e.getRequestId()) && decisive.test(e)) {
                        return Optional.of(e);
                    }
                }
            }
            return Optional.empty();
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
