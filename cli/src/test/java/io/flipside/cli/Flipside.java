package io.flipside.cli;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.testkit.EmbeddedStack;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.EnumSet;
import java.util.List;

/**
 * One running Flipside per test JVM: the embedded MySQL and Kafka, and the three roles. Tests use their own databases
 * so that they do not see each other's tables.
 */
final class Flipside {
    private static Flipside shared;

    /** The capture server ids of {@link #isolated}: apart from the shared capture's (the default, 184054). */
    private static final java.util.concurrent.atomic.AtomicLong NEXT_SERVER_ID =
            new java.util.concurrent.atomic.AtomicLong(7_000 + ProcessHandle.current().pid() % 1_000 * 100);

    final EmbeddedStack stack;
    final FlipsideConfig config;
    final Path configFile;
    private final Roles roles;

    private Flipside() throws Exception {
        stack = EmbeddedStack.shared();
        // One table the capture leaves out, for BadInputIT: a migration of it is rejected.
        config = DevCommand.configFor(stack).with(FlipsideConfig.CAPTURE_EXCLUDE_TABLES.key(), BadInputIT.EXCLUDED);
        configFile = Files.createTempFile("flipside-it-", ".properties");
        configFile.toFile().deleteOnExit();
        Files.writeString(configFile, "kafka.bootstrap.servers=" + stack.kafka().bootstrapServers() + "\n"
                + "mysql.host=" + stack.mysql().host() + "\n"
                + "mysql.port=" + stack.mysql().port() + "\n"
                + "mysql.user=" + stack.mysql().user() + "\n"
                + "mysql.password=" + stack.mysql().password() + "\n");
        roles = Roles.start(config, EnumSet.allOf(Roles.Role.class));
        stack.closeFirst(roles); // at the JVM's exit, before the broker stops
    }

    /**
     * {@code base} with a changelog, journal, sidecar database and capture of their own, named after {@code name} and
     * {@code tag}: roles started with it see none of the shared roles' migrations. Each call has a capture server id
     * of its own, so that two captures of one test (or of tests one after the other) never share one.
     */
    static FlipsideConfig isolated(FlipsideConfig base, String name, String tag) {
        return base.with("topic.prefix", name + "-" + tag).with("sidecar.database", "_" + name + "_" + tag)
                .with("capture.server.name", name + "_" + tag)
                .with("capture.server.id", String.valueOf(NEXT_SERVER_ID.getAndIncrement()));
    }

    /** {@code config} pointed at a server of the test's own, as its administrator. */
    static FlipsideConfig on(FlipsideConfig config, io.flipside.testkit.EmbeddedMySql mysql) {
        return config.with("mysql.host", mysql.host()).with("mysql.port", String.valueOf(mysql.port()))
                .with("mysql.user", mysql.user()).with("mysql.password", mysql.password());
    }

    /** How many rows {@code t} has now. */
    long rows(TableName t) throws SQLException {
        try (Connection c = connect(); java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + t.quoted())) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** How many rows of {@code t} have {@code id} in their column {@code id}, now. */
    long rows(TableName t, long id) throws SQLException {
        try (Connection c = connect(); java.sql.PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM "
                + t.quoted() + " WHERE id = ?")) {
            ps.setLong(1, id);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The port of the roles' health, readiness and metrics endpoints. */
    /** The {@code note} column of {@code t}'s row {@code id}; null when there is no such row. */
    String note(TableName t, long id) throws SQLException {
        try (Connection c = connect(); java.sql.PreparedStatement ps = c.prepareStatement("SELECT note FROM "
                + t.quoted() + " WHERE id = ?")) {
            ps.setLong(1, id);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    int httpPort() {
        return roles.httpPort().orElseThrow();
    }

    static synchronized Flipside get() throws Exception {
        if (shared == null) {
            shared = new Flipside();
        }
        return shared;
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(config.jdbcUrl(), config.jdbcProperties());
    }

    /** Runs each statement in turn, in one session. */
    void exec(String... sql) throws SQLException {
        try (Connection c = connect(); java.sql.Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    /** Creates {@code t} afresh (and its database if need be) with {@code columns}, the inside of CREATE TABLE's (). */
    TableName recreate(TableName t, String columns) throws SQLException {
        try (Connection c = connect(); java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS " + Sql.ident(t.database()));
            s.execute("DROP TABLE IF EXISTS " + t.quoted());
            s.execute("CREATE TABLE " + t.quoted() + " (" + columns + ")");
        }
        return t;
    }

    /**
     * Fills {@code t} with {@code rows} rows: {@code select} is a SELECT list over {@code n}, 1 to rows, e.g.
     * {@code "n, CONCAT('name ', n)"}.
     */
    void fill(TableName t, int rows, String select) throws SQLException {
        try (Connection c = connect(); java.sql.Statement s = c.createStatement()) {
            s.execute("SET SESSION cte_max_recursion_depth = " + (rows + 1));
            s.execute("INSERT INTO " + t.quoted() + " WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM"
                    + " seq WHERE n < " + rows + ") SELECT " + select + " FROM seq");
        }
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
        return cliWith(configFile, subcommand, args);
    }

    /**
     * The CLI against roles a test started with a configuration of its own (its own topics and sidecar): the keys the
     * operator commands need, and every pass-through {@code kafka.*} client setting (SASL credentials, say), written
     * to a file.
     */
    Run cli(FlipsideConfig own, String subcommand, String... args) throws java.io.IOException {
        Path file = Files.createTempFile("flipside-own-", ".properties");
        java.util.Properties p = new java.util.Properties();
        for (io.flipside.core.config.Setting<?> s : List.of(FlipsideConfig.KAFKA_BOOTSTRAP, FlipsideConfig.MYSQL_HOST,
                FlipsideConfig.MYSQL_PORT, FlipsideConfig.MYSQL_USER, FlipsideConfig.MYSQL_PASSWORD,
                FlipsideConfig.MYSQL_SSL_MODE, FlipsideConfig.TOPIC_PREFIX, FlipsideConfig.SIDECAR_DATABASE, FlipsideConfig.CAPTURE_SERVER_NAME)) {
            p.setProperty(s.key(), String.valueOf(own.get(s)));
        }
        own.kafkaClientSettings().forEach((k, v) -> {
            if (!k.equals("bootstrap.servers")) {
                p.setProperty(FlipsideConfig.KAFKA_PREFIX + k, v);
            }
        });
        try {
            try (java.io.Writer w = Files.newBufferedWriter(file)) {
                p.store(w, null); // escapes what a value holds (a JAAS line's quotes, = and ;)
            }
            return cliWith(file, subcommand, args);
        } finally {
            Files.delete(file);
        }
    }

    /** The same with another configuration file (roles of a test's own). */
    Run cliWith(Path configFile, String subcommand, String... args) {
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
