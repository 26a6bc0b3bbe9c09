package io.flipside.cli;

import io.flipside.schema.MigrationState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@CommandLine.Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show migrations: one (ID) or all, as a table or as JSON.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Parameters(arity = "0..1", paramLabel = "ID", description = "A migration id; all migrations when absent")
    String id;

    @Option(names = "--json", description = "One JSON object for ID, else a JSON array")
    boolean json;

    @Option(names = "--watch", description = "Redraw the table every --interval seconds, with a progress bar (rate,"
            + " ETA) per copying migration, until interrupted")
    boolean watch;

    @Option(names = "--interval", paramLabel = "S", defaultValue = "2", description = "Seconds between --watch frames"
            + " (default 2)")
    int interval;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (watch && json) {
            spec.commandLine().getErr().println("flipside: --watch draws the table; it does not go with --json");
            return Main.FAILED;
        }
        if (interval < 1) {
            spec.commandLine().getErr().println("flipside: --interval is at least 1 second");
            return Main.FAILED;
        }
        try (OperatorClient client = new OperatorClient(config.load())) {
            if (watch) {
                Map<String, MigrationState> before = Map.of();
                long then = System.currentTimeMillis();
                while (!Thread.currentThread().isInterrupted()) {
                    Map<String, MigrationState> all = client.states();
                    long now = System.currentTimeMillis();
                    List<MigrationState> shown = new ArrayList<>(id == null ? all.values()
                            : all.values().stream().filter(s -> s.getId().equals(id)).toList());
                    spec.commandLine().getOut().print("\033[H\033[2J" + StatusView.watchFrame(shown, before,
                            now - then, Instant.ofEpochMilli(now)));
                    spec.commandLine().getOut().flush();
                    before = all;
                    then = now;
                    Thread.sleep(interval * 1000L);
                }
                return Main.OK;
            }
            Map<String, MigrationState> all = client.states();
            if (id != null) {
                MigrationState s = all.get(id);
                if (s == null) {
                    spec.commandLine().getErr().println("flipside: no migration " + id);
                    return Main.REJECTED;
                }
                spec.commandLine().getOut().print(json ? StatusView.json(s).toString() + System.lineSeparator()
                        : StatusView.table(List.of(s), Instant.now()));
                return Main.OK;
            }
            List<MigrationState> list = new ArrayList<>(all.values());
            spec.commandLine().getOut().print(json ? StatusView.json(list) + System.lineSeparator()
                    : StatusView.table(list, Instant.now()) + StatusView.appliers(client.applierGroup(),
                            client.appliers()));
            return Main.OK;
        }
    }
}
