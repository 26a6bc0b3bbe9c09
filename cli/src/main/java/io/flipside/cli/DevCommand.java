package io.flipside.cli;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.testkit.EmbeddedMySql;
import io.flipside.testkit.EmbeddedStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;

@CommandLine.Command(name = "dev", mixinStandardHelpOptions = true,
        description = {"Run an embedded MySQL 8, Kafka broker and the three roles until interrupted.",
            "Prints how to connect, and writes a config file for the operator commands."})
final class DevCommand implements Callable<Integer> {
    @Option(names = "--dir", paramLabel = "DIR", description = "Where the embedded servers keep their data (default: ${DEFAULT-VALUE})")
    Path dir = Path.of(".flipside", "dev");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(dir);
        try (EmbeddedStack stack = EmbeddedStack.start(dir.toAbsolutePath())) {
            FlipsideConfig cfg = configFor(stack);
            Path file = dir.toAbsolutePath().resolve("flipside.properties");
            write(cfg, stack, file);
            createSampleTable(stack);
            RunCommand.runUntilInterrupted(cfg, EnumSet.allOf(Roles.Role.class), () -> printHowToConnect(stack, file));
        }
        return Main.OK;
    }

    /** app.users with a few rows, to try a migration on. */
    private static void createSampleTable(EmbeddedStack stack) throws java.sql.SQLException {
        try (java.sql.Connection c = stack.mysql().connect(); java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS app");
            s.execute("CREATE TABLE IF NOT EXISTS app.users (id BIGINT PRIMARY KEY, name VARCHAR(64), title VARCHAR(64))");
            s.execute("INSERT IGNORE INTO app.users VALUES (1, 'Ada', 'engineer'), (2, 'Grace', 'admiral'),"
                    + " (3, 'Linus', NULL)");
        }
    }

    private void printHowToConnect(EmbeddedStack stack, Path file) {
        var out = spec.commandLine().getOut();
        out.println("Flipside dev stack is running (a sample table app.users has 3 rows).");
        out.println("  MySQL  " + stack.mysql().host() + ":" + stack.mysql().port() + "  user "
                + stack.mysql().user() + " password " + stack.mysql().password());
        out.println("         jdbc: " + stack.mysql().jdbcUrl(null));
        out.println("  Kafka  " + stack.kafka().bootstrapServers());
        out.println("  config " + file);
        out.println("Try:");
        out.println("  ./flipside submit --config " + file + " --table app.users --alter \"DROP COLUMN title\"");
        out.println("  ./flipside status --config " + file);
        out.println("Press Ctrl-C to stop.");
        out.flush();
    }

    static FlipsideConfig configFor(EmbeddedStack stack) {
        return configFor(stack.mysql(), stack.kafka().bootstrapServers(), stack.workDir());
    }

    /**
     * The roles' configuration for an embedded MySQL and the broker at {@code bootstrapServers}, their state under
     * {@code dir}.
     */
    static FlipsideConfig configFor(EmbeddedMySql mysql, String bootstrapServers, Path dir) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(FlipsideConfig.KAFKA_BOOTSTRAP.key(), bootstrapServers);
        m.put(FlipsideConfig.MYSQL_HOST.key(), mysql.host());
        m.put(FlipsideConfig.MYSQL_PORT.key(), String.valueOf(mysql.port()));
        m.put(FlipsideConfig.MYSQL_USER.key(), mysql.user());
        m.put(FlipsideConfig.MYSQL_PASSWORD.key(), mysql.password());
        m.put(FlipsideConfig.CONTROLLER_STATE_DIR_KEY, dir.resolve("streams").toString());
        m.put(FlipsideConfig.HTTP_PORT.key(), "0"); // any free port: several embedded runs may share a machine
        return FlipsideConfig.of(m);
    }

    private static void write(FlipsideConfig cfg, EmbeddedStack stack, Path file) throws IOException {
        String text = "# written by flipside dev\n"
                + FlipsideConfig.KAFKA_BOOTSTRAP.key() + "=" + stack.kafka().bootstrapServers() + "\n"
                + FlipsideConfig.MYSQL_HOST.key() + "=" + stack.mysql().host() + "\n"
                + FlipsideConfig.MYSQL_PORT.key() + "=" + stack.mysql().port() + "\n"
                + FlipsideConfig.MYSQL_USER.key() + "=" + stack.mysql().user() + "\n"
                + FlipsideConfig.MYSQL_PASSWORD.key() + "=" + stack.mysql().password() + "\n";
        Files.writeString(file, text);
    }
}
