package io.flipside.core.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.schema.Cancel;
import io.flipside.schema.CaughtUp;
import io.flipside.schema.Command;
import io.flipside.schema.CommandRejected;
import io.flipside.schema.Complete;
import io.flipside.schema.CompleteRequested;
import io.flipside.schema.CutOver;
import io.flipside.schema.CutOverCompleted;
import io.flipside.schema.CutOverRequested;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationCompleted;
import io.flipside.schema.MigrationStarted;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.MigrationSubmitted;
import io.flipside.schema.PostponeCleared;
import io.flipside.schema.Revert;
import io.flipside.schema.RevertCompleted;
import io.flipside.schema.RevertLossy;
import io.flipside.schema.RevertRefused;
import io.flipside.schema.RevertRequested;
import io.flipside.schema.Submit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The controller's decisions, folded the way the controller folds them. */
class DecisionsTest {
    final Decisions decisions = new Decisions(Duration.ofMinutes(30));
    final Map<String, MigrationState> states = new LinkedHashMap<>();
    final List<JournalEvent> journal = new ArrayList<>();
    Instant now = Instant.parse("2026-11-22T10:00:00Z");

    final Decisions.Migrations view = new Decisions.Migrations() {
        @Override
        public Optional<MigrationState> byId(String id) {
            return Optional.ofNullable(states.get(id));
        }

        @Override
        public Collection<MigrationState> all() {
            return states.values();
        }
    };

    List<JournalEvent> send(Object action) {
        Command c = new Command(UUID.randomUUID().toString(), now, "alice", "because", action);
        return append(decisions.decide(c, view, now));
    }

    List<JournalEvent> report(String id, Object payload) {
        JournalEvent r = JournalEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setAt(now)
                .setMigrationId(id).setPayload(payload).build();
        return append(decisions.accept(r, states.get(id), now));
    }

    List<JournalEvent> append(List<JournalEvent> events) {
        for (JournalEvent e : events) {
            journal.add(e);
            JournalFold.next(states.get(e.getMigrationId()), e).ifPresent(m -> states.put(m.getId(), m));
        }
        return events;
    }

    String submit(boolean postpone) {
        List<JournalEvent> out = send(new Submit("app.users", "DROP COLUMN title", postpone, null, "ALTER"));
        assertInstanceOf(MigrationSubmitted.class, out.get(0).getPayload(), () -> out.toString());
        return out.get(0).getMigrationId();
    }

    void start(String id) {
        report(id, started());
    }

    /** A migration submitted, started, caught up and cut over. */
    String cutOver() {
        String id = submit(false);
        start(id);
        report(id, new CaughtUp(0L));
        report(id, new CutOverCompleted("u:1-10", 40L, 2L, 1, null));
        return id;
    }

    static MigrationStarted started() {
        return MigrationStarted.newBuilder().setShadowTable("_users_x_new").setOldTable("_users_x_old")
                .setKeyColumns(List.of("id")).setForward(List.of()).setInverse(List.of()).setRevertNotes(List.of())
                .setRevertible(true).setRowsTotal(10L).build();
    }

    static String rejection(List<JournalEvent> out) {
        assertEquals(1, out.size());
        return assertInstanceOf(CommandRejected.class, out.get(0).getPayload()).getReason();
    }

    MigrationStatus status(String id) {
        return states.get(id).getStatus();
    }

    @Test
    void theWorkedExampleGoesAllTheWay() {
        String id = submit(false);
        assertEquals(MigrationStatus.QUEUED, status(id));
        start(id);
        assertEquals(MigrationStatus.COPYING, status(id));
        List<JournalEvent> out = report(id, new CaughtUp(0L));
        assertEquals(2, out.size(), "caught up, then the automatic cut-over");
        assertTrue(((CutOverRequested) out.get(1).getPayload()).getAutomatic());
        assertEquals(MigrationStatus.CUTTING_OVER, status(id));
        report(id, new CutOverCompleted("u:1-10", 40L, 2L, 1, 1_700_000_000_000L));
        assertEquals(MigrationStatus.CUT_OVER, status(id));
        assertEquals("u:1-10", states.get(id).getFreezeGtid());
        assertEquals(1_700_000_000_000L, states.get(id).getCutOverFreezeStartedAt(), "when the cut-over's locks began");
        send(new Revert(id, false));
        assertEquals(MigrationStatus.REVERTING, status(id));
        report(id, new RevertCompleted("u:1-20", 30L, 1L, 200L, 1_700_000_060_000L));
        assertEquals(MigrationStatus.REVERTED, status(id));
        assertEquals(1_700_000_060_000L, states.get(id).getRevertFreezeStartedAt(), "when the revert's locks began");
        assertEquals(1_700_000_000_000L, states.get(id).getCutOverFreezeStartedAt());
        send(new Complete(id));
        assertEquals(Lifecycle.COMPLETE, states.get(id).getPendingAction());
        report(id, new MigrationCompleted("_users_x_del"));
        assertEquals(MigrationStatus.COMPLETED, status(id));
        assertEquals(states.get(id), Lifecycle.foldAll(journal.stream().filter(e -> id.equals(e.getMigrationId())
                && !(e.getPayload() instanceof CommandRejected && !states.containsKey(id))).toList()),
                "replaying the journal rebuilds the same state");
    }

    @Test
    void theWholeJournalFoldsIntoEveryStateAndACorruptedCopyDivergesNamingTheField() {
        String reverted = cutOver();
        send(new Revert(reverted, false));
        report(reverted, new RevertCompleted("u:1-20", 30L, 1L, 200L, null));
        assertTrue(rejection(send(new Submit("app.users", "DROP COLUMN x", false, null, "ALTER"))).contains("in flight"));
        assertTrue(rejection(send(new Cancel(reverted))).contains("revert is the way back"));
        send(new Revert("deadbeef", false)); // names no migration
        JournalFold fold = new JournalFold();
        journal.forEach(e -> fold.add(e, Map.of()));
        assertEquals(Optional.empty(), JournalFold.firstDivergence(fold.states(), states));
        assertEquals(states, fold.states());

        List<JournalEvent> corrupted = new ArrayList<>(journal);
        for (int i = 0; i < corrupted.size(); i++) {
            if (corrupted.get(i).getPayload() instanceof RevertCompleted r) {
                corrupted.set(i, JournalEvent.newBuilder(corrupted.get(i))
                        .setPayload(new RevertCompleted(r.getFreezeGtid(), 31L, r.getLockWaitMillis(),
                                r.getServingMillis(), r.getFreezeStartedAt())).build());
            }
        }
        JournalFold bad = new JournalFold();
        corrupted.forEach(e -> bad.add(e, Map.of()));
        assertEquals(Optional.of("migration " + reverted + ": revertFreezeMillis is 31 by the journal but 30 in the"
                + " state"), JournalFold.firstDivergence(bad.states(), states));

        JournalFold missing = new JournalFold();
        journal.stream().filter(e -> !(e.getPayload() instanceof RevertCompleted)).forEach(e -> missing.add(e, Map.of()));
        String why = JournalFold.firstDivergence(missing.states(), states).orElseThrow();
        assertTrue(why.startsWith("migration " + reverted + ": status is REVERTING by the journal but REVERTED"), why);

        // A state read before the journal's end is compared with the fold of as many events as it holds.
        JournalFold limited = new JournalFold();
        Map<String, Long> versions = Map.of(reverted, 5L);
        journal.forEach(e -> limited.add(e, versions));
        assertEquals(5L, limited.states().get(reverted).getVersion());
    }

    @Test
    void aPausedMigrationDoesNotCutOverUntilResumed() {
        String id = submit(false);
        start(id);
        assertInstanceOf(io.flipside.schema.MigrationPaused.class, send(new io.flipside.schema.Pause(id)).get(0)
                .getPayload());
        assertTrue(states.get(id).getPaused());
        assertTrue(rejection(send(new io.flipside.schema.Pause(id))).contains("already paused"));
        assertEquals(1, report(id, new CaughtUp(0L)).size(), "caught up, but no automatic cut-over while paused");
        assertEquals(MigrationStatus.READY, status(id));
        assertTrue(rejection(send(new CutOver(id, false))).contains("resume"));
        now = now.plusSeconds(90);
        List<JournalEvent> resumed = send(new io.flipside.schema.Resume(id));
        assertEquals(90_000L, ((io.flipside.schema.MigrationResumed) resumed.get(0).getPayload()).getPausedMillis());
        assertTrue(((CutOverRequested) resumed.get(1).getPayload()).getAutomatic(), "resumed when caught up");
        assertEquals(MigrationStatus.CUTTING_OVER, status(id));
        assertTrue(rejection(send(new io.flipside.schema.Resume(id))).contains("not paused"));
        report(id, new CutOverCompleted("u:1-10", 40L, 2L, 1, null));
        assertTrue(rejection(send(new io.flipside.schema.Pause(id))).contains("never pauses"));
        assertEquals(MigrationStatus.CUT_OVER, status(id));
    }

    @Test
    void throttleSettingsMergeAndEpisodesAddUp() {
        String id = submit(false);
        start(id);
        send(new io.flipside.schema.Throttle(id, 500L, null, null, null, null));
        send(new io.flipside.schema.Throttle(id, null, 8, 100, 250L, null));
        send(new io.flipside.schema.Throttle(id, null, null, null, null, 50));
        MigrationState m = states.get(id);
        assertEquals(500L, m.getThrottleMaxLagMillis(), "a null field leaves the setting as it was");
        assertEquals(8, m.getThrottleMaxThreadsRunning());
        assertEquals(250L, m.getThrottleMaxReplicaLagMillis());
        assertEquals(100, m.getChunkTimeMillis());
        assertEquals(50, m.getRestPercent());
        assertTrue(rejection(send(new io.flipside.schema.Throttle(id, null, null, null, null, null))).contains("changes nothing"));
        assertTrue(rejection(send(new io.flipside.schema.Throttle(id, -1L, null, null, null, null))).contains("0 (off) or more"));
        assertTrue(rejection(send(new io.flipside.schema.Throttle(id, null, null, null, -5L, null))).contains("0 (off) or more"));
        assertTrue(rejection(send(new io.flipside.schema.Throttle(id, null, null, null, null, 10_001)))
                .contains("a rest 0 to 10000 %"));
        assertTrue(rejection(send(new io.flipside.schema.Throttle(id, null, null, null, null, -1)))
                .contains("a rest 0 to 10000 %"));
        assertEquals(50, states.get(id).getRestPercent(), "a rejected throttle changes nothing");
        send(new io.flipside.schema.Throttle(id, null, null, null, null, 0));
        assertEquals(0, states.get(id).getRestPercent(), "0: the migration does not rest, whatever the applier's"
                + " copy.rest.percent");
        assertEquals(100, states.get(id).getChunkTimeMillis());
        report(id, new io.flipside.schema.Throttled("Threads_running 9 > 8"));
        assertEquals("Threads_running 9 > 8", states.get(id).getThrottled());
        report(id, new io.flipside.schema.ThrottleEnded("Threads_running 9 > 8", 1200L));
        report(id, new io.flipside.schema.Throttled("apply lag 900 ms > 500 ms"));
        report(id, new io.flipside.schema.ThrottleEnded("apply lag 900 ms > 500 ms", 300L));
        assertEquals(null, states.get(id).getThrottled());
        assertEquals(2, states.get(id).getThrottleEpisodes());
        assertEquals(1500L, states.get(id).getThrottledMillis());
        report(id, new io.flipside.schema.CopyCompleted(1000L, 4L, 900L, 0L, 600L));
        assertEquals(600L, states.get(id).getRestedMillis());
        assertEquals(null, states.get(id).getIndexMillis(), "0: no index was deferred");
    }

    @Test
    void aFailedMigrationIsRetriedFromTheBeginningAndReportsOfTheFailedAttemptAreIgnored() {
        String id = submit(false);
        start(id);
        report(id, new io.flipside.schema.Progressed(500L, 1000L, 2L, 10L, 3L));
        assertTrue(rejection(send(new io.flipside.schema.Retry(id))).contains("only a FAILED migration"));
        report(id, new io.flipside.schema.MigrationFailed("copy failed: Duplicate entry 'x' for key 'email'"));
        assertEquals(MigrationStatus.FAILED, status(id));
        io.flipside.schema.RetryRequested retry = assertInstanceOf(io.flipside.schema.RetryRequested.class,
                send(new io.flipside.schema.Retry(id)).get(0).getPayload());
        assertEquals(2, retry.getAttempt());
        MigrationState again = states.get(id);
        assertEquals(MigrationStatus.QUEUED, again.getStatus());
        assertEquals(2, again.getAttempts());
        assertEquals(null, again.getError());
        assertEquals(0, again.getRowsCopied());
        assertEquals(null, again.getShadowTable());
        // The failed attempt's worker reporting its failure once more changes nothing.
        assertTrue(report(id, new io.flipside.schema.MigrationFailed("copy failed, again")).isEmpty());
        JournalEvent second = JournalEvent.newBuilder().setEventId("x").setAt(now).setMigrationId(id).setAttempt(2)
                .setPayload(started()).build();
        assertEquals(1, append(decisions.accept(second, states.get(id), now)).size());
        assertEquals(MigrationStatus.COPYING, status(id));
        JournalFold fold = new JournalFold();
        journal.forEach(e -> fold.add(e, Map.of()));
        assertEquals(states.get(id), fold.states().get(id), "the journal folds into the retried state");
    }

    @Test
    void aMigrationThatFailedAfterItsCutOverIsNotRetried() {
        String id = cutOver();
        report(id, new io.flipside.schema.MigrationFailed("inverse replication cannot go on"));
        assertTrue(rejection(send(new io.flipside.schema.Retry(id))).contains("after a cut-over"));
    }

    @Test
    void theRetentionWindowChangesWhileCutOver() {
        String id = cutOver();
        assertTrue(rejection(send(new io.flipside.schema.Retention(id, 0L))).contains("at least 1"));
        io.flipside.schema.RetentionChanged changed = assertInstanceOf(io.flipside.schema.RetentionChanged.class,
                send(new io.flipside.schema.Retention(id, 60L)).get(0).getPayload());
        assertEquals(1800L, changed.getPreviousSeconds());
        assertEquals(60L, states.get(id).getRetentionSeconds());
        assertTrue(decisions.expire(states.get(id), now.plusSeconds(59)).isEmpty());
        assertTrue(decisions.expire(states.get(id), now.plusSeconds(61)).isPresent(), "the new window ends it");
    }

    @Test
    void postponedCutOverWaitsInReady() {
        String id = submit(true);
        start(id);
        List<JournalEvent> out = report(id, new CaughtUp(0L));
        assertEquals(1, out.size());
        assertEquals(MigrationStatus.READY, status(id));
        send(new CutOver(id, false));
        assertEquals(MigrationStatus.CUTTING_OVER, status(id));
    }

    @Test
    void cutoverWhileCopyingClearsThePostpone() {
        String id = submit(true);
        start(id);
        assertInstanceOf(PostponeCleared.class, send(new CutOver(id, false)).get(0).getPayload());
        assertEquals(2, report(id, new CaughtUp(0L)).size());
    }

    @Test
    void aSecondMigrationOfTheSameTableIsRejected() {
        String first = submit(false);
        String reason = rejection(send(new Submit("app.users", "ADD COLUMN x INT", false, null, "ALTER")));
        assertTrue(reason.contains(first), reason);
        assertEquals(1, states.size());
    }

    @Test
    void badSubmitsAreRejectedWithTheReason() {
        assertTrue(rejection(send(new Submit("users", "DROP COLUMN x", false, null, "ALTER"))).contains("DATABASE.TABLE"));
        assertTrue(rejection(send(new Submit("app.users", "DROP COLUMN x; DROP TABLE y", false, null, "ALTER")))
                .contains("one statement"));
        assertTrue(rejection(send(new Submit("app.users", "DROP COLUMN x", false, 0L, "ALTER"))).contains("retention"));
        assertTrue(states.isEmpty());
    }

    @Test
    void createAndDropAreCheckedAsWhatTheyAre() {
        List<JournalEvent> create = send(new Submit("app.audit", "CREATE TABLE app.audit (id INT PRIMARY KEY)", false,
                null, "CREATE"));
        MigrationSubmitted submitted = assertInstanceOf(MigrationSubmitted.class, create.get(0).getPayload());
        assertEquals("CREATE", submitted.getKind());
        assertEquals("CREATE", states.get(create.get(0).getMigrationId()).getKind());
        assertTrue(rejection(send(new Submit("app.audit2", "CREATE TABLE app.other (id INT)", false, null, "CREATE")))
                .contains("app.other"));
        assertTrue(rejection(send(new Submit("app.users", "DROP COLUMN x", false, null, "DROP")))
                .contains("no statement"));
        assertEquals("", ((MigrationSubmitted) send(new Submit("app.users", "", false, null, "DROP")).get(0)
                .getPayload()).getAlter());
        assertTrue(rejection(send(new Submit("app.t", "", false, null, "TRUNCATE"))).contains("unknown kind"));
    }

    @Test
    void revertBeforeCutOverIsRefused() {
        String id = submit(false);
        start(id);
        String reason = rejection(send(new Revert(id, false)));
        assertTrue(reason.contains("not revertible"), reason);
        assertEquals(MigrationStatus.COPYING, status(id));
    }

    @Test
    void cancelAfterCutOverIsRefused() {
        String id = cutOver();
        assertTrue(rejection(send(new Cancel(id))).contains("revert is the way back"));
        assertEquals(MigrationStatus.CUT_OVER, status(id));
    }

    @Test
    void aLossyValueMakesTheRevertNeedForce() {
        String id = cutOver();
        report(id, new RevertLossy(1L, "7", "balance", "Out of range value for column 'balance' at row 1", 1));
        report(id, new RevertLossy(1L, "7", "balance", "Out of range value for column 'balance' at row 1", 1));
        report(id, new RevertLossy(2L, "9", "code", "Data truncated for column 'code' at row 1", 1));
        assertEquals(2, states.get(id).getLossyValues(), "a repeated report counts once");
        assertEquals(2, states.get(id).getLossyExamples().size());

        String reason = rejection(send(new Revert(id, false)));
        assertTrue(reason.contains("--force") && reason.contains("key 7, column balance"), reason);
        assertEquals(MigrationStatus.CUT_OVER, status(id));

        send(new Revert(id, true));
        assertEquals(MigrationStatus.REVERTING, status(id));
        assertTrue(states.get(id).getRevertForced());
    }

    @Test
    void aRevertRefusedAtTheFreezeLeavesTheNewSchemaServing() {
        String id = cutOver();
        send(new Revert(id, false));
        report(id, new RevertLossy(1L, "7", "balance", "Out of range", 1));
        report(id, new RevertRefused("values the old schema cannot hold"));
        assertEquals(MigrationStatus.CUT_OVER, status(id));
        assertTrue(states.get(id).getError().startsWith("revert refused"), states.get(id).getError());
        assertTrue(report(id, new RevertRefused("again")).isEmpty(), "a repeated refusal changes nothing");
        assertEquals(1, states.get(id).getLossyValues());
    }

    @Test
    void aFirstCutOverRefusedAtTheFreezeGoesBackToReady() {
        String id = submit(true);
        start(id);
        report(id, new CaughtUp(0L));
        assertEquals(MigrationStatus.READY, status(id));
        send(new CutOver(id, false));
        assertEquals(MigrationStatus.CUTTING_OVER, status(id));
        report(id, new RevertRefused("app.users has triggers (stamp)"));
        assertEquals(MigrationStatus.READY, status(id), "the old schema serves, and the migration waits for a command");
        assertTrue(states.get(id).getError().startsWith("cut-over refused: app.users has triggers"),
                states.get(id).getError());
        assertTrue(report(id, new RevertRefused("again")).isEmpty(), "a repeated refusal changes nothing");
        send(new CutOver(id, false));
        report(id, new CutOverCompleted("u:1-10", 40L, 2L, 1, null));
        assertEquals(MigrationStatus.CUT_OVER, status(id));
        assertEquals(null, states.get(id).getError());
    }

    @Test
    void afterARevertOnlyValuesTheNewSchemaCannotHoldBlockTheNextCutOver() {
        String id = cutOver();
        report(id, new RevertLossy(1L, "7", "balance", "Out of range", 1));
        send(new Revert(id, true));
        report(id, new RevertCompleted("u:1-20", 30L, 1L, 200L, null));
        assertEquals(MigrationStatus.REVERTED, status(id));
        assertEquals(0, states.get(id).getLossyValues(), "the old table serves again, whole");
        // Journalled late, about the old table before the revert: it does not count.
        report(id, new RevertLossy(2L, "8", "balance", "Out of range", 1));
        assertEquals(0, states.get(id).getLossyValues());
        assertInstanceOf(CutOverRequested.class, send(new CutOver(id, false)).get(0).getPayload(),
                "nothing lossy since the revert");
        report(id, new RevertRefused("a value recorded after the command"));
        assertEquals(MigrationStatus.REVERTED, status(id), "a refused cut-over leaves the old schema serving");
        assertTrue(states.get(id).getError().startsWith("cut-over refused"), states.get(id).getError());

        report(id, new RevertLossy(3L, "9", "code", "Data too long for column 'code' at row 1", 2));
        report(id, new RevertLossy(3L, "9", "code", "Data too long for column 'code' at row 1", 2));
        assertEquals(1, states.get(id).getLossyValues(), "a repeated report counts once");
        String reason = rejection(send(new CutOver(id, false)));
        assertTrue(reason.contains("--force") && reason.contains("key 9, column code"), reason);
        assertEquals(MigrationStatus.REVERTED, status(id));
        CutOverRequested forced = assertInstanceOf(CutOverRequested.class,
                send(new CutOver(id, true)).get(0).getPayload());
        assertTrue(forced.getForce());
        assertTrue(states.get(id).getCutOverForced());
        report(id, new CutOverCompleted("u:1-30", 40L, 2L, 1, null));
        assertEquals(0, states.get(id).getLossyValues());
        assertEquals(3, states.get(id).getSwaps());
    }

    @Test
    void forceOnAFirstCutOverIsRefused() {
        String id = submit(true);
        start(id);
        report(id, new CaughtUp(0L));
        assertTrue(rejection(send(new CutOver(id, true))).contains("--force applies only"));
        assertEquals(MigrationStatus.READY, status(id));
    }

    @Test
    void commandsForUnknownMigrationsAreRejected() {
        List<JournalEvent> out = send(new Revert("deadbeef", false));
        assertTrue(rejection(out).contains("no migration deadbeef"));
        assertNull(out.get(0).getMigrationId());
    }

    @Test
    void staleReportsAreIgnored() {
        String id = submit(false);
        start(id);
        assertTrue(report(id, new RevertCompleted("u:1", 1L, 1L, 1L, null)).isEmpty());
        assertTrue(report(id, started()).isEmpty(), "a repeated start after an applier restart changes nothing");
        assertEquals(MigrationStatus.COPYING, status(id));
    }

    @Test
    void theRetentionWindowCompletesByItself() {
        String id = cutOver();
        assertTrue(decisions.expire(states.get(id), now.plus(Duration.ofMinutes(29))).isEmpty());
        JournalEvent e = decisions.expire(states.get(id), now.plus(Duration.ofMinutes(30))).orElseThrow();
        assertTrue(((CompleteRequested) e.getPayload()).getAutomatic());
    }

    @Test
    void theFoldRefusesAnIllegalMove() {
        String id = submit(false);
        JournalEvent bad = JournalEvent.newBuilder().setEventId("x").setAt(now).setMigrationId(id)
                .setPayload(new RevertRequested(false)).build();
        IllegalTransitionException e = assertThrows(IllegalTransitionException.class,
                () -> Lifecycle.fold(states.get(id), bad));
        assertEquals(MigrationStatus.QUEUED, e.from());
        assertEquals(MigrationStatus.REVERTING, e.to());
    }

    @Test
    void migrationIdsAreStablePerRequest() {
        assertEquals(Names.migrationId("r-1"), Names.migrationId("r-1"));
        assertTrue(Names.migrationId("r-1").matches("[0-9a-f]{8}"));
        String shadow = Names.shadowTable("x".repeat(64), "0badcafe");
        assertTrue(shadow.length() <= 64 && Names.HELPER_TABLE.matcher(shadow).matches(), shadow);
    }
}
