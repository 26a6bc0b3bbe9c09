package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code retry}: a migration that failed before its cut-over starts again, under its id, once the cause is fixed. */
class RetryIT {
    static Flipside f;

    @BeforeAll
    static void start() throws Exception {
        f = Flipside.get();
    }

    @Test
    void aRejectedMigrationIsRetriedOnceItsTableExists() throws Exception {
        TableName t = new TableName("retrying", "later");
        try (Connection c = f.connect(); var s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS retrying");
            s.execute("DROP TABLE IF EXISTS " + t.quoted());
        }
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT NULL");
        assertEquals(Main.REJECTED, submit.exit(), "rejected: no such table");
        try (OperatorClient client = new OperatorClient(f.config)) {
            MigrationState failed = client.states().values().stream()
                    .filter(m -> m.getTable().equals(t.toString()) && m.getStatus() == MigrationStatus.FAILED)
                    .findFirst().orElseThrow();
            f.recreate(t, "id BIGINT PRIMARY KEY, note VARCHAR(20) NULL");
            f.fill(t, 500, "n, CONCAT('note ', n)");
            Flipside.Run retry = f.cli("retry", failed.getId(), "--reason", "table created");
            assertEquals(Main.OK, retry.exit(), retry.toString());
            MigrationState cut = ConcurrencyIT.await(client, failed.getId(), MigrationStatus.CUT_OVER);
            assertEquals(2, cut.getAttempts());
            assertTrue(client.awaitState(failed.getId(), x -> !x.getChecksums().isEmpty(), Duration.ofSeconds(60))
                    .orElseThrow().getChecksums().get(0).getMatched());
            Flipside.Run again = f.cli("retry", failed.getId());
            assertEquals(Main.REJECTED, again.exit(), "only a FAILED migration is retried");
            assertTrue(f.cli("audit", failed.getId()).out().contains("retry requested by"));
            assertEquals(Main.OK, f.cli("complete", failed.getId(), "--wait").exit());
        }
    }

    @Test
    void aMigrationThatFailedOnADuplicateIsRetriedOnceTheDuplicateIsGone() throws Exception {
        TableName t = f.recreate(new TableName("retrying", "emails"), "id BIGINT PRIMARY KEY, email VARCHAR(64) NOT NULL");
        f.fill(t, 500, "n, CONCAT('user', n, '@example.com')");
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD UNIQUE KEY email (email)",
                "--postpone-cutover");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        try (OperatorClient client = new OperatorClient(f.config); Connection c = f.connect()) {
            ConcurrencyIT.await(client, id, MigrationStatus.READY);
            setEmail(c, t, 400, "user12@example.com");
            MigrationState failed = ConcurrencyIT.await(client, id, MigrationStatus.FAILED);
            assertTrue(failed.getError().contains("user12@example.com"), failed.getError());
            setEmail(c, t, 400, "user400@example.com");
            assertEquals(Main.OK, f.cli("retry", id).exit());
            ConcurrencyIT.await(client, id, MigrationStatus.READY);
            assertEquals(Main.OK, f.cli("cutover", id, "--wait").exit());
            MigrationState cut = client.awaitState(id, x -> !x.getChecksums().isEmpty(), Duration.ofSeconds(60))
                    .orElseThrow();
            assertTrue(cut.getChecksums().get(0).getMatched(), cut.getChecksums().toString());
            assertEquals(2, cut.getAttempts());
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        }
    }

    private static void setEmail(Connection c, TableName t, long id, String email) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + t.quoted() + " SET email = ? WHERE id = ?")) {
            ps.setString(1, email);
            ps.setLong(2, id);
            assertEquals(1, ps.executeUpdate());
        }
    }
}
