package io.flipside.cli;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.migration.Names;
import io.flipside.schema.Command;
import io.flipside.schema.CommandRejected;
import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationFailed;
import io.flipside.schema.MigrationRejected;
import io.flipside.schema.MigrationStarted;
import io.flipside.schema.MigrationState;
import io.flipside.schema.Submit;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@CommandLine.Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Submit a schema change of one table and wait for the verdict.",
            "Prints the migration id as the last line of stdout (exit 0), or the reason on stderr (exit 2)."})
final class SubmitCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;
    @Mixin
    OperatorOptions operator;

    @Option(names = "--table", required = true, paramLabel = "DB.TABLE", description = "The table to change")
    String table;

    /** What the migration does: exactly one of these. */
    static final class Change {
        @Option(names = "--alter", required = true, paramLabel = "CLAUSES",
                description = "ALTER clauses, e.g. \"DROP COLUMN title\"")
        String alter;

        @Option(names = "--create", required = true, paramLabel = "STATEMENT",
                description = "Create the table: \"CREATE TABLE db.t (...)\". A revert renames it away with its rows")
        String create;

        @Option(names = "--drop", required = true,
                description = "Drop the table: the cut-over renames it away, a revert renames it back; complete drops it")
        boolean drop;
    }

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Change change;

    @Option(names = "--instant", description = "With --alter: apply it in place with ALGORITHM=INSTANT at the"
            + " cut-over, NOT revertibly (refused when MySQL cannot do it instantly)")
    boolean instant;

    @Option(names = "--postpone-cutover", description = "Wait in READY for a cutover command instead of cutting over when caught up")
    boolean postpone;

    @Option(names = "--retention", paramLabel = "SECONDS", description = "Retention window after the cut-over (default: the controller's)")
    Long retentionSeconds;

    @Option(names = "--json", description = "Also print the migration's state as one line of JSON")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        FlipsideConfig cfg = config.load();
        try (OperatorClient client = new OperatorClient(cfg);
                OperatorClient.JournalFollower journal = client.followJournal()) {
            if (instant && change.alter == null) {
                spec.commandLine().getErr().println("flipside: --instant applies to --alter only");
                return Main.FAILED;
            }
            String kind = change.create != null ? "CREATE" : change.drop ? "DROP" : instant ? "INSTANT" : "ALTER";
            String statement = change.create != null ? change.create : change.drop ? "" : change.alter;
            Command c = OperatorClient.command(new Submit(table, statement, postpone, retentionSeconds, kind),
                    operator.operator,
                    operator.reason);
            client.send(c);
            Optional<JournalEvent> answer = journal.await(c.getRequestId(), e -> e.getPayload() instanceof MigrationStarted
                    || e.getPayload() instanceof MigrationRejected || e.getPayload() instanceof CommandRejected
                    || e.getPayload() instanceof MigrationFailed, Duration.ofSeconds(operator.timeoutSeconds));
            if (answer.isEmpty()) {
                String id = Names.migrationId(c.getRequestId());
                Optional<MigrationState> state = client.state(id);
                spec.commandLine().getErr().println("flipside: no verdict within " + operator.timeoutSeconds + " s; "
                        + state.map(s -> "migration " + id + " is " + s.getStatus() + StatusView.waitingOn(s,
                                Instant.now(), client.applierGroup(), client::appliers).map(w -> ", " + w).orElse("")
                                + ". It goes on by itself; flipside cancel " + id + " ends it")
                                .orElse("no migration " + id + " in the state topic: is the controller running?")
                        + " (request " + c.getRequestId() + ")");
                return Main.FAILED;
            }
            JournalEvent e = answer.get();
            Object p = e.getPayload();
            if (p instanceof CommandRejected r) {
                return rejected(r.getReason());
            }
            if (p instanceof MigrationRejected r) {
                return rejected(r.getReason());
            }
            if (p instanceof MigrationFailed f) {
                return rejected(f.getReason());
            }
            if (json) {
                client.state(e.getMigrationId()).ifPresent(s ->
                        spec.commandLine().getOut().println(StatusView.json(s).toString()));
            }
            MigrationStarted started = (MigrationStarted) p;
            if (!json) {
                for (String note : started.getRevertNotes()) {
                    spec.commandLine().getErr().println("note: " + note);
                }
                if (started.getInstantCapable()) {
                    spec.commandLine().getErr().println("note: MySQL could apply this ALTER instantly"
                            + " (ALGORITHM=INSTANT), but not revertibly; Flipside copies the table so that a revert"
                            + " stays possible");
                }
            }
            spec.commandLine().getOut().println(e.getMigrationId());
            return Main.OK;
        }
    }

    private int rejected(String reason) {
        spec.commandLine().getErr().println("flipside: rejected: " + reason);
        if (json) {
            spec.commandLine().getOut().println(StatusView.JSON.createObjectNode().put("rejected", true)
                    .put("reason", reason).toString());
        }
        return Main.REJECTED;
    }
}
