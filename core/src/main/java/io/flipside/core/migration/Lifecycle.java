package io.flipside.core.migration;

import static io.flipside.schema.MigrationStatus.CANCELLED;
import static io.flipside.schema.MigrationStatus.COMPLETED;
import static io.flipside.schema.MigrationStatus.COPYING;
import static io.flipside.schema.MigrationStatus.CUTTING_OVER;
import static io.flipside.schema.MigrationStatus.CUT_OVER;
import static io.flipside.schema.MigrationStatus.FAILED;
import static io.flipside.schema.MigrationStatus.QUEUED;
import static io.flipside.schema.MigrationStatus.READY;
import static io.flipside.schema.MigrationStatus.REVERTED;
import static io.flipside.schema.MigrationStatus.REVERTING;

import io.flipside.schema.CancelRequested;
import io.flipside.schema.CaughtUp;
import io.flipside.schema.ChecksumVerified;
import io.flipside.schema.CommandRejected;
import io.flipside.schema.CompleteRequested;
import io.flipside.schema.CopyCompleted;
import io.flipside.schema.CutOverAttemptFailed;
import io.flipside.schema.CutOverCompleted;
import io.flipside.schema.CutOverRequested;
import io.flipside.schema.Interrupted;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationCancelled;
import io.flipside.schema.MigrationCompleted;
import io.flipside.schema.MigrationFailed;
import io.flipside.schema.MigrationRejected;
import io.flipside.schema.MigrationStarted;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.MigrationSubmitted;
import io.flipside.schema.PostponeCleared;
import io.flipside.schema.Progressed;
import io.flipside.schema.RevertCompleted;
import io.flipside.schema.RevertLossy;
import io.flipside.schema.MigrationPaused;
import io.flipside.schema.MigrationResumed;
import io.flipside.schema.RetentionChanged;
import io.flipside.schema.RetryRequested;
import io.flipside.schema.ThrottleChanged;
import io.flipside.schema.ThrottleEnded;
import io.flipside.schema.Throttled;
import io.flipside.schema.RevertRefused;
import io.flipside.schema.RevertRequested;
import io.flipside.schema.Resumed;
import java.util.ArrayList;
import java.util.List;

/**
 * A migration's state is the fold of its journal events: {@code state = fold(fold(fold(null, e1), e2), e3)}. The fold
 * is deterministic and uses nothing but the events, so replaying the journal rebuilds the same state. It refuses an
 * event that the state does not allow (the controller never appends one).
 */
public final class Lifecycle {
    /** {@link MigrationState#getPendingAction()} values. */
    public static final String CANCEL = "CANCEL";
    public static final String COMPLETE = "COMPLETE";
    /** How many RevertLossy values the state keeps as examples (the journal has them all). */
    static final int LOSSY_EXAMPLES = 5;

    private Lifecycle() {}

    /**
     * @param state the state before {@code event}, or null before the migration's first event
     * @return the state after it
     * @throws IllegalTransitionException or IllegalStateException when the event does not fit the state
     */
    public static MigrationState fold(MigrationState state, JournalEvent event) {
        Object p = event.getPayload();
        if (p instanceof MigrationSubmitted s) {
            if (state != null) {
                throw new IllegalStateException("migration " + state.getId() + " was already submitted");
            }
            return MigrationState.newBuilder()
                    .setId(event.getMigrationId())
                    .setTable(s.getTable())
                    .setAlter(s.getAlter())
                    .setKind(s.getKind())
                    .setStatus(QUEUED)
                    .setPostponeCutover(s.getPostponeCutover())
                    .setRetentionSeconds(s.getRetentionSeconds())
                    .setRequestId(event.getRequestId() == null ? "" : event.getRequestId())
                    .setOperator(event.getOperator() == null ? "" : event.getOperator())
                    .setSubmittedAt(event.getAt())
                    .setUpdatedAt(event.getAt())
                    .setVersion(1)
                    .build();
        }
        if (state == null) {
            throw new IllegalStateException("event " + p.getClass().getSimpleName() + " for unknown migration "
                    + event.getMigrationId());
        }
        String id = state.getId();
        MigrationStatus from = state.getStatus();
        MigrationState.Builder b = MigrationState.newBuilder(state)
                .setVersion(state.getVersion() + 1)
                .setUpdatedAt(event.getAt());
        long at = event.getAt().toEpochMilli();
        if (p instanceof CommandRejected) {
            return b.build();
        } else if (p instanceof MigrationRejected r) {
            return b.setStatus(Transitions.check(id, from, FAILED)).setError("rejected: " + r.getReason())
                    .setEndedAt(at).build();
        } else if (p instanceof MigrationStarted m) {
            return b.setStatus(Transitions.check(id, from, COPYING))
                    .setShadowTable(m.getShadowTable())
                    .setOldTable(m.getOldTable())
                    .setKeyColumns(m.getKeyColumns())
                    .setForward(m.getForward())
                    .setInverse(m.getInverse())
                    .setRevertNotes(m.getRevertNotes())
                    .setRevertible(m.getRevertible())
                    .setInstantCapable(m.getInstantCapable())
                    .setRowsTotal(m.getRowsTotal())
                    .build();
        } else if (p instanceof Progressed g) {
            requireActive(state, "progress");
            return b.setRowsCopied(g.getRowsCopied()).setRowsTotal(g.getRowsTotal()).setChunks(g.getChunks())
                    .setLagMillis(g.getLagMillis()).setEventsApplied(g.getEventsApplied()).build();
        } else if (p instanceof CopyCompleted c) {
            requireStatus(state, "copy completed", COPYING);
            return b.setRowsCopied(c.getRowsCopied()).setChunks(c.getChunks()).setCopyMillis(c.getMillis())
                    .setIndexMillis(c.getIndexMillis() == 0 ? null : c.getIndexMillis())
                    .setRestedMillis(c.getRestedMillis() == 0 ? null : c.getRestedMillis())
                    .setRowsTotal(Math.max(state.getRowsTotal(), c.getRowsCopied())).build();
        } else if (p instanceof CaughtUp c) {
            return b.setStatus(Transitions.check(id, from, READY)).setLagMillis(c.getLagMillis()).build();
        } else if (p instanceof PostponeCleared) {
            return b.setPostponeCutover(false).build();
        } else if (p instanceof CutOverRequested r) {
            return pending(b.setStatus(Transitions.check(id, from, CUTTING_OVER)), event, null).setError(null)
                    .setCutOverForced(r.getForce()).build();
        } else if (p instanceof CutOverAttemptFailed f) {
            if (from != CUTTING_OVER && from != REVERTING) {
                throw new IllegalStateException("freeze attempt for migration " + id + " which is " + from);
            }
            return b.setCutOverAttempts(f.getAttempt()).setError((from == REVERTING ? "revert" : "cut-over")
                    + " attempt " + f.getAttempt() + " gave up: " + f.getReason()).build();
        } else if (p instanceof CutOverCompleted c) {
            return b.setStatus(Transitions.check(id, from, CUT_OVER)).setFreezeGtid(c.getFreezeGtid())
                    .setWriteFreezeMillis(c.getWriteFreezeMillis()).setCutOverAttempts(c.getAttempt())
                    .setCutOverAt(at).setCutOverFreezeStartedAt(c.getFreezeStartedAt()).setRevertedAt(null)
                    .setError(null).setPendingRequestId(null).setPendingSince(null).setCutOverForced(false)
                    .setSwaps(state.getSwaps() + 1).setLossyValues(0).setLossyExamples(List.of()).build();
        } else if (p instanceof RevertRequested r) {
            return pending(b.setStatus(Transitions.check(id, from, REVERTING)), event, null).setError(null)
                    .setRevertForced(r.getForce()).build();
        } else if (p instanceof RevertRefused r) {
            // A refused revert leaves the new schema serving; a refused cut-over, the old one.
            boolean revert = from == REVERTING;
            MigrationStatus to = revert ? CUT_OVER : state.getSwaps() == 0 ? READY : REVERTED;
            return b.setStatus(Transitions.check(id, from, to)).setPendingRequestId(null)
                    .setPendingSince(null).setRevertForced(false).setCutOverForced(false)
                    .setError((revert ? "revert" : "cut-over") + " refused: " + r.getReason()).build();
        } else if (p instanceof RevertLossy l) {
            if (l.getSeq() <= state.getLossySeq()) {
                return b.build(); // delivered again
            }
            b.setLossySeq(l.getSeq());
            if (l.getSwaps() != state.getSwaps()) {
                return b.build(); // about the table that served before the last swap: it serves again, whole
            }
            List<String> examples = new ArrayList<>(state.getLossyExamples());
            if (examples.size() < LOSSY_EXAMPLES) {
                examples.add("key " + l.getKey() + ", column " + l.getColumn() + ": " + l.getDetail());
            }
            return b.setLossyValues(state.getLossyValues() + 1).setLossyExamples(examples).build();
        } else if (p instanceof RevertCompleted r) {
            return b.setStatus(Transitions.check(id, from, REVERTED)).setRevertFreezeGtid(r.getFreezeGtid())
                    .setRevertFreezeMillis(r.getWriteFreezeMillis()).setRevertServingMillis(r.getServingMillis())
                    .setRevertedAt(at).setRevertFreezeStartedAt(r.getFreezeStartedAt()).setPendingRequestId(null)
                    .setPendingSince(null).setError(null).setRevertForced(false).setSwaps(state.getSwaps() + 1)
                    .setLossyValues(0).setLossyExamples(List.of()).build();
        } else if (p instanceof RetryRequested r) {
            // A new attempt from the beginning: what the failed one planned and did is in the journal.
            return b.setStatus(Transitions.check(id, from, QUEUED)).setAttempts(r.getAttempt()).setError(null)
                    .setEndedAt(null).setShadowTable(null).setOldTable(null).setKeyColumns(List.of())
                    .setForward(List.of()).setInverse(List.of()).setRevertNotes(List.of()).setRevertible(false)
                    .setInstantCapable(false).setRowsCopied(0).setRowsTotal(0).setChunks(0).setCopyMillis(null)
                    .setIndexMillis(null).setRestedMillis(null).setLagMillis(0).setEventsApplied(0).setCutOverAttempts(0).setChecksums(List.of())
                    .setInterruption(null).setInterruptedSince(null).setPaused(false).setPausedSince(null)
                    .setThrottled(null).setThrottledSince(null).setPendingAction(null).setPendingRequestId(null)
                    .setPendingSince(null).build();
        } else if (p instanceof MigrationPaused) {
            return b.setPaused(true).setPausedSince(at).build();
        } else if (p instanceof MigrationResumed) {
            return b.setPaused(false).setPausedSince(null).build();
        } else if (p instanceof RetentionChanged r) {
            return b.setRetentionSeconds(r.getSeconds()).build();
        } else if (p instanceof ThrottleChanged t) {
            return b.setThrottleMaxLagMillis(t.getMaxLagMillis()).setThrottleMaxThreadsRunning(t.getMaxThreadsRunning())
                    .setChunkTimeMillis(t.getChunkTimeMillis()).setThrottleMaxReplicaLagMillis(t.getMaxReplicaLagMillis())
                    .setRestPercent(t.getRestPercent()).build();
        } else if (p instanceof Throttled t) {
            return b.setThrottled(t.getReason()).setThrottledSince(at).build();
        } else if (p instanceof ThrottleEnded t) {
            return b.setThrottled(null).setThrottledSince(null).setThrottleEpisodes(state.getThrottleEpisodes() + 1)
                    .setThrottledMillis(state.getThrottledMillis() + t.getMillis()).build();
        } else if (p instanceof ChecksumVerified v) {
            List<io.flipside.schema.ChecksumVerdict> all = new ArrayList<>(state.getChecksums());
            all.add(v.getVerdict());
            return b.setChecksums(all).build();
        } else if (p instanceof CancelRequested) {
            requireNoPending(state);
            Transitions.check(id, from, CANCELLED);
            return pending(b, event, CANCEL).build();
        } else if (p instanceof MigrationCancelled) {
            requirePending(state, CANCEL);
            return b.setStatus(Transitions.check(id, from, CANCELLED)).setPendingAction(null).setEndedAt(at).build();
        } else if (p instanceof CompleteRequested) {
            requireNoPending(state);
            Transitions.check(id, from, COMPLETED);
            return pending(b, event, COMPLETE).build();
        } else if (p instanceof MigrationCompleted c) {
            requirePending(state, COMPLETE);
            return b.setStatus(Transitions.check(id, from, COMPLETED)).setPendingAction(null)
                    .setRetiredTable(c.getRetiredTable()).setEndedAt(at).build();
        } else if (p instanceof Interrupted i) {
            requireActive(state, "interruption");
            return b.setInterruption(i.getRole() + ": " + i.getReason())
                    .setInterruptedSince(state.getInterruptedSince() == null ? at : state.getInterruptedSince())
                    .build();
        } else if (p instanceof Resumed) {
            return b.setInterruption(null).setInterruptedSince(null).setInterruptions(state.getInterruptions() + 1)
                    .build();
        } else if (p instanceof MigrationFailed f) {
            return b.setStatus(Transitions.check(id, from, FAILED)).setError(f.getReason()).setEndedAt(at).build();
        }
        throw new IllegalStateException("unknown journal event " + p.getClass().getName());
    }

    /** Folds events in order, starting before the first. */
    public static MigrationState foldAll(Iterable<JournalEvent> events) {
        MigrationState s = null;
        for (JournalEvent e : events) {
            s = fold(s, e);
        }
        return s;
    }

    private static MigrationState.Builder pending(MigrationState.Builder b, JournalEvent e, String action) {
        return b.setPendingAction(action).setPendingRequestId(e.getRequestId())
                .setPendingSince(e.getAt().toEpochMilli());
    }

    private static void requireActive(MigrationState s, String what) {
        if (Transitions.isFinal(s.getStatus())) {
            throw new IllegalStateException(what + " for migration " + s.getId() + " which is " + s.getStatus());
        }
    }

    private static void requireStatus(MigrationState s, String what, MigrationStatus expected) {
        if (s.getStatus() != expected) {
            throw new IllegalStateException(what + " for migration " + s.getId() + " which is " + s.getStatus()
                    + ", expected " + expected);
        }
    }

    private static void requireNoPending(MigrationState s) {
        if (s.getPendingAction() != null) {
            throw new IllegalStateException("migration " + s.getId() + " already has " + s.getPendingAction()
                    + " pending");
        }
    }

    private static void requirePending(MigrationState s, String action) {
        if (!action.equals(s.getPendingAction())) {
            throw new IllegalStateException("migration " + s.getId() + " has no " + action + " pending");
        }
    }
}
