package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A server whose SELECTs are cut short ({@code max_execution_time}, which many set against runaway queries): the
 * copy's and the checksums' reads of a large table take longer than such a bound allows, and Flipside's sessions
 * lift it for themselves, as they set their own SQL mode and lock wait. Before, the freeze-point checksum was
 * interrupted and never reported.
 */
class StatementTimeoutIT {
    @Test
    void aMigrationCompletesAndIsVerifiedWhenTheServerCutsSelectsShort() throws Exception {
        Flipside f = Flipside.get();
        TableName t = f.recreate(new TableName("statement_timeout", "items"), "id BIGINT PRIMARY KEY,"
                + " note VARCHAR(40)");
        f.fill(t, 50_000, "n, CONCAT('note ', n)");
        try (Connection c = f.connect(); Statement s = c.createStatement();
                OperatorClient client = new OperatorClient(f.config)) {
            s.execute("SET GLOBAL max_execution_time = 1");
            try {
                Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT");
                assertEquals(Main.OK, submit.exit(), submit.toString());
                String id = submit.lastLine();
                ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
                MigrationState verified = client.awaitState(id, x -> !x.getChecksums().isEmpty(),
                        Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError("no checksum reported"));
                assertTrue(verified.getChecksums().get(0).getMatched(), String.valueOf(verified.getChecksums()));
                assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
            } finally {
                s.execute("SET GLOBAL max_execution_time = 0");
            }
        }
    }
}
