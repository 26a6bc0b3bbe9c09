package io.flipside.cli;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.schema.ChecksumVerdict;
import io.flipside.schema.Command;
import io.flipside.schema.CommandRejected;
import io.flipside.schema.Complete;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationRejected;
import io.flipside.schema.MigrationStarted;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.Revert;
import io.flipside.schema.Submit;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The worked example of the design, run against a live Flipside (all three roles) and its MySQL: a users table under a
 * steady write load, {@code DROP COLUMN title} cut over, new rows written (Savannah among them), a revert that brings
 * every title back, and a complete. Every check compares tables with the writers' ledger, row by row, or reads the
 * freeze-point checksums Flipside journalled; none counts rows.
 */
public final class WorkedExample {
    /** One verdict of the report. */
    public record Check(String name, boolean passed, String detail) {}

    /** What the example measured and checked. */
    public record Report(String migrationId, long rowsCopied, long copyMillis, String cutOverGtid,
            long cutOverFreezeMillis, double cutOverLongestWriteMillis, String revertGtid, long revertFreezeMillis,
            double revertLongestWriteMillis, long revertServingMillis, long revertObservedMillis, long writes,
            double writesPerSecond, double[] writeLatencyMillis, List<Check> checks) {

        public boolean passed() {
            return !checks.isEmpty() && checks.stream().allMatch(Check::passed);
        }

        public void print(PrintStream out) {
            out.println();
            out.println("Flipside worked example: ALTER TABLE users DROP COLUMN title, cut over, revert, complete");
            out.printf("  migration                      %s%n", migrationId);
            out.printf("  rows copied                    %d in %d ms%n", rowsCopied, copyMillis);
            out.printf("  cut-over: writes held          %d ms (longest write seen by the writers: %.0f ms) at %s%n",
                    cutOverFreezeMillis, cutOverLongestWriteMillis, cutOverGtid);
            out.printf("  revert:   writes held          %d ms (longest write seen by the writers: %.0f ms) at %s%n",
                    revertFreezeMillis, revertLongestWriteMillis, revertGtid);
            out.printf("  revert command to old schema   %d ms (Flipside's figure: %d ms)%n", revertObservedMillis,
                    revertServingMillis);
            out.printf("  writes during the run          %d at %.0f/s; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    writes, writesPerSecond, writeLatencyMillis[0], writeLatencyMillis[1], writeLatencyMillis[2]);
            out.println("  checks:");
            for (Check c : checks) {
                out.printf("    [%s] %s%s%n", c.passed() ? "ok" : "FAILED", c.name(),
                        c.detail() == null || c.detail().isEmpty() ? "" : " - " + c.detail());
            }
            out.println(passed() ? "RESULT: every check passed" : "RESULT: FAILED");
        }
    }

    /** Sizes of the run. */
    public record Options(String database, int rows, int writers, int writesPerSecond, Duration timeout) {}

    private final FlipsideConfig config;
    private final Options options;
    private final PrintStream progress;
    private final List<Check> checks = new ArrayList<>();

    public WorkedExample(FlipsideConfig config, Options options, PrintStream progress) {
        this.config = config;
        this.options = options;
        this.progress = progress;
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(config.jdbcUrl(), config.jdbcProperties());
    }

    public Report run() throws Exception {
        TableName users = new TableName(options.database(), "users");
        say("creating %s with %d rows", users, options.rows());
        createTable(users);
        try (OperatorClient client = new OperatorClient(config);
                Workload writers = new Workload(users.quoted(), options.rows(), this::connect, options.writers(),
                        options.writesPerSecond())) {
            writers.start();
            say("%d writers at %d writes/s; submitting DROP COLUMN title", options.writers(), options.writesPerSecond());
            String id = submit(client, users);
            say("migration %s copying", id);
            MigrationState cut = await(client, id, s -> s.getStatus() == MigrationStatus.CUT_OVER, "cut over");
            say("cut over: writes held %d ms at %s", cut.getWriteFreezeMillis(), cut.getFreezeGtid());
            long cutAt = cut.getCutOverAt();
            double cutLongest = writers.longestWriteBetween(cutAt - 30_000, cutAt + 1_000);
            check("the new schema serves after the cut-over", !hasColumn(users, "title"), "");

            writers.insert(2_000_000_001L, "Savannah");
            say("Savannah written to the new table");
            Thread.sleep(1000);

            writers.pause();
            TableName old = users.sibling(cut.getOldTable());
            Map<Long, Workload.Row> expected = writers.expected();
            check("after the cut-over, the new table equals the writers' ledger (id, name)",
                    waitForEqual(users, expected, false), "");
            check("inverse replication keeps the old table equal to the ledger (id, name, title)",
                    waitForEqual(old, expected, true), "");
            writers.resume();
            Thread.sleep(1000);

            say("reverting");
            long revertSent = System.currentTimeMillis();
            sendAndExpectAcceptance(client, new Revert(id, false));
            long observed = -1;
            try (Connection poll = connect()) {
                while (System.currentTimeMillis() - revertSent < options.timeout().toMillis()) {
                    if (hasColumn(poll, users, "title")) {
                        observed = System.currentTimeMillis() - revertSent;
                        break;
                    }
                    Thread.sleep(2);
                }
            }
            MigrationState reverted = await(client, id, s -> s.getStatus() == MigrationStatus.REVERTED, "revert");
            say("reverted: writes held %d ms at %s", reverted.getRevertFreezeMillis(), reverted.getRevertFreezeGtid());
            long revertedAt = reverted.getRevertedAt();
            double revertLongest = writers.longestWriteBetween(revertSent - 1_000, revertedAt + 1_000);
            check("the old schema serves after the revert", observed >= 0, observed + " ms after the command");
            Thread.sleep(1500);
            writers.close();

            expected = writers.expected();
            check("after the revert, the old table equals the ledger row for row (id, name, title)",
                    waitForEqual(users, expected, true), "");
            check("Savannah is back, with no title", savannahHasNoTitle(users), "");
            check("old rows kept their titles", oldTitlesKept(users, expected), "");
            check("forward replication keeps the new table equal to the ledger (id, name)",
                    waitForEqual(users.sibling(cut.getShadowTable()), expected, false), "");
            check("no write failed", writers.failed() == 0, writers.failed() == 0 ? writers.committed() + " writes"
                    : writers.failed() + " failed: " + writers.failures().subList(0, Math.min(3, writers.failures().size())));

            MigrationState withChecksums = await(client, id, s -> s.getChecksums().size() >= 2, "checksums");
            for (ChecksumVerdict v : withChecksums.getChecksums()) {
                check("freeze-point checksum at the " + v.getPhase().toLowerCase().replace('_', '-')
                        + " (" + v.getRows() + " rows)", v.getMatched(), v.getChecksum() + " vs " + v.getExpectedChecksum());
            }

            say("completing");
            sendAndExpectAcceptance(client, new Complete(id));
            MigrationState done = await(client, id, s -> s.getStatus() == MigrationStatus.COMPLETED, "complete");
            check("complete retired the table that did not serve",
                    !tableExists(users.sibling(cut.getShadowTable())) && !tableExists(old), done.getRetiredTable());
            check("after complete, the table still equals the ledger", waitForEqual(users, expected, true), "");

            return new Report(id, cut.getRowsCopied(), cut.getCopyMillis() == null ? -1 : cut.getCopyMillis(),
                    cut.getFreezeGtid(), cut.getWriteFreezeMillis(), cutLongest, reverted.getRevertFreezeGtid(),
                    reverted.getRevertFreezeMillis(), revertLongest,
                    reverted.getRevertServingMillis() == null ? -1 : reverted.getRevertServingMillis(), observed,
                    writers.committed(), writers.achievedRate(), writers.latencyMillis(), List.copyOf(checks));
        }
    }

    private void createTable(TableName users) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS " + Sql.ident(users.database()));
            s.execute("DROP TABLE IF EXISTS " + users.quoted());
            s.execute("CREATE TABLE " + users.quoted()
                    + " (id BIGINT PRIMARY KEY, name VARCHAR(64), title VARCHAR(64)) ENGINE=InnoDB");
            try (PreparedStatement depth = c.prepareStatement("SET SESSION cte_max_recursion_depth = ?")) {
                depth.setLong(1, options.rows() + 1L);
                depth.execute();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + users.quoted() + " (id, name, title)"
                    + " WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)"
                    + " SELECT n, CONCAT('user-', n), IF(n % 10 = 0, NULL, CONCAT('title-', n)) FROM seq")) {
                ps.setInt(1, options.rows());
                ps.executeUpdate();
            }
        }
    }

    private String submit(OperatorClient client, TableName users) {
        Command c = OperatorClient.command(new Submit(users.toString(), "DROP COLUMN title", false, null, "ALTER"), "demo",
                "the worked example");
        try (OperatorClient.JournalFollower journal = client.followJournal()) {
            client.send(c);
            JournalEvent e = journal.await(c.getRequestId(), ev -> ev.getPayload() instanceof MigrationStarted
                    || ev.getPayload() instanceof MigrationRejected || ev.getPayload() instanceof CommandRejected,
                    options.timeout()).orElseThrow(() -> new IllegalStateException("no verdict on the submit"));
            if (!(e.getPayload() instanceof MigrationStarted started)) {
                throw new IllegalStateException("the submit was rejected: " + e.getPayload());
            }
            say("plan: %s", started.getRevertNotes());
            return e.getMigrationId();
        }
    }

    private void sendAndExpectAcceptance(OperatorClient client, Object action) {
        Command c = OperatorClient.command(action, "demo", "the worked example");
        try (OperatorClient.JournalFollower journal = client.followJournal()) {
            client.send(c);
            JournalEvent e = journal.await(c.getRequestId(), ev -> true, options.timeout())
                    .orElseThrow(() -> new IllegalStateException("no answer to " + action));
            if (e.getPayload() instanceof CommandRejected r) {
                throw new IllegalStateException(action.getClass().getSimpleName() + " rejected: " + r.getReason());
            }
        }
    }

    private MigrationState await(OperatorClient client, String id, Predicate<MigrationState> done, String what) {
        Optional<MigrationState> s = client.awaitState(id, x -> done.test(x) || x.getStatus() == MigrationStatus.FAILED,
                options.timeout());
        if (s.isEmpty()) {
            throw new IllegalStateException("migration " + id + ": no " + what + " within " + options.timeout());
        }
        if (s.get().getStatus() == MigrationStatus.FAILED) {
            throw new IllegalStateException("migration " + id + " failed: " + s.get().getError());
        }
        return s.get();
    }

    /** Polls until the table equals the ledger (replication is asynchronous) or 60 s pass; logs the first difference. */
    private boolean waitForEqual(TableName t, Map<Long, Workload.Row> expected, boolean withTitle) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        String diff;
        do {
            diff = difference(t, expected, withTitle);
            if (diff == null) {
                return true;
            }
            Thread.sleep(200);
        } while (System.currentTimeMillis() < deadline);
        say("%s differs from the ledger: %s", t, diff);
        return false;
    }

    /** The first difference between the table and the ledger, or null when they are equal. */
    String difference(TableName t, Map<Long, Workload.Row> expected, boolean withTitle) throws SQLException {
        try (Connection c = connect()) {
            return Workload.difference(c, t, expected, withTitle);
        }
    }

    private boolean savannahHasNoTitle(TableName users) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT title FROM " + users.quoted() + " WHERE name = 'Savannah'")) {
            return rs.next() && rs.getString(1) == null && !rs.next();
        }
    }

    private boolean oldTitlesKept(TableName users, Map<Long, Workload.Row> expected) throws SQLException {
        long withTitle = expected.values().stream().filter(r -> r.title() != null).count();
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + users.quoted()
                        + " WHERE title = CONCAT('title-', id)")) {
            rs.next();
            return withTitle > 0 && rs.getLong(1) == withTitle;
        }
    }

    private boolean hasColumn(TableName t, String column) throws SQLException {
        try (Connection c = connect()) {
            return hasColumn(c, t, column);
        }
    }

    /** Whether the table has the column (information_schema). */
    public static boolean hasColumn(Connection c, TableName t, String column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM"
                + " information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?")) {
            ps.setString(1, t.database());
            ps.setString(2, t.table());
            ps.setString(3, column);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) == 1;
            }
        }
    }

    private boolean tableExists(TableName t) throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM"
                + " information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")) {
            ps.setString(1, t.database());
            ps.setString(2, t.table());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) == 1;
            }
        }
    }

    private void check(String name, boolean passed, String detail) {
        checks.add(new Check(name, passed, detail));
        say("%s %s", passed ? "ok:" : "FAILED:", name);
    }

    private void say(String fmt, Object... args) {
        if (progress != null) {
            progress.printf("demo: " + fmt + "%n", args);
        }
    }
}
