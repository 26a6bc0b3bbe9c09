package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.schema.ChecksumVerdict;
import io.flipside.schema.ChecksumVerified;
import io.flipside.schema.CommandRejected;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.RevertLossy;
import io.flipside.schema.RevertRefused;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A widened type after the cut-over: the application writes values that only the new type holds. Inverse replication
 * must neither stop nor truncate silently: it keeps the row in the old table with MySQL's nearest value, records the
 * key and the column, and from then on a revert is refused unless forced.
 */
class LossyRevertIT {
    static Flipside f;

    @BeforeAll
    static void start() throws Exception {
        f = Flipside.get();
    }

    @Test
    void aValueTheOldTypeCannotHoldMakesTheRevertNeedForce() throws Exception {
        TableName t = f.recreate(new TableName("lossy", "accounts"), "id BIGINT PRIMARY KEY, balance INT NOT NULL,"
                + " code VARCHAR(10) NULL, note VARCHAR(20) NULL");
        f.fill(t, 1000, "n, n * 10, CONCAT('c', n), NULL");
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter",
                "MODIFY balance BIGINT NOT NULL, MODIFY code VARCHAR(40) NULL");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        try (OperatorClient client = new OperatorClient(f.config)) {
            MigrationState cut = ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            assertTrue(cut.getRevertible());
            assertTrue(cut.getRevertNotes().stream().anyMatch(n -> n.contains("balance") && n.contains("bigint")),
                    "the plan says the revert converts balance back: " + cut.getRevertNotes());
            assertEquals(0, cut.getLossyValues());

            // Values that only the new types hold, written by the application after the cut-over.
            long big = 5_000_000_000L;
            try (Connection c = f.connect()) {
                exec(c, "INSERT INTO " + t.quoted() + " (id, balance, code) VALUES (?, ?, ?)", 5001L, big, "short");
                exec(c, "UPDATE " + t.quoted() + " SET code = ? WHERE id = ?", "a-code-of-thirty-characters!!", 7L);
                exec(c, "UPDATE " + t.quoted() + " SET note = ? WHERE id = ?", "still replicated", 8L);
            }
            MigrationState lossy = client.awaitState(id, s -> s.getLossyValues() >= 2, Duration.ofSeconds(60))
                    .orElseThrow(() -> new AssertionError("no lossy values recorded: " + client.state(id)));
            assertEquals(2, lossy.getLossyValues(), lossy.getLossyExamples().toString());
            String examples = String.join("\n", lossy.getLossyExamples());
            assertTrue(examples.contains("key 5001, column balance"), examples);
            assertTrue(examples.contains("key 7, column code"), examples);
            assertEquals(MigrationStatus.CUT_OVER, lossy.getStatus(), "inverse replication did not stop");

            // The old table kept the rows (with MySQL's nearest values), and later changes still reach it.
            TableName old = t.sibling(lossy.getOldTable());
            try (Connection c = f.connect()) {
                assertEquals("2147483647", awaitValue(c, old, "balance", 5001L, "2147483647"));
                assertEquals("a-code-of-", awaitValue(c, old, "code", 7L, "a-code-of-"));
                assertEquals("still replicated", awaitValue(c, old, "note", 8L, "still replicated"));
            }

            Flipside.Run refused = f.cli("revert", id);
            assertEquals(Main.REJECTED, refused.exit(), refused.toString());
            assertTrue(refused.err().contains("--force") && refused.err().contains("balance"), refused.err());
            assertEquals(MigrationStatus.CUT_OVER, client.state(id).orElseThrow().getStatus());
            assertTrue(hasColumnOfType(t, "balance", "bigint"), "nothing was swapped");

            Flipside.Run forceOnCutover = f.cli("cutover", id, "--force");
            assertEquals(Main.REJECTED, forceOnCutover.exit(), forceOnCutover.toString());
            assertTrue(forceOnCutover.err().contains("after a revert"), forceOnCutover.err());

            Flipside.Run forced = f.cli("revert", id, "--force", "--wait", "--reason", "accepting the clipped values");
            assertEquals(Main.OK, forced.exit(), forced.toString());
            assertTrue(hasColumnOfType(t, "balance", "int"), "the old schema serves again");

            List<JournalEvent> journal = JournalReader.of(f.config, id);
            List<RevertLossy> recorded = journal.stream().filter(e -> e.getPayload() instanceof RevertLossy)
                    .map(e -> (RevertLossy) e.getPayload()).toList();
            assertEquals(List.of(1L, 2L), recorded.stream().map(RevertLossy::getSeq).distinct().toList());
            assertTrue(journal.stream().anyMatch(e -> e.getPayload() instanceof CommandRejected r
                    && r.getReason().contains("no longer losslessly revertible")), "the refusal is journalled");
            // The revert's checksum tells the truth: the tables differ in exactly the clipped rows.
            ChecksumVerdict revert = awaitVerdict(id, "REVERT");
            assertFalse(revert.getMatched(), revert.toString());
            assertTrue(revert.getDifferences().stream().anyMatch(d -> d.contains("5001")), revert.toString());
            assertTrue(revert.getDifferences().stream().anyMatch(d -> d.contains("7")), revert.toString());
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        }
    }

    @Test
    void aRevertAcceptedBeforeTheLossyValueIsRecordedIsRefusedAtTheFreeze() throws Exception {
        TableName t = f.recreate(new TableName("lossy", "race"), "id BIGINT PRIMARY KEY, n TINYINT NULL");
        f.fill(t, 3, "n, n");
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "MODIFY n INT NULL");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        try (OperatorClient client = new OperatorClient(f.config);
                OperatorClient.JournalFollower journal = client.followJournal();
                Connection blocker = f.connect()) {
            MigrationState cut = ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            TableName old = t.sibling(cut.getOldTable());
            // Hold the old table's row 2, so that inverse replication cannot apply (nor record) the lossy value yet.
            blocker.setAutoCommit(false);
            try (Statement s = blocker.createStatement()) {
                s.executeQuery("SELECT * FROM " + old.quoted() + " WHERE id = 2 FOR UPDATE").close();
            }
            try (Connection c = f.connect()) {
                exec(c, "UPDATE " + t.quoted() + " SET n = ? WHERE id = ?", 1000L, 2L);
            }
            Thread.sleep(500); // the applier is now waiting for the row lock
            io.flipside.schema.Command revert = OperatorClient.command(new io.flipside.schema.Revert(id, false),
                    "it", "racing the record");
            client.send(revert);
            JournalEvent answer = journal.await(revert.getRequestId(), e -> true, Duration.ofSeconds(30))
                    .orElseThrow();
            assertFalse(answer.getPayload() instanceof CommandRejected, "the controller knew of no lossy value yet: "
                    + answer);
            client.awaitState(id, x -> x.getStatus() == MigrationStatus.REVERTING, Duration.ofSeconds(30))
                    .orElseThrow();
            Thread.sleep(500); // let the applier's worker see the revert goal
            blocker.rollback();

            MigrationState s = client.awaitState(id, x -> x.getStatus() == MigrationStatus.CUT_OVER
                    && x.getLossyValues() == 1, Duration.ofSeconds(60))
                    .orElseThrow(() -> new AssertionError(String.valueOf(client.state(id))));
            assertTrue(s.getError().startsWith("revert refused"), s.getError());
            assertTrue(hasColumnOfType(t, "n", "int"), "the new schema still serves");
            assertTrue(JournalReader.of(f.config, id).stream().anyMatch(e -> e.getPayload() instanceof RevertRefused),
                    "the applier refused at the freeze");
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        }
    }

    /**
     * After a revert, forward replication keeps the new table in step; a value written to the old table then that the
     * new schema cannot hold (a narrowed column) is recorded, and a second cut-over is refused unless forced. Values
     * recorded before the revert no longer count: the table they concerned serves again, whole.
     */
    @Test
    void afterARevertAValueTheNewTypeCannotHoldMakesTheNextCutOverNeedForce() throws Exception {
        TableName t = f.recreate(new TableName("lossy", "narrowed"), "id BIGINT PRIMARY KEY, code VARCHAR(40) NULL");
        f.fill(t, 200, "n, CONCAT('c', n)");
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "MODIFY code VARCHAR(10) NULL");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        try (OperatorClient client = new OperatorClient(f.config)) {
            ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            Flipside.Run revert = f.cli("revert", id, "--wait");
            assertEquals(Main.OK, revert.exit(), revert.toString());
            assertTrue(hasColumnOfType(t, "code", "varchar") && columnLength(t, "code") == 40, "the old schema serves");
            MigrationState reverted = client.state(id).orElseThrow();
            assertEquals(0, reverted.getLossyValues());

            String longCode = "a-code-of-thirty-characters!!";
            try (Connection c = f.connect()) {
                exec(c, "UPDATE " + t.quoted() + " SET code = ? WHERE id = ?", longCode, 7L);
                exec(c, "UPDATE " + t.quoted() + " SET code = ? WHERE id = ?", "fits", 8L);
            }
            MigrationState lossy = client.awaitState(id, s -> s.getLossyValues() >= 1, Duration.ofSeconds(60))
                    .orElseThrow(() -> new AssertionError("no lossy value recorded: " + client.state(id)));
            assertEquals(1, lossy.getLossyValues(), lossy.getLossyExamples().toString());
            assertTrue(lossy.getLossyExamples().get(0).contains("key 7, column code"), lossy.getLossyExamples().toString());
            assertEquals(MigrationStatus.REVERTED, lossy.getStatus(), "forward replication did not stop");
            TableName standby = t.sibling(lossy.getShadowTable());
            try (Connection c = f.connect()) {
                assertEquals("fits", awaitValue(c, standby, "code", 8L, "fits"), "later changes still reach it");
            }

            Flipside.Run refused = f.cli("cutover", id);
            assertEquals(Main.REJECTED, refused.exit(), refused.toString());
            assertTrue(refused.err().contains("--force") && refused.err().contains("key 7, column code"), refused.err());
            assertEquals(40, columnLength(t, "code"), "nothing was swapped");

            Flipside.Run forced = f.cli("cutover", id, "--force", "--wait", "--reason", "accepting the truncation");
            assertEquals(Main.OK, forced.exit(), forced.toString());
            assertEquals(10, columnLength(t, "code"), "the new schema serves again");
            try (Connection c = f.connect()) {
                assertEquals("a-code-of-", awaitValue(c, t, "code", 7L, "a-code-of-"));
            }
            List<RevertLossy> recorded = JournalReader.of(f.config, id).stream()
                    .filter(e -> e.getPayload() instanceof RevertLossy).map(e -> (RevertLossy) e.getPayload()).toList();
            assertEquals(List.of(2), recorded.stream().map(RevertLossy::getSwaps).distinct().toList(),
                    "recorded after the revert (the second swap)");
            assertEquals(0, client.state(id).orElseThrow().getLossyValues(), "a cut-over starts a clean count");
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        }
    }

    private static long columnLength(TableName t, String column) throws Exception {
        try (Connection c = f.connect(); PreparedStatement ps = c.prepareStatement("SELECT CHARACTER_MAXIMUM_LENGTH FROM"
                + " information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?")) {
            ps.setString(1, t.database());
            ps.setString(2, t.table());
            ps.setString(3, column);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), t + "." + column);
                return rs.getLong(1);
            }
        }
    }

    private static void exec(Connection c, String sql, Object... args) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            assertEquals(1, ps.executeUpdate(), sql);
        }
    }

    private static String awaitValue(Connection c, TableName t, String column, long id, String expected)
            throws Exception {
        String[] value = new String[1];
        Poll.untilNoDifference(() -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + Sql.ident(column) + " FROM " + t.quoted()
                    + " WHERE id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    value[0] = rs.next() ? rs.getString(1) : null;
                }
            }
            return expected.equals(value[0]) ? "" : String.valueOf(value[0]);
        }, Duration.ofSeconds(60));
        return value[0];
    }

    private static boolean hasColumnOfType(TableName t, String column, String dataType) throws Exception {
        try (Connection c = f.connect(); PreparedStatement ps = c.prepareStatement("SELECT DATA_TYPE FROM"
                + " information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?")) {
            ps.setString(1, t.database());
            ps.setString(2, t.table());
            ps.setString(3, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getString(1).equalsIgnoreCase(dataType);
            }
        }
    }

    /**
     * The migration's first checksum verdict of {@code phase} (CUT_OVER or REVERT), from the journal. Other classes use
     * it too, so it reads the shared stack, not this class's field (set only when this class runs).
     */
    static ChecksumVerdict awaitVerdict(String id, String phase) throws Exception {
        return awaitVerdict(Flipside.get().config, id, phase);
    }

    /** The same, from the journal of the roles {@code config} names. */
    static ChecksumVerdict awaitVerdict(FlipsideConfig config, String id, String phase) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            Optional<ChecksumVerdict> v = JournalReader.of(config, id).stream()
                    .filter(e -> e.getPayload() instanceof ChecksumVerified)
                    .map(e -> ((ChecksumVerified) e.getPayload()).getVerdict())
                    .filter(x -> x.getPhase().equals(phase)).findFirst();
            if (v.isPresent()) {
                return v.get();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no " + phase + " checksum verdict for " + id);
    }
}
