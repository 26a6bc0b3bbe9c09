package io.flipside.chaos;

import io.flipside.cli.OperatorClient;
import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.runtime.AvroCodec;
import io.flipside.runtime.KafkaSetup;
import io.flipside.schema.Command;
import io.flipside.schema.CommandRejected;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationStarted;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.EmbeddedStack;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A Flipside whose three roles run as child processes against the embedded MySQL and Kafka of this JVM, each with
 * its own topic prefix, capture server name and sidecar, so that runs do not see each other.
 */
final class Cluster implements AutoCloseable {
    static final Pattern STREAMING = Pattern.compile("capture of server .* is streaming");
    static final Pattern CONTROLLER_RUNNING = Pattern.compile("controller .* -> RUNNING");
    static final Pattern OWNS = Pattern.compile("this applier owns the migrations now");

    final EmbeddedStack stack;
    final FlipsideConfig config;
    final Path configFile;
    final RoleProcess controller;
    final RoleProcess capture;
    final RoleProcess applier;
    final OperatorClient client;
    final Path logDir;

    Cluster(String name, long serverId) throws Exception {
        this(name, serverId, Map.of());
    }

    /** With {@code extra} settings added to the configuration. */
    Cluster(String name, long serverId, Map<String, String> extra) throws Exception {
        stack = EmbeddedStack.shared();
        Path dir = Files.createDirectories(Path.of("target", "chaos", name)).toAbsolutePath();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kafka.bootstrap.servers", stack.kafka().bootstrapServers());
        m.put("mysql.host", stack.mysql().host());
        m.put("mysql.port", String.valueOf(stack.mysql().port()));
        m.put("mysql.user", stack.mysql().user());
        m.put("mysql.password", stack.mysql().password());
        m.put("topic.prefix", name);
        m.put("capture.server.name", name);
        m.put("capture.server.id", String.valueOf(serverId));
        m.put("sidecar.database", "_" + name);
        m.put("controller.state.dir", dir.resolve("streams").toString());
        m.put("http.port", "0"); // three role processes on one machine: any free port each
        m.putAll(extra);
        config = FlipsideConfig.of(m);
        StringBuilder text = new StringBuilder();
        m.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        configFile = dir.resolve("flipside.properties");
        Files.writeString(configFile, text);
        controller = new RoleProcess("controller", configFile, dir.resolve("logs"));
        capture = new RoleProcess("capture", configFile, dir.resolve("logs"));
        applier = new RoleProcess("applier", configFile, dir.resolve("logs"));
        logDir = dir.resolve("logs");
        client = new OperatorClient(config);
    }

    /**
     * A second process of {@code role}, named {@code name} in the log files, whose configuration is this cluster's with
     * {@code extra} settings (a role restarted with a setting the others lack).
     */
    RoleProcess variant(String role, String name, Map<String, String> extra) throws Exception {
        StringBuilder text = new StringBuilder(Files.readString(configFile));
        Properties escaped = new Properties();
        escaped.putAll(extra);
        try (StringWriter w = new StringWriter()) {
            escaped.store(w, null);
            text.append(w);
        }
        Path file = configFile.resolveSibling(name + ".properties");
        Files.writeString(file, text);
        return new RoleProcess(role, name, file, logDir);
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(config.jdbcUrl(), config.jdbcProperties());
    }

    void startController() throws Exception {
        int mark = controller.mark();
        controller.start("");
        require(controller.awaitLine(mark, CONTROLLER_RUNNING, Duration.ofSeconds(120)), "the controller runs");
    }

    void startCapture() throws Exception {
        int mark = capture.mark();
        capture.start("");
        require(capture.awaitLine(mark, STREAMING, Duration.ofSeconds(120)), "the capture streams");
    }

    void startApplier(String failpoints) throws Exception {
        applier.start(failpoints);
    }

    /**
     * Creates {@code users} with {@code rows} rows ({@link #createUsers}), then starts the controller, the capture and
     * the applier, armed with {@code failpoints} ("" for none).
     */
    void start(TableName users, int rows, String failpoints) throws Exception {
        createUsers(users, rows);
        startController();
        startCapture();
        startApplier(failpoints);
    }

    /** Sends a command and returns the controller's first answer to it; fails on a rejection. */
    JournalEvent send(Object action) {
        Command c = OperatorClient.command(action, "chaos", "chaos test");
        try (OperatorClient.JournalFollower journal = client.followJournal()) {
            client.send(c);
            JournalEvent e = journal.await(c.getRequestId(), ev -> true, Duration.ofSeconds(120))
                    .orElseThrow(() -> new AssertionError("no answer to " + action));
            if (e.getPayload() instanceof CommandRejected r) {
                throw new AssertionError(action + " rejected: " + r.getReason());
            }
            return e;
        }
    }

    /** Submits and waits for the applier to start the migration; returns its id. */
    String submit(Object submit) {
        Command c = OperatorClient.command(submit, "chaos", "chaos test");
        try (OperatorClient.JournalFollower journal = client.followJournal()) {
            client.send(c);
            JournalEvent e = journal.await(c.getRequestId(), ev -> ev.getPayload() instanceof MigrationStarted
                    || ev.getPayload() instanceof CommandRejected, Duration.ofSeconds(180))
                    .orElseThrow(() -> new AssertionError("no verdict on the submit"));
            if (!(e.getPayload() instanceof MigrationStarted)) {
                throw new AssertionError("submit rejected: " + e.getPayload());
            }
            return e.getMigrationId();
        }
    }

    MigrationState await(String id, Predicate<MigrationState> done, String what) {
        MigrationState s = client.awaitState(id, x -> done.test(x) || x.getStatus() == MigrationStatus.FAILED,
                Duration.ofSeconds(240)).orElseThrow(() -> new AssertionError("migration " + id + ": no " + what));
        if (s.getStatus() == MigrationStatus.FAILED) {
            throw new AssertionError("migration " + id + " failed: " + s.getError());
        }
        return s;
    }

    /** Every record of {@code topic} (its one partition), from its start to its end as it is now, decoded. */
    <T extends SpecificRecord> List<T> read(String topic, Class<T> type) {
        AvroCodec<T> codec = AvroCodec.of(type);
        TopicPartition tp = new TopicPartition(topic, 0);
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> k = new KafkaConsumer<>(KafkaSetup.consumer(config, "it-read"))) {
            k.assign(List.of(tp));
            k.seekToBeginning(List.of(tp));
            long end = k.endOffsets(List.of(tp)).get(tp);
            while (k.position(tp) < end) {
                for (ConsumerRecord<String, byte[]> r : k.poll(Duration.ofMillis(200))) {
                    out.add(codec.decode(r.value()));
                }
            }
        }
        return out;
    }

    MigrationStatus status(String id) {
        return client.state(id).map(MigrationState::getStatus).orElse(null);
    }

    static void require(Object found, String what) {
        if (found == null) {
            throw new AssertionError("timed out waiting until " + what);
        }
    }

    @Override
    public void close() throws Exception {
        applier.close();
        capture.close();
        controller.close();
        client.close();
    }

    /** Creates {@code users (id, name, title)} in a new database, with {@code rows} rows, one in ten without a title. */
    void createUsers(TableName users, int rows) throws SQLException {
        try (Connection conn = connect(); Statement s = conn.createStatement()) {
            s.execute("CREATE DATABASE " + Sql.ident(users.database()));
            s.execute("CREATE TABLE " + users.quoted() + " (id BIGINT PRIMARY KEY, name VARCHAR(64), title VARCHAR(64),"
                    + " KEY by_name (name))");
            s.execute("SET SESSION cte_max_recursion_depth = " + (rows + 1));
            s.execute("INSERT INTO " + users.quoted() + " WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1"
                    + " FROM seq WHERE n < " + rows + ") SELECT n, CONCAT('user-', n), IF(n % 10 = 0, NULL,"
                    + " CONCAT('title-', n)) FROM seq");
        }
    }
}
