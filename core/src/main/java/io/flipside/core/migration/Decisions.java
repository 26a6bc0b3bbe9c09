package io.flipside.core.migration;

import static io.flipside.schema.MigrationStatus.COPYING;
import static io.flipside.schema.MigrationStatus.FAILED;
import static io.flipside.schema.MigrationStatus.CUTTING_OVER;
import static io.flipside.schema.MigrationStatus.CUT_OVER;
import static io.flipside.schema.MigrationStatus.QUEUED;
import static io.flipside.schema.MigrationStatus.READY;
import static io.flipside.schema.MigrationStatus.REVERTED;
import static io.flipside.schema.MigrationStatus.REVERTING;

import io.flipside.core.ddl.AlterClauses;
import io.flipside.core.ddl.CreateTable;
import io.flipside.core.sql.TableName;
import io.flipside.schema.Cancel;
import io.flipside.schema.CancelRequested;
import io.flipside.schema.CaughtUp;
import io.flipside.schema.ChecksumVerified;
import io.flipside.schema.Command;
import io.flipside.schema.CommandRejected;
import io.flipside.schema.Complete;
import io.flipside.schema.CompleteRequested;
import io.flipside.schema.CopyCompleted;
import io.flipside.schema.CutOver;
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
import io.flipside.schema.Revert;
import io.flipside.schema.RevertCompleted;
import io.flipside.schema.RevertLossy;
import io.flipside.schema.MigrationPaused;
import io.flipside.schema.MigrationResumed;
import io.flipside.schema.Pause;
import io.flipside.schema.Resume;
import io.flipside.schema.Retention;
import io.flipside.schema.RetentionChanged;
import io.flipside.schema.Throttle;
import io.flipside.schema.Retry;
import io.flipside.schema.RetryRequested;
import io.flipside.schema.ThrottleChanged;
import io.flipside.schema.ThrottleEnded;
import io.flipside.schema.Throttled;
import io.flipside.schema.RevertRefused;
import io.flipside.schema.RevertRequested;
import io.flipside.schema.Resumed;
import io.flipside.schema.Submit;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What the controller decides: which journal events an operator's command causes (or the reason it is rejected),
 * which of the applier's reports the migration's state allows, and when a retention window has ended. Pure: state in,
 * events out; the controller appends the events and folds them with {@link Lifecycle#fold}.
 */
public final class Decisions {
    /** Kinds of migration (Command.Submit's kind). */
    public static final String KIND_ALTER = "ALTER";
    public static final String KIND_CREATE = "CREATE";
    public static final String KIND_DROP = "DROP";
    public static final String KIND_INSTANT = "INSTANT";

    /** The operator named on decisions Flipside takes by itself. */
    public static final String SYSTEM_OPERATOR = "flipside";

    private final Duration defaultRetention;

    public Decisions(Duration defaultRetention) {
        if (defaultRetention.isNegative() || defaultRetention.isZero()) {
            throw new IllegalArgumentException("the retention window must be positive");
        }
        this.defaultRetention = defaultRetention;
    }

    /** The migrations the controller knows: by id, and all of them. */
    public interface Migrations {
        Optional<MigrationState> byId(String id);

        Collection<MigrationState> all();
    }

    /**
     * The events a command causes: the migration's next events, or one {@link CommandRejected} that changes nothing.
     */
    public List<JournalEvent> decide(Command command, Migrations migrations, Instant now) {
        Object action = command.getAction();
        if (action instanceof Submit s) {
            return submit(command, s, migrations, now);
        }
        String id = migrationIdOf(action);
        Optional<MigrationState> found = migrations.byId(id);
        String name = commandName(action);
        if (found.isEmpty()) {
            return List.of(reject(command, null, name, "no migration " + id, now));
        }
        MigrationState m = found.get();
        MigrationStatus st = m.getStatus();
        if (action instanceof Retry) {
            return retry(command, m, migrations, now);
        }
        if (Transitions.isFinal(st)) {
            return List.of(reject(command, id, name, "migration " + id + " is " + st + "; nothing more can be done", now));
        }
        if (m.getPendingAction() != null) {
            return List.of(reject(command, id, name, "migration " + id + " is already being "
                    + (m.getPendingAction().equals(Lifecycle.CANCEL) ? "cancelled" : "completed"), now));
        }
        if (action instanceof CutOver && m.getPaused()) {
            return List.of(reject(command, id, name, "migration " + id + " is paused; `flipside resume " + id + "` first",
                    now));
        }
        if (action instanceof CutOver cutOver) {
            if (cutOver.getForce() && st != REVERTED) {
                return List.of(reject(command, id, name, "--force applies only to a cut-over after a revert (REVERTED);"
                        + " migration " + id + " is " + st, now));
            }
            if (st == REVERTED && m.getLossyValues() > 0 && !cutOver.getForce()) {
                return List.of(reject(command, id, name, "migration " + id + " can no longer cut over losslessly: "
                        + m.getLossyValues() + " value(s) written since the revert do not fit the new schema (first: "
                        + String.join("; ", m.getLossyExamples()) + "); `flipside cutover " + id + " --force` cuts"
                        + " over anyway and loses them", now));
            }
            if (st == READY || st == REVERTED) {
                return List.of(event(command, id, now, new CutOverRequested(false, cutOver.getForce())));
            }
            if (st == QUEUED || st == COPYING) {
                return List.of(event(command, id, now, new PostponeCleared()));
            }
            return List.of(reject(command, id, name, "cannot cut over migration " + id + " while it is " + st, now));
        }
        if (action instanceof Revert revert) {
            if (st != CUT_OVER) {
                return List.of(reject(command, id, name, "migration " + id + " is not revertible: it is " + st
                        + "; a revert is possible only after a cut-over (CUT_OVER)", now));
            }
            if (!m.getRevertible()) {
                return List.of(reject(command, id, name, "migration " + id + " is not revertible: "
                        + String.join("; ", m.getRevertNotes()), now));
            }
            if (m.getLossyValues() > 0 && !revert.getForce()) {
                return List.of(reject(command, id, name, "migration " + id + " is no longer losslessly revertible: "
                        + m.getLossyValues() + " value(s) written since the cut-over do not fit the old schema (first: "
                        + String.join("; ", m.getLossyExamples()) + "); `flipside revert " + id + " --force` reverts"
                        + " anyway and loses them", now));
            }
            return List.of(event(command, id, now, new RevertRequested(revert.getForce())));
        }
        if (action instanceof Cancel) {
            if (st == QUEUED || st == COPYING || st == READY) {
                return List.of(event(command, id, now, new CancelRequested()));
            }
            if (st == CUTTING_OVER) {
                return List.of(reject(command, id, name, "migration " + id + " is cutting over; once it is CUT_OVER,"
                        + " revert is the way back", now));
            }
            return List.of(reject(command, id, name, "migration " + id + " has cut over (" + st + "): cancel is"
                    + " refused; revert is the way back and complete ends it", now));
        }
        if (action instanceof Complete) {
            if (st == CUT_OVER || st == REVERTED) {
                return List.of(event(command, id, now, new CompleteRequested(false)));
            }
            return List.of(reject(command, id, name, "cannot complete migration " + id + " while it is " + st
                    + "; complete ends a migration that is CUT_OVER or REVERTED (cancel stops one before its cut-over)",
                    now));
        }
        if (action instanceof Pause) {
            if (m.getPaused()) {
                return List.of(reject(command, id, name, "migration " + id + " is already paused", now));
            }
            if (st == QUEUED || st == COPYING || st == READY) {
                return List.of(event(command, id, now, new MigrationPaused()));
            }
            return List.of(reject(command, id, name, "migration " + id + " is " + st + ": only a migration before its"
                    + " cut-over pauses (QUEUED, COPYING, READY); replication after a cut-over never pauses", now));
        }
        if (action instanceof Resume) {
            if (!m.getPaused()) {
                return List.of(reject(command, id, name, "migration " + id + " is not paused", now));
            }
            long since = m.getPausedSince() == null ? now.toEpochMilli() : m.getPausedSince();
            JournalEvent resumed = event(command, id, now, new MigrationResumed(Math.max(0, now.toEpochMilli() - since)));
            if (st == READY && !m.getPostponeCutover()) {
                return List.of(resumed, automaticCutOver(m, now, "resumed when caught up; the cut-over was not"
                        + " postponed"));
            }
            return List.of(resumed);
        }
        if (action instanceof Throttle t) {
            if (t.getMaxLagMillis() == null && t.getMaxThreadsRunning() == null && t.getChunkTimeMillis() == null
                    && t.getMaxReplicaLagMillis() == null && t.getRestPercent() == null) {
                return List.of(reject(command, id, name, "throttle changes nothing: give --max-lag-ms,"
                        + " --max-threads-running, --max-replica-lag-ms, --chunk-time-ms or --rest-percent", now));
            }
            if (t.getMaxLagMillis() != null && t.getMaxLagMillis() < 0
                    || t.getMaxReplicaLagMillis() != null && t.getMaxReplicaLagMillis() < 0
                    || t.getMaxThreadsRunning() != null && t.getMaxThreadsRunning() < 0
                    || t.getChunkTimeMillis() != null && (t.getChunkTimeMillis() < 10 || t.getChunkTimeMillis() > 60_000)
                    || t.getRestPercent() != null && (t.getRestPercent() < 0 || t.getRestPercent() > 10_000)) {
                return List.of(reject(command, id, name, "thresholds are 0 (off) or more, a chunk time is 10 to"
                        + " 60000 ms, and a rest 0 to 10000 %", now));
            }
            return List.of(event(command, id, now, new ThrottleChanged(
                    t.getMaxLagMillis() != null ? t.getMaxLagMillis() : m.getThrottleMaxLagMillis(),
                    t.getMaxThreadsRunning() != null ? t.getMaxThreadsRunning() : m.getThrottleMaxThreadsRunning(),
                    t.getChunkTimeMillis() != null ? t.getChunkTimeMillis() : m.getChunkTimeMillis(),
                    t.getMaxReplicaLagMillis() != null ? t.getMaxReplicaLagMillis()
                            : m.getThrottleMaxReplicaLagMillis(),
                    t.getRestPercent() != null ? t.getRestPercent() : m.getRestPercent())));
        }
        if (action instanceof Retention r) {
            if (r.getSeconds() < 1) {
                return List.of(reject(command, id, name, "a retention window of " + r.getSeconds() + " s; give at"
                        + " least 1", now));
            }
            return List.of(event(command, id, now, new RetentionChanged(r.getSeconds(), m.getRetentionSeconds())));
        }
        return List.of(reject(command, null, "unknown", "unknown command " + action.getClass().getSimpleName(), now));
    }

    private List<JournalEvent> retry(Command command, MigrationState m, Migrations migrations, Instant now) {
        String id = m.getId();
        if (m.getStatus() != FAILED) {
            return List.of(reject(command, id, "retry", "migration " + id + " is " + m.getStatus() + ": only a FAILED"
                    + " migration is retried", now));
        }
        if (m.getCutOverAt() != null || m.getSwaps() > 0) {
            return List.of(reject(command, id, "retry", "migration " + id + " failed after a cut-over, with its tables"
                    + " swapped; it cannot start again from the beginning (submit a new migration)", now));
        }
        Optional<MigrationState> other = inFlight(migrations, m.getTable());
        if (other.isPresent()) {
            return List.of(reject(command, id, "retry", "table " + m.getTable() + " has migration "
                    + other.get().getId() + " in flight (" + other.get().getStatus() + "); complete or cancel it first",
                    now));
        }
        return List.of(event(command, id, now, new RetryRequested(m.getAttempts() + 1)));
    }

    /** The migration of {@code table} that is not over, if any. */
    private static Optional<MigrationState> inFlight(Migrations migrations, String table) {
        return migrations.all().stream().filter(o -> o.getTable().equals(table) && !Transitions.isFinal(o.getStatus()))
                .findFirst();
    }

    private List<JournalEvent> submit(Command command, Submit s, Migrations migrations, Instant now) {
        String id = Names.migrationId(command.getRequestId());
        TableName table;
        String statement;
        try {
            table = TableName.parse(s.getTable());
            statement = switch (s.getKind()) {
                case KIND_ALTER, KIND_INSTANT -> AlterClauses.parse(s.getAlter(), table).text();
                case KIND_CREATE -> {
                    CreateTable.parse(s.getAlter(), table);
                    yield s.getAlter().strip();
                }
                case KIND_DROP -> {
                    if (s.getAlter() != null && !s.getAlter().isBlank()) {
                        throw new IllegalArgumentException("a DROP migration takes no statement");
                    }
                    yield "";
                }
                default -> throw new IllegalArgumentException("unknown kind of migration " + s.getKind()
                        + "; expected ALTER, CREATE, DROP or INSTANT");
            };
        } catch (IllegalArgumentException e) {
            return List.of(reject(command, null, "submit", e.getMessage(), now));
        }
        if (migrations.byId(id).isPresent()) {
            return List.of(reject(command, null, "submit", "migration id " + id + " is taken; resend with another"
                    + " request id", now));
        }
        Optional<MigrationState> other = inFlight(migrations, table.toString());
        if (other.isPresent()) {
            return List.of(reject(command, null, "submit", "table " + table + " already has migration "
                    + other.get().getId() + " in flight (" + other.get().getStatus() + "); complete or cancel it first",
                    now));
        }
        long retention = s.getRetentionSeconds() == null ? defaultRetention.toSeconds() : s.getRetentionSeconds();
        if (retention <= 0) {
            return List.of(reject(command, null, "submit", "the retention window must be positive", now));
        }
        return List.of(event(command, id, now,
                new MigrationSubmitted(table.toString(), statement, s.getPostponeCutover(), retention, s.getKind())));
    }

    /**
     * The journal events an applier report leads to: none when the migration's state does not allow it (a late or
     * repeated report, e.g. after the applier restarted); otherwise the report, and the controller's own reaction
     * (after {@link CaughtUp}, the automatic cut-over unless it was postponed).
     */
    public List<JournalEvent> accept(JournalEvent report, MigrationState m, Instant now) {
        if (m == null || report.getAttempt() != m.getAttempts() || !allows(m, report.getPayload())) {
            return List.of();
        }
        JournalEvent.Builder b = JournalEvent.newBuilder(report).setRecordedBy("applier");
        if (report.getRequestId() == null) {
            b.setRequestId(m.getPendingRequestId() != null ? m.getPendingRequestId() : m.getRequestId());
        }
        JournalEvent accepted = b.build();
        if (report.getPayload() instanceof CaughtUp && !m.getPostponeCutover() && !m.getPaused()) {
            return List.of(accepted, automaticCutOver(m, now, "caught up; the cut-over was not postponed"));
        }
        return List.of(accepted);
    }

    private static JournalEvent automaticCutOver(MigrationState m, Instant now, String why) {
        return JournalEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setAt(now)
                .setMigrationId(m.getId())
                .setRequestId(m.getRequestId())
                .setOperator(SYSTEM_OPERATOR)
                .setReason(why)
                .setPayload(new CutOverRequested(true, false))
                .build();
    }

    private static boolean allows(MigrationState m, Object p) {
        MigrationStatus st = m.getStatus();
        String pending = m.getPendingAction();
        if (p instanceof MigrationStarted || p instanceof MigrationRejected) {
            return st == QUEUED && pending == null;
        } else if (p instanceof Progressed) {
            return st != QUEUED && !Transitions.isFinal(st);
        } else if (p instanceof CopyCompleted) {
            return st == COPYING;
        } else if (p instanceof CaughtUp) {
            return st == COPYING && pending == null;
        } else if (p instanceof CutOverAttemptFailed) {
            return st == CUTTING_OVER || st == REVERTING;
        } else if (p instanceof CutOverCompleted) {
            return st == CUTTING_OVER;
        } else if (p instanceof RevertCompleted) {
            return st == REVERTING;
        } else if (p instanceof RevertRefused) {
            return st == REVERTING || st == CUTTING_OVER;
        } else if (p instanceof RevertLossy) {
            return m.getSwaps() > 0 && !Transitions.isFinal(st);
        } else if (p instanceof ChecksumVerified) {
            return st != QUEUED;
        } else if (p instanceof MigrationCancelled) {
            return Lifecycle.CANCEL.equals(pending);
        } else if (p instanceof MigrationCompleted) {
            return Lifecycle.COMPLETE.equals(pending);
        } else if (p instanceof MigrationFailed || p instanceof Interrupted) {
            return !Transitions.isFinal(st);
        } else if (p instanceof Throttled || p instanceof ThrottleEnded) {
            return !Transitions.isFinal(st);
        } else if (p instanceof Resumed) {
            return !Transitions.isFinal(st) && m.getInterruption() != null;
        }
        return false;
    }

    /** The automatic complete of a migration whose retention window has ended, if it has. */
    public Optional<JournalEvent> expire(MigrationState m, Instant now) {
        if (m.getPendingAction() != null) {
            return Optional.empty();
        }
        Long since = m.getStatus() == CUT_OVER ? m.getCutOverAt() : m.getStatus() == REVERTED ? m.getRevertedAt() : null;
        if (since == null || now.toEpochMilli() < since + m.getRetentionSeconds() * 1000) {
            return Optional.empty();
        }
        return Optional.of(JournalEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setAt(now)
                .setMigrationId(m.getId())
                .setOperator(SYSTEM_OPERATOR)
                .setReason("the retention window of " + m.getRetentionSeconds() + " s ended")
                .setPayload(new CompleteRequested(true))
                .build());
    }

    /** Whether a revert without --force would be accepted now (the checks {@code decide} makes for a Revert). */
    public static boolean revertAcceptedNow(MigrationState m) {
        return m.getStatus() == CUT_OVER && m.getRevertible() && m.getPendingAction() == null
                && m.getLossyValues() == 0;
    }

    /** A rejection of bytes that are not a command at all. */
    public static JournalEvent malformed(String reason, Instant now) {
        return JournalEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setAt(now)
                .setPayload(new CommandRejected("malformed", reason))
                .build();
    }

    /** The migration a command other than submit is for. */
    public static String migrationIdOf(Object action) {
        if (action instanceof CutOver c) {
            return c.getMigrationId();
        } else if (action instanceof Revert r) {
            return r.getMigrationId();
        } else if (action instanceof Cancel c) {
            return c.getMigrationId();
        } else if (action instanceof Complete c) {
            return c.getMigrationId();
        } else if (action instanceof Pause p) {
            return p.getMigrationId();
        } else if (action instanceof Resume r) {
            return r.getMigrationId();
        } else if (action instanceof Retention r) {
            return r.getMigrationId();
        } else if (action instanceof Throttle t) {
            return t.getMigrationId();
        } else if (action instanceof Retry r) {
            return r.getMigrationId();
        }
        return null;
    }

    /** submit, cutover, revert, cancel, complete, pause, resume, retention */
    public static String commandName(Object action) {
        return action.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    private static JournalEvent event(Command c, String migrationId, Instant now, Object payload) {
        return JournalEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setAt(now)
                .setMigrationId(migrationId)
                .setRequestId(c.getRequestId())
                .setOperator(c.getOperator())
                .setReason(c.getReason())
                .setPayload(payload)
                .build();
    }

    private static JournalEvent reject(Command c, String migrationId, String command, String reason, Instant now) {
        return event(c, migrationId, now, new CommandRejected(command, reason));
    }
}
