package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.TableName;
import io.flipside.schema.Interrupted;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A server that bounds its sessions against runaway queries and leaked connections: it cuts SELECTs short
 * ({@code max_execution_time}), returns at most so many rows ({@code sql_select_limit}) and closes idle sessions early
 * ({@code wait_timeout}). The copy's and the checksums' reads of a large table take as long as they take, the apply
 * reads which keys of a batch the table still has, and a migration waiting for its cut-over idles by design, so the
 * applier's sessions lift the first two and keep at least MySQL's default of 8 hours for the third. Before, under a
 * bound of 1 ms the migration stalled, retrying every 30 s; under a limit of 10 rows the apply deleted from the new
 * table the rows of a batch the limit left out; and every idle spell longer than the server's bound ended in a lost
 * connection, journalled as an interruption.
 */
class SessionLimitsIT {
    @Test
    void aMigrationCompletesVerifiedAndUninterruptedWhenTheServerBoundsItsSessions() throws Exception {
        Flipside f = Flipside.get();
        TableName t = f.recreate(new TableName("session_limits", "items"), "id BIGINT PRIMARY KEY,"
                + " note VARCHAR(40)");
        f.fill(t, 5_000, "n, CONCAT('note ', n)");
        try (Connection c = f.connect(); Statement s = c.createStatement();
                OperatorClient client = new OperatorClient(f.config)) {
            s.execute("SET GLOBAL max_execution_time = 1, GLOBAL wait_timeout = 2, GLOBAL sql_select_limit = 10");
            try {
                Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT",
                        "--postpone-cutover", "--timeout", "30");
                assertEquals(Main.OK, submit.exit(), submit.toString());
                String id = submit.lastLine();
                ConcurrencyIT.await(client, id, MigrationStatus.READY);
                Thread.sleep(5000); // idle for longer than wait_timeout
                // One change of 100 rows: the apply asks which of its keys the table still has.
                s.execute("UPDATE " + t.quoted() + " SET note = 'after idle' WHERE id <= 100");
                assertEquals(Main.OK, f.cli("cutover", id, "--wait").exit());
                MigrationState verified = client.awaitState(id, x -> !x.getChecksums().isEmpty(),
                        Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError("no checksum reported"));
                assertTrue(verified.getChecksums().get(0).getMatched(), String.valueOf(verified.getChecksums()));
                assertEquals(List.of(), JournalReader.of(f.config, id).stream()
                        .filter(e -> e.getPayload() instanceof Interrupted).toList(), "never interrupted");
                assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
            } finally {
                s.execute("SET GLOBAL max_execution_time = 0, GLOBAL wait_timeout = 28800,"
                        + " GLOBAL sql_select_limit = DEFAULT");
            }
        }
    }
}
