package io.flipside.testkit;

import kafka.server.BrokerServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real Kafka broker in this JVM: a KRaft cluster of one combined node (broker + controller) built with
 * {@link KafkaClusterTestKit}, PLAINTEXT on localhost, bootstrapped at the latest production metadata version.
 *
 * <p>Configured for a single node: replication factor and min ISR 1 for the internal topics (so transactions,
 * exactly-once Kafka Streams and consumer groups work), no rebalance delay, {@code num.partitions=1} and no
 * automatic topic creation. Data lives in {@code workDir} (kept on close).
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

    private static final int NODE_ID = 0;

    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;
    private boolean closed;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        this.bootstrapServers = cluster.bootstrapServers();
    }

    /** Formats and starts a one-node KRaft cluster whose logs are in {@code workDir} (which must be empty or absent). */
    public static EmbeddedKafka start(Path workDir) {
        long t0 = System.nanoTime();
        Path dir = workDir.toAbsolutePath().normalize();
        KafkaClusterTestKit cluster = null;
        try {
            Files.createDirectories(dir);
            TestKitNodes nodes = new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    // the test kit's default, latestTesting(), is an unreleased version
                    .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                    .setBaseDirectory(dir)
                    .build();
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes).setDeleteOnClose(false);
            brokerConfig().forEach(builder::setConfigProp);
            cluster = builder.build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            EmbeddedKafka kafka = new EmbeddedKafka(cluster);
            log.info("Kafka (KRaft, 1 combined node, metadata version {}) started in {} ms at {}",
                    MetadataVersion.latestProduction(), millisSince(t0), kafka.bootstrapServers);
            return kafka;
        } catch (Exception e) {
            if (cluster != null) {
                try {
                    cluster.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Could not start the embedded Kafka in " + dir, e);
        }
    }

    static Map<String, Object> brokerConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put("offsets.topic.replication.factor", "1");
        c.put("offsets.topic.num.partitions", "5");
        c.put("transaction.state.log.replication.factor", "1");
        c.put("transaction.state.log.min.isr", "1");
        c.put("transaction.state.log.num.partitions", "5");
        c.put("share.coordinator.state.topic.replication.factor", "1");
        c.put("share.coordinator.state.topic.min.isr", "1");
        c.put("share.coordinator.state.topic.num.partitions", "5");
        c.put("default.replication.factor", "1");
        c.put("min.insync.replicas", "1");
        c.put("group.initial.rebalance.delay.ms", "0");
        c.put("num.partitions", "1");
        c.put("auto.create.topics.enable", "false");
        // A restarted broker cannot register again until the session of its previous incarnation expires
        // (DUPLICATE_BROKER_REGISTRATION): the default 9 s session made restartBroker() take ~10.5 s.
        c.put("broker.heartbeat.interval.ms", "500");
        c.put("broker.session.timeout.ms", "4000");
        // behave like a released broker, not like Kafka's own tests
        c.put("unstable.api.versions.enable", "false");
        c.put("unstable.feature.versions.enable", "false");
        // modest thread counts: the machine has 2 cores shared with mysqld and the tests
        c.put("num.network.threads", "2");
        c.put("num.io.threads", "4");
        c.put("background.threads", "4");
        c.put("num.replica.fetchers", "1");
        c.put("num.recovery.threads.per.data.dir", "1");
        c.put("log.cleaner.threads", "1");
        return c;
    }

    /** {@code host:port} of the broker's PLAINTEXT listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** A new Admin client; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /** Creates a topic (replication factor 1) and waits for it; does nothing if it exists. */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /** Creates a topic (replication factor 1) with topic configs and waits for it; does nothing if it exists. */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Could not create topic " + name, e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topic " + name, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Timed out creating topic " + name, e);
        }
    }

    /**
     * Stops the broker (clean shutdown) and starts it again, keeping its logs and its listener port; the controller
     * keeps running. Returns when the broker is registered and unfenced again.
     */
    public synchronized void restartBroker() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        long t0 = System.nanoTime();
        BrokerServer broker = cluster.brokers().get(NODE_ID);
        broker.shutdown(Duration.ofSeconds(30));
        broker.awaitShutdown();
        broker.startup();
        try {
            cluster.waitForReadyBrokers();
            // startup() has created a new lifecycle manager: wait until the controller unfenced the broker
            broker.lifecycleManager().initialUnfenceFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("The broker did not come back", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while restarting the broker", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("The broker was not unfenced within 30 s of its restart", e);
        }
        String now = cluster.bootstrapServers();
        if (!now.equals(bootstrapServers)) {
            throw new IllegalStateException("The broker came back on " + now + " instead of " + bootstrapServers);
        }
        log.info("Kafka broker restarted in {} ms at {}", millisSince(t0), bootstrapServers);
    }

    /** The underlying test kit, for what this class does not cover. */
    public KafkaClusterTestKit cluster() {
        return cluster;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long t0 = System.nanoTime();
        try {
            cluster.close();
            log.info("Kafka stopped in {} ms", millisSince(t0));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Could not stop the embedded Kafka cleanly", e);
        }
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + bootstrapServers + "]";
    }
}
