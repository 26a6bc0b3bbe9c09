package io.flipside.testkit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EmbeddedStackIT {

    private static EmbeddedStack stack;

    @BeforeAll
    static void startStack() {
        stack = EmbeddedStack.shared();
    }

    @Test
    void sharedStackIsOnePerJvm() {
        assertTrue(stack == EmbeddedStack.shared(), "shared() must return the same stack");
        assertEquals("127.0.0.1", stack.mysql().host());
        assertTrue(stack.mysql().jdbcUrl("db1").contains(":" + stack.mysql().port() + "/db1?"));
    }

    @Test
    void mysqlHasGtidsAndAFullRowBinlog() throws SQLException {
        try (Connection c = stack.mysql().connect()) {
            assertEquals("ON", scalar(c, "SELECT @@gtid_mode"));
            assertEquals("ON", scalar(c, "SELECT @@enforce_gtid_consistency"));
            assertEquals("ROW", scalar(c, "SELECT @@binlog_format"));
            assertEquals("FULL", scalar(c, "SELECT @@binlog_row_image"));
            assertEquals("1", scalar(c, "SELECT @@log_bin"));
            assertEquals(String.valueOf(stack.mysql().serverId()), scalar(c, "SELECT @@server_id"));
            assertEquals("1", scalar(c, "SELECT @@performance_schema"));
            assertTrue(scalar(c, "SELECT VERSION()").startsWith("8.0.15"));
            assertEquals("flipside@%", scalar(c, "SELECT CURRENT_USER()"));
            // what a binlog reader needs
            String grants = scalar(c, "SHOW GRANTS");
            assertTrue(grants.contains("REPLICATION SLAVE") && grants.contains("REPLICATION CLIENT"), grants);
            assertTrue(grants.contains("WITH GRANT OPTION"), grants);
        }
    }

    @Test
    void insertAdvancesGtidExecuted() throws SQLException {
        String db = "gtid_" + shortId();
        try (Connection c = stack.mysql().connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
            s.execute("CREATE TABLE " + db + ".t (id INT PRIMARY KEY, v VARCHAR(20))");
            String before = scalar(c, "SELECT @@global.gtid_executed");
            s.executeUpdate("INSERT INTO " + db + ".t VALUES (1, 'one')");
            String after = scalar(c, "SELECT @@global.gtid_executed");
            assertNotEquals(before, after);
            String serverUuid = scalar(c, "SELECT @@server_uuid");
            assertEquals(serverUuid + ":" + (lastTransaction(before) + 1),
                    scalar(c, "SELECT GTID_SUBTRACT('" + after + "', '" + before + "')"),
                    "the INSERT must add exactly one GTID of this server");
        }
    }

    @Test
    void kafkaProducerConsumerRoundTrip() throws Exception {
        String topic = "round-trip-" + shortId();
        stack.kafka().createTopic(topic, 1);
        RecordMetadata sent;
        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            sent = producer.send(new ProducerRecord<>(topic, "k1", "hello")).get(30, TimeUnit.SECONDS);
        }
        assertEquals(0, sent.offset());
        List<ConsumerRecord<String, String>> got = consume(topic, 1, "read_uncommitted");
        assertEquals(1, got.size());
        assertEquals("k1", got.get(0).key());
        assertEquals("hello", got.get(0).value());
        assertEquals(0, got.get(0).offset());
    }

    @Test
    void topicsAreNotAutoCreated() throws Exception {
        String topic = "not-created-" + shortId();
        try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2000))) {
            assertThrows(Exception.class,
                    () -> producer.send(new ProducerRecord<>(topic, "k", "v")).get(10, TimeUnit.SECONDS));
        }
        try (Admin admin = stack.kafka().admin()) {
            assertFalse(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic));
        }
    }

    @Test
    void transactionsCommitAndAbort() throws Exception {
        String topic = "tx-" + shortId();
        stack.kafka().createTopic(topic, 1);
        try (KafkaProducer<String, String> producer =
                     producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-test-" + shortId()))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "aborted"));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "committed"));
            producer.commitTransaction();
        }
        List<ConsumerRecord<String, String>> got = consume(topic, 1, "read_committed");
        assertEquals(List.of("committed"), got.stream().map(ConsumerRecord::value).toList());
    }

    @Test
    void exactlyOnceV2KafkaStreams() throws Exception {
        String id = shortId();
        String in = "streams-in-" + id;
        String out = "streams-out-" + id;
        stack.kafka().createTopic(in, 1);
        stack.kafka().createTopic(out, 1);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "eos-test-" + id);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stack.workDir().resolve("streams-state").toString());
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in, Consumed.with(Serdes.String(), Serdes.String()))
                .mapValues(v -> v.toUpperCase())
                .to(out, Produced.with(Serdes.String(), Serdes.String()));
        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            producer.send(new ProducerRecord<>(in, "a", "x")).get(30, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>(in, "b", "y")).get(30, TimeUnit.SECONDS);
        }
        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        try {
            streams.start();
            List<ConsumerRecord<String, String>> got = consume(out, 2, "read_committed");
            assertEquals(List.of("X", "Y"), got.stream().map(ConsumerRecord::value).toList());
        } finally {
            streams.close(Duration.ofSeconds(30));
        }
    }

    @Test
    void killAndRestartMySqlKeepsDataAndPort() throws Exception {
        EmbeddedMySql mysql = stack.mysql();
        String db = "crash_" + shortId();
        int port = mysql.port();
        String gtidsBefore;
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
            s.execute("CREATE TABLE " + db + ".t (id INT PRIMARY KEY, v VARCHAR(20))");
            s.executeUpdate("INSERT INTO " + db + ".t VALUES (1, 'before-crash')");
            gtidsBefore = scalar(c, "SELECT @@global.gtid_executed");
        }
        long oldPid = mysql.pid();
        mysql.kill();
        assertFalse(mysql.isRunning());
        assertThrows(SQLException.class, mysql::connect, "connect must fail while mysqld is down");

        mysql.restart();
        assertTrue(mysql.isRunning());
        assertNotEquals(oldPid, mysql.pid());
        assertEquals(port, mysql.port());
        try (Connection c = mysql.connect()) {
            assertEquals(String.valueOf(port), scalar(c, "SELECT @@port"));
            assertEquals("before-crash", scalar(c, "SELECT v FROM " + db + ".t WHERE id = 1"));
            String gtidsAfter = scalar(c, "SELECT @@global.gtid_executed");
            assertEquals("1", scalar(c, "SELECT GTID_SUBSET('" + gtidsBefore + "', '" + gtidsAfter + "')"),
                    "GTIDs committed before the crash must survive it");
            try (Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO " + db + ".t VALUES (2, 'after-restart')");
            }
            assertEquals("2", scalar(c, "SELECT COUNT(*) FROM " + db + ".t"));
        }
    }

    @Test
    void restartKafkaBrokerKeepsDataAndPort() throws Exception {
        EmbeddedKafka kafka = stack.kafka();
        String topic = "restart-" + shortId();
        String bootstrap = kafka.bootstrapServers();
        kafka.createTopic(topic, 1);
        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            producer.send(new ProducerRecord<>(topic, "k", "before")).get(30, TimeUnit.SECONDS);
        }
        kafka.restartBroker();
        assertEquals(bootstrap, kafka.bootstrapServers());
        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            producer.send(new ProducerRecord<>(topic, "k", "after")).get(60, TimeUnit.SECONDS);
        }
        List<ConsumerRecord<String, String>> got = consume(topic, 2, "read_uncommitted");
        assertEquals(List.of("before", "after"), got.stream().map(ConsumerRecord::value).toList());
    }

    // ---------------------------------------------------------------- helpers

    private static KafkaProducer<String, String> producer(Map<String, Object> overrides) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        p.putAll(overrides);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /** Reads from the start of partition 0 until {@code expected} records arrived (or 30 s passed). */
    private static List<ConsumerRecord<String, String>> consume(String topic, int expected, String isolation) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (got.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(got::add);
            }
            // a short extra poll so that unexpected extra records (e.g. aborted ones) would show up
            consumer.poll(Duration.ofMillis(300)).forEach(got::add);
        }
        return got;
    }

    private static String scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), "no row for " + sql);
            return rs.getString(1);
        }
    }

    /** The highest transaction number of this server in a GTID set like {@code uuid:1-5} (0 if empty). */
    private static long lastTransaction(String gtidSet) {
        if (gtidSet == null || gtidSet.isBlank()) {
            return 0;
        }
        String[] parts = gtidSet.replace("\n", "").split(",")[0].split(":");
        String last = parts[parts.length - 1];
        return Long.parseLong(last.contains("-") ? last.substring(last.indexOf('-') + 1) : last);
    }

    private static String shortId() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    }
}
