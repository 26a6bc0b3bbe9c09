package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import io.flipside.capture.CaptureOffsets;
import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.config.Topics;
import io.flipside.core.sql.TableName;
import io.flipside.runtime.KafkaSetup;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.EmbeddedKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/**
 * The README's "Kafka ACLs", proved on a broker that enforces them: SASL/PLAIN users, KRaft's StandardAuthorizer, no
 * ACL but the README's (created by the super user, with the topics created beforehand since no role may CREATE).
 * Every role runs in its own {@link Roles} as its own user, and the operator's user drives a migration through the
 * CLI from submit to complete. The roles must get there without a single authorization failure in the log, while a
 * user without ACLs, and a role's user outside its own topics, are refused.
 */
class KafkaAclIT {
    private static final String CAPTURE = "capture";
    private static final String APPLIER = "applier";
    private static final String CONTROLLER = "controller";
    private static final String OPERATOR = "operator";
    private static final String INTRUDER = "intruder";

    @Test
    void everyRoleWorksWithTheReadmesAclsAndNothingMore() throws Exception {
        Flipside f = Flipside.get();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> users = new LinkedHashMap<>();
        for (String u : List.of(CAPTURE, APPLIER, CONTROLLER, OPERATOR, INTRUDER)) {
            users.put(u, u + "-secret-" + tag);
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.startSecured(Path.of("target", "kafka-acl-" + tag), "admin-" + tag,
                users)) {
            FlipsideConfig base = Flipside.isolated(f.config, "acl", tag)
                    .with("kafka.bootstrap.servers", kafka.bootstrapServers());
            Map<String, FlipsideConfig> as = new LinkedHashMap<>();
            for (Map.Entry<String, String> u : users.entrySet()) {
                FlipsideConfig c = base;
                for (Map.Entry<String, String> s : EmbeddedKafka.saslClientSettings(u.getKey(), u.getValue()).entrySet()) {
                    c = c.with(FlipsideConfig.KAFKA_PREFIX + s.getKey(), s.getValue());
                }
                as.put(u.getKey(), c);
            }
            Topics t = base.topics();
            try (Admin admin = kafka.admin()) {
                createTopics(admin, base);
                admin.createAcls(readmeAcls(t)).all().get(30, TimeUnit.SECONDS);
            }

            // The authorizer is on: a user without ACLs, and roles' users outside their topics, are refused.
            TableName table = f.recreate(new TableName("kafka_acl", "orders"), "id BIGINT PRIMARY KEY, note VARCHAR(20)");
            f.fill(table, 200, "n, CONCAT('note ', n)");
            Flipside.Run refused = f.cli(as.get(INTRUDER), "submit", "--table", table.toString(), "--alter",
                    "ADD COLUMN extra INT NULL");
            assertEquals(Main.FAILED, refused.exit(), refused.toString());
            assertTrue(refused.err().contains("Not authorized to access topics"), refused.err());
            assertThrows(TopicAuthorizationException.class, () -> readOne(as.get(OPERATOR), t.changelog()),
                    "the operator may not read the changelog");
            assertThrows(TopicAuthorizationException.class, () -> readOne(as.get(APPLIER), t.control()),
                    "the applier may not read the control topic");
            assertThrows(TopicAuthorizationException.class, () -> writeOne(as.get(CAPTURE), t.control()),
                    "the capture may not send commands");

            long t0 = System.nanoTime();
            List<ILoggingEvent> logged;
            try (CapturedLogs lines = new CapturedLogs(org.slf4j.Logger.ROOT_LOGGER_NAME);
                    Roles controller = awaitReady(Roles.start(as.get(CONTROLLER), EnumSet.of(Roles.Role.CONTROLLER)));
                    Roles capture = awaitReady(Roles.start(as.get(CAPTURE), EnumSet.of(Roles.Role.CAPTURE)));
                    Roles applier = awaitReady(Roles.start(as.get(APPLIER), EnumSet.of(Roles.Role.APPLIER)));
                    OperatorClient client = new OperatorClient(as.get(OPERATOR));
                    Connection c = f.connect(); Statement s = c.createStatement()) {
                FlipsideConfig operator = as.get(OPERATOR);
                // Without DESCRIBE on the appliers' group, status says nothing of the appliers; with it, who owns.
                Flipside.Run untold = f.cli(operator, "status");
                assertEquals(Main.OK, untold.exit(), untold.toString());
                assertFalse(untold.out().contains("appliers:"), untold.out());
                try (Admin admin = kafka.admin()) {
                    admin.createAcls(operatorGroupAcl(t)).all().get(30, TimeUnit.SECONDS);
                }
                Flipside.Run submit = f.cli(operator, "submit", "--table", table.toString(), "--alter",
                        "ADD COLUMN extra INT NULL", "--postpone-cutover");
                assertEquals(Main.OK, submit.exit(), submit.toString());
                String id = submit.lastLine();
                ConcurrencyIT.await(client, id, MigrationStatus.READY);
                // Rows written during the copy reach the shadow table only through the changelog: capture to applier.
                s.execute("INSERT INTO " + table.quoted() + " VALUES (201, 'late'), (202, 'late'), (203, 'late')");
                s.execute("UPDATE " + table.quoted() + " SET note = 'changed' WHERE id <= 10");
                assertEquals(Main.OK, f.cli(operator, "cutover", id, "--wait").exit());
                MigrationState cut = client.awaitState(id, x -> !x.getChecksums().isEmpty(), Duration.ofSeconds(60))
                        .orElseThrow(() -> new AssertionError(String.valueOf(client.state(id))));
                assertEquals(MigrationStatus.CUT_OVER, cut.getStatus(), String.valueOf(cut.getError()));
                assertTrue(cut.getChecksums().get(0).getMatched(), "checksums: " + cut.getChecksums());
                Flipside.Run complete = f.cli(operator, "complete", id, "--wait");
                assertEquals(Main.OK, complete.exit(), complete.toString());
                assertEquals(MigrationStatus.COMPLETED, client.state(id).orElseThrow().getStatus());
                Flipside.Run told = f.cli(operator, "status");
                assertTrue(told.out().contains("appliers: flipside-applier-state on ")
                        && told.out().contains(" (owns the migrations)"), told.out());
                assertEquals(203, f.rows(table));
                assertEquals(10, count(c, "SELECT COUNT(*) FROM " + table.quoted() + " WHERE note = 'changed'"));
                assertEquals(0, count(c, "SELECT COUNT(*) FROM " + table.quoted() + " WHERE extra IS NOT NULL"),
                        "the table in place is the new one, with its new column");
                System.out.printf("KafkaAclIT: the migration ran in %d ms with the README's ACLs%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                logged = lines.events();
            }
            List<String> denied = new ArrayList<>();
            for (ILoggingEvent e : logged) {
                String text = e.getFormattedMessage() + throwableText(e.getThrowableProxy());
                if (e.getLevel().isGreaterOrEqual(Level.WARN)
                        && text.toLowerCase(Locale.ROOT).contains("authoriz")) {
                    denied.add(e.getLevel() + " " + e.getLoggerName() + ": " + text);
                }
            }
            assertTrue(denied.isEmpty(), "authorization failures while the roles ran:\n" + String.join("\n", denied));

            // capture-reset reads and writes the capture's offsets: with the capture's ACLs it works; an operator's
            // are not enough.
            Flipside.Run operatorReset = f.cli(as.get(OPERATOR), "capture-reset", "--force");
            assertEquals(Main.FAILED, operatorReset.exit(), operatorReset.toString());
            assertTrue(operatorReset.err().contains("Not authorized to access topics"), operatorReset.err());
            Flipside.Run early = f.cli(as.get(CAPTURE), "capture-reset");
            assertEquals(Main.REJECTED, early.exit(), early.toString());
            assertTrue(early.err().contains("is still on the server"), early.err());
            Flipside.Run reset = f.cli(as.get(CAPTURE), "capture-reset", "--force");
            assertEquals(Main.OK, reset.exit(), reset.toString());
            assertTrue(reset.out().contains("removed the capture's stored position"), reset.out());
            assertTrue(CaptureOffsets.position(CaptureOffsets.read(as.get(CAPTURE))).isEmpty(),
                    "the stored position is gone");
        }
    }

    /**
     * The README's list, word for word: principal, resource, operations. (The applier no longer checks that the
     * control topic and the journal exist, so it needs nothing on them.) READ, WRITE (and ALL) imply DESCRIBE in Kafka, so "READ on
     * a topic" lets its reader fetch its metadata and offsets too.
     */
    private static List<AclBinding> readmeAcls(Topics t) {
        String prefix = t.prefix();
        String server = t.serverName();
        List<AclBinding> acls = new ArrayList<>();
        // capture
        allow(acls, CAPTURE, ResourceType.TOPIC, t.changelog(), PatternType.LITERAL, AclOperation.WRITE,
                AclOperation.DESCRIBE);
        for (String topic : List.of(t.captureOffsets(), t.captureSchemaHistory())) {
            allow(acls, CAPTURE, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ, AclOperation.WRITE,
                    AclOperation.DESCRIBE);
        }
        allow(acls, CAPTURE, ResourceType.GROUP, server + "-schemahistory", PatternType.LITERAL, AclOperation.READ);
        // applier
        allow(acls, APPLIER, ResourceType.TOPIC, t.state(), PatternType.LITERAL, AclOperation.READ,
                AclOperation.DESCRIBE);
        allow(acls, APPLIER, ResourceType.GROUP, t.applierGroupId(), PatternType.LITERAL, AclOperation.READ,
                AclOperation.DESCRIBE);
        allow(acls, APPLIER, ResourceType.TOPIC, t.changelog(), PatternType.LITERAL, AclOperation.READ,
                AclOperation.DESCRIBE);
        allow(acls, APPLIER, ResourceType.TOPIC, t.reports(), PatternType.LITERAL, AclOperation.WRITE,
                AclOperation.DESCRIBE);
        // controller (Kafka Streams, exactly-once)
        allow(acls, CONTROLLER, ResourceType.TOPIC, t.control(), PatternType.LITERAL, AclOperation.READ);
        allow(acls, CONTROLLER, ResourceType.TOPIC, t.reports(), PatternType.LITERAL, AclOperation.READ);
        allow(acls, CONTROLLER, ResourceType.TOPIC, t.journal(), PatternType.LITERAL, AclOperation.WRITE);
        allow(acls, CONTROLLER, ResourceType.TOPIC, t.state(), PatternType.LITERAL, AclOperation.WRITE);
        allow(acls, CONTROLLER, ResourceType.GROUP, t.controllerApplicationId(), PatternType.LITERAL,
                AclOperation.READ);
        allow(acls, CONTROLLER, ResourceType.TOPIC, t.controllerApplicationId() + "-", PatternType.PREFIXED,
                AclOperation.ALL);
        allow(acls, CONTROLLER, ResourceType.TRANSACTIONAL_ID, t.controllerApplicationId(), PatternType.PREFIXED,
                AclOperation.WRITE, AclOperation.DESCRIBE);
        // operators
        allow(acls, OPERATOR, ResourceType.TOPIC, t.control(), PatternType.LITERAL, AclOperation.WRITE);
        for (String topic : List.of(t.journal(), t.state())) {
            allow(acls, OPERATOR, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ,
                    AclOperation.DESCRIBE);
        }
        assertEquals(prefix + "-controller", t.controllerApplicationId());
        return acls;
    }

    /** The operator's last ACL in the README: DESCRIBE on the appliers' group, for status to name the owner. */
    private static List<AclBinding> operatorGroupAcl(Topics t) {
        List<AclBinding> acls = new ArrayList<>();
        allow(acls, OPERATOR, ResourceType.GROUP, t.applierGroupId(), PatternType.LITERAL, AclOperation.DESCRIBE);
        return acls;
    }

    private static void allow(List<AclBinding> acls, String user, ResourceType type, String name, PatternType pattern,
            AclOperation... operations) {
        for (AclOperation op : operations) {
            acls.add(new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW)));
        }
    }

    /** The README's "create them beforehand": one partition each, the journal kept, state and offsets compacted. */
    private static void createTopics(Admin admin, FlipsideConfig config) throws Exception {
        Topics t = config.topics();
        Map<String, Map<String, String>> topics = new LinkedHashMap<>();
        topics.put(t.control(), Map.of());
        topics.put(t.journal(), Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1"));
        topics.put(t.state(), Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        topics.put(t.reports(), Map.of());
        topics.put(t.changelog(), Map.of(TopicConfig.RETENTION_MS_CONFIG,
                String.valueOf(config.get(FlipsideConfig.CHANGELOG_RETENTION_MS))));
        topics.put(t.captureOffsets(), Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        topics.put(t.captureSchemaHistory(), Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1"));
        List<NewTopic> all = new ArrayList<>();
        topics.forEach((name, configs) -> all.add(new NewTopic(name, 1, (short) 1).configs(configs)));
        admin.createTopics(all).all().get(30, TimeUnit.SECONDS);
    }

    /** Waits until every role of {@code roles} says it is ready on {@code /ready}. */
    private static Roles awaitReady(Roles roles) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://localhost:" + roles.httpPort().orElseThrow()
                + "/ready")).build();
        long deadline = System.currentTimeMillis() + 60_000;
        HttpResponse<String> last;
        do {
            last = http.send(ready, HttpResponse.BodyHandlers.ofString());
            if (last.statusCode() == 200) {
                return roles;
            }
            Thread.sleep(200);
        } while (System.currentTimeMillis() < deadline);
        roles.close();
        throw new AssertionError("not ready within 60 s: " + last.body());
    }

    private static void readOne(FlipsideConfig as, String topic) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(KafkaSetup.consumer(as, "acl-it-read"))) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            c.poll(Duration.ofSeconds(10));
            c.position(tp, Duration.ofSeconds(10));
        }
    }

    private static void writeOne(FlipsideConfig as, String topic) throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaSetup.producer(as, "acl-it-write"))) {
            try {
                p.send(new ProducerRecord<>(topic, 0, "k", new byte[0])).get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        }
    }

    private static long count(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String throwableText(IThrowableProxy t) {
        StringBuilder out = new StringBuilder();
        for (IThrowableProxy x = t; x != null; x = x.getCause()) {
            out.append(" | ").append(x.getClassName()).append(": ").append(x.getMessage());
        }
        return out.toString();
    }
}
