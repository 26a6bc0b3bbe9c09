package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.migration.Lifecycle;
import io.flipside.schema.ChecksumVerdict;
import io.flipside.schema.ChecksumVerified;
import io.flipside.schema.CutOverCompleted;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationCompleted;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.RevertCompleted;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The worked example of issue 2 on a real MySQL and a real Kafka: 100,000 rows under a steady write load,
 * DROP COLUMN title, cut over, Savannah, revert, complete. The example compares every table with the writers' ledger
 * row for row at each step; this test also checks what an auditor would: the journal's record of the freeze points
 * and checksums, and that folding the journal gives the state the controller published.
 */
class WorkedExampleIT {
    static final String GTID_SET = "([0-9a-f-]{36}:[0-9]+(-[0-9]+)?(:[0-9]+(-[0-9]+)?)*)(,[0-9a-f-]{36}:.*)*";

    @Test
    void dropColumnCutOverRevertAndComplete() throws Exception {
        Flipside f = Flipside.get();
        WorkedExample.Report report = new WorkedExample(f.config,
                new WorkedExample.Options("worked", 100_000, 4, 200, Duration.ofMinutes(5)), System.out).run();
        report.print(System.out);

        for (WorkedExample.Check c : report.checks()) {
            assertTrue(c.passed(), c.name() + ": " + c.detail());
        }
        assertTrue(report.checks().size() >= 13, "every step was checked");
        assertTrue(report.rowsCopied() >= 100_000, "rows copied: " + report.rowsCopied());
        assertTrue(report.cutOverGtid().matches(GTID_SET), report.cutOverGtid());
        assertTrue(report.revertGtid().matches(GTID_SET), report.revertGtid());
        assertTrue(report.writes() > 0);

        List<JournalEvent> journal = JournalReader.of(f.config, report.migrationId());
        JournalEvent cut = only(journal, CutOverCompleted.class);
        assertEquals(report.cutOverGtid(), cut.getGtid(), "the journal records the freeze GTID of the cut-over");
        JournalEvent revert = only(journal, RevertCompleted.class);
        assertEquals(report.revertGtid(), revert.getGtid(), "and of the revert");
        List<ChecksumVerdict> verdicts = journal.stream().filter(e -> e.getPayload() instanceof ChecksumVerified)
                .map(e -> ((ChecksumVerified) e.getPayload()).getVerdict()).toList();
        assertEquals(List.of("CUT_OVER", "REVERT"), verdicts.stream().map(ChecksumVerdict::getPhase).toList());
        for (ChecksumVerdict v : verdicts) {
            assertTrue(v.getMatched(), v.toString());
            assertEquals(v.getExpectedRows(), v.getRows());
            assertTrue(v.getRows() > 100_000, v.toString());
        }
        assertNotNull(only(journal, MigrationCompleted.class));

        // Each swap sent at least one probe marker through the changelog, holding nothing, before its freeze marker.
        StringBuilder kinds = new StringBuilder();
        try (java.sql.Connection c = f.connect(); java.sql.PreparedStatement ps = c.prepareStatement("SELECT kind FROM "
                + io.flipside.core.sql.Sql.qualified(f.config.get(io.flipside.core.config.FlipsideConfig.SIDECAR_DATABASE),
                        "markers") + " WHERE migration_id = ? ORDER BY id")) {
            ps.setString(1, report.migrationId());
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    kinds.append(rs.getString(1)).append(' ');
                }
            }
        }
        assertTrue(kinds.toString().matches("START (PROBE )+FREEZE (PROBE )+FREEZE "), kinds.toString());

        MigrationState folded = Lifecycle.foldAll(journal);
        assertEquals(MigrationStatus.COMPLETED, folded.getStatus());
        try (OperatorClient client = new OperatorClient(f.config)) {
            assertEquals(client.state(report.migrationId()).orElseThrow(), folded,
                    "replaying the journal rebuilds the state the controller published");
        }
    }

    static JournalEvent only(List<JournalEvent> journal, Class<?> type) {
        List<JournalEvent> found = journal.stream().filter(e -> type.isInstance(e.getPayload())).toList();
        assertEquals(1, found.size(), type.getSimpleName() + " in " + journal);
        return found.get(0);
    }
}
