package io.flipside.applier;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.migration.Transitions;
import io.flipside.runtime.AvroCodec;
import io.flipside.runtime.KafkaSetup;
import io.flipside.runtime.ServerRequirements;
import io.flipside.schema.MigrationState;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Collection;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The applier role: follows the controller's state topic and runs one {@link MigrationWorker} per migration that is
 * not finished, which does the migration's work on MySQL and reports it.
 *
 * <p>Appliers follow the state topic in one consumer group: the topic has one partition, so one member at a time is
 * assigned it and owns every migration; the others wait as hot standbys. When the owner dies, its partition goes to a
 * standby after the group's session timeout, or back to it at once when it is started again under its
 * {@code instance.id}. A paused owner that wakes up after that has its workers fenced by the sidecar's epoch
 * ({@link Fenced}) before it notices the revocation and stops them.
 */
public final class Applier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Applier.class);

    private final FlipsideConfig config;
    private final Db db;
    private static final long RETIRE_CHECK_MS = 1000;
    private final Thread retirer;
    private final Sidecar sidecar;
    private final Reports reports;
    private final KafkaConsumer<String, byte[]> states;
    private final AvroCodec<MigrationState> codec = AvroCodec.of(MigrationState.class);
    private final Map<String, MigrationWorker> workers = new ConcurrentHashMap<>();
    private final Map<String, Long> finishedAtVersion = new ConcurrentHashMap<>();
    private final Thread watcher;
    private volatile boolean closing;
    /** Why the state watcher stopped while the applier was not closing, or null. */
    private volatile String stopped;
    private boolean standingBy;
    private volatile boolean owning;

    public Applier(FlipsideConfig config) throws SQLException {
        this.config = config;
        this.db = new Db(config);
        this.sidecar = new Sidecar(config.get(FlipsideConfig.SIDECAR_DATABASE));
        try (Connection c = db.connect()) {
            sidecar.create(c);
            List<String> unmet = ServerRequirements.unmet(c);
            if (!unmet.isEmpty()) {
                LOG.error("MySQL at {}:{}: {}; every migration submitted is rejected until they are set",
                        config.get(FlipsideConfig.MYSQL_HOST), config.get(FlipsideConfig.MYSQL_PORT),
                        ServerRequirements.describe(unmet));
            }
            if (ServerRequirements.unloggedDatabases(c, List.of(sidecar.database)).isEmpty()) {
                LOG.info("MySQL at {}:{}: the applier cannot see the binary log's filters (binlog-do-db,"
                        + " binlog-ignore-db: the binary log's status takes REPLICATION CLIENT), so a migration of a"
                        + " table whose database the server does not log is not refused (the freeze-point checksums"
                        + " show the writes missed); see the README's grants",
                        config.get(FlipsideConfig.MYSQL_HOST), config.get(FlipsideConfig.MYSQL_PORT));
            }
            if (ServerRequirements.otherSessions(c).isEmpty()) {
                LOG.info("MySQL at {}:{}: the applier cannot see the other sessions' binary log settings"
                        + " (performance_schema is off, or its user may not read performance_schema.threads and"
                        + " variables_by_thread), so a session that sets its own binlog_format, or turns its"
                        + " logging off (sql_log_bin), is not seen before a migration or a swap (only by the"
                        + " freeze-point checksums); see the README's grants",
                        config.get(FlipsideConfig.MYSQL_HOST), config.get(FlipsideConfig.MYSQL_PORT));
            }
            if (ServerRequirements.unloggedReplication(c).isEmpty()) {
                LOG.info("MySQL at {}:{}: the applier cannot see whether the server applies replicated transactions"
                        + " without logging them (performance_schema is off, or its user may not read"
                        + " performance_schema.replication_applier_status), so a migration on such a replica is not"
                        + " refused (the freeze-point checksums show the writes missed); see the README's grants",
                        config.get(FlipsideConfig.MYSQL_HOST), config.get(FlipsideConfig.MYSQL_PORT));
            }
            for (String advice : ServerAdvice.of(c)) {
                LOG.warn("MySQL at {}:{}: {}", config.get(FlipsideConfig.MYSQL_HOST), config.get(FlipsideConfig.MYSQL_PORT),
                        advice);
            }
        }
        KafkaSetup.ensureApplierTopics(config);
        KafkaSetup.ensureChangelogTopic(config);
        this.reports = new Reports(config);
        java.util.Properties p = KafkaSetup.consumer(config, "flipside-applier-state");
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG, config.topics().applierGroupId());
        p.putAll(KafkaSetup.groupMembership(config));
        // Sticky and incremental: an applier joining or leaving the group as a standby takes nothing from the owner and
        // revokes nothing, so that the owner's work goes on through it (an eager assignor revokes every partition at
        // every rebalance, and the range assignor may hand the partition to the newcomer).
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                org.apache.kafka.clients.consumer.CooperativeStickyAssignor.class.getName());
        this.states = new KafkaConsumer<>(p);
        this.watcher = new Thread(this::watch, "flipside-applier");
        this.watcher.setDaemon(true);
        this.retirer = new Thread(this::retire, "flipside-retirer");
        this.retirer.setDaemon(true);
    }

    public Applier start() {
        watcher.start();
        retirer.start();
        return this;
    }

    /** Drops the held tables whose hold time has passed, every few seconds, until closed. */
    private void retire() {
        Retirement retirement = new Retirement(db, sidecar, config, () -> closing);
        while (!closing) {
            try {
                retirement.dropDue();
            } catch (SQLException | RuntimeException e) {
                LOG.warn("could not drop the held tables that are due (retrying): {}", e.getMessage());
            }
            try {
                Thread.sleep(RETIRE_CHECK_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void watch() {
        states.subscribe(List.of(config.topics().state()), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    // Every migration's latest state: the compacted topic from its start.
                    states.seekToBeginning(partitions);
                    LOG.info("this applier owns the migrations now (assigned {})", partitions);
                    standingBy = false;
                    owning = true;
                } else if (states.assignment().isEmpty() && !standingBy) {
                    // Called after every rebalance of the group; said once, and again after owning.
                    LOG.info("this applier stands by: another applier in group {} owns the migrations",
                            config.topics().applierGroupId());
                    standingBy = true;
                }
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                if (partitions.isEmpty()) {
                    return;
                }
                owning = false;
                if (closing) {
                    // Its own close: the group hands the migrations to the next applier, nothing went wrong.
                    LOG.info("this applier is closing and hands the migrations back ({}); stopping its workers",
                            partitions);
                } else {
                    LOG.warn("this applier no longer owns the migrations ({} revoked); stopping its workers",
                            partitions);
                }
                stopWorkers();
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                onPartitionsRevoked(partitions);
            }
        });
        LOG.info("applier started; following {} in group {}", config.topics().state(), config.topics().applierGroupId());
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
        } catch (FencedInstanceIdException e) {
            stopped = String.format("another applier joined group %s as %s=%s", config.topics().applierGroupId(),
                    FlipsideConfig.INSTANCE_ID.key(), config.get(FlipsideConfig.INSTANCE_ID));
            LOG.error("{}; this one stops its workers and follows the migrations no more (give every applier an"
                    + " instance.id of its own)", stopped);
        } catch (RuntimeException e) {
            stopped = "its state watcher stopped: " + e;
            LOG.error("the applier's state watcher stopped; this applier stops its workers", e);
        } finally {
            owning = false;
            if (!closing) {
                // It follows the state topic no more, so it cannot see a cut-over or a revert asked for: the group
                // hands the migrations to another applier.
                stopWorkers();
            }
            // Leaves the group even as a static member: another applier takes the migrations over at once.
            states.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
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
        MigrationWorker[] self = new MigrationWorker[1];
        MigrationWorker worker = new MigrationWorker(s, config, db, sidecar, reports, () -> {
            workers.remove(id);
            finishedAtVersion.put(id, self[0].latestVersion());
        });
        self[0] = worker;
        workers.put(id, worker);
        Thread t = new Thread(worker, "flipside-migration-" + id);
        t.setDaemon(true);
        t.start();
    }

    /** Stops every worker and waits for them (their progress is in the sidecar; the next owner resumes it). */
    private void stopWorkers() {
        workers.values().forEach(MigrationWorker::stop);
        long deadline = System.currentTimeMillis() + 60_000;
        while (!workers.isEmpty() && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        finishedAtVersion.clear();
    }

    /**
     * Why the applier is not ready: its state watcher stopped for good (another process took its {@code instance.id},
     * say), so that it follows no migration; empty while it owns the migrations or stands by.
     */
    public java.util.Optional<String> notReady() {
        return java.util.Optional.ofNullable(stopped);
    }

    /** Whether this applier owns the migrations (is assigned the state topic) rather than standing by. */
    public boolean owns() {
        return owning;
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
