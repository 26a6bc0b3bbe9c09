package io.flipside.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.cli.WorkedExample;
import io.flipside.cli.Workload;
import io.flipside.core.sql.TableName;
import io.flipside.schema.Complete;
import io.flipside.schema.CutOver;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.Revert;
import io.flipside.schema.Submit;
import io.flipside.testkit.Indexes;
import io.flipside.testkit.Schemas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Kill -9 of every role at every phase of a migration, under a ledgered write load; the migration goes through
 * cut-over, revert and complete, and every table must equal the ledger row for row.
 *
 * <p>The applier is killed at named failpoints, so each kill lands exactly where it should: inside a chunk's
 * transaction, where the replicator meets a chunk's cursor with changes held since its opening, inside an apply
 * batch, before the build of the index deferred until after the copy, inside the cut-over's freeze (with writes
 * held), after the RENAME (with writes held, or resumed before the swap is finished in the sidecar), during inverse
 * replication, and inside the revert's freeze. The capture and the controller are killed at random moments in
 * between. Every kill is SIGKILL: no shutdown hook, no clean close.
 *
 * <p>Two runs by default: the first copies one chunk at a time reading snapshots, the second two at once with shared
 * locks ({@code binlog_order_commits} OFF for that run). A third, run in a soak, copies two at once reading snapshots
 * (which {@link SnapshotChunksIT} covers, with a kill at the cursor, in every suite). Runnable on its own, and as a
 * soak: {@code mvn -pl chaos verify -Dchaos.runs=6} (about 13 kills a run); the seed is printed and can be given back
 * with {@code -Dchaos.seed=N}. The summary goes to {@code chaos/target/chaos-report.txt}.
 */
class ChaosIT {
    static final int ROWS = 20_000;
    static final Duration PHASE = Duration.ofSeconds(180);
    static final String PAUSE = ":60000";
    static final List<String> FREEZE_POINTS = List.of("swap.locked", "swap.applied", "swap.recorded");
    static final List<String> AFTER_RENAME_POINTS = List.of("swap.renamed", "swap.unlocked");
    static final List<String> REVERT_POINTS = List.of("swap.locked", "swap.applied", "swap.recorded", "swap.renamed",
            "swap.unlocked");

    final Map<String, Integer> kills = new TreeMap<>();
    final List<String> log = new ArrayList<>();
    long duplicatesSkipped;
    long writes;

    @Test
    void killEveryRoleAtEveryPhase() throws Exception {
        int runs = Integer.getInteger("chaos.runs", 2);
        String seedProperty = System.getProperty("chaos.seed", "");
        long seed = seedProperty.isBlank() ? System.nanoTime() : Long.parseLong(seedProperty);
        say("chaos: %d run(s), seed %d", runs, seed);
        Random random = new Random(seed);
        long t0 = System.currentTimeMillis();
        for (int run = 1; run <= runs; run++) {
            run(run, random);
        }
        int total = kills.values().stream().mapToInt(Integer::intValue).sum();
        say("chaos: %d kills in %d run(s) and %d s, by phase %s; %d writes, %d re-published changes skipped;"
                + " every table equal to the ledger", total, runs, (System.currentTimeMillis() - t0) / 1000, kills,
                writes, duplicatesSkipped);
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "chaos-report.txt"), log);
        assertTrue(total >= 5 * runs, "at least 5 kill points a run: " + kills);
    }

    private void run(int run, Random random) throws Exception {
        String name = "chaos" + run + "r" + Math.abs(random.nextInt(1000));
        TableName users = new TableName(name, "users");
        // Chunks of at most 2,000 rows: the copy kill lands after two committed chunks, so a restart that copied them
        // again would fail on a duplicate key in the shadow table. The first of every three runs copies one chunk at a
        // time and the third two at once, each reading a snapshot without locks: the copy kill lands in an open chunk
        // (two at once: in the first of a round, the second waiting for it), and a second kill where the replicator
        // meets a chunk's cursor with the writers' changes held since the opening. The second copies two at once with
        // shared locks (binlog_order_commits OFF): the kill lands in a chunk that waits for the one before it, and
        // the writers' changes meet chunks committed out of step.
        boolean atOnce = run % 3 != 1;
        boolean locking = run % 3 == 2;
        try (Cluster c = new Cluster(name, 5000 + run, Map.of("copy.chunk.max.rows", "2000",
                "copy.parallel.chunks", atOnce ? "2" : "1"))) {
            setBinlogOrderCommits(c, !locking);
            try {
                run(run, random, c, users, atOnce, locking);
            } finally {
                setBinlogOrderCommits(c, true);
            }
        }
    }

    private static void setBinlogOrderCommits(Cluster c, boolean on) throws SQLException {
        try (Connection conn = c.connect(); java.sql.Statement s = conn.createStatement()) {
            s.execute("SET GLOBAL binlog_order_commits = " + (on ? "ON" : "OFF"));
        }
    }

    private void run(int run, Random random, Cluster c, TableName users, boolean atOnce, boolean locking)
            throws Exception {
        c.createUsers(users, ROWS);
        c.startController();
        c.startCapture();
        restartApplier(c, "copy.chunk" + PAUSE + ":1:2");
        try (Workload writers = new Workload(users.quoted(), ROWS, c::connect, 4, 150)) {
            writers.start();
            String id = c.submit(new Submit(users.toString(), "DROP COLUMN title", true, null, "ALTER"));
            say("run %d: migration %s of %s, %s, %s", run, id, users,
                    atOnce ? "two chunks at once" : "one chunk at a time",
                    locking ? "with shared locks" : "reading a snapshot");

            killApplierAt(c, id, "copy.chunk", "copy");
            // While the replicator pauses, the copier goes on: held before the deferred index's build, so that
            // the kill there below still has a build to interrupt.
            if (!locking) {
                restartApplier(c, "apply.chunk" + PAUSE + ",copy.indexes" + PAUSE);
                killApplierAt(c, id, "apply.chunk", "copy, a chunk's cursor met with changes held");
            }
            restartApplier(c, "apply.batch" + PAUSE + ",copy.indexes" + PAUSE);
            killApplierAt(c, id, "apply.batch", "catch-up");
            // The index on name is built after the copy (copy.defer.indexes): killed before its ALTER, the next
            // applier builds it.
            restartApplier(c, "copy.indexes" + PAUSE);
            killApplierAt(c, id, "copy.indexes", "deferred index build");
            restartApplier(c, "");
            maybeKillAnother(c, random);
            c.await(id, s -> s.getStatus() == MigrationStatus.READY, "READY");

            String freeze = pick(random, FREEZE_POINTS);
            rearmApplier(c, id, freeze + PAUSE);
            c.send(new CutOver(id, false));
            killApplierAt(c, id, freeze, "cut-over freeze (" + freeze + ")");
            assertFreezeReleasedAndNothingRenamed(c, users, writers);

            String renamed = pick(random, AFTER_RENAME_POINTS);
            restartApplier(c, renamed + PAUSE);
            killApplierAt(c, id, renamed, "after the rename, before the swap is finished (" + renamed + ")");
            restartApplier(c, "apply.batch" + PAUSE);
            maybeKillAnother(c, random);
            killApplierAt(c, id, "apply.batch", "inverse replication");
            restartApplier(c, "");
            MigrationState cut = c.await(id, s -> s.getStatus() == MigrationStatus.CUT_OVER, "CUT_OVER");
            // Reported again by the applier that finished the swap: when the locks were asked for came from the
            // sidecar, where the killed applier recorded it with the freeze point.
            assertTrue(cut.getCutOverFreezeStartedAt() != null, "the cut-over's freeze start: " + cut);
            assertTrue(hasIndex(c, users, "by_name"), "the index deferred until after the copy was built");

            writers.pause();
            Map<Long, Workload.Row> expected = writers.expected();
            assertEqualsLedger(c, users, expected, false, "after the cut-over, the new table");
            assertEqualsLedger(c, users.sibling(cut.getOldTable()), expected, true,
                    "inverse replication's old table");
            writers.resume();
            maybeKillAnother(c, random);

            String revert = pick(random, REVERT_POINTS);
            rearmApplier(c, id, revert + PAUSE);
            c.send(new Revert(id, false));
            killApplierAt(c, id, revert, "revert (" + revert + ")");
            restartApplier(c, "");
            MigrationState reverted = c.await(id, s -> s.getStatus() == MigrationStatus.REVERTED, "REVERTED");
            assertTrue(reverted.getRevertFreezeStartedAt() != null, "the revert's freeze start: " + reverted);
            maybeKillAnother(c, random);
            Thread.sleep(1000);

            writers.pause();
            expected = writers.expected();
            assertEqualsLedger(c, users, expected, true, "after the revert, the old table");
            assertEqualsLedger(c, users.sibling(cut.getShadowTable()), expected, false,
                    "forward replication's new table");
            writers.resume();

            c.send(new Complete(id));
            c.await(id, s -> s.getStatus() == MigrationStatus.COMPLETED, "COMPLETED");
            writers.close();
            assertEquals(0, writers.failed(), "no write failed: " + writers.failures());
            assertEqualsLedger(c, users, writers.expected(), true, "after complete, the table");
            // The retired table (larger than one purge chunk) is purged and dropped by the applier's retirer after
            // COMPLETED, in the background.
            long retiredBy = System.currentTimeMillis() + 60_000;
            while (!tables(c, users.database()).equals(List.of("users")) && System.currentTimeMillis() < retiredBy) {
                Thread.sleep(200);
            }
            assertEquals(List.of("users"), tables(c, users.database()), "nothing but the table is left");
            writes += writers.committed();
            duplicatesSkipped += c.applier.count(Pattern.compile("changes the capture published again"));
            say("run %d: ok, %d writes", run, writers.committed());
        }
    }

    /** Waits for the applier to pause at {@code failpoint} and kills it there. */
    private void killApplierAt(Cluster c, String id, String failpoint, String phase) throws Exception {
        String line = c.applier.awaitLine(applierMark, Pattern.compile("failpoint " + Pattern.quote(failpoint)
                + ": pausing"), PHASE);
        Cluster.require(line, "the applier pauses at " + failpoint + " (" + phase + ")");
        MigrationStatus status = c.status(id);
        c.applier.kill();
        count("applier: " + phase);
        say("  killed the applier at %s, migration %s", phase, status);
    }

    private int applierMark;

    private static boolean hasIndex(Cluster c, TableName t, String index) throws SQLException {
        try (Connection conn = c.connect()) {
            return Indexes.has(conn, t.database(), t.table(), index);
        }
    }

    /** Starts the applier armed with {@code failpoints}; later failpoint lines are looked for from here. */
    private void restartApplier(Cluster c, String failpoints) throws Exception {
        applierMark = c.applier.mark();
        c.startApplier(failpoints);
    }

    /** A kill at whatever the applier is doing, to restart it with other failpoints. */
    private void rearmApplier(Cluster c, String id, String failpoints) throws Exception {
        MigrationStatus status = c.status(id);
        c.applier.kill();
        count("applier: " + status.name().toLowerCase());
        say("  killed the applier while %s", status);
        restartApplier(c, failpoints);
    }

    private void maybeKillAnother(Cluster c, Random random) throws Exception {
        int pick = random.nextInt(3);
        if (pick == 0) {
            c.capture.kill();
            count("capture");
            say("  killed the capture");
            c.startCapture();
        } else if (pick == 1) {
            c.controller.kill();
            count("controller");
            say("  killed the controller");
            c.startController();
        }
    }

    /**
     * A freeze whose holder died released the writers and renamed nothing: the old schema still serves, writes go on,
     * and no old table exists yet.
     */
    private void assertFreezeReleasedAndNothingRenamed(Cluster c, TableName users, Workload writers) throws Exception {
        assertTrue(hasColumn(c, users, "title"), "nothing was renamed: the old schema serves");
        assertFalse(tables(c, users.database()).stream().anyMatch(t -> t.endsWith("_old")), "no old table");
        long before = writers.committed();
        long deadline = System.currentTimeMillis() + 15_000;
        while (writers.committed() < before + 20 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(writers.committed() >= before + 20, "writers go on after the freeze's holder died");
    }

    private void assertEqualsLedger(Cluster c, TableName t, Map<Long, Workload.Row> expected, boolean withTitle,
            String what) throws Exception {
        assertNull(FencingIT.waitForEqual(c, t, expected, withTitle), what + " differs from the ledger");
    }

    private static boolean hasColumn(Cluster c, TableName t, String column) throws SQLException {
        try (Connection conn = c.connect()) {
            return WorkedExample.hasColumn(conn, t, column);
        }
    }

    private static List<String> tables(Cluster c, String database) throws SQLException {
        try (Connection conn = c.connect()) {
            return Schemas.tables(conn, database);
        }
    }

    private static String pick(Random random, List<String> from) {
        return from.get(random.nextInt(from.size()));
    }

    private void count(String phase) {
        kills.merge(phase.replaceAll(" \\(.*\\)", ""), 1, Integer::sum);
    }

    private void say(String fmt, Object... args) {
        String line = String.format(fmt, args);
        System.out.println(line);
        log.add(line);
    }
}
