package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.Schemas;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The command-line contract that other tools drive: outputs, JSON fields and exit codes. */
class CliIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> STATUS_FIELDS = List.of("id", "table", "state", "rowsCopied", "rowsTotal", "lagMillis",
            "revertible", "freezeGtid", "writeFreezeMillis", "error");
    static Flipside f;

    @BeforeAll
    static void table() throws Exception {
        f = Flipside.get();
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS cli");
            s.execute("CREATE DATABASE cli");
            s.execute("CREATE TABLE cli.accounts (id INT PRIMARY KEY, email VARCHAR(100), note VARCHAR(20))");
            s.execute("INSERT INTO cli.accounts VALUES (1, 'a@x', 'n1'), (2, 'b@x', NULL), (3, 'c@x', 'n3')");
        }
    }

    JsonNode status(String id) throws Exception {
        Flipside.Run r = f.cli("status", id, "--json");
        assertEquals(Main.OK, r.exit(), r.toString());
        return JSON.readTree(r.out());
    }

    @Test
    void postponedCutOverThenRevertThenComplete() throws Exception {
        Flipside.Run submit = f.cli("submit", "--table", "cli.accounts", "--alter", "DROP COLUMN note",
                "--postpone-cutover", "--json", "--as", "carol", "--reason", "tidy up");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        assertTrue(id.matches("[0-9a-f]{8}"), "the last line is the migration id: " + id);
        JsonNode submitted = JSON.readTree(submit.out().strip().split("\n")[0]);
        assertEquals(id, submitted.get("id").asText());

        JsonNode ready = null;
        for (int i = 0; i < 300; i++) {
            ready = status(id);
            if (ready.get("state").asText().equals("READY")) {
                break;
            }
            Thread.sleep(100);
        }
        for (String field : STATUS_FIELDS) {
            assertTrue(ready.has(field), "status --json has " + field + ": " + ready);
        }
        assertEquals("READY", ready.get("state").asText(), "a postponed cut-over waits in READY");
        assertEquals("cli.accounts", ready.get("table").asText());
        assertEquals(3, ready.get("rowsCopied").asLong());
        assertFalse(ready.get("revertible").asBoolean(), "nothing to revert before a cut-over");
        assertEquals("carol", ready.get("operator").asText());
        assertEquals("[{\"from\":\"id\",\"to\":\"id\"},{\"from\":\"email\",\"to\":\"email\"}]",
                ready.get("forward").toString(), "what the cut-over does to each column");
        assertEquals(ready.get("forward").size(), ready.get("inverse").size());
        assertTrue(ready.get("revertNotes").get(0).asText().contains("note"), "what a revert does: " + ready);
        assertEquals("[\"id\"]", ready.get("keyColumns").toString());

        Flipside.Run cut = f.cli("cutover", id, "--wait");
        assertEquals(Main.OK, cut.exit(), cut.toString());
        JsonNode cutOver = status(id);
        assertEquals("CUT_OVER", cutOver.get("state").asText());
        assertTrue(cutOver.get("revertible").asBoolean());
        assertTrue(cutOver.get("freezeGtid").asText().contains(":"), cutOver.toString());
        assertTrue(cutOver.get("writeFreezeMillis").asLong() >= 0);

        Flipside.Run cancel = f.cli("cancel", id);
        assertEquals(Main.REJECTED, cancel.exit(), "cancel after a cut-over is refused: " + cancel);
        assertTrue(cancel.err().contains("revert is the way back"), cancel.err());

        Flipside.Run revert = f.cli("revert", id, "--wait");
        assertEquals(Main.OK, revert.exit(), revert.toString());
        assertEquals("REVERTED", status(id).get("state").asText());
        try (Connection c = f.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT note FROM cli.accounts ORDER BY id")) {
            rs.next();
            assertEquals("n1", rs.getString(1), "the dropped column's values are back");
        }

        Flipside.Run complete = f.cli("complete", id, "--wait");
        assertEquals(Main.OK, complete.exit(), complete.toString());
        assertEquals("COMPLETED", status(id).get("state").asText());

        Flipside.Run again = f.cli("revert", id);
        assertEquals(Main.REJECTED, again.exit());
    }

    /**
     * A table whose names need backticks. Before, the migration's state kept {@code odd db.we`ird.t}, which the
     * applier could not read back as a table, and it retried forever in QUEUED while submit waited for a verdict. A
     * backtick in the table's name and in a column the ALTER does not name is no matter; one in a name the ALTER gives
     * is rejected ({@code AlterClausesTest}: the capture's DDL parser misreads it).
     */
    @Test
    void aTableWhoseNamesNeedBackticksIsMigratedAndReverted() throws Exception {
        TableName odd = f.recreate(new TableName("cli odd", "we`ird.t"), "`i d` INT PRIMARY KEY, `va``l` VARCHAR(10)");
        f.fill(odd, 100, "n, CONCAT('v', n)");
        Flipside.Run submit = f.cli("submit", "--table", "`cli odd`.`we``ird.t`", "--alter",
                "ADD COLUMN `ex tra` INT");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        try (OperatorClient client = new OperatorClient(f.config)) {
            ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
        }
        assertEquals("`cli odd`.`we``ird.t`", status(id).get("table").asText());
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + odd.quoted() + " VALUES (1000, 'after', 7)");
        }
        Flipside.Run revert = f.cli("revert", id, "--wait");
        assertEquals(Main.OK, revert.exit(), revert.toString());
        try (Connection c = f.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*), SUM(`i d`) FROM " + odd.quoted())) {
            rs.next();
            assertEquals(101, rs.getLong(1), "the row written after the cut-over is in the old table");
            assertEquals(5050 + 1000, rs.getLong(2));
            assertEquals(List.of("i d", "va`l"), Schemas.columns(c, "cli odd", "we`ird.t"), "the old schema serves");
        }
        assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
    }

    @Test
    void theRetentionWindowEndsWithTheOldTableRetired() throws Exception {
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE cli.events (id BIGINT PRIMARY KEY, kind VARCHAR(10), legacy INT)");
            s.execute("INSERT INTO cli.events VALUES (1, 'a', 10), (2, 'b', 20)");
        }
        Flipside.Run submit = f.cli("submit", "--table", "cli.events", "--alter", "DROP COLUMN legacy",
                "--retention", "2");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        JsonNode done = null;
        for (int i = 0; i < 600; i++) {
            done = status(id);
            if (done.get("state").asText().equals("COMPLETED")) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals("COMPLETED", done.get("state").asText(), "completed by itself at the end of the window: " + done);
        try (Connection c = f.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT TABLE_NAME FROM information_schema.TABLES"
                        + " WHERE TABLE_SCHEMA = 'cli' AND TABLE_NAME LIKE '%events%' ORDER BY TABLE_NAME")) {
            assertTrue(rs.next());
            assertEquals("events", rs.getString(1));
            assertFalse(rs.next(), "the old table is retired, nothing else is left");
        }
        try (Connection c = f.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM information_schema.COLUMNS"
                        + " WHERE TABLE_SCHEMA = 'cli' AND TABLE_NAME = 'events' AND COLUMN_NAME = 'legacy'")) {
            rs.next();
            assertEquals(0, rs.getLong(1), "the new schema serves");
        }
        boolean automatic = JournalReader.of(f.config, id).stream().anyMatch(e ->
                e.getPayload() instanceof io.flipside.schema.CompleteRequested r && r.getAutomatic());
        assertTrue(automatic, "the journal says the window ended, not an operator");
    }

    @Test
    void statusListsEveryMigrationAsAJsonArrayOrATable() throws Exception {
        Flipside.Run json = f.cli("status", "--json");
        assertEquals(Main.OK, json.exit(), json.toString());
        assertTrue(JSON.readTree(json.out()).isArray());
        Flipside.Run table = f.cli("status");
        assertEquals(Main.OK, table.exit());
        assertTrue(table.out().startsWith("ID"), table.out());
        // The suite's applier, a dynamic member (no instance.id): named by its client id and host.
        assertTrue(table.out().contains(System.lineSeparator() + "appliers: flipside-applier-state on ")
                && table.out().endsWith(" (owns the migrations)" + System.lineSeparator()), table.out());
        Flipside.Run unknown = f.cli("status", "0000dead");
        assertEquals(Main.REJECTED, unknown.exit());
    }

    @Test
    void theBinaryPrintsItsOutputBeforeExiting() throws Exception {
        // main() ends in System.exit: anything printed without a newline and not flushed would be lost.
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(javaBin.toString(), "-cp", System.getProperty("java.class.path"),
                "io.flipside.cli.Main", "status", "--config", f.configFile.toString(), "--json")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(JSON.readTree(out).isArray(), out);
    }

    @Test
    void usageErrorsAreOneLineAndExitOne() {
        Flipside.Run r = f.cli("submit", "--table", "cli.accounts");
        assertEquals(Main.FAILED, r.exit());
        assertTrue(r.err().strip().lines().count() == 1 && r.err().contains("--alter"), r.err());
    }
}
