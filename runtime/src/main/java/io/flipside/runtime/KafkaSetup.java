package io.flipside.runtime;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.config.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Kafka client settings and the topics Flipside needs, created when missing. */
public final class KafkaSetup {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSetup.class);

    private KafkaSetup() {}

    /** Settings shared by every client: bootstrap servers and the pass-through {@code kafka.*} keys. */
    public static Properties common(FlipsideConfig config) {
        Properties p = new Properties();
        p.putAll(config.kafkaClientSettings());
        return p;
    }

    /** An ordered, idempotent producer of String keys and byte values that waits for every in-sync replica. */
    public static Properties producer(FlipsideConfig config, String clientId) {
        Properties p = common(config);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    /**
     * A consumer without a group (partitions are assigned by hand, positions kept by whoever reads) that sees only
     * committed records of transactional writers.
     */
    public static Properties consumer(FlipsideConfig config, String clientId) {
        Properties p = common(config);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    /**
     * The group membership settings of the applier's consumer and the controller's Kafka Streams consumer: the session
     * timeout ({@code group.session.timeout.ms}, heartbeats six times within it) and, when {@code instance.id} is set,
     * that name as a static member's {@code group.instance.id}.
     */
    public static Map<String, Object> groupMembership(FlipsideConfig config) {
        int session = config.get(FlipsideConfig.GROUP_SESSION_TIMEOUT_MS);
        Map<String, Object> m = new HashMap<>();
        m.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, session);
        m.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Math.max(100, session / 6));
        String instance = config.get(FlipsideConfig.INSTANCE_ID);
        if (!instance.isEmpty()) {
            m.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instance);
        }
        return m;
    }

    /**
     * Creates the control, journal, state and reports topics when they do not exist: one partition each, so that
     * commands and events keep one order; the journal is kept forever (it is the audit record), the state topic is
     * compacted.
     */
    public static void ensureControlTopics(FlipsideConfig config) {
        Topics t = config.topics();
        create(config, List.of(topic(t.control(), Map.of()),
                topic(t.journal(), Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1")), stateTopic(t), reportsTopic(t)));
    }

    /**
     * Creates the two control topics the applier uses when they do not exist: the state topic it reads and the
     * reports topic it writes (so that it needs no access to the control topic and the journal).
     */
    public static void ensureApplierTopics(FlipsideConfig config) {
        Topics t = config.topics();
        create(config, List.of(stateTopic(t), reportsTopic(t)));
    }

    private static NewTopic stateTopic(Topics t) {
        return topic(t.state(), Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
    }

    private static NewTopic reportsTopic(Topics t) {
        return topic(t.reports(), Map.of());
    }

    /** The changelog of one server: one partition, to keep binlog order. */
    public static void ensureChangelogTopic(FlipsideConfig config) {
        create(config, List.of(topic(config.topics().changelog(), Map.of(TopicConfig.RETENTION_MS_CONFIG,
                String.valueOf(config.get(FlipsideConfig.CHANGELOG_RETENTION_MS))))));
    }

    private static NewTopic topic(String name, Map<String, String> configs) {
        // Replication factor: the broker's default.
        return new NewTopic(name, Optional.of(1), Optional.empty()).configs(new HashMap<>(configs));
    }

    private static void create(FlipsideConfig config, List<NewTopic> topics) {
        try (Admin admin = Admin.create(common(config))) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t.name())).toList();
            if (missing.isEmpty()) {
                return;
            }
            try {
                admin.createTopics(missing).all().get();
                LOG.info("created topics {}", missing.stream().map(NewTopic::name).toList());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create Kafka topics: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    public static Duration pollTimeout() {
        return Duration.ofMillis(100);
    }
}
