package io.flipside.applier;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.runtime.AvroCodec;
import io.flipside.runtime.KafkaSetup;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationCancelled;
import io.flipside.schema.MigrationCompleted;
import io.flipside.schema.MigrationFailed;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the applier tells the controller about what it did on MySQL: proposed journal events on the reports topic.
 * The controller appends those that the migration's state allows; a report repeated after a restart changes nothing.
 */
final class Reports implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reports.class);

    private final String topic;
    private final KafkaProducer<String, byte[]> producer;
    private final AvroCodec<JournalEvent> codec = AvroCodec.of(JournalEvent.class);
    private final java.util.Map<String, Integer> attempts = new java.util.concurrent.ConcurrentHashMap<>();
    /** The attempt of each migration whose end (failed, cancelled, completed) the broker has acknowledged. */
    private final java.util.Map<String, Integer> ended = new java.util.concurrent.ConcurrentHashMap<>();

    Reports(FlipsideConfig config) {
        this.topic = config.topics().reports();
        this.producer = new KafkaProducer<>(KafkaSetup.producer(config, "flipside-applier-reports"));
    }

    /** The attempt of the migration the reports from now on are about (a worker sets it when it starts). */
    void attempt(String migrationId, int attempt) {
        attempts.put(migrationId, attempt);
    }

    /** Sends and waits for the broker's acknowledgement. */
    void send(String migrationId, Object payload, String gtid) {
        JournalEvent e = JournalEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setAt(Instant.now())
                .setMigrationId(migrationId)
                .setRecordedBy("applier")
                .setGtid(gtid)
                .setAttempt(attempt(migrationId))
                .setPayload(payload)
                .build();
        try {
            producer.send(new ProducerRecord<>(topic, 0, migrationId, codec.encode(e))).get(30, TimeUnit.SECONDS);
            LOG.info("migration {}: reported {}", migrationId, payload.getClass().getSimpleName());
            if (payload instanceof MigrationFailed || payload instanceof MigrationCancelled
                    || payload instanceof MigrationCompleted) {
                ended.put(migrationId, e.getAttempt());
            }
        } catch (ExecutionException | TimeoutException ex) {
            throw new IllegalStateException("cannot report to " + topic + ": " + ex.getMessage(), ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reporting", ex);
        }
    }

    void send(String migrationId, Object payload) {
        send(migrationId, payload, null);
    }

    /**
     * Whether this applier has reported the end of the migration's present attempt, acknowledged: a worker started
     * again for it by a state written before the controller read that report finds the outcome in the sidecar, and
     * need not report it again (an applier restarted since does, in case the report was lost).
     */
    boolean endReported(String migrationId) {
        Integer attempt = ended.get(migrationId);
        return attempt != null && attempt == attempt(migrationId);
    }

    private int attempt(String migrationId) {
        return attempts.getOrDefault(migrationId, 1);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
