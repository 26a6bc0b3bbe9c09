package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.ResourceGroups;
import io.flipside.testkit.Schemas;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's MySQL grants are enough: the capture and the applier each run as a MySQL user with exactly the grants
 * the README lists for its role, through a migration with writes during the copy, a cut-over, a revert, a second
 * cut-over and the completion, and nothing in the log says a command was denied. (Without the advised grants on
 * performance_schema, the applier says it cannot see the other sessions' binary log settings, and goes on.) With
 * {@code copy.resource.group}, the one grant the README adds for it is enough too. And they are needed: without one of
 * the applier's, a migration is rejected when it is prepared, touching nothing.
 */
class MySqlGrantsIT {
    private static final String PASSWORD = "grants-only";
    /** The applier's privileges on each migrated database, as the README lists them. */
    private static final List<String> APPLIER_GRANTS = List.of("SELECT", "INSERT", "UPDATE", "DELETE", "CREATE",
            "DROP", "ALTER", "INDEX", "LOCK TABLES");

    @Test
    void eachRoleRunsWithTheGrantsTheReadmeLists() throws Exception {
        List<ILoggingEvent> logged = runEveryStep("", null);
        assertTrue(logged.stream().anyMatch(e -> e.getFormattedMessage().contains("the applier cannot see the other"
                + " sessions' binary log settings")), "the applier says it cannot see the other sessions' settings");
    }

    /**
     * With {@code copy.resource.group} set, the applier's grants plus the one the README lists for it let MySQL put
     * the copy in the group: the migration is not rejected when it is prepared, and the copy does not fall back to
     * the usual priority.
     */
    @Test
    void theApplierRunsItsCopyInAResourceGroupWithTheGrantTheReadmeAddsForIt() throws Exception {
        String group = "grants_copy";
        try (Connection c = Flipside.get().connect(); Statement s = c.createStatement()) {
            ResourceGroups.recreate(s, group, 10, true);
        }
        try {
            List<ILoggingEvent> logged = runEveryStep(group, "RESOURCE_GROUP_USER ON *.*");
            List<String> outside = logged.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("outside resource group")).toList();
            assertTrue(outside.isEmpty(), "the copy ran outside its group:\n" + String.join("\n", outside));
        } finally {
            try (Connection c = Flipside.get().connect(); Statement s = c.createStatement()) {
                ResourceGroups.drop(s, group);
            }
        }
    }

    /**
     * A migration the applier's user lacks one of the README's grants for is rejected when it is prepared, with
     * MySQL's refusal and what to grant, and no table of its database is touched; with the grant given, the same
     * migration goes through. Before, a missing DROP (the first write) was taken for an interruption and tried again
     * every 30 s for ever, a missing INSERT failed the migration once its copy began, a missing LOCK TABLES only at its
     * cut-over, an {@code --instant} one without ALTER was told MySQL cannot apply it instantly, and a {@code --drop}
     * or {@code --create} one the applier could not rename was tried again at its cut-over for ever.
     */
    @Test
    void aMigrationTheApplierLacksAGrantForIsRejectedAndNothingIsTouched() throws Exception {
        Flipside f = Flipside.get();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        FlipsideConfig base = Flipside.isolated(f.config, "gl", tag);
        String applier = "grl_" + tag;
        Map<String, TableName> lacking = new LinkedHashMap<>();
        for (String missing : List.of("DROP", "INSERT", "LOCK TABLES", "ALTER")) {
            TableName t = f.recreate(new TableName("lacks_" + missing.replace(' ', '_').toLowerCase(Locale.ROOT) + "_"
                    + tag, "orders"), "id BIGINT PRIMARY KEY, k INT, note VARCHAR(20), KEY (k)");
            f.fill(t, 50, "n, n, CONCAT('note ', n)");
            lacking.put(missing, t);
        }
        Map<String, List<String>> before = new LinkedHashMap<>();
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            createUsers(c, base.get(FlipsideConfig.SIDECAR_DATABASE), applier);
            for (Map.Entry<String, TableName> e : lacking.entrySet()) {
                s.execute("GRANT " + APPLIER_GRANTS.stream().filter(g -> !g.equals(e.getKey()))
                        .collect(Collectors.joining(", ")) + " ON " + Sql.ident(e.getValue().database()) + ".* TO "
                        + account(applier));
                before.put(e.getKey(), Schemas.fingerprint(c, e.getValue().database()));
            }
        }
        FlipsideConfig asApplier = base.with("mysql.user", applier).with("mysql.password", PASSWORD);
        try (Roles roles = Roles.start(base, EnumSet.of(Roles.Role.CONTROLLER, Roles.Role.CAPTURE));
                OperatorClient client = new OperatorClient(base); Connection c = f.connect();
                Statement s = c.createStatement()) {
            // Submitted before any applier runs: no verdict, and the submit says what the migration waits for.
            Flipside.Run early = f.cli(asApplier, "submit", "--table", lacking.get("DROP").toString(), "--alter",
                    "ADD COLUMN extra INT", "--timeout", "3");
            assertEquals(Main.FAILED, early.exit(), early.toString());
            assertTrue(early.err().contains(" is QUEUED, no applier is running in group "
                    + base.topics().applierGroupId()), early.err());
            String earlyId = early.err().replaceAll("(?s).*migration (\\w+) is QUEUED.*", "$1");
            try (Roles applierRole = Roles.start(asApplier, EnumSet.of(Roles.Role.APPLIER))) {
                MigrationState taken = client.awaitState(earlyId, x -> x.getStatus() == MigrationStatus.FAILED,
                        Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError(String.valueOf(client.state(
                                earlyId))));
                assertTrue(taken.getError().contains("DROP command denied"), taken.getError());
                for (String[] submit : List.of(
                        new String[] {"DROP", "--alter", "ADD COLUMN extra INT"},
                        new String[] {"INSERT", "--alter", "ADD COLUMN extra INT"},
                        new String[] {"INSERT", "--create", "CREATE TABLE created (id INT PRIMARY KEY)"},
                        new String[] {"LOCK TABLES", "--alter", "ADD COLUMN extra INT"},
                        new String[] {"ALTER", "--alter", "ADD COLUMN extra INT", "--instant"},
                        new String[] {"ALTER", "--drop"})) {
                    String missing = submit[0];
                    TableName t = lacking.get(missing);
                    List<String> args = new ArrayList<>(List.of("--table", submit[1].equals("--create")
                            ? t.database() + ".created" : t.toString()));
                    args.addAll(List.of(submit).subList(1, submit.length));
                    args.addAll(List.of("--timeout", "30"));
                    Flipside.Run r = f.cli(asApplier, "submit", args.toArray(String[]::new));
                    String what = String.join(" ", args) + " without " + missing;
                    assertEquals(Main.REJECTED, r.exit(), what + ": " + r);
                    assertTrue(r.err().contains("denied") && r.err().contains("Nothing was changed")
                            && r.err().contains("LOCK TABLES ON " + Sql.ident(t.database()) + ".*"),
                            what + ": " + r.err());
                    assertEquals(before.get(missing), Schemas.fingerprint(c, t.database()),
                            what + ": the tables as they were");
                }
                TableName t = lacking.get("LOCK TABLES");
                s.execute("GRANT LOCK TABLES ON " + Sql.ident(t.database()) + ".* TO " + account(applier));
                Flipside.Run again = f.cli(asApplier, "submit", "--table", t.toString(), "--alter",
                        "ADD COLUMN extra INT");
                assertEquals(Main.OK, again.exit(), again.toString());
                ConcurrencyIT.await(client, again.lastLine(), MigrationStatus.CUT_OVER);
                matched(client, again.lastLine(), 1);
            }
        }
    }

    /**
     * Runs a migration through every step with the capture and the applier as MySQL users with the README's grants
     * (and {@code applierGrant}, privileges in GRANT's words, when not null), the applier's copy in
     * {@code copyGroup} (none when empty); asserts the rows and that nothing was denied; returns what was logged.
     */
    private static List<ILoggingEvent> runEveryStep(String copyGroup, String applierGrant) throws Exception {
        Flipside f = Flipside.get();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        FlipsideConfig base = Flipside.isolated(f.config, "gr", tag).with("mysql.password", PASSWORD)
                .with("copy.resource.group", copyGroup);
        String sidecar = base.get(FlipsideConfig.SIDECAR_DATABASE);
        TableName t = f.recreate(new TableName("grants_" + tag, "orders"), "id BIGINT PRIMARY KEY, note VARCHAR(20)");
        f.fill(t, 500, "n, CONCAT('note ', n)");
        String capture = "grc_" + tag;
        String applier = "gra_" + tag;
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            createUsers(c, sidecar, capture, applier);
            // As the README lists them, role by role.
            s.execute("GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT, RELOAD, SHOW DATABASES ON *.* TO "
                    + account(capture));
            s.execute("GRANT " + String.join(", ", APPLIER_GRANTS) + " ON " + Sql.ident(t.database()) + ".* TO "
                    + account(applier));
            if (applierGrant != null) {
                s.execute("GRANT " + applierGrant + " TO " + account(applier));
            }
        }
        FlipsideConfig asCapture = base.with("mysql.user", capture);
        FlipsideConfig asApplier = base.with("mysql.user", applier);
        List<ILoggingEvent> logged;
        try (CapturedLogs lines = new CapturedLogs(org.slf4j.Logger.ROOT_LOGGER_NAME);
                Roles controller = Roles.start(base, EnumSet.of(Roles.Role.CONTROLLER));
                Roles captureRole = Roles.start(asCapture, EnumSet.of(Roles.Role.CAPTURE));
                Roles applierRole = Roles.start(asApplier, EnumSet.of(Roles.Role.APPLIER));
                OperatorClient client = new OperatorClient(base); Connection c = f.connect();
                Statement s = c.createStatement()) {
            Flipside.Run submit = f.cli(asApplier, "submit", "--table", t.toString(), "--alter",
                    "ADD COLUMN extra INT NULL", "--postpone-cutover");
            assertEquals(Main.OK, submit.exit(), submit.toString());
            String id = submit.lastLine();
            ConcurrencyIT.await(client, id, MigrationStatus.READY);
            s.execute("INSERT INTO " + t.quoted() + " VALUES (501, 'late'), (502, 'late')");
            s.execute("UPDATE " + t.quoted() + " SET note = 'changed' WHERE id <= 10");
            assertEquals(Main.OK, f.cli(asApplier, "cutover", id, "--wait").exit());
            matched(client, id, 1);
            s.execute("UPDATE " + t.quoted() + " SET note = 'after' WHERE id = 20");
            assertEquals(Main.OK, f.cli(asApplier, "revert", id, "--wait").exit());
            matched(client, id, 2);
            assertEquals(Main.OK, f.cli(asApplier, "cutover", id, "--wait").exit());
            matched(client, id, 3);
            assertEquals(Main.OK, f.cli(asApplier, "complete", id, "--wait").exit());
            assertEquals(MigrationStatus.COMPLETED, client.state(id).orElseThrow().getStatus());
            assertEquals(502, f.rows(t));
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*), SUM(note = 'changed'), SUM(note = 'after'),"
                    + " SUM(extra IS NULL) FROM " + t.quoted())) {
                rs.next();
                assertEquals(502, rs.getLong(1));
                assertEquals(10, rs.getLong(2));
                assertEquals(1, rs.getLong(3), "written while the old schema served, kept by the second cut-over");
                assertEquals(502, rs.getLong(4), "the new schema serves");
            }
            logged = lines.events();
        }
        List<String> denied = logged.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage())
                .filter(m -> m.toLowerCase(Locale.ROOT).contains("denied")).toList();
        assertTrue(denied.isEmpty(), "denied while the roles ran:\n" + String.join("\n", denied));
        return logged;
    }

    /** Creates MySQL users of {@link #PASSWORD}, each with every privilege on the sidecar database. */
    private static void createUsers(Connection c, String sidecar, String... users) throws Exception {
        try (Statement s = c.createStatement()) {
            for (String user : users) {
                try (PreparedStatement ps = c.prepareStatement("CREATE USER ?@'%' IDENTIFIED BY ?")) {
                    ps.setString(1, user);
                    ps.setString(2, PASSWORD);
                    ps.execute();
                }
                s.execute("GRANT ALL ON " + Sql.ident(sidecar) + ".* TO " + account(user));
            }
        }
    }

    private static String account(String user) {
        return "'" + user + "'@'%'";
    }

    /** Waits for the migration's {@code n}th checksum verdict and asserts it matched. */
    private static void matched(OperatorClient client, String id, int n) {
        MigrationState s = client.awaitState(id, x -> x.getChecksums().size() >= n, Duration.ofSeconds(60))
                .orElseThrow(() -> new AssertionError("no checksum " + n + ": " + client.state(id)));
        assertTrue(s.getChecksums().get(n - 1).getMatched(), String.valueOf(s.getChecksums()));
    }
}
