package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.Checksums;
import io.flipside.core.sql.TableName;
import io.flipside.runtime.AvroCodec;
import io.flipside.runtime.KafkaSetup;
import io.flipside.schema.CommandRejected;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationFailed;
import io.flipside.schema.MigrationRejected;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.Schemas;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad input changes nothing (DESIGN.md invariant 7): each is rejected with a clear reason on the CLI (exit 2) and in
 * the journal, no table is touched (same definition, same checksum, no table created or left behind), and the services
 * keep running (the next command is handled).
 */
class BadInputIT {
    static final String DB = "bad";
    /** The shared stack's capture.exclude.tables ({@link Flipside}). */
    static final String EXCLUDED = "bad\\.excluded";
    static Flipside f;

    @BeforeAll
    static void tables() throws Exception {
        f = Flipside.get();
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DB);
            s.execute("CREATE DATABASE " + DB);
            s.execute("CREATE TABLE bad.users (id BIGINT PRIMARY KEY, name VARCHAR(64), title VARCHAR(64))");
            s.execute("INSERT INTO bad.users VALUES (1, 'a', 'x'), (2, 'b', NULL), (3, 'c', 'z')");
            s.execute("CREATE TABLE bad.nokey (a INT, b INT)");
            s.execute("INSERT INTO bad.nokey VALUES (1, 1), (1, 1)");
            s.execute("CREATE TABLE bad.nullable_unique (a INT NULL, b INT, UNIQUE KEY (a))");
            s.execute("INSERT INTO bad.nullable_unique VALUES (NULL, 1), (NULL, 2), (3, 3)");
            s.execute("CREATE TABLE bad.other (id INT PRIMARY KEY, v INT)");
            s.execute("INSERT INTO bad.other VALUES (1, 1), (2, 2)");
            s.execute("CREATE TABLE bad.excluded (id INT PRIMARY KEY, v INT)");
            s.execute("INSERT INTO bad.excluded VALUES (1, 1)");
        }
    }

    /** Every table of the database with its definition and a checksum of all its columns. */
    static List<String> fingerprint() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            for (String t : Schemas.tables(c, DB)) {
                try (ResultSet rs = s.executeQuery("SHOW CREATE TABLE " + DB + "." + t)) {
                    rs.next();
                    out.add(rs.getString(2));
                }
                List<String> cols = Schemas.columns(c, DB, t);
                try (ResultSet rs = s.executeQuery(Checksums.query("it", new TableName(DB, t), cols))) {
                    rs.next();
                    out.add(t + " " + rs.getLong(1) + " " + rs.getString(2));
                }
            }
        }
        return out;
    }

    static boolean journalHasRejection(String reasonPart) {
        for (JournalEvent e : JournalReader.all(f.config)) {
            Object p = e.getPayload();
            String reason = p instanceof CommandRejected r ? r.getReason()
                    : p instanceof MigrationRejected r ? r.getReason() : null;
            if (reason != null && reason.contains(reasonPart)) {
                return true;
            }
        }
        return false;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "an unknown table                  | bad.nope            | DROP COLUMN title                  | does not exist",
        "an unknown database               | nowhere.users       | DROP COLUMN title                  | does not exist",
        "an ALTER MySQL refuses            | bad.users           | DROP COLUMN no_such_column         | MySQL refused the ALTER",
        "a second statement                | bad.users           | DROP COLUMN title; DROP TABLE users | only one statement",
        "not an ALTER clause list          | bad.users           | SELECT * FROM users                | expected the clauses of an ALTER TABLE",
        "an ALTER of another table         | bad.users           | ALTER TABLE other DROP COLUMN v    | the migration is for bad.users",
        "renaming the table                | bad.users           | RENAME TO people                   | renaming the table",
        "no primary key                    | bad.nokey           | ADD COLUMN c INT                   | no primary key",
        "only a nullable unique key        | bad.nullable_unique | ADD COLUMN c INT                   | no primary key",
        "dropping the only key             | bad.users           | DROP PRIMARY KEY                   | share no unique key",
        "a table name that is not DB.TABLE | users               | DROP COLUMN title                  | DATABASE.TABLE",
        "a table the capture leaves out    | bad.excluded        | ADD COLUMN c INT                   | matches capture.exclude.tables",
        "a new table not in InnoDB         | bad.users           | ENGINE=MyISAM                      | would use MyISAM",
        "a CHECK constraint                | bad.users           | ADD CONSTRAINT c CHECK (id > 0)    | CHECK constraints",
    })
    void isRejectedAndChangesNothing(String what, String table, String alter, String reason) throws Exception {
        List<String> before = fingerprint();
        Flipside.Run run = f.cli("submit", "--table", table, "--alter", alter);
        assertEquals(Main.REJECTED, run.exit(), what + ": " + run);
        assertTrue(run.err().contains(reason), what + ": stderr says " + run.err());
        assertTrue(journalHasRejection(reason), what + ": the journal records the reason");
        assertEquals(before, fingerprint(), what + ": no table was touched");
    }

    @Test
    void aSecondMigrationOfATableInFlightAndARevertThatIsNotPossible() throws Exception {
        Flipside.Run first = f.cli("submit", "--table", "bad.other", "--alter", "ADD COLUMN w INT", "--postpone-cutover");
        assertEquals(Main.OK, first.exit(), first.toString());
        String id = first.lastLine();

        List<String> before = fingerprintWithoutHelpers();
        Flipside.Run second = f.cli("submit", "--table", "bad.other", "--alter", "DROP COLUMN v");
        assertEquals(Main.REJECTED, second.exit(), second.toString());
        assertTrue(second.err().contains("already has migration " + id), second.err());

        Flipside.Run revert = f.cli("revert", id);
        assertEquals(Main.REJECTED, revert.exit(), revert.toString());
        assertTrue(revert.err().contains("not revertible"), revert.err());

        Flipside.Run complete = f.cli("complete", id);
        assertEquals(Main.REJECTED, complete.exit(), complete.toString());

        Flipside.Run unknown = f.cli("cutover", "0000beef");
        assertEquals(Main.REJECTED, unknown.exit(), unknown.toString());
        assertTrue(unknown.err().contains("no migration 0000beef"), unknown.err());
        assertEquals(before, fingerprintWithoutHelpers(), "refused commands changed no table");

        Flipside.Run cancel = f.cli("cancel", id, "--wait");
        assertEquals(Main.OK, cancel.exit(), cancel.toString());
        assertTrue(fingerprint().stream().noneMatch(s -> s.contains("_other_" + id)), "the shadow table is dropped");
    }

    /** The fingerprint of the tables that are not Flipside's own (the in-flight migration's shadow is). */
    static List<String> fingerprintWithoutHelpers() throws SQLException {
        return fingerprint().stream().filter(s -> !s.contains("_other_")).toList();
    }

    /**
     * A migration's state whose table cannot be read as DATABASE.TABLE (written by hand, or by a release with other
     * rules: a submit cannot make one) fails the migration with the reason. Before, the applier took it for an
     * interruption and tried again for ever. An applier of its own, reading a state topic of its own.
     */
    @Test
    void aStateWhoseTableCannotBeReadFailsTheMigrationInsteadOfRetryingForEver() throws Exception {
        FlipsideConfig config = Flipside.isolated(f.config, "bt", UUID.randomUUID().toString().substring(0, 8));
        MigrationState state = MigrationState.newBuilder().setId("0badf00d").setTable("no_database_named")
                .setAlter("ADD COLUMN extra INT").setStatus(MigrationStatus.QUEUED).setRetentionSeconds(0)
                .setRequestId("r-0badf00d").setOperator("it").setSubmittedAt(Instant.now()).setUpdatedAt(Instant.now())
                .setVersion(1).build();
        try (Roles roles = Roles.start(config, EnumSet.of(Roles.Role.APPLIER));
                KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaSetup.producer(config, "it-state"))) {
            p.send(new ProducerRecord<>(config.topics().state(), state.getId(),
                    AvroCodec.of(MigrationState.class).encode(state))).get();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            Optional<MigrationFailed> reported = Optional.empty();
            while (reported.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(200);
                reported = JournalReader.reports(config, state.getId()).stream().map(JournalEvent::getPayload)
                        .filter(MigrationFailed.class::isInstance).map(MigrationFailed.class::cast).findFirst();
            }
            MigrationFailed failed = reported.orElseThrow(() -> new AssertionError("no failure reported: "
                    + JournalReader.reports(config, state.getId())));
            assertTrue(failed.getReason().contains("its table, no_database_named, cannot be read (table must be"
                    + " written DATABASE.TABLE"), failed.getReason());
        }
    }

    @Test
    void aMalformedControlRecordIsRejectedAndTheControllerKeepsGoing() throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaSetup.producer(f.config, "it-garbage"))) {
            p.send(new ProducerRecord<>(f.config.topics().control(), "x",
                    "{\"not\": \"a command\"}".getBytes(StandardCharsets.UTF_8))).get();
        }
        Flipside.Run next = f.cli("cutover", "0000cafe");
        assertEquals(Main.REJECTED, next.exit(), "the controller still answers: " + next);
        assertTrue(JournalReader.all(f.config).stream().anyMatch(e -> e.getPayload() instanceof CommandRejected r
                && r.getCommand().equals("malformed")), "the garbage is answered with a rejection in the journal");
    }
}
