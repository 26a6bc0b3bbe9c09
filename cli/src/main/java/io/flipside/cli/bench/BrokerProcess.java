package io.flipside.cli.bench;

import io.flipside.testkit.EmbeddedKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The bench's embedded Kafka broker in a JVM of its own ({@code --broker-process}), as a production broker runs apart
 * from Flipside's roles: its heap, garbage collection and JIT compilation no longer share the bench's JVM. The child
 * is a one-node KRaft cluster ({@link EmbeddedKafka}) under {@code dir/data} with Kafka's own heap advice scaled down
 * ({@code -Xmx512m}, G1 with 20 ms pause goal); it writes its bootstrap servers to a file once it serves, logs to
 * {@code dir/broker.log}, and stops when its standard input ends: when {@link #close} closes it, or when this JVM dies.
 */
public final class BrokerProcess implements AutoCloseable {
    static final List<String> JVM_OPTIONS = List.of("-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20");
    private static final long START_TIMEOUT_SECONDS = 120;

    private final Process process;
    private final String bootstrapServers;
    private final Path log;

    private BrokerProcess(Process process, String bootstrapServers, Path log) {
        this.process = process;
        this.bootstrapServers = bootstrapServers;
        this.log = log;
    }

    /** Starts the child and waits until its broker serves. */
    public static BrokerProcess start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path ready = dir.resolve("bootstrap.servers");
        Path log = dir.resolve("broker.log");
        Process p = ChildJvm.builder(JVM_OPTIONS, BrokerProcess.class, dir.resolve("data").toString(), ready.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        while (!Files.exists(ready)) {
            if (!p.isAlive()) {
                throw new IOException("the Kafka broker's process ended with exit code " + p.exitValue()
                        + " before it served: " + lastLine(log));
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException("the Kafka broker's process did not serve within " + START_TIMEOUT_SECONDS
                        + " s: " + lastLine(log));
            }
            Thread.sleep(100);
        }
        return new BrokerProcess(p, Files.readString(ready).strip(), log);
    }

    /** {@code host:port} of the child's broker. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public long pid() {
        return process.pid();
    }

    /** Closes the child's standard input, which stops its broker; waits for it (60 s) before killing it. */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // gone already: its exit is awaited below
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IOException("the Kafka broker's process did not stop within 60 s and was killed: "
                    + lastLine(log));
        }
    }

    /** The last line of the child's log (the work directory, and so the log, goes when the bench ends). */
    private static String lastLine(Path log) {
        try {
            return PeerTools.lastLine(log);
        } catch (IOException e) {
            return "(its log cannot be read: " + e.getMessage() + ")";
        }
    }

    /** The child: {@code BrokerProcess DATA_DIR READY_FILE}. */
    public static void main(String[] args) throws IOException {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(Path.of(args[0]))) {
            Path ready = Path.of(args[1]);
            Path tmp = ready.resolveSibling(ready.getFileName() + ".tmp");
            Files.writeString(tmp, kafka.bootstrapServers());
            Files.move(tmp, ready, StandardCopyOption.ATOMIC_MOVE);
            while (System.in.read() >= 0) {
                // nothing is sent: the end of the input is the signal to stop
            }
        }
        System.exit(0); // the broker's non-daemon threads must not keep the JVM up
    }
}
