package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.TableName;
import io.flipside.schema.Interrupted;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A server that bounds its sessions against runaway queries and leaked connections: it cuts SELECTs short
 * ({@code max_execution_time}), returns at most so many rows ({@code sql_select_limit}) and closes idle sessions early
 * ({@code wait_timeout}). The copy's and the checksums' reads of a large table take as long as they take, the apply
 * reads which keys of a batch the table still has, and a migration waiting for its cut-over idles by design, so the
 * sessions of the roles (Debezium's too) lift the first two and keep at least MySQL's default of 8 hours for the
 * third. Before, under a bound of 1 ms the migration stalled, retrying every 30 s; under a limit of 10 rows the apply
 * deleted from the new table the rows of a batch the limit left out; every idle spell longer than the server's bound
 * ended in a lost connection, journalled as an interruption; and roles started under the bounds had Debezium's idle
 * sessions closed, which its close logged as errors.
 */
class SessionLimitsIT {
    @Test
    void aMigrationCompletesVerifiedAndUninterruptedWhenTheServerBoundsItsSessions() throws Exception {
        Flipside f = Flipside.get();
        TableName t = f.recreate(new TableName("session_limits", "items"), "id BIGINT PRIMARY KEY,"
                + " note VARCHAR(40)");
        f.fill(t, 5_000, "n, CONCAT('note ', n)");
        FlipsideConfig config = Flipside.isolated(f.config, "limits", UUID.randomUUID().toString().substring(0, 8));
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            s.execute("SET GLOBAL max_execution_time = 1, GLOBAL wait_timeout = 2, GLOBAL sql_select_limit = 10");
            // Roles started under the bounds, so that every session of theirs, Debezium's among them, begins under
            // them.
            List<ILoggingEvent> events;
            try (CapturedLogs logs = new CapturedLogs(org.slf4j.Logger.ROOT_LOGGER_NAME)) {
                try (Roles roles = Roles.start(config, EnumSet.allOf(Roles.Role.class));
                        OperatorClient client = new OperatorClient(config)) {
                    Flipside.Run submit = f.cli(config, "submit", "--table", t.toString(), "--alter",
                            "ADD COLUMN extra INT", "--postpone-cutover", "--timeout", "30");
                    assertEquals(Main.OK, submit.exit(), submit.toString());
                    String id = submit.lastLine();
                    ConcurrencyIT.await(client, id, MigrationStatus.READY);
                    Thread.sleep(5000); // idle for longer than wait_timeout
                    // One change of 100 rows: the apply asks which of its keys the table still has.
                    s.execute("UPDATE " + t.quoted() + " SET note = 'after idle' WHERE id <= 100");
                    assertEquals(Main.OK, f.cli(config, "cutover", id, "--wait").exit());
                    MigrationState verified = client.awaitState(id, x -> !x.getChecksums().isEmpty(),
                            Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError("no checksum reported"));
                    assertTrue(verified.getChecksums().get(0).getMatched(), String.valueOf(verified.getChecksums()));
                    assertEquals(List.of(), JournalReader.of(config, id).stream()
                            .filter(e -> e.getPayload() instanceof Interrupted).toList(), "never interrupted");
                    assertEquals(Main.OK, f.cli(config, "complete", id, "--wait").exit());
                }
                events = logs.events();
            } finally {
                s.execute("SET GLOBAL max_execution_time = 0, GLOBAL wait_timeout = 28800,"
                        + " GLOBAL sql_select_limit = DEFAULT");
            }
            // Debezium's idle sessions closed by the server made its close log errors with their stack traces.
            assertEquals(List.of(), events.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR))
                    .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).toList(), "no error logged");
        }
    }
}
