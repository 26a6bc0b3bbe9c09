package io.flipside.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The peer tools, run only when installed ({@code command -v}); otherwise, and when they refuse this server, the
 * result says why instead of leaving a blank.
 */
final class PeerTools {
    /** A peer's result: the time it took, or why there is none. */
    record Outcome(Double seconds, String reason) {}

    /** How to reach MySQL from a child process. */
    record Server(String host, int port, String user, String password) {}

    static final String PT_OSC = "pt-online-schema-change";
    static final String GH_OST = "gh-ost";

    static final String PT_OSC_NOT_INSTALLED = "not run: pt-online-schema-change is not installed (Debian package"
            + " percona-toolkit, whose 3.2.1 refuses MySQL 8.0.14-8.0.17 outright, a check for a foreign-key crash bug;"
            + " bench/peers.sh installs a copy that refuses only tables with foreign keys)";
    static final String GH_OST_NOT_INSTALLED = "not run: gh-ost is not installed (no Debian package; bench/peers.sh"
            + " builds it from its source with Debian's golang-go); its atomic cut-over fails on MySQL 8.0.13-8.0.15"
            + " (Error 1205 lock wait timeout, gh-ost issues #687 and #714), where the bench runs it with"
            + " --cut-over=two-step";
    static final String GH_OST_TWO_STEP = "--cut-over=two-step: its atomic cut-over fails on MySQL 8.0.13-8.0.15"
            + " (Error 1205 lock wait timeout, gh-ost issues #687 and #714); two-step renames the table away and the"
            + " ghost table in, one after the other, so a write in between finds no table and fails";

    private PeerTools() {}

    /** The path of an installed command, or null. */
    static String which(String command) {
        try {
            Process p = new ProcessBuilder("bash", "-c", "command -v " + command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && !out.isEmpty() ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static Outcome ptOnlineSchemaChange(Server s, String db, String table, String alter, int timeoutSeconds) {
        String path = which(PT_OSC);
        if (path == null) {
            return new Outcome(null, PT_OSC_NOT_INSTALLED);
        }
        String dsn = "h=" + s.host() + ",P=" + s.port() + ",u=" + s.user()
                + (s.password() == null || s.password().isEmpty() ? "" : ",p=" + s.password()) + ",D=" + db + ",t=" + table;
        // Its new table named like a Flipside helper table, so that Flipside's capture, running beside it, skips the
        // copied rows, as it skips the raw copy's and a shadow table's.
        List<String> cmd = List.of(path, "--alter", alter, "--execute", "--recursion-method=none",
                "--no-check-replication-filters", "--chunk-time=0.5", "--set-vars", "lock_wait_timeout=5",
                "--no-drop-triggers", "--drop-old-table", "--new-table-name=_%T_00000000_new", dsn);
        return run(PT_OSC, cmd, timeoutSeconds);
    }

    /** Whether gh-ost's atomic cut-over fails on this MySQL version: 8.0.13 to 8.0.15. */
    static boolean atomicCutOverFails(String mysqlVersion) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("8\\.0\\.(\\d+).*").matcher(mysqlVersion);
        return m.matches() && Integer.parseInt(m.group(1)) >= 13 && Integer.parseInt(m.group(1)) <= 15;
    }

    /** gh-ost, with its atomic cut-over unless {@code twoStep} ({@link #GH_OST_TWO_STEP}). */
    static Outcome ghOst(Server s, String db, String table, String alter, int timeoutSeconds, boolean twoStep) {
        String path = which(GH_OST);
        if (path == null) {
            return new Outcome(null, GH_OST_NOT_INSTALLED);
        }
        List<String> cmd = new ArrayList<>(List.of(path, "--host=" + s.host(), "--port=" + s.port(),
                "--user=" + s.user(), "--password=" + (s.password() == null ? "" : s.password()), "--database=" + db,
                "--table=" + table, "--alter=" + alter, "--allow-on-master", "--assume-rbr",
                "--cut-over=" + (twoStep ? "two-step" : "atomic"),
                "--initially-drop-ghost-table", "--initially-drop-old-table", "--ok-to-drop-table",
                "--replica-server-id=" + (90000 + (int) (Math.random() * 9000)), "--default-retries=3",
                "--serve-socket-file=" + Path.of(System.getProperty("java.io.tmpdir"), "gh-ost-" + table + ".sock"),
                "--execute"));
        return run(GH_OST, cmd, timeoutSeconds);
    }

    private static Outcome run(String name, List<String> cmd, int timeoutSeconds) {
        Path log = null;
        try {
            log = Files.createTempFile("flipside-bench-" + name + "-", ".log");
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                return new Outcome(null, "did not finish within " + timeoutSeconds + " s (stopped; log " + log + ")");
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (p.exitValue() != 0) {
                return new Outcome(null, name + " failed with exit code " + p.exitValue() + ": " + lastLine(log)
                        + " (log " + log + ")");
            }
            Files.delete(log); // kept only when it explains a failure
            return new Outcome(seconds, null);
        } catch (IOException e) {
            return new Outcome(null, name + " could not be started: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(null, "interrupted");
        }
    }

    /** The last line of a log that is not blank, or "(no output)". */
    static String lastLine(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        return lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1);
    }
}
