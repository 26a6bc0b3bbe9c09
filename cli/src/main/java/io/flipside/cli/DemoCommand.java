package io.flipside.cli;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.testkit.EmbeddedStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;

@CommandLine.Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the worked example on an embedded MySQL 8 and Kafka, and report.",
            "DROP COLUMN title under writes, cut over, write Savannah, revert, complete;",
            "exit 0 only if every check passed."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--rows", description = "Rows in app.users (default: ${DEFAULT-VALUE})")
    int rows = 100_000;

    @Option(names = "--writers", description = "Writer threads (default: ${DEFAULT-VALUE})")
    int writers = 4;

    @Option(names = "--rate", paramLabel = "WRITES_PER_SECOND", description = "Total write rate (default: ${DEFAULT-VALUE})")
    int rate = 200;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Longest wait for any step (default: ${DEFAULT-VALUE})")
    long timeoutSeconds = 300;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("flipside-demo-");
        var out = spec.commandLine().getOut();
        out.println("demo: starting an embedded MySQL 8 and Kafka broker in " + dir);
        out.flush();
        try (EmbeddedStack stack = EmbeddedStack.start(dir)) {
            FlipsideConfig cfg = DevCommand.configFor(stack);
            try (Roles roles = Roles.start(cfg, EnumSet.allOf(Roles.Role.class))) {
                WorkedExample.Report report = new WorkedExample(cfg,
                        new WorkedExample.Options("app", rows, writers, rate, Duration.ofSeconds(timeoutSeconds)),
                        new java.io.PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true))
                        .run();
                report.print(new java.io.PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true));
                return report.passed() ? Main.OK : Main.FAILED;
            }
        } finally {
            deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception ignored) {
            // a temporary directory; the OS cleans it eventually
        }
    }
}
