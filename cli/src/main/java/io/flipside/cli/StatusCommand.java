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

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        try (OperatorClient client = new OperatorClient(config.load())) {
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
                    : StatusView.table(list, Instant.now()));
            return Main.OK;
        }
    }
}
