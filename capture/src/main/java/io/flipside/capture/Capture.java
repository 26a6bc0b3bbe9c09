package io.flipside.capture;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.config.Topics;
import io.flipside.core.migration.Names;
import io.flipside.runtime.AvroCodec;
import io.flipside.runtime.KafkaSetup;
import io.flipside.schema.ChangeEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The capture role: reads one MySQL server's binlog with the Debezium Embedded Engine and publishes every row change
 * and DDL statement, with its GTID and binlog coordinates, to the changelog topic in binlog order.
 *
 * <ul>
 *   <li>No snapshot of data (the copy is the applier's) and no locks at start: {@code snapshot.mode=no_data} with
 *       {@code snapshot.locking.mode=none}, because Debezium's default start takes a global read lock, a write freeze
 *       on production.</li>
 *   <li>At least once: a batch is acknowledged to Debezium (its offsets may then be committed) only after Kafka
 *       acknowledged every record of it. After a crash some events are published twice; the applier's key-based apply
 *       makes that harmless.</li>
 *   <li>Offsets and schema history live in Kafka, so a restart resumes where the last committed batch ended.</li>
 *   <li>The tables Flipside fills itself (shadow and old tables, and the sidecar's bookkeeping) are not published; the
 *       sidecar's copy cursors and freeze markers are, because the applier reads them back in binlog order.</li>
 * </ul>
 */
public final class Capture implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Capture.class);

    private final FlipsideConfig config;
    private final Topics topics;
    private final ChangeEvents converter;
    private final AvroCodec<ChangeEvent> codec = AvroCodec.of(ChangeEvent.class);
    private final KafkaProducer<String, byte[]> producer;
    private final CountDownLatch started = new CountDownLatch(1);
    private final Thread runner;
    private volatile DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private volatile boolean closing;
    private volatile long published;

    public Capture(FlipsideConfig config) {
        this.config = config;
        this.topics = config.topics();
        this.converter = new ChangeEvents(topics.serverName());
        KafkaSetup.ensureChangelogTopic(config);
        Properties p = KafkaSetup.producer(config, "flipside-capture-" + topics.serverName());
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        this.producer = new KafkaProducer<>(p);
        this.runner = new Thread(this::runWithRestarts, "flipside-capture");
        this.runner.setDaemon(true);
    }

    public Capture start() {
        runner.start();
        return this;
    }

    /** Waits until the engine has started its task (it then reads the binlog from its position). */
    public boolean awaitStarted(Duration timeout) throws InterruptedException {
        return started.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Events published since start. */
    public long published() {
        return published;
    }

    private void runWithRestarts() {
        Duration backoff = Duration.ofSeconds(1);
        while (!closing) {
            try {
                DebeziumEngine<RecordChangeEvent<SourceRecord>> e = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                        .using(engineProperties())
                        .using(new DebeziumEngine.ConnectorCallback() {
                            @Override
                            public void taskStarted() {
                                LOG.info("capture of server {} started; publishing to {}", topics.serverName(),
                                        topics.changelog());
                                started.countDown();
                            }
                        })
                        .using((success, message, error) -> {
                            if (!success && !closing) {
                                LOG.warn("capture stopped: {}", message, error);
                            }
                        })
                        .notifying(this::publish)
                        .build();
                engine = e;
                e.run();
            } catch (RuntimeException e) {
                LOG.warn("capture failed", e);
            }
            if (closing) {
                break;
            }
            LOG.info("capture restarts in {} ms", backoff.toMillis());
            try {
                Thread.sleep(backoff.toMillis());
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
            backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30)
                    : backoff.multipliedBy(2);
        }
    }

    private void publish(List<RecordChangeEvent<SourceRecord>> batch,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        long now = System.currentTimeMillis();
        List<Future<RecordMetadata>> sent = new ArrayList<>(batch.size());
        for (RecordChangeEvent<SourceRecord> r : batch) {
            Optional<ChangeEvent> event = converter.convert(r.record(), now);
            if (event.isEmpty()) {
                continue;
            }
            ChangeEvent ev = event.get();
            String key = ev.getTable() == null ? String.valueOf(ev.getDatabase()) : ev.getDatabase() + "." + ev.getTable();
            ProducerRecord<String, byte[]> pr = new ProducerRecord<>(topics.changelog(), 0, key, codec.encode(ev));
            if (ev.getGtid() != null) {
                pr.headers().add("gtid", ev.getGtid().getBytes(StandardCharsets.UTF_8));
            }
            sent.add(producer.send(pr));
        }
        producer.flush();
        for (Future<RecordMetadata> f : sent) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                // Not acknowledged: fail the batch so that Debezium does not commit its offsets; it is re-read.
                throw new IllegalStateException("changelog write failed: " + e.getCause().getMessage(), e.getCause());
            }
        }
        published += sent.size();
        for (RecordChangeEvent<SourceRecord> r : batch) {
            committer.markProcessed(r);
        }
        committer.markBatchFinished();
    }

    Properties engineProperties() {
        Properties p = new Properties();
        String sidecar = config.get(FlipsideConfig.SIDECAR_DATABASE);
        p.put("name", "flipside-capture-" + topics.serverName());
        p.put("connector.class", "io.debezium.connector.mysql.MySqlConnector");
        p.put("topic.prefix", topics.serverName());
        p.put("database.hostname", config.get(FlipsideConfig.MYSQL_HOST));
        p.put("database.port", String.valueOf(config.get(FlipsideConfig.MYSQL_PORT)));
        p.put("database.user", config.get(FlipsideConfig.MYSQL_USER));
        p.put("database.password", config.get(FlipsideConfig.MYSQL_PASSWORD));
        p.put("database.server.id", String.valueOf(config.get(FlipsideConfig.CAPTURE_SERVER_ID)));
        p.put("driver.allowPublicKeyRetrieval", "true");
        // No data snapshot and no locks: the default start takes FLUSH TABLES WITH READ LOCK.
        p.put("snapshot.mode", "no_data");
        p.put("snapshot.locking.mode", "none");
        p.put("include.schema.changes", "true");
        p.put("tombstones.on.delete", "false");
        p.put("table.exclude.list", String.join(",",
                "[^.]+\\." + Names.HELPER_TABLE.pattern(),
                Pattern.quote(sidecar) + "\\.(migrations|apply_state)"));
        p.put("decimal.handling.mode", "string");
        p.put("bigint.unsigned.handling.mode", "precise");
        p.put("binary.handling.mode", "bytes");
        p.put("poll.interval.ms", String.valueOf(config.get(FlipsideConfig.CAPTURE_POLL_MS)));
        p.put("max.batch.size", "4096");
        p.put("max.queue.size", "16384");
        p.put("heartbeat.interval.ms", "10000");
        p.put("record.processing.threads", "1");
        // Offsets and schema history in Kafka.
        p.put("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
        p.put("offset.storage.topic", topics.captureOffsets());
        p.put("offset.storage.partitions", "1");
        p.put("offset.storage.replication.factor", "-1");
        p.put("offset.flush.interval.ms", "1000");
        p.put("schema.history.internal", "io.debezium.storage.kafka.history.KafkaSchemaHistory");
        p.put("schema.history.internal.kafka.topic", topics.captureSchemaHistory());
        p.put("schema.history.internal.kafka.bootstrap.servers", config.get(FlipsideConfig.KAFKA_BOOTSTRAP));
        for (Map.Entry<String, String> e : config.kafkaClientSettings().entrySet()) {
            p.put(e.getKey(), e.getValue());
            if (!e.getKey().equals("bootstrap.servers")) {
                p.put("schema.history.internal.producer." + e.getKey(), e.getValue());
                p.put("schema.history.internal.consumer." + e.getKey(), e.getValue());
            }
        }
        return p;
    }

    @Override
    public void close() {
        closing = true;
        DebeziumEngine<RecordChangeEvent<SourceRecord>> e = engine;
        try {
            if (e != null) {
                e.close();
            }
        } catch (IOException ex) {
            LOG.warn("closing the engine", ex);
        } finally {
            try {
                runner.join(30_000);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            producer.close(Duration.ofSeconds(5));
        }
    }
}
