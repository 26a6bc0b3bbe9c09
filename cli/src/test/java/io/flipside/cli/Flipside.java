package io.flipside.cli;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.testkit.EmbeddedStack;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.EnumSet;

/**
 * One running Flipside per test JVM: the embedded MySQL and Kafka, and the three roles. Tests use their own databases
 * so that they do not see each other's tables.
 */
final class Flipside {
    private static Flipside shared;

    final EmbeddedStack stack;
    final FlipsideConfig config;
    final Path configFile;
    private final Roles roles;

    private Flipside() throws Exception {
        stack = EmbeddedStack.shared();
        config = DevCommand.configFor(stack);
        configFile = Files.createTempFile("flipside-it-", ".properties");
        Files.writeString(configFile, "kafka.bootstrap.servers=" + stack.kafka().bootstrapServers() + "\n"
                + "mysql.host=" + stack.mysql().host() + "\n"
                + "mysql.port=" + stack.mysql().port() + "\n"
                + "mysql.user=" + stack.mysql().user() + "\n"
                + "mysql.password=" + stack.mysql().password() + "\n");
        roles = Roles.start(config, EnumSet.allOf(Roles.Role.class));
        Runtime.getRuntime().addShutdownHook(new Thread(roles::close));
    }

    static synchronized Flipside get() throws Exception {
        if (shared == null) {
            shared = new Flipside();
        }
        return shared;
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(config.jdbcUrl(), config.get(FlipsideConfig.MYSQL_USER),
                config.get(FlipsideConfig.MYSQL_PASSWORD));
    }

    /** The result of one CLI invocation. */
    record Run(int exit, String out, String err) {
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1].strip();
        }
    }

    /** Runs {@code flipside <args>} in this JVM, with {@code --config} added after the subcommand. */
    Run cli(String subcommand, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 3];
        all[0] = subcommand;
        all[1] = "--config";
        all[2] = configFile.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        int exit = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), all);
        return new Run(exit, out.toString(), err.toString());
    }
}
