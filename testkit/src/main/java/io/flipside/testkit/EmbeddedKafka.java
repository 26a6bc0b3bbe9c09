package io.flipside.testkit;

import kafka.server.BrokerServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.SaslConfigs;
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
 * {@link KafkaClusterTestKit}, PLAINTEXT on localhost, bootstrapped at the latest production metadata version; or,
 * {@link #startSecured secured}, SASL_PLAINTEXT with users and an authorizer.
 *
 * <p>Configured for a single node: replication factor and min ISR 1 for the internal topics (so transactions,
 * exactly-once Kafka Streams and consumer groups work), no rebalance delay, {@code num.partitions=1} and no
 * automatic topic creation. Data lives in {@code workDir} (kept on close).
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

    private static final int NODE_ID = 0;

    /** The only super user of a {@link #startSecured secured} broker. */
    public static final String SUPER_USER = "admin";

    private static final String PLAIN_LOGIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";

    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;
    /** Security settings of the super user's clients; empty for a PLAINTEXT broker. */
    private final Map<String, Object> adminSecurity;
    private boolean closed;

    private EmbeddedKafka(KafkaClusterTestKit cluster, Map<String, Object> adminSecurity) {
        this.cluster = cluster;
        this.bootstrapServers = cluster.bootstrapServers();
        this.adminSecurity = Map.copyOf(adminSecurity);
    }

    /** Formats and starts a one-node KRaft cluster whose logs are in {@code workDir} (which must be empty or absent). */
    public static EmbeddedKafka start(Path workDir) {
        return start(workDir, Map.of(), Map.of(), "PLAINTEXT, no authorizer");
    }

    /**
     * The same cluster, creating a topic when a client asks for one that does not exist ({@code
     * auto.create.topics.enable=true}, Kafka's own default, which {@link #start} turns off).
     */
    public static EmbeddedKafka startCreatingTopicsOnDemand(Path workDir) {
        return start(workDir, Map.of("auto.create.topics.enable", "true"), Map.of(),
                "PLAINTEXT, no authorizer, topics created on demand");
    }

    /**
     * The same cluster with authentication and authorization: both listeners (the broker's and the controller's)
     * speak SASL_PLAINTEXT with the PLAIN mechanism, and KRaft's {@code StandardAuthorizer} denies whatever no ACL
     * allows ({@code allow.everyone.if.no.acl.found=false}). {@link #SUPER_USER} (password {@code adminPassword}) is the
     * only super user: the broker and controller authenticate to each other as it, and {@link #admin()} and
     * {@link #createTopic} use it. {@code users} maps every other user name to its password; they may do nothing until
     * ACLs (created through {@link #admin()}) allow it. Clients connect with {@link #saslClientSettings}.
     *
     * <p>The credentials live in the listeners' own {@code sasl.jaas.config}, not in a JAAS file named by a system
     * property, so other brokers and clients of the JVM are unaffected.
     */
    public static EmbeddedKafka startSecured(Path workDir, String adminPassword, Map<String, String> users) {
        if (users.containsKey(SUPER_USER)) {
            throw new IllegalArgumentException(SUPER_USER + " is the super user; give it as adminPassword");
        }
        StringBuilder jaas = new StringBuilder(PLAIN_LOGIN_MODULE).append(" required")
                .append(option("username", SUPER_USER)).append(option("password", adminPassword))
                .append(option("user_" + SUPER_USER, adminPassword));
        users.forEach((user, password) -> jaas.append(option("user_" + user, password)));
        jaas.append(';');
        Map<String, Object> c = new HashMap<>();
        // The test kit names the listeners EXTERNAL (the broker's) and CONTROLLER; only their protocol changes here
        // (the test kit's own SASL mode would write a JVM-wide JAAS file with fixed users).
        c.put("listener.security.protocol.map", "EXTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT");
        c.put("sasl.enabled.mechanisms", "PLAIN");
        c.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        c.put("sasl.mechanism.controller.protocol", "PLAIN");
        c.put("listener.name.external.plain.sasl.jaas.config", jaas.toString());
        c.put("listener.name.controller.plain.sasl.jaas.config", jaas.toString());
        c.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        c.put("allow.everyone.if.no.acl.found", "false");
        c.put("super.users", "User:" + SUPER_USER);
        Map<String, Object> admin = new HashMap<>();
        saslClientSettings(SUPER_USER, adminPassword).forEach(admin::put);
        return start(workDir, c, admin, "SASL_PLAINTEXT/PLAIN, StandardAuthorizer, users " + users.keySet());
    }

    /**
     * Client settings ({@code security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config}) that authenticate
     * as {@code user} to a {@link #startSecured secured} broker.
     */
    public static Map<String, String> saslClientSettings(String user, String password) {
        return Map.of(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                SaslConfigs.SASL_MECHANISM, "PLAIN",
                SaslConfigs.SASL_JAAS_CONFIG, PLAIN_LOGIN_MODULE + " required" + option("username", user)
                        + option("password", password) + ";");
    }

    private static String option(String name, String value) {
        if (!name.matches("[A-Za-z0-9_.-]+") || value.contains("\\") || value.contains("\"")) {
            throw new IllegalArgumentException("unsupported JAAS option " + name);
        }
        return " " + name + "=\"" + value + "\"";
    }

    private static EmbeddedKafka start(Path workDir, Map<String, Object> extraConfig, Map<String, Object> adminSecurity,
            String description) {
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
            extraConfig.forEach(builder::setConfigProp);
            cluster = builder.build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            EmbeddedKafka kafka = new EmbeddedKafka(cluster, adminSecurity);
            log.info("Kafka (KRaft, 1 combined node, metadata version {}, {}) started in {} ms at {}",
                    MetadataVersion.latestProduction(), description, millisSince(t0), kafka.bootstrapServers);
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

    /** {@code host:port} of the broker's listener (PLAINTEXT, or SASL_PLAINTEXT when {@link #startSecured secured}). */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** A new Admin client (as the super user of a secured broker); the caller closes it. */
    public Admin admin() {
        Map<String, Object> c = new HashMap<>(adminSecurity);
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return Admin.create(c);
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
