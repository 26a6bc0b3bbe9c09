package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.schema.CutOverCompleted;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.MigrationSubmitted;
import io.flipside.schema.Progressed;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The layout of what people read: the status table, the --watch frame and the audit timeline. */
class StatusViewTest {
    static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

    static MigrationState.Builder state(String id, MigrationStatus status) {
        return MigrationState.newBuilder().setId(id).setTable("app.users").setAlter("DROP COLUMN title")
                .setStatus(status).setRetentionSeconds(1800).setRequestId("r").setOperator("alice")
                .setSubmittedAt(NOW.minusSeconds(60)).setUpdatedAt(NOW).setVersion(3);
    }

    @Test
    void theTableHasOneAlignedLinePerMigration() {
        MigrationState copying = state("0badcafe", MigrationStatus.COPYING).setRowsCopied(2500).setRowsTotal(10_000)
                .setLagMillis(40).build();
        MigrationState cut = state("feedf00d", MigrationStatus.CUT_OVER).setRevertible(true).setWriteFreezeMillis(51L)
                .setCutOverAt(NOW.minusSeconds(90).toEpochMilli()).build();
        MigrationState throttled = state("deadbeef", MigrationStatus.COPYING).setThrottled("Threads_running 9 > 8")
                .build();
        String[] lines = StatusView.table(List.of(copying, cut, throttled), NOW).split("\n");
        assertEquals("ID        TABLE                     STATE         COPIED                LAG       FREEZE      NOTE",
                lines[0]);
        assertEquals("0badcafe  app.users                 COPYING       2500/10000 (25%)      40 ms     -           DROP"
                + " COLUMN title", lines[1]);
        assertEquals("feedf00d  app.users                 CUT_OVER      0                     0 ms      51 ms      "
                + " revertible; completes in 28m30s", lines[2]);
        assertTrue(lines[3].endsWith("throttled: Threads_running 9 > 8"), lines[3]);
    }

    /**
     * A migration the applier keeps retrying says so, with how long and why, in the table and the JSON, and to an
     * operator whose command waited for it in vain; one still queued with no interruption waits for an applier.
     */
    @Test
    void aMigrationTheApplierRetriesSaysForHowLongAndWhy() {
        MigrationState retrying = state("0badcafe", MigrationStatus.QUEUED).setInterruption("applier: DROP command"
                + " denied").setInterruptedSince(NOW.minusSeconds(95).toEpochMilli()).setInterruptions(2).build();
        String line = StatusView.table(List.of(retrying), NOW).split("\n")[1];
        assertTrue(line.endsWith("retrying for 1m35s: applier: DROP command denied"), line);
        assertEquals("applier: DROP command denied", StatusView.json(retrying).get("interruption").asText());
        assertEquals(NOW.minusSeconds(95).toEpochMilli(), StatusView.json(retrying).get("interruptedSince").asLong());
        assertEquals(2, StatusView.json(retrying).get("interruptions").asInt());
        assertEquals("retrying for 1m35s: applier: DROP command denied",
                StatusView.waitingOn(retrying, NOW, "g", UNKNOWN).orElseThrow());
        MigrationState queued = state("0badcafe", MigrationStatus.QUEUED).build();
        assertEquals("no applier has taken it up yet (is one running, with the same topic.prefix?)",
                StatusView.waitingOn(queued, NOW, "g", UNKNOWN).orElseThrow());
        assertTrue(StatusView.json(queued).get("interruption").isNull());
        assertTrue(StatusView.waitingOn(state("0badcafe", MigrationStatus.COPYING).build(), NOW, "g", UNKNOWN)
                .isEmpty());
    }

    static final java.util.function.Supplier<Optional<List<OperatorClient.ApplierMember>>> UNKNOWN = Optional::empty;

    @Test
    void theAppliersGroupSaysWhoOwnsTheMigrationsOrThatNoneRuns() {
        MigrationState queued = state("0badcafe", MigrationStatus.QUEUED).build();
        List<OperatorClient.ApplierMember> two = List.of(new OperatorClient.ApplierMember("pod-1", true),
                new OperatorClient.ApplierMember("pod-0", false));
        assertEquals("no applier is running in group p-applier (start one, with the same topic.prefix)",
                StatusView.waitingOn(queued, NOW, "p-applier", () -> Optional.of(List.of())).orElseThrow());
        assertEquals("no applier has taken it up yet (pod-1 owns the migrations)",
                StatusView.waitingOn(queued, NOW, "p-applier", () -> Optional.of(two)).orElseThrow());
        assertEquals("appliers: pod-1 (owns the migrations), pod-0 (stands by)" + System.lineSeparator(),
                StatusView.appliers("p-applier", Optional.of(two)));
        assertEquals("appliers: none running in group p-applier; migrations wait for one" + System.lineSeparator(),
                StatusView.appliers("p-applier", Optional.of(List.of())));
        assertEquals("", StatusView.appliers("p-applier", Optional.empty()), "nothing when it cannot be described");
    }

    @Test
    void theWatchFrameDrawsAProgressBarWithRateAndEta() {
        MigrationState before = state("0badcafe", MigrationStatus.COPYING).setRowsCopied(2500).setRowsTotal(10_000)
                .build();
        MigrationState now = MigrationState.newBuilder(before).setRowsCopied(5000).setLagMillis(12).build();
        String frame = StatusView.watchFrame(List.of(now), Map.of("0badcafe", before), 2000, NOW);
        String[] lines = frame.split("\n");
        assertEquals(3, lines.length, frame);
        assertEquals("0badcafe  [###############...............] 50%  5000/10000 rows  1250 rows/s  ETA 4s  lag 12 ms",
                lines[2]);
        String first = StatusView.watchFrame(List.of(now), Map.of(), 0, NOW);
        assertTrue(first.contains("- rows/s  ETA -"), first);
    }

    @Test
    void theAuditTimelineNamesWhoWhyAndEachStateAndSummarisesProgress() {
        JournalEvent submitted = JournalEvent.newBuilder().setEventId("1").setAt(NOW).setMigrationId("0badcafe")
                .setRequestId("r").setOperator("alice").setReason("ticket 42")
                .setPayload(new MigrationSubmitted("app.users", "DROP COLUMN title", false, 1800L, "ALTER")).build();
        JournalEvent p1 = JournalEvent.newBuilder().setEventId("2").setAt(NOW.plusSeconds(1)).setMigrationId("0badcafe")
                .setRecordedBy("applier").setPayload(new Progressed(100L, 1000L, 1L, 30L, 5L)).build();
        JournalEvent p2 = JournalEvent.newBuilder(p1).setEventId("3").setAt(NOW.plusSeconds(3))
                .setPayload(new Progressed(900L, 1000L, 4L, 80L, 20L)).build();
        JournalEvent cut = JournalEvent.newBuilder().setEventId("4").setAt(NOW.plusSeconds(4)).setMigrationId("0badcafe")
                .setRecordedBy("applier").setGtid("u:1-9").setPayload(new CutOverCompleted("u:1-9", 51L, 2L, 1, null))
                .build();
        String text = AuditCommand.text(List.of(new AuditCommand.Entry(0, submitted, "QUEUED"),
                new AuditCommand.Entry(1, p1, "COPYING"), new AuditCommand.Entry(2, p2, "COPYING"),
                new AuditCommand.Entry(3, cut, "CUT_OVER")));
        assertEquals(String.join("\n",
                "migration 0badcafe",
                "2026-12-02T10:00:00Z  migration submitted by alice (\"ticket 42\"): table=app.users, alter=DROP COLUMN"
                        + " title, postponeCutover=false, retentionSeconds=1800, kind=ALTER  -> QUEUED",
                "2026-12-02T10:00:01Z  progress x2 until 2026-12-02T10:00:03Z: rows copied 100 -> 900 of 1000, 4 chunks,"
                        + " events applied 20, apply lag up to 80 ms",
                "2026-12-02T10:00:04Z  cut over completed [applier]: freezeGtid=u:1-9, writeFreezeMillis=51,"
                        + " lockWaitMillis=2, attempt=1 at GTID u:1-9  -> CUT_OVER",
                "outcome: CUT_OVER", ""), text);
    }
}
