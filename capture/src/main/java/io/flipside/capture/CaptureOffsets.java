package io.flipside.capture;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.runtime.KafkaSetup;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;

/**
 * The binlog position the capture reads on from: what Debezium's engine keeps in the capture's offsets topic (Kafka
 * Connect's {@code KafkaOffsetBackingStore}, a compacted topic whose last value for a key is the stored offset, and a
 * null value none). Read whole, because the topic holds only this capture's engine.
 */
public final class CaptureOffsets {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    /** One stored offset: the record's key as Kafka Connect wrote it, and its value's binlog coordinates. */
    public record Stored(String key, String binlogFile, long binlogPos, String gtids) {
        /** {@code file:pos}, and the GTID set when there is one. */
        public String describe() {
            return binlogFile + ":" + binlogPos + (gtids == null || gtids.isEmpty() ? "" : " (GTIDs " + gtids + ")");
        }
    }

    private CaptureOffsets() {}

    /** The offsets the capture's engine would start from; empty when it would start afresh. */
    public static List<Stored> read(FlipsideConfig config) {
        String topic = config.topics().captureOffsets();
        Map<String, byte[]> latest = new LinkedHashMap<>();
        java.util.Properties properties = KafkaSetup.consumer(config,
                "flipside-capture-offsets-" + config.topics().serverName());
        // Before the capture's first start the topic does not exist, and Kafka Connect creates it compacted: asking for
        // its partitions must not have a broker that creates topics on demand create it first, uncompacted.
        properties.put(org.apache.kafka.clients.consumer.ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(properties)) {
            // Not listTopics: a topic the user may not describe is missing from it, and would read as no position.
            // partitionsFor says so (TopicAuthorizationException), and is empty only when the topic does not exist.
            List<TopicPartition> partitions = consumer.partitionsFor(topic, READ_TIMEOUT).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            if (partitions.isEmpty()) {
                return List.of();
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, READ_TIMEOUT);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within " + READ_TIMEOUT);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) {
                        latest.remove(r.key());
                    } else {
                        latest.put(r.key(), r.value());
                    }
                }
            }
        }
        JsonConverter json = new JsonConverter();
        json.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), false);
        return latest.entrySet().stream().map(e -> {
            Object value = json.toConnectData(topic, e.getValue()).value();
            Map<?, ?> offset = value instanceof Map<?, ?> m ? m : Map.of();
            return new Stored(e.getKey(), text(offset.get("file")),
                    offset.get("pos") instanceof Number n ? n.longValue() : 0, text(offset.get("gtids")));
        }).toList();
    }

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }

    /**
     * Removes {@code stored} from the offsets topic (a null value for each key, as Kafka Connect itself resets an
     * offset): the engine's next start finds no position and begins at the server's current one.
     */
    public static void reset(FlipsideConfig config, List<Stored> stored) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                KafkaSetup.producer(config, "flipside-capture-reset-" + config.topics().serverName()))) {
            for (Stored s : stored) {
                producer.send(new ProducerRecord<>(config.topics().captureOffsets(), s.key(), null)).get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not reset the capture's offsets: " + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while resetting the capture's offsets", e);
        }
    }

    /** The server's binlog files, oldest first ({@code SHOW BINARY LOGS}). */
    public static List<String> binlogs(java.sql.Connection c) throws java.sql.SQLException {
        List<String> files = new java.util.ArrayList<>();
        try (java.sql.Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("SHOW BINARY LOGS")) {
            while (rs.next()) {
                files.add(rs.getString(1));
            }
        }
        return files;
    }

    /**
     * The transactions of {@code stored}'s GTID set that the server has not executed, as a GTID set; empty when it has
     * them all (or no set was stored). Not empty when the server is not the one the capture read them from, or lost
     * them: a replica promoted before it had received the old source's last transactions.
     */
    public static Optional<String> notExecuted(java.sql.Connection c, Stored stored) throws java.sql.SQLException {
        if (stored.gtids() == null || stored.gtids().isBlank()) {
            return Optional.empty();
        }
        try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT GTID_SUBTRACT(?, @@GLOBAL.gtid_executed)")) {
            ps.setString(1, stored.gtids());
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                String missing = rs.getString(1);
                return missing == null || missing.isBlank() ? Optional.empty()
                        : Optional.of(missing.replace("\n", ""));
            }
        }
    }

    /** The first of {@code stored} that names a binlog file. */
    public static Optional<Stored> position(List<Stored> stored) {
        return stored.stream().filter(s -> s.binlogFile() != null).findFirst();
    }
}
