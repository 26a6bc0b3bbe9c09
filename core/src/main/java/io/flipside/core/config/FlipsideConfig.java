package io.flipside.core.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Flipside's configuration: a Java properties file, every key of which is declared here with its default and meaning.
 * Keys under {@code kafka.} other than the ones declared are passed unchanged (without the prefix) to every Kafka
 * client, so that security settings (SASL, TLS) reach the producers, consumers, admin clients, Kafka Streams and the
 * capture's offset and schema-history stores.
 */
public final class FlipsideConfig {
    public static final String KAFKA_PREFIX = "kafka.";
    public static final String CONTROLLER_STATE_DIR_KEY = "controller.state.dir";

    public static final Setting<String> KAFKA_BOOTSTRAP = Setting.text("kafka.bootstrap.servers", null,
            "Kafka brokers, host:port[,host:port]");
    public static final Setting<String> MYSQL_HOST = Setting.text("mysql.host", null, "MySQL server host");
    public static final Setting<Integer> MYSQL_PORT = Setting.integer("mysql.port", "3306", "MySQL server port", 1, 65535);
    public static final Setting<String> MYSQL_USER = Setting.text("mysql.user", null,
            "MySQL user; see the grants each role needs in the README");
    public static final Setting<String> MYSQL_PASSWORD = Setting.text("mysql.password", "", "MySQL password");
    public static final Setting<String> MYSQL_PASSWORD_FILE = Setting.text("mysql.password.file", "",
            "A file whose content (without a trailing newline) is the MySQL password, instead of mysql.password");
    /** Environment variables named {@code FLIPSIDE_} + a key in upper case, dots as underscores, override the file. */
    public static final String ENV_PREFIX = "FLIPSIDE_";
    public static final Setting<String> MYSQL_SSL_MODE = Setting.choice("mysql.ssl.mode", "preferred",
            "TLS to MySQL, for every connection of every role (the capture's binlog reader too): disabled, preferred,"
                    + " required, verify_ca or verify_identity", List.of("disabled", "preferred", "required", "verify_ca",
                    "verify_identity"));
    public static final Setting<String> MYSQL_SSL_TRUSTSTORE = Setting.text("mysql.ssl.truststore", "",
            "Key store (JKS or PKCS12) with the CA that signed MySQL's certificate, for verify_ca and verify_identity");
    public static final Setting<String> MYSQL_SSL_TRUSTSTORE_PASSWORD = Setting.text("mysql.ssl.truststore.password",
            "", "Password of mysql.ssl.truststore");
    public static final Setting<String> MYSQL_SSL_KEYSTORE = Setting.text("mysql.ssl.keystore", "",
            "Key store with the client's certificate and key, when MySQL requires one (REQUIRE X509)");
    public static final Setting<String> MYSQL_SSL_KEYSTORE_PASSWORD = Setting.text("mysql.ssl.keystore.password", "",
            "Password of mysql.ssl.keystore");
    public static final Setting<String> MYSQL_JDBC_OPTIONS = Setting.text("mysql.jdbc.options",
            "allowPublicKeyRetrieval=true",
            "Extra mysql-connector-j URL options for Flipside's own connections (TLS: the mysql.ssl.* keys)");
    public static final Setting<String> TOPIC_PREFIX = Setting.text("topic.prefix", "flipside",
            "Prefix of every topic name: <prefix>.control, .journal, .state, .reports, .changelog.<server>, .capture.*");
    public static final Setting<String> SIDECAR_DATABASE = Setting.text("sidecar.database", "_flipside",
            "Database where the applier keeps progress, copy cursors and freeze markers");
    public static final Setting<String> CAPTURE_SERVER_NAME = Setting.text("capture.server.name", "mysql",
            "Logical name of the MySQL server; names the changelog topic and keys the capture's offsets (keep it stable)");
    public static final Setting<Long> CAPTURE_SERVER_ID = Setting.longInt("capture.server.id", "184054",
            "Replica server id the capture uses to read the binlog; must differ from every server's id", 1, 4294967295L);
    public static final Setting<TableFilter> CAPTURE_EXCLUDE_TABLES = new Setting<>("capture.exclude.tables", "",
            "Tables whose changes the capture does not publish (busy tables Flipside will never migrate): regular"
                    + " expressions, comma-separated, each matched against the whole database.table ignoring case, as"
                    + " Debezium's table.exclude.list; the applier rejects a migration of such a table. Give every"
                    + " role the same value",
            s -> TableFilter.parse("capture.exclude.tables", s));
    public static final Setting<Integer> CAPTURE_POLL_MS = Setting.integer("capture.poll.interval.ms", "5",
            "How long the capture gathers binlog events into a batch before publishing it (less once the batch is full);"
                    + " each change, the freeze marker's included, waits up to this long",
            1, 10_000);
    public static final Setting<Long> CHANGELOG_RETENTION_MS = Setting.longInt("changelog.retention.ms", "604800000",
            "Retention of the changelog topic when the capture creates it (-1: forever)", -1, Long.MAX_VALUE);
    public static final Setting<Long> RETENTION_SECONDS = Setting.longInt("migration.retention.seconds", "1800",
            "Default retention window: how long after a cut-over a revert stays possible", 1, 365L * 24 * 3600);
    public static final Setting<Long> RETIRE_HOLD_SECONDS = Setting.longInt("retire.hold.seconds", "0",
            "How long a completed migration's retired table is kept under its hold name before it is dropped",
            0, Long.MAX_VALUE);
    public static final Setting<Integer> RETIRE_PURGE_CHUNK_ROWS = Setting.integer("retire.purge.chunk.rows", "5000",
            "Before a retired table is dropped, its rows are deleted this many at a time, so that the DROP itself is"
                    + " brief (0: drop at once)", 0, 1_000_000);
    public static final Setting<Integer> CHUNK_TARGET_MS = Setting.integer("copy.chunk.target.ms", "250",
            "Target duration of one copy chunk; chunk sizes adapt to it", 10, 60_000);
    public static final Setting<Integer> CHUNK_MAX_ROWS = Setting.integer("copy.chunk.max.rows", "50000",
            "Upper bound of a chunk's size in rows", 10, 10_000_000);
    public static final Setting<Integer> COPY_PARALLEL_CHUNKS = Setting.integer("copy.parallel.chunks", "1",
            "How many chunks are copied at once, each on its own connection, committed in key order (1: one at a"
                    + " time); for a server with idle cores", 1, 64);
    public static final Setting<Integer> COPY_REST_PERCENT = Setting.integer("copy.rest.percent", "0",
            "After each chunk the copy leaves the server alone, holding nothing, for this percentage of the time the"
                    + " chunk took (100: as long again); trades the migration's time for the writers' latency while it"
                    + " copies; `throttle --rest-percent` changes it per migration", 0, 10_000);
    public static final Setting<String> COPY_DEFER_INDEXES = Setting.choice("copy.defer.indexes", "auto",
            "Leave the new table's plain secondary indexes out of the shadow table during the copy and build them"
                    + " after it, in one online ALTER (faster; replicas replay that ALTER and lag while it runs, which"
                    + " no throttle can hold back): `true`, `false`, or `auto` (`true` unless `throttle.replicas` watches"
                    + " a replica)",
            java.util.List.of("auto", "true", "false"));
    public static final Setting<String> COPY_RESOURCE_GROUP = new Setting<>("copy.resource.group", "",
            "A MySQL resource group the copy's sessions run in (empty: none), so that the server schedules the copy"
                    + " below the application's writes: create it first, e.g. `CREATE RESOURCE GROUP flipside_copy"
                    + " TYPE = USER THREAD_PRIORITY = 19`, and grant RESOURCE_GROUP_USER; the applier rejects a"
                    + " migration MySQL will not put in it",
            s -> {
                String name = s.trim();
                try {
                    if (!name.isEmpty()) {
                        io.flipside.core.sql.Sql.ident(name); // a name MySQL can take, or a clear error now
                    }
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("copy.resource.group: " + e.getMessage());
                }
                return name;
            });
    public static final Setting<Long> THROTTLE_MAX_LAG_MS = Setting.longInt("throttle.max.lag.ms", "0",
            "The copy waits while the apply lag is above this many milliseconds (0: never); `throttle` changes it per migration",
            0, Long.MAX_VALUE);
    public static final Setting<Integer> THROTTLE_MAX_THREADS_RUNNING = Setting.integer("throttle.max.threads.running",
            "0", "The copy waits while MySQL's Threads_running is above this (0: never); `throttle` changes it per migration",
            0, 1_000_000);
    public static final Setting<String> THROTTLE_REPLICAS = Setting.text("throttle.replicas", "",
            "Replicas whose lag the copy watches, as host:port[,host:port] (same user and password as the source)");
    public static final Setting<Long> THROTTLE_MAX_REPLICA_LAG_MS = Setting.longInt("throttle.max.replica.lag.ms",
            "1000", "The copy waits while a replica of throttle.replicas lags more than this many milliseconds (0: never)",
            0, Long.MAX_VALUE);
    public static final Setting<Integer> APPLY_BATCH_KEYS = Setting.integer("apply.batch.max.keys", "2000",
            "Most distinct keys applied in one transaction", 1, 100_000);
    public static final Setting<Integer> CUTOVER_LOCK_WAIT_SECONDS = Setting.integer("cutover.lock.wait.seconds", "2",
            "How long the cut-over waits for the table locks before giving up, releasing writers and retrying", 1, 3600);
    public static final Setting<Integer> CUTOVER_MARKER_TIMEOUT_MS = Setting.integer("cutover.marker.timeout.ms", "5000",
            "How long writes may be held waiting for the freeze marker to come back through the changelog", 100, 600_000);
    public static final Setting<Integer> CUTOVER_PROBE_MAX_MS = Setting.integer("cutover.probe.max.ms", "100",
            "Before a swap takes its locks, markers go through the changelog until one comes back within this many"
                    + " milliseconds (for up to 30 s, then the locks are taken anyway); 0: no probe", 0, 600_000);
    public static final Setting<Integer> CUTOVER_MAX_ATTEMPTS = Setting.integer("cutover.max.attempts", "20",
            "Cut-over attempts before the migration fails", 1, 10_000);
    public static final Setting<Long> CATCHUP_MAX_LAG_MS = Setting.longInt("cutover.catchup.max.lag.ms", "1000",
            "The copy counts as caught up when the changelog is applied to within this many milliseconds", 0, 3_600_000);
    public static final Setting<Boolean> VERIFY_CHECKSUM = Setting.bool("verify.checksum", "true",
            "Checksum both tables at every freeze point (from a snapshot taken while writes are held, computed after)");
    public static final Setting<String> STREAMS_STATE_DIR = Setting.text(CONTROLLER_STATE_DIR_KEY, "",
            "Kafka Streams state directory of the controller (empty: a directory under java.io.tmpdir)");

    public static final Setting<String> INSTANCE_ID = new Setting<>("instance.id", "",
            "This process's name among the processes of its roles, kept across its restarts (a StatefulSet pod's name,"
                    + " say): the applier and the controller join their Kafka groups under it as static members, so that"
                    + " one killed and started again takes its work back at once instead of after"
                    + " `group.session.timeout.ms`; two processes must not share it (empty: none)",
            s -> {
                String id = s.trim();
                // Kafka's own rule for group.instance.id, checked here so that a bad name stops the process at once.
                if (!id.matches("[A-Za-z0-9._-]{0,249}")) {
                    throw new IllegalArgumentException("instance.id: " + id + " is not a Kafka group instance id (at"
                            + " most 249 of the letters a-z and A-Z, the digits, '.', '_' and '-')");
                }
                return id;
            });
    public static final Setting<Integer> GROUP_SESSION_TIMEOUT_MS = Setting.integer("group.session.timeout.ms", "6000",
            "How long Kafka waits for a silent applier or controller before handing its work to another (Kafka's"
                    + " session.timeout.ms; the broker allows group.min.session.timeout.ms to"
                    + " group.max.session.timeout.ms, by default 6 s to 30 min)", 1000, 3_600_000);
    public static final Setting<String> LOG_FORMAT = Setting.choice("log.format", "text",
            "Log lines on stderr: text, or json (one object per line, with the migration and phase of each line)",
            List.of("text", "json"));
    public static final Setting<Integer> HTTP_PORT = Setting.integer("http.port", "9404",
            "Port of the health, readiness and Prometheus metrics endpoints of `run` (-1: none; 0: any free port)",
            -1, 65535);

    /** Every setting, in the order the README lists them. */
    public static final List<Setting<?>> ALL = List.of(KAFKA_BOOTSTRAP, MYSQL_HOST, MYSQL_PORT, MYSQL_USER,
            MYSQL_PASSWORD, MYSQL_PASSWORD_FILE, MYSQL_SSL_MODE, MYSQL_SSL_TRUSTSTORE, MYSQL_SSL_TRUSTSTORE_PASSWORD,
            MYSQL_SSL_KEYSTORE, MYSQL_SSL_KEYSTORE_PASSWORD, MYSQL_JDBC_OPTIONS, TOPIC_PREFIX, SIDECAR_DATABASE, CAPTURE_SERVER_NAME, CAPTURE_SERVER_ID,
            CAPTURE_EXCLUDE_TABLES, CAPTURE_POLL_MS, CHANGELOG_RETENTION_MS, RETENTION_SECONDS, RETIRE_HOLD_SECONDS,
            RETIRE_PURGE_CHUNK_ROWS,
            CHUNK_TARGET_MS, CHUNK_MAX_ROWS, COPY_PARALLEL_CHUNKS, COPY_REST_PERCENT, COPY_DEFER_INDEXES,
            COPY_RESOURCE_GROUP,
            THROTTLE_MAX_LAG_MS, THROTTLE_MAX_THREADS_RUNNING, THROTTLE_REPLICAS, THROTTLE_MAX_REPLICA_LAG_MS,
            APPLY_BATCH_KEYS, CUTOVER_LOCK_WAIT_SECONDS, CUTOVER_MARKER_TIMEOUT_MS, CUTOVER_PROBE_MAX_MS,
            CUTOVER_MAX_ATTEMPTS, CATCHUP_MAX_LAG_MS, VERIFY_CHECKSUM, STREAMS_STATE_DIR, INSTANCE_ID,
            GROUP_SESSION_TIMEOUT_MS, LOG_FORMAT, HTTP_PORT);

    private final Map<String, String> values;

    private FlipsideConfig(Map<String, String> values) {
        this.values = values;
    }

    /**
     * @throws IllegalArgumentException naming the first missing or malformed key
     */
    public static FlipsideConfig of(Map<String, String> values) {
        Map<String, String> m = new TreeMap<>(values);
        String passwordFile = m.getOrDefault(MYSQL_PASSWORD_FILE.key(), "");
        if (!passwordFile.isEmpty()) {
            if (!m.getOrDefault(MYSQL_PASSWORD.key(), "").isEmpty()) {
                throw new IllegalArgumentException("both " + MYSQL_PASSWORD.key() + " and " + MYSQL_PASSWORD_FILE.key()
                        + " are set; keep one");
            }
            try {
                m.put(MYSQL_PASSWORD.key(), Files.readString(Path.of(passwordFile)).replaceFirst("\\r?\\n$", ""));
                m.remove(MYSQL_PASSWORD_FILE.key()); // resolved: a copy made by with() must not see both
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + MYSQL_PASSWORD_FILE.key() + " " + passwordFile
                        + ": " + e.getMessage());
            }
        }
        FlipsideConfig c = new FlipsideConfig(m);
        for (Setting<?> s : ALL) {
            c.get(s);
        }
        return c;
    }

    /** The properties file, overridden by the process's environment (see {@link #ENV_PREFIX}). */
    public static FlipsideConfig load(Path file) throws IOException {
        return load(file, System.getenv());
    }

    /**
     * The properties file with {@code env}'s overrides: {@code FLIPSIDE_MYSQL_PASSWORD} sets {@code mysql.password};
     * a variable that names no declared key, {@code FLIPSIDE_KAFKA_SASL_JAAS_CONFIG} say, sets the key in lower case
     * with dots ({@code kafka.sasl.jaas.config}).
     */
    public static FlipsideConfig load(Path file, Map<String, String> env) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        Map<String, String> m = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k).trim()));
        env.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length()) {
                m.put(keyOf(name), value);
            }
        });
        return of(m);
    }

    /** The environment variable that overrides {@code key}. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static String keyOf(String envName) {
        for (Setting<?> s : ALL) {
            if (envName(s.key()).equals(envName)) {
                return s.key();
            }
        }
        return envName.substring(ENV_PREFIX.length()).toLowerCase(java.util.Locale.ROOT).replace('_', '.');
    }

    public <T> T get(Setting<T> s) {
        String v = values.get(s.key());
        if (v == null || (v.isEmpty() && s.required())) {
            if (s.required()) {
                throw new IllegalArgumentException("missing required setting " + s.key() + " (" + s.description() + ")");
            }
            v = s.defaultValue();
        }
        return s.parse().apply(v);
    }

    /**
     * Whether the copy builds the plain secondary indexes after the last chunk ({@code copy.defer.indexes}). Under
     * {@code auto}, not when {@code throttle.replicas} watches a replica: the build is one ALTER that each replica
     * replays for about as long as the source took, a lag the copy's throttle cannot hold to its bound.
     */
    public boolean deferIndexes() {
        String v = get(COPY_DEFER_INDEXES);
        return v.equals("auto") ? java.util.Arrays.stream(get(THROTTLE_REPLICAS).split(",")).allMatch(String::isBlank)
                : Boolean.parseBoolean(v);
    }

    /** A copy with some keys changed (used by tests and the embedded stack). */
    public FlipsideConfig with(String key, String value) {
        Map<String, String> m = new TreeMap<>(values);
        m.put(key, value);
        return of(m);
    }

    /** Settings for every Kafka client: bootstrap servers plus every undeclared {@code kafka.*} key. */
    public Map<String, String> kafkaClientSettings() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("bootstrap.servers", get(KAFKA_BOOTSTRAP));
        values.forEach((k, v) -> {
            if (k.startsWith(KAFKA_PREFIX) && !k.equals(KAFKA_BOOTSTRAP.key())) {
                out.put(k.substring(KAFKA_PREFIX.length()), v);
            }
        });
        return out;
    }

    /** The source server's URL; credentials and TLS are in {@link #jdbcProperties()}, so the URL holds no secret. */
    public String jdbcUrl() {
        return jdbcUrl(get(MYSQL_HOST) + ":" + get(MYSQL_PORT));
    }

    /** The URL of another server ({@code host:port}, a replica say) reached with the same options. */
    public String jdbcUrl(String hostAndPort) {
        String options = get(MYSQL_JDBC_OPTIONS);
        return "jdbc:mysql://" + hostAndPort + "/" + (options.isEmpty() ? "" : "?" + options);
    }

    /**
     * The user, password and TLS settings for mysql-connector-j, as connection properties (the driver lets them win
     * over the same options in the URL, so {@code mysql.jdbc.options} cannot undo {@code mysql.ssl.mode}).
     */
    public Properties jdbcProperties() {
        Properties p = new Properties();
        p.setProperty("user", get(MYSQL_USER));
        p.setProperty("password", get(MYSQL_PASSWORD));
        p.setProperty("sslMode", get(MYSQL_SSL_MODE).toUpperCase(java.util.Locale.ROOT));
        if (!get(MYSQL_SSL_TRUSTSTORE).isEmpty()) {
            p.setProperty("trustCertificateKeyStoreUrl", Path.of(get(MYSQL_SSL_TRUSTSTORE)).toUri().toString());
            p.setProperty("trustCertificateKeyStorePassword", get(MYSQL_SSL_TRUSTSTORE_PASSWORD));
        }
        if (!get(MYSQL_SSL_KEYSTORE).isEmpty()) {
            p.setProperty("clientCertificateKeyStoreUrl", Path.of(get(MYSQL_SSL_KEYSTORE)).toUri().toString());
            p.setProperty("clientCertificateKeyStorePassword", get(MYSQL_SSL_KEYSTORE_PASSWORD));
        }
        return p;
    }

    public Topics topics() {
        return new Topics(get(TOPIC_PREFIX), get(CAPTURE_SERVER_NAME));
    }

    /** Keys that are not declared and not {@code kafka.*}: most likely typos, reported as warnings. */
    public List<String> unknownKeys() {
        List<String> out = new ArrayList<>();
        for (String k : values.keySet()) {
            if (!k.startsWith(KAFKA_PREFIX) && ALL.stream().noneMatch(s -> s.key().equals(k))) {
                out.add(k);
            }
        }
        return out;
    }

    /** The settings as text with the password hidden, for logs. */
    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>(values);
        shown.replaceAll((k, v) -> k.contains("password") || k.contains("secret") || k.contains("jaas") ? "****" : v);
        return shown.toString();
    }
}
