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
 * A server that closes idle sessions early ({@code wait_timeout}, set low against leaked connections): a migration
 * waiting for its cut-over idles by design, and the applier's sessions keep at least MySQL's default of 8 hours for
 * themselves. Before, every idle spell longer than the server's bound ended in a lost connection: the worker was
 * interrupted, journalled it, and started again.
 */
class IdleTimeoutIT {
    @Test
    void aMigrationWaitingForItsCutOverOutlastsTheServersIdleTimeoutUninterrupted() throws Exception {
        Flipside f = Flipside.get();
        TableName t = f.recreate(new TableName("idle_timeout", "items"), "id BIGINT PRIMARY KEY, note VARCHAR(40)");
        f.fill(t, 5_000, "n, CONCAT('note ', n)");
        try (Connection c = f.connect(); Statement s = c.createStatement();
                OperatorClient client = new OperatorClient(f.config)) {
            s.execute("SET GLOBAL wait_timeout = 2");
            try {
                Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT",
                        "--postpone-cutover");
                assertEquals(Main.OK, submit.exit(), submit.toString());
                String id = submit.lastLine();
                ConcurrencyIT.await(client, id, MigrationStatus.READY);
                Thread.sleep(5000);
                s.execute("UPDATE " + t.quoted() + " SET note = 'after idle' WHERE id <= 100");
                assertEquals(Main.OK, f.cli("cutover", id, "--wait").exit());
                MigrationState verified = client.awaitState(id, x -> !x.getChecksums().isEmpty(),
                        Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError("no checksum reported"));
                assertTrue(verified.getChecksums().get(0).getMatched(), String.valueOf(verified.getChecksums()));
                assertEquals(List.of(), JournalReader.of(f.config, id).stream()
                        .filter(e -> e.getPayload() instanceof Interrupted).toList(), "never interrupted");
                assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
            } finally {
                s.execute("SET GLOBAL wait_timeout = 28800");
            }
        }
    }
}
