package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.ThrottleEnded;
import io.flipside.schema.Throttled;
import io.flipside.testkit.RowLocks;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code throttle} while the copy runs: MySQL's Threads_running above the threshold holds the copy back. */
class ThrottleIT {
    static Flipside f;

    @BeforeAll
    static void start() throws Exception {
        f = Flipside.get();
    }

    @Test
    void theCopyWaitsWhileThreadsRunningIsAboveTheThreshold() throws Exception {
        TableName t = f.recreate(new TableName("throttling", "events"), "id BIGINT PRIMARY KEY, note VARCHAR(20) NULL");
        f.fill(t, 100_000, "n, CONCAT('note ', n)");
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT NULL",
                "--postpone-cutover");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        // Held paused while the threshold is set, so that the copy cannot be done before it applies.
        assertEquals(Main.OK, f.cli("pause", id).exit());
        assertEquals(Main.FAILED, f.cli("throttle", id).exit(), "a throttle that changes nothing");
        assertEquals(Main.REJECTED, f.cli("throttle", id, "--chunk-time-ms", "5").exit());
        Flipside.Run throttle = f.cli("throttle", id, "--max-threads-running", "1", "--chunk-time-ms", "100");
        assertEquals(Main.OK, throttle.exit(), throttle.toString());
        Thread sleeper = new Thread(() -> {
            try (Connection c = f.connect(); Statement s = c.createStatement()) {
                s.execute("SELECT SLEEP(8)"); // a second running thread besides the copy's own status query
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try (OperatorClient client = new OperatorClient(f.config); Connection c = f.connect();
                Statement s = c.createStatement()) {
            MigrationState set = client.awaitState(id, x -> Integer.valueOf(1).equals(x.getThrottleMaxThreadsRunning()),
                    Duration.ofSeconds(30)).orElseThrow();
            assertEquals(100, set.getChunkTimeMillis());
            sleeper.start();
            Thread.sleep(300);
            assertEquals(Main.OK, f.cli("resume", id).exit());
            MigrationState throttled = client.awaitState(id, x -> x.getThrottled() != null, Duration.ofSeconds(30))
                    .orElseThrow(() -> new AssertionError(String.valueOf(client.state(id))));
            assertTrue(throttled.getThrottled().startsWith("Threads_running "), throttled.getThrottled());
            assertTrue(f.cli("status", id).out().contains("throttled: Threads_running"));
            String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://localhost:" + f.httpPort() + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("flipside_copy_throttled{migration=\"" + id + "\"} 1.0"), metrics);
            TableName shadow = t.sibling(throttled.getShadowTable());
            long before = f.rows(shadow);
            Thread.sleep(2000);
            assertEquals(before, f.rows(shadow), "no chunk copied while throttled");
            assertEquals(MigrationStatus.COPYING, client.state(id).orElseThrow().getStatus());

            assertEquals(Main.OK, f.cli("throttle", id, "--max-threads-running", "0").exit(), "threshold off");
            ConcurrencyIT.await(client, id, MigrationStatus.READY);
            MigrationState ready = client.state(id).orElseThrow();
            assertEquals(null, ready.getThrottled());
            assertTrue(ready.getThrottleEpisodes() >= 1 && ready.getThrottledMillis() >= 2000, ready.toString());
            List<Object> events = JournalReader.of(f.config, id).stream().map(e -> e.getPayload()).toList();
            assertTrue(events.stream().anyMatch(e -> e instanceof Throttled), events.toString());
            assertTrue(events.stream().anyMatch(e -> e instanceof ThrottleEnded end
                    && end.getReason().startsWith("Threads_running") && end.getMillis() >= 2000), events.toString());
            assertEquals(Main.OK, f.cli("cutover", id, "--wait").exit());
            assertTrue(client.awaitState(id, x -> !x.getChecksums().isEmpty(), Duration.ofSeconds(60)).orElseThrow()
                    .getChecksums().get(0).getMatched());
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        } finally {
            sleeper.join();
        }
    }

    /**
     * The apply lag over its threshold: a batch of changes that cannot be written (its shadow rows locked) shows as lag
     * while it waits, and the copy (in small chunks, so that it still runs) waits until the apply has caught up.
     */
    @Test
    void theCopyWaitsWhileTheApplyLagIsAboveTheThreshold() throws Exception {
        TableName t = f.recreate(new TableName("throttling", "lagging"), "id BIGINT PRIMARY KEY, note VARCHAR(20) NULL");
        f.fill(t, 100_000, "n, CONCAT('note ', n)");
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT NULL",
                "--postpone-cutover");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        assertEquals(Main.OK, f.cli("pause", id).exit());
        assertEquals(Main.OK, f.cli("throttle", id, "--chunk-time-ms", "10", "--max-lag-ms", "500").exit());
        try (OperatorClient client = new OperatorClient(f.config); Connection copyHolder = f.connect();
                Connection applyHolder = f.connect(); Connection c = f.connect(); Statement s = c.createStatement()) {
            copyHolder.setAutoCommit(false);
            client.awaitState(id, x -> Long.valueOf(500).equals(x.getThrottleMaxLagMillis()), Duration.ofSeconds(30))
                    .orElseThrow();
            assertEquals(Main.OK, f.cli("resume", id).exit());
            TableName shadow = t.sibling(client.awaitState(id, x -> x.getShadowTable() != null, Duration.ofSeconds(30))
                    .orElseThrow().getShadowTable());
            long deadline = System.currentTimeMillis() + 60_000;
            while (f.rows(shadow) < 2000 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            // The migration's copy_state row locked: the copy stops at its next chunk (the chunk's opening, or its
            // cursor's update, waits), long before it could finish, until released. A chunk takes no lock on the
            // table's rows, so none of them can stop it.
            lockCopyState(f, copyHolder, id);
            assertTrue(f.rows(shadow) < 100_000, "the copy is stopped before its end");
            // The first 100 shadow rows (copied) locked: the apply of changes to them waits, and its lag grows.
            applyHolder.setAutoCommit(false);
            lock(applyHolder, shadow, "id <= 100");
            s.execute("UPDATE " + t.quoted() + " SET note = 'late' WHERE id <= 100");
            long updated = System.currentTimeMillis();
            deadline = System.currentTimeMillis() + 30_000;
            while (lockWaits(c, shadow) == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, lockWaits(c, shadow), "the apply waits for the shadow rows");
            Thread.sleep(Math.max(0, updated + 800 - System.currentTimeMillis()));
            copyHolder.rollback(); // the copy goes on, and finds the apply's lag above 500 ms
            MigrationState throttled = client.awaitState(id, x -> x.getThrottled() != null, Duration.ofSeconds(30))
                    .orElseThrow(() -> new AssertionError(String.valueOf(client.state(id))));
            assertTrue(throttled.getThrottled().startsWith("apply lag "), throttled.getThrottled());
            long copied = f.rows(shadow);
            Thread.sleep(500);
            assertEquals(copied, f.rows(shadow), "no chunk copied while the apply lags");
            applyHolder.rollback();
            ConcurrencyIT.await(client, id, MigrationStatus.READY);
            List<Object> events = JournalReader.of(f.config, id).stream().map(e -> e.getPayload()).toList();
            assertTrue(events.stream().anyMatch(e -> e instanceof Throttled th && th.getReason().startsWith("apply lag ")
                    && th.getReason().endsWith(" ms > 500 ms")), events.toString());
            assertTrue(events.stream().anyMatch(e -> e instanceof ThrottleEnded end
                    && end.getReason().startsWith("apply lag ")), events.toString());
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + shadow.quoted() + " WHERE note = 'late'")) {
                rs.next();
                assertEquals(100, rs.getLong(1), "the late changes applied");
            }
            assertEquals(Main.OK, f.cli("cancel", id, "--wait").exit());
        }
    }

    /** Locks the rows of {@code t} that {@code where} selects, in {@code c}'s open transaction. */
    private static void lock(Connection c, TableName t, String where) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeQuery("SELECT id FROM " + t.quoted() + " WHERE " + where + " FOR UPDATE").close();
        }
    }

    /**
     * Locks migration {@code id}'s row of the sidecar's copy_state, in {@code c}'s open transaction: the copy stops at
     * its next chunk (the chunk's opening, or its cursor's update, waits) until it ends.
     */
    static void lockCopyState(Flipside f, Connection c, String id) throws SQLException {
        TableName copyState = new TableName(f.config.get(FlipsideConfig.SIDECAR_DATABASE), "copy_state");
        try (PreparedStatement ps = c.prepareStatement("SELECT migration_id FROM " + copyState.quoted()
                + " WHERE migration_id = ? FOR UPDATE")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "migration " + id + " has a copy_state row");
            }
        }
    }

    /**
     * Locks the gap after the last row of the sidecar's markers, in {@code c}'s open transaction (REPEATABLE READ):
     * no marker can be written until it ends.
     */
    private static void holdNextMarker(Connection c) throws SQLException {
        TableName markers = new TableName(f.config.get(FlipsideConfig.SIDECAR_DATABASE), "markers");
        try (Statement s = c.createStatement()) {
            s.execute("SET SESSION transaction_isolation = 'REPEATABLE-READ'");
        }
        long last;
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(id), 0) FROM " + markers.quoted())) {
            rs.next();
            last = rs.getLong(1);
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + markers.quoted() + " WHERE id > ? FOR UPDATE")) {
            ps.setLong(1, last);
            ps.executeQuery().close();
        }
    }

    /** How many transactions wait for a row lock on {@code t}. */
    private static long lockWaits(Connection c, TableName t) throws SQLException {
        return RowLocks.waiting(c, t.database(), t.table());
    }

    /**
     * {@code throttle --rest-percent} per migration: the copy rests after each chunk for that share of the chunk's time,
     * and the journal says how long it rested; a migration without it rests as the applier's copy.rest.percent says
     * (0 here).
     */
    @Test
    void aMigrationsOwnRestPercentMakesItsCopyRestBetweenChunks() throws Exception {
        TableName t = f.recreate(new TableName("throttling", "resting"), "id BIGINT PRIMARY KEY, note VARCHAR(20) NULL");
        f.fill(t, 20_000, "n, CONCAT('note ', n)");
        // The sidecar's next marker held back (a gap lock past its last row) until the migration is paused and
        // throttled: the migration cannot write its start marker, so that the 20,000 rows cannot all be copied before
        // the pause arrives (the copy pauses between chunks). A chunk takes no lock on the table's rows, so a row
        // lock cannot stop it.
        Connection holder = f.connect();
        holder.setAutoCommit(false);
        holdNextMarker(holder);
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT NULL",
                "--postpone-cutover");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        assertEquals(Main.OK, f.cli("pause", id).exit());
        Flipside.Run tooMuch = f.cli("throttle", id, "--rest-percent", "10001");
        assertEquals(Main.REJECTED, tooMuch.exit(), tooMuch.toString());
        assertTrue(tooMuch.toString().contains("a rest 0 to 10000 %"), tooMuch.toString());
        assertEquals(Main.FAILED, f.cli("pause", id, "--rest-percent", "50").exit(), "--rest-percent is throttle's");
        assertEquals(Main.OK, f.cli("throttle", id, "--rest-percent", "200", "--chunk-time-ms", "20").exit());
        try (OperatorClient client = new OperatorClient(f.config)) {
            client.awaitState(id, x -> Integer.valueOf(200).equals(x.getRestPercent()), Duration.ofSeconds(30))
                    .orElseThrow();
            holder.rollback();
            holder.close();
            String json = f.cli("status", id, "--json").out();
            assertTrue(json.contains("\"restPercent\":200"), json);
            assertEquals(Main.OK, f.cli("resume", id).exit());
            ConcurrencyIT.await(client, id, MigrationStatus.READY);
            MigrationState ready = client.state(id).orElseThrow();
            // It rested after every chunk but the last (twice each chunk's time: ChunkCopierIT checks the relation),
            // within the copy's time; without the migration's own rest it would not have rested at all.
            assertTrue(ready.getRestedMillis() != null && ready.getRestedMillis() > 0
                    && ready.getRestedMillis() <= ready.getCopyMillis(), ready.toString());
            assertTrue(ready.getChunks() > 3, "small chunks, so that there are rests: " + ready);
            assertEquals(Main.OK, f.cli("cancel", id, "--wait").exit());

            Flipside.Run plain = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT NULL");
            assertEquals(Main.OK, plain.exit(), plain.toString());
            MigrationState unrested = ConcurrencyIT.await(client, plain.lastLine(), MigrationStatus.CUT_OVER);
            assertEquals(null, unrested.getRestedMillis(), "copy.rest.percent is 0 here: " + unrested);
            assertEquals(Main.OK, f.cli("complete", plain.lastLine(), "--wait").exit());
        }
    }
}
