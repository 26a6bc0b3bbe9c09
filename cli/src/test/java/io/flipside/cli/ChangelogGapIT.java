package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.capture.Capture;
import io.flipside.capture.CaptureOffsets;
import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.config.Topics;
import io.flipside.core.migration.Names;
import io.flipside.core.sql.TableName;
import io.flipside.runtime.KafkaSetup;
import io.flipside.schema.MigrationFailed;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.EmbeddedMySql;
import io.flipside.testkit.Schemas;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Changes a migration needs that the changelog never got or no longer has: the migrations that missed them fail
 * rather than cut over or revert to a table without them.
 */
class ChangelogGapIT {
    private static final String LOST = "lost";

    /**
     * The binlog purged past the capture's stored position while no capture read it (a server of its own, so that the
     * purge touches no other test's capture): the capture says so and how to go on, and {@code capture-reset} refuses
     * while the position is still there and resets it once it is not.
     */
    @Test
    void migrationsInProgressFailWhenTheCaptureBeginsAnewAfterAPurge(@TempDir Path dir) throws Exception {
        Flipside f = Flipside.get();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        TableName held = new TableName("shop", "held");
        TableName swapped = new TableName("shop", "swapped");
        try (EmbeddedMySql mysql = EmbeddedMySql.start(dir, 5)) {
            try (Connection c = mysql.connect()) {
                createShop(c, held, swapped);
            }
            FlipsideConfig config = Flipside.on(Flipside.isolated(f.config, "bp", tag), mysql);
            List<String> ids = CaptureExcludeIT.heldAndCutOver(f, config, held, swapped);

            List<CaptureOffsets.Stored> stored = CaptureOffsets.read(config);
            assertEquals(1, stored.size(), String.valueOf(stored));
            Flipside.Run early = f.cli(config, "capture-reset");
            assertEquals(Main.REJECTED, early.exit(), early.toString());
            assertTrue(early.err().contains("is still on the server"), early.err());
            assertEquals(stored, CaptureOffsets.read(config), "a refused reset changes nothing");

            try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
                for (TableName t : List.of(held, swapped)) {
                    s.execute("UPDATE " + t.quoted() + " SET note = '" + LOST + "' WHERE id <= 50");
                }
                s.execute("FLUSH BINARY LOGS");
                try (ResultSet rs = s.executeQuery(io.flipside.runtime.BinaryLogStatus.statement(c))) {
                    rs.next();
                    s.execute("PURGE BINARY LOGS TO '" + rs.getString(1) + "'");
                }
            }
            try (Capture capture = new Capture(config).start()) {
                String why = awaitFailure(capture, "is no longer on the server");
                assertTrue(why.contains(stored.get(0).binlogFile() + ":" + stored.get(0).binlogPos())
                        && why.contains("flipside capture-reset"), why);
                assertFalse(capture.awaitStreaming(Duration.ofSeconds(3)), "it publishes nothing");
                assertEquals(stored, CaptureOffsets.read(config), "the capture keeps its position until it is reset");

                Flipside.Run reset = f.cli(config, "capture-reset");
                assertEquals(Main.OK, reset.exit(), reset.toString());
                assertTrue(reset.out().contains("removed the capture's stored position, "
                        + stored.get(0).describe()), reset.out());
                assertTrue(capture.awaitStreaming(Duration.ofSeconds(60)),
                        "the capture still running begins at the server's current position at its next retry");
            }
            assertFalse(CaptureOffsets.read(config).isEmpty(), "the new start stores its own position");

            try (Roles roles = Roles.start(config, EnumSet.allOf(Roles.Role.class));
                    OperatorClient client = new OperatorClient(config)) {
                MigrationState h = ConcurrencyIT.await(client, ids.get(0), MigrationStatus.FAILED);
                assertTrue(h.getError().contains("began anew at") && h.getError().contains("changes of " + held
                        + " made after the last one it published before are missing")
                        && h.getError().contains("the shadow table is dropped"), h.getError());
                MigrationState s = ConcurrencyIT.await(client, ids.get(1), MigrationStatus.FAILED);
                assertTrue(s.getError().contains("began anew at") && s.getError().contains(swapped
                        + " serves the new schema with every write"), s.getError());
                try (Connection c = mysql.connect()) {
                    assertFalse(Schemas.tables(c, "shop").contains(Names.shadowTable("held", ids.get(0))));
                    assertTrue(Schemas.tables(c, "shop").contains(Names.oldTable("swapped", ids.get(1))),
                            "the old table is left for the operator");
                    assertEquals(List.of("id", "note"), Schemas.columns(c, "shop", "held"));
                }

                Flipside.Run again = f.cli(config, "submit", "--table", held.toString(), "--alter",
                        "ADD COLUMN extra INT");
                assertEquals(Main.OK, again.exit(), again.toString());
                ConcurrencyIT.await(client, again.lastLine(), MigrationStatus.CUT_OVER);
                MigrationState cut = client.awaitState(again.lastLine(), x -> !x.getChecksums().isEmpty(),
                        Duration.ofSeconds(60)).orElseThrow();
                assertTrue(cut.getChecksums().get(0).getMatched(), String.valueOf(cut.getChecksums()));
            }
            try (Connection c = mysql.connect(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + held.quoted() + " WHERE note = '" + LOST
                            + "'")) {
                rs.next();
                assertEquals(50, rs.getLong(1), "a migration submitted after the reset copies the purged changes");
                assertEquals(List.of("id", "note", "extra"), Schemas.columns(c, "shop", "held"));
            }
            assertEquals(2, beginnings(config), "the first start and the one after the reset each mark their beginning;"
                    + " the starts with a stored position do not");
        }
    }

    /**
     * Changelog records deleted before the applier read them (as the topic's retention does while a migration is
     * paused or its applier is down for longer): the applier no longer reads on from the earliest record left.
     */
    @Test
    void migrationsFailWhenTheChangelogNoLongerHasTheirNextRecord() throws Exception {
        Flipside f = Flipside.get();
        FlipsideConfig config = Flipside.isolated(f.config, "cr", UUID.randomUUID().toString().substring(0, 8));
        TableName held = new TableName("changelog_gap", "held");
        TableName swapped = new TableName("changelog_gap", "swapped");
        List<String> ids = heldAndCutOver(f, config, held, swapped);
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            for (TableName t : List.of(held, swapped)) {
                s.execute("UPDATE " + t.quoted() + " SET note = '" + LOST + "' WHERE id <= 50");
            }
        }
        // The capture alone publishes the updates (its streaming marker comes after them); no applier reads them.
        try (Roles capture = Roles.start(config, EnumSet.of(Roles.Role.CAPTURE))) {
            assertEquals(1, beginnings(config), "a start with a stored position marks no beginning");
        }
        TopicPartition changelog = new TopicPartition(config.topics().changelog(), 0);
        try (Admin admin = Admin.create(KafkaSetup.common(config))) {
            long end = admin.listOffsets(java.util.Map.of(changelog, OffsetSpec.latest())).partitionResult(changelog)
                    .get().offset();
            admin.deleteRecords(java.util.Map.of(changelog, RecordsToDelete.beforeOffset(end))).all().get();
        }

        try (Roles roles = Roles.start(config, EnumSet.allOf(Roles.Role.class));
                OperatorClient client = new OperatorClient(config)) {
            MigrationState h = ConcurrencyIT.await(client, ids.get(0), MigrationStatus.FAILED);
            assertTrue(h.getError().contains("the changelog no longer has the record at offset")
                    && h.getError().contains("changes of " + held + " are missing")
                    && h.getError().contains("the shadow table is dropped"), h.getError());
            MigrationState s = ConcurrencyIT.await(client, ids.get(1), MigrationStatus.FAILED);
            assertTrue(s.getError().contains("the changelog no longer has the record at offset")
                    && s.getError().contains(swapped + " serves the new schema with every write"), s.getError());
            // A worker started again by a state the controller wrote before it read the failure (as it may be here,
            // right after the start) finds the failure in the sidecar, and does not report it twice.
            Thread.sleep(3000);
            for (String id : ids) {
                assertEquals(1, JournalReader.reports(config, id).stream()
                        .filter(e -> e.getPayload() instanceof MigrationFailed).count(), id);
            }
        }
        try (Connection c = f.connect()) {
            assertFalse(Schemas.tables(c, held.database()).contains(Names.shadowTable(held.table(), ids.get(0))));
            assertEquals(List.of("id", "note"), Schemas.columns(c, held.database(), held.table()));
            assertTrue(Schemas.tables(c, swapped.database()).contains(Names.oldTable(swapped.table(), ids.get(1))));
        }
    }

    /**
     * The capture's schema history topic deleted while the capture was down: Debezium cannot read on from the stored
     * position, the capture says so, and {@code capture-reset --force} lets it begin at the server's current one.
     */
    @Test
    void aCaptureWithoutItsSchemaHistoryBeginsAnewWhenForced() throws Exception {
        Flipside f = Flipside.get();
        FlipsideConfig config = Flipside.isolated(f.config, "ch", UUID.randomUUID().toString().substring(0, 8));
        List<String> ids = heldAndCutOver(f, config, new TableName("history_gone", "held"),
                new TableName("history_gone", "swapped"));
        try (Admin admin = Admin.create(KafkaSetup.common(config))) {
            admin.deleteTopics(List.of(config.topics().captureSchemaHistory())).all().get();
        }
        try (Capture capture = new Capture(config).start()) {
            String why = awaitFailure(capture, "schema history");
            assertTrue(why.contains(config.topics().captureSchemaHistory() + ") is missing or incomplete")
                    && why.contains("capture-reset --config FILE --force"), why);

            Flipside.Run refused = f.cli(config, "capture-reset");
            assertEquals(Main.REJECTED, refused.exit(), refused.toString());
            Flipside.Run forced = f.cli(config, "capture-reset", "--force");
            assertEquals(Main.OK, forced.exit(), forced.toString());
            assertTrue(capture.awaitStreaming(Duration.ofSeconds(60)), String.valueOf(capture.failure()));
        }
        try (Roles roles = Roles.start(config, EnumSet.of(Roles.Role.APPLIER, Roles.Role.CONTROLLER));
                OperatorClient client = new OperatorClient(config)) {
            MigrationState h = ConcurrencyIT.await(client, ids.get(0), MigrationStatus.FAILED);
            assertTrue(h.getError().contains("began anew at"), h.getError());
        }
    }

    /** {@code held} and {@code swapped} made afresh on the shared server, and a migration of each (see the other). */
    private static List<String> heldAndCutOver(Flipside f, FlipsideConfig config, TableName held, TableName swapped)
            throws Exception {
        for (TableName t : List.of(held, swapped)) {
            f.fill(f.recreate(t, "id BIGINT PRIMARY KEY, note VARCHAR(20)"), 500, "n, CONCAT('note ', n)");
        }
        return CaptureExcludeIT.heldAndCutOver(f, config, held, swapped);
    }

    /** Creates database {@code shop} and the tables, 500 rows each, on a server of a test's own. */
    static void createShop(Connection c, TableName... tables) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE shop");
            for (TableName t : tables) {
                s.execute("CREATE TABLE " + t.quoted() + " (id BIGINT PRIMARY KEY, note VARCHAR(20))");
                s.execute("INSERT INTO " + t.quoted() + " SELECT n, CONCAT('note ', n) FROM (WITH RECURSIVE seq (n)"
                        + " AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 500) SELECT n FROM seq) AS x");
            }
        }
    }

    /** Waits until the capture says why it stopped, in words with {@code text} in them; returns them. */
    static String awaitFailure(Capture capture, String text) throws InterruptedException {
        Optional<String> why = Optional.empty();
        for (long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                why.isEmpty() && System.nanoTime() < deadline; Thread.sleep(200)) {
            why = capture.failure().filter(m -> m.contains(text));
        }
        return why.orElseThrow(() -> new AssertionError(String.valueOf(capture.failure())));
    }

    /** How many records of the changelog mark a capture's start without a stored position. */
    private static long beginnings(FlipsideConfig config) {
        String topic = config.topics().changelog();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(KafkaSetup.consumer(config, "bp-it"))) {
            TopicPartition p = new TopicPartition(topic, 0);
            consumer.assign(List.of(p));
            consumer.seekToBeginning(List.of(p));
            long end = consumer.endOffsets(List.of(p)).get(p);
            long found = 0;
            while (consumer.position(p) < end) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.headers().lastHeader(Topics.CAPTURE_BEGAN_HEADER) != null) {
                        found++;
                    }
                }
            }
            return found;
        }
    }
}
