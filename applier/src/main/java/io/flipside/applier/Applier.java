package io.flipside.applier;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.migration.Transitions;
import io.flipside.runtime.AvroCodec;
import io.flipside.runtime.KafkaSetup;
import io.flipside.schema.MigrationState;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The applier role: follows the controller's state topic and runs one {@link MigrationWorker} per migration that is
 * not finished, which does the migration's work on MySQL and reports it.
 */
public final class Applier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Applier.class);

    private final FlipsideConfig config;
    private final Db db;
    private final Sidecar sidecar;
    private final Reports reports;
    private final KafkaConsumer<String, byte[]> states;
    private final AvroCodec<MigrationState> codec = AvroCodec.of(MigrationState.class);
    private final Map<String, MigrationWorker> workers = new ConcurrentHashMap<>();
    private final Map<String, Long> finishedAtVersion = new ConcurrentHashMap<>();
    private final Thread watcher;
    private volatile boolean closing;

    public Applier(FlipsideConfig config) throws SQLException {
        this.config = config;
        this.db = new Db(config);
        this.sidecar = new Sidecar(config.get(FlipsideConfig.SIDECAR_DATABASE));
        try (Connection c = db.connect()) {
            sidecar.create(c);
        }
        KafkaSetup.ensureControlTopics(config);
        KafkaSetup.ensureChangelogTopic(config);
        this.reports = new Reports(config);
        this.states = new KafkaConsumer<>(KafkaSetup.consumer(config, "flipside-applier-state"));
        this.watcher = new Thread(this::watch, "flipside-applier");
        this.watcher.setDaemon(true);
    }

    public Applier start() {
        watcher.start();
        return this;
    }

    private void watch() {
        TopicPartition tp = new TopicPartition(config.topics().state(), 0);
        states.assign(List.of(tp));
        states.seekToBeginning(List.of(tp));
        LOG.info("applier started; following {}", config.topics().state());
        try {
            while (!closing) {
                for (ConsumerRecord<String, byte[]> rec : states.poll(Duration.ofMillis(200))) {
                    if (rec.value() == null) {
                        continue;
                    }
                    try {
                        dispatch(codec.decode(rec.value()));
                    } catch (AvroCodec.BadRecordException e) {
                        LOG.warn("skipping unreadable state record at offset {}: {}", rec.offset(), e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("the applier's state watcher stopped", e);
        } finally {
            states.close();
        }
    }

    private void dispatch(MigrationState s) {
        String id = s.getId();
        Long finished = finishedAtVersion.get(id);
        if (finished != null && s.getVersion() <= finished) {
            return;
        }
        MigrationWorker w = workers.get(id);
        if (w != null) {
            w.update(s);
            return;
        }
        if (Transitions.isFinal(s.getStatus()) || closing) {
            return;
        }
        MigrationWorker worker = new MigrationWorker(s, config, db, sidecar, reports, () -> {
            workers.remove(id);
            finishedAtVersion.put(id, s.getVersion());
        });
        workers.put(id, worker);
        Thread t = new Thread(worker, "flipside-migration-" + id);
        t.setDaemon(true);
        t.start();
    }

    /** Migrations this applier is working on. */
    public int activeMigrations() {
        return workers.size();
    }

    @Override
    public void close() {
        closing = true;
        states.wakeup();
        workers.values().forEach(MigrationWorker::stop);
        try {
            watcher.join(10_000);
            long deadline = System.currentTimeMillis() + 60_000;
            while (!workers.isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reports.close();
    }
}
