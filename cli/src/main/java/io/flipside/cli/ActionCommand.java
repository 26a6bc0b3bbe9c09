package io.flipside.cli;

import io.flipside.schema.Cancel;
import io.flipside.schema.Command;
import io.flipside.schema.CommandRejected;
import io.flipside.schema.Complete;
import io.flipside.schema.CutOver;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.Pause;
import io.flipside.schema.Resume;
import io.flipside.schema.Retention;
import io.flipside.schema.Retry;
import io.flipside.schema.Revert;
import io.flipside.schema.Throttle;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** cutover, revert, cancel and complete: send, wait for acceptance (or rejection), and with --wait for the outcome. */
@CommandLine.Command(mixinStandardHelpOptions = true)
final class ActionCommand implements Callable<Integer> {
    enum Kind {
        CUTOVER("cutover", "cut-over", MigrationStatus.CUT_OVER, a -> new CutOver(a.id, a.force),
                "Cut over now (READY or REVERTED), or as soon as caught up (COPYING). After a revert, refused when"
                        + " values written since the revert do not fit the new schema, unless --force. Refused"
                        + " while either table has a trigger or a foreign key."),
        REVERT("revert", "revert", MigrationStatus.REVERTED, a -> new Revert(a.id, a.force),
                "Swap back to the old schema, keeping every write (CUT_OVER only). Refused when values written since"
                        + " the cut-over do not fit the old schema, unless --force, and while either table has a"
                        + " trigger or a foreign key."),
        CANCEL("cancel", "cancel", MigrationStatus.CANCELLED, a -> new Cancel(a.id),
                "Stop a migration before its cut-over and drop its shadow table."),
        COMPLETE("complete", "complete", MigrationStatus.COMPLETED, a -> new Complete(a.id),
                "Stop replication and retire the table that does not serve (CUT_OVER or REVERTED)."),
        PAUSE("pause", "pause", null, a -> new Pause(a.id),
                "Stop copying and catching up until resumed (before the cut-over: QUEUED, COPYING, READY); the"
                        + " migration then puts no load on MySQL. Replication after a cut-over never pauses."),
        RESUME("resume", "resume", null, a -> new Resume(a.id),
                "Go on with a paused migration (one that was caught up without a postponed cut-over then cuts over)."),
        RETENTION("retention", "retention change", null, a -> new Retention(a.id, a.seconds),
                "Change the retention window (--seconds): how long after the cut-over, or a revert, both tables stay"
                        + " in step before the migration completes by itself."),
        RETRY("retry", "retry", null, a -> new Retry(a.id),
                "Start a FAILED migration again from the beginning (a new shadow table and copy), under the same id;"
                        + " refused for one that failed after a cut-over."),
        THROTTLE("throttle", "throttle change", null,
                a -> new Throttle(a.id, a.maxLagMillis, a.maxThreadsRunning, a.chunkTimeMillis, a.maxReplicaLagMillis,
                        a.restPercent),
                "Change how the copy backs off, while it runs: it waits while the apply lag, MySQL's Threads_running or"
                        + " a replica's lag is above its threshold (0: off), sizes chunks to take --chunk-time-ms, and"
                        + " rests after each chunk for --rest-percent of its time.");

        final String command;
        final String verb;
        /** The state that --wait waits for; null when the command is done once accepted. */
        final MigrationStatus doneWhen;
        final Function<ActionCommand, Object> action;
        final String description;

        Kind(String command, String verb, MigrationStatus doneWhen, Function<ActionCommand, Object> action,
                String description) {
            this.command = command;
            this.verb = verb;
            this.doneWhen = doneWhen;
            this.action = action;
            this.description = description;
        }
    }

    /** The subcommand for one kind, with its name and description. */
    static CommandLine subcommand(Kind kind) {
        CommandLine cl = new CommandLine(new ActionCommand(kind));
        cl.getCommandSpec().name(kind.command);
        cl.getCommandSpec().usageMessage().description(kind.description,
                "Exit 0 when accepted (with --wait: when done), 2 with the reason when refused.");
        return cl;
    }

    private final Kind kind;

    ActionCommand(Kind kind) {
        this.kind = kind;
    }

    @Mixin
    ConfigOption config;
    @Mixin
    OperatorOptions operator;

    @Parameters(paramLabel = "ID", description = "The migration id")
    String id;

    @Option(names = "--wait", description = "Wait until it is done, not only accepted")
    boolean await;

    @Option(names = "--force", description = "revert, and cutover after a revert: swap even though values written since"
            + " the last swap do not fit the schema that would serve (status lists them); they are lost")
    boolean force;

    @Option(names = "--seconds", paramLabel = "S", description = "retention only: the new retention window in seconds")
    Long seconds;

    @Option(names = "--max-lag-ms", paramLabel = "MS", description = "throttle only: wait while the apply lag is above"
            + " this (0: never)")
    Long maxLagMillis;

    @Option(names = "--max-threads-running", paramLabel = "N", description = "throttle only: wait while MySQL's"
            + " Threads_running is above this (0: never)")
    Integer maxThreadsRunning;

    @Option(names = "--max-replica-lag-ms", paramLabel = "MS", description = "throttle only: wait while a replica"
            + " named in throttle.replicas lags more than this (0: never)")
    Long maxReplicaLagMillis;

    @Option(names = "--chunk-time-ms", paramLabel = "MS", description = "throttle only: the duration each copy chunk"
            + " aims at")
    Integer chunkTimeMillis;

    @Option(names = "--rest-percent", paramLabel = "P", description = "throttle only: after each chunk, rest (holding"
            + " nothing) for P % of the chunk's time (0: not at all; at most 10000)")
    Integer restPercent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (force && kind != Kind.REVERT && kind != Kind.CUTOVER) {
            spec.commandLine().getErr().println("flipside: --force applies to revert and cutover only");
            return Main.FAILED;
        }
        boolean throttling = maxLagMillis != null || maxThreadsRunning != null || chunkTimeMillis != null
                || maxReplicaLagMillis != null || restPercent != null;
        if (throttling != (kind == Kind.THROTTLE)) {
            spec.commandLine().getErr().println(kind == Kind.THROTTLE ? "flipside: throttle needs --max-lag-ms,"
                    + " --max-threads-running, --max-replica-lag-ms, --chunk-time-ms or --rest-percent"
                    : "flipside: --max-lag-ms, --max-threads-running, --max-replica-lag-ms, --chunk-time-ms and"
                    + " --rest-percent apply to throttle only");
            return Main.FAILED;
        }
        if ((seconds != null) != (kind == Kind.RETENTION)) {
            spec.commandLine().getErr().println(kind == Kind.RETENTION ? "flipside: retention needs --seconds"
                    : "flipside: --seconds applies to retention only");
            return Main.FAILED;
        }
        try (OperatorClient client = new OperatorClient(config.load());
                OperatorClient.JournalFollower journal = client.followJournal()) {
            Command c = OperatorClient.command(kind.action.apply(this), operator.operator, operator.reason);
            client.send(c);
            Optional<JournalEvent> answer = journal.await(c.getRequestId(), e -> true,
                    Duration.ofSeconds(operator.timeoutSeconds));
            if (answer.isEmpty()) {
                spec.commandLine().getErr().println("flipside: no answer within " + operator.timeoutSeconds
                        + " s; is the controller running? (request " + c.getRequestId() + ")");
                return Main.FAILED;
            }
            if (answer.get().getPayload() instanceof CommandRejected r) {
                spec.commandLine().getErr().println("flipside: rejected: " + r.getReason());
                return Main.REJECTED;
            }
            if (!await || kind.doneWhen == null) {
                spec.commandLine().getOut().println(kind.verb + " of migration " + id + " accepted");
                return Main.OK;
            }
            long acceptedAt = answer.get().getAt().toEpochMilli();
            Optional<MigrationState> end = client.awaitState(id, s -> s.getStatus() == kind.doneWhen
                    && s.getPendingAction() == null || s.getStatus() == MigrationStatus.FAILED
                    || refusedSwap(s, acceptedAt), Duration.ofSeconds(operator.timeoutSeconds));
            if (end.isEmpty()) {
                spec.commandLine().getErr().println("flipside: " + kind.verb + " of migration " + id
                        + " accepted but not done within " + operator.timeoutSeconds + " s" + client.state(id)
                        .flatMap(s -> StatusView.waitingOn(s, Instant.now(), client.applierGroup(), client::appliers))
                        .map(w -> "; " + w).orElse(""));
                return Main.FAILED;
            }
            if (refusedSwap(end.get(), acceptedAt)) {
                spec.commandLine().getErr().println("flipside: " + end.get().getError());
                return Main.REJECTED;
            }
            if (end.get().getStatus() == MigrationStatus.FAILED) {
                spec.commandLine().getErr().println("flipside: migration " + id + " failed: " + end.get().getError());
                return Main.FAILED;
            }
            spec.commandLine().getOut().println(kind.verb + " of migration " + id + " done: " + end.get().getStatus());
            return Main.OK;
        }
    }

    /**
     * The applier refused the swap at the freeze (after the command was accepted): a revert leaves the new schema
     * serving, a cut-over the old one (READY, or REVERTED after a revert).
     */
    private boolean refusedSwap(MigrationState s, long acceptedAt) {
        boolean revert = kind == Kind.REVERT && s.getStatus() == MigrationStatus.CUT_OVER;
        boolean cutOver = kind == Kind.CUTOVER && (s.getStatus() == MigrationStatus.REVERTED
                || s.getStatus() == MigrationStatus.READY);
        return (revert || cutOver) && s.getUpdatedAt().toEpochMilli() >= acceptedAt && s.getError() != null
                && s.getError().startsWith(revert ? "revert refused" : "cut-over refused");
    }
}
