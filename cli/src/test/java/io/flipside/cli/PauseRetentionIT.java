package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.TableName;
import io.flipside.schema.ChecksumVerdict;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code pause}/{@code resume} hold a migration before its cut-over; {@code retention} changes when it completes. */
class PauseRetentionIT {
    static Flipside f;

    @BeforeAll
    static void start() throws Exception {
        f = Flipside.get();
    }

    @Test
    void writesMadeWhilePausedReachTheShadowOnlyAfterTheResume() throws Exception {
        TableName t = f.recreate(new TableName("pausing", "orders"), "id BIGINT PRIMARY KEY, note VARCHAR(20) NULL");
        f.fill(t, 100_000, "n, CONCAT('note ', n)"); // a copy of a few seconds: the pause lands while it runs
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT NULL",
                "--postpone-cutover");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        Flipside.Run pause = f.cli("pause", id, "--reason", "peak hour");
        assertEquals(Main.OK, pause.exit(), pause.toString());
        try (OperatorClient client = new OperatorClient(f.config); Connection c = f.connect()) {
            MigrationState paused = client.awaitState(id, MigrationState::getPaused, Duration.ofSeconds(30))
                    .orElseThrow();
            TableName shadow = t.sibling(client.awaitState(id, x -> x.getShadowTable() != null, Duration.ofSeconds(60))
                    .orElseThrow().getShadowTable());
            Thread.sleep(1000); // a chunk or an apply batch under way when the pause arrived commits
            long copied = f.rows(shadow);
            System.out.println("paused while " + client.state(id).orElseThrow().getStatus() + ", " + copied
                    + " rows in the shadow table");
            try (java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO " + t.quoted() + " VALUES (?, ?)")) {
                ps.setLong(1, 900001L);
                ps.setString(2, "while paused");
                ps.executeUpdate();
            }
            Thread.sleep(3000);
            assertEquals(copied, f.rows(shadow), "nothing copied or applied while paused");
            assertEquals(0, f.rows(shadow, 900001), "the write made while paused waits in the changelog");
            assertTrue(f.cli("status", id).out().contains("paused"), "status says so");
            assertEquals(Main.REJECTED, f.cli("cutover", id).exit(), "no cut-over while paused");
            assertTrue(paused.getStatus() == MigrationStatus.QUEUED || paused.getStatus() == MigrationStatus.COPYING
                    || paused.getStatus() == MigrationStatus.READY, paused.toString());

            assertEquals(Main.OK, f.cli("resume", id).exit());
            ConcurrencyIT.await(client, id, MigrationStatus.READY);
            assertEquals(Main.OK, f.cli("cutover", id, "--wait").exit());
            assertEquals(1, f.rows(t, 900001), "the write made while paused is in the table that serves");
            ChecksumVerdict v = client.awaitState(id, x -> !x.getChecksums().isEmpty(), Duration.ofSeconds(60))
                    .orElseThrow().getChecksums().get(0);
            assertTrue(v.getMatched(), v.toString());
            Flipside.Run again = f.cli("pause", id);
            assertEquals(Main.REJECTED, again.exit(), again.toString());
            assertTrue(again.err().contains("never pauses"), again.err());

            // The retention window, 30 minutes by default, shortened: the migration completes by itself.
            assertEquals(Main.FAILED, f.cli("retention", id).exit(), "--seconds is required");
            assertEquals(Main.REJECTED, f.cli("retention", id, "--seconds", "0").exit());
            assertEquals(Main.OK, f.cli("retention", id, "--seconds", "1").exit());
            MigrationState done = client.awaitState(id, x -> x.getStatus() == MigrationStatus.COMPLETED,
                    Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError(String.valueOf(client.state(id))));
            assertEquals(1L, done.getRetentionSeconds());
        }
    }
}
