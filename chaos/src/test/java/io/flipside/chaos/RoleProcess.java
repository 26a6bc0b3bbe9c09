package io.flipside.chaos;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One Flipside role ({@code flipside run --roles ROLE}) in a child JVM, so that it can be killed with SIGKILL, paused
 * with SIGSTOP, and restarted. Its output goes to a log file and is kept for {@link #awaitLine}.
 */
final class RoleProcess implements AutoCloseable {
    private final String role;
    private final String name;
    private final Path config;
    private final Path logDir;
    private final List<String> lines = new ArrayList<>();
    private Process process;
    private int starts;
    private String instanceId;

    RoleProcess(String role, Path config, Path logDir) {
        this(role, role, config, logDir);
    }

    /** {@code name} tells two processes of one role apart in the log files. */
    RoleProcess(String role, String name, Path config, Path logDir) {
        this.role = role;
        this.name = name;
        this.config = config;
        this.logDir = logDir;
        this.instanceId = name;
    }

    /**
     * The {@code instance.id} it runs under (given as {@code FLIPSIDE_INSTANCE_ID}, as a pod would be): its name unless
     * set here, the same at every start, so that the applier and the controller rejoin their groups as themselves.
     */
    RoleProcess instanceId(String id) {
        this.instanceId = id;
        return this;
    }

    /** Starts the role; {@code failpoints} as for the applier's {@code flipside.failpoints} property, or "". */
    synchronized RoleProcess start(String failpoints) throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(role + " is already running");
        }
        starts++;
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // Its temporary files beside its logs: a role killed with SIGKILL never deletes them (RocksDB's native library,
        // 15 MB, extracted at each start), and /tmp would keep them after the build.
        Path tmp = Files.createDirectories(logDir.resolveSibling("tmp"));
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Xmx320m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + tmp, "-Dflipside.failpoints=" + failpoints,
                "-cp", System.getProperty("java.class.path"),
                "io.flipside.cli.Main", "run", "--config", config.toString(), "--roles", role));
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + "-" + starts + ".log");
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true);
        builder.environment().put("FLIPSIDE_INSTANCE_ID", instanceId);
        process = builder.start();
        Process p = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                    PrintWriter out = new PrintWriter(Files.newBufferedWriter(log))) {
                String line;
                while ((line = in.readLine()) != null) {
                    out.println(line);
                    out.flush();
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
        }, "log-" + name);
        reader.setDaemon(true);
        reader.start();
        return this;
    }

    /** A position in the output: {@link #awaitLine} looks at what comes after it. */
    int mark() {
        synchronized (lines) {
            return lines.size();
        }
    }

    /** Waits for a line after {@code from} that contains a match of {@code pattern}; returns it or null. */
    String awaitLine(int from, Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        synchronized (lines) {
            int i = from;
            while (true) {
                for (; i < lines.size(); i++) {
                    if (pattern.matcher(lines.get(i)).find()) {
                        return lines.get(i);
                    }
                }
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return null;
                }
                lines.wait(left);
            }
        }
    }

    long count(Pattern pattern) {
        synchronized (lines) {
            return lines.stream().filter(l -> pattern.matcher(l).find()).count();
        }
    }

    /** SIGKILL: no shutdown hook, no clean close of any connection or client. */
    synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /** SIGSTOP / SIGCONT: the process freezes (a long GC pause, a stalled VM) and later wakes up. */
    synchronized void signal(String sig) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + sig, String.valueOf(process.pid())).inheritIO().start();
        if (k.waitFor() != 0) {
            throw new IOException("kill -" + sig + " failed");
        }
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    String role() {
        return role;
    }

    String name() {
        return name;
    }

    String instanceId() {
        return instanceId;
    }

    @Override
    public synchronized void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }

    static Duration seconds(long s) {
        return Duration.ofSeconds(s);
    }
}
