package io.flipside.testkit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An embedded MySQL ({@code workDir/mysql}) and an embedded Kafka ({@code workDir/kafka}), started in parallel.
 */
public final class EmbeddedStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedStack.class);

    private static EmbeddedStack shared;
    private static RuntimeException sharedFailure;

    private final Path workDir;
    private final EmbeddedMySql mysql;
    private final EmbeddedKafka kafka;
    private boolean closed;
    /** Closed first, last registered first, while Kafka and MySQL still run. */
    private final List<AutoCloseable> clients = new java.util.ArrayList<>();

    private EmbeddedStack(Path workDir, EmbeddedMySql mysql, EmbeddedKafka kafka) {
        this.workDir = workDir;
        this.mysql = mysql;
        this.kafka = kafka;
    }

    /** Starts MySQL and Kafka (in parallel) under {@code workDir}. */
    public static EmbeddedStack start(Path workDir) {
        return start(workDir, List.of());
    }

    /** The same, with mysqld options added after the defaults (see {@link EmbeddedMySql#start(Path, List)}). */
    public static EmbeddedStack start(Path workDir, List<String> mysqlOptions) {
        long t0 = System.nanoTime();
        Path dir = workDir.toAbsolutePath().normalize();
        CompletableFuture<EmbeddedMySql> mysqlFuture = new CompletableFuture<>();
        Thread mysqlStarter = new Thread(() -> {
            try {
                mysqlFuture.complete(EmbeddedMySql.start(dir.resolve("mysql"), mysqlOptions));
            } catch (Throwable t) {
                mysqlFuture.completeExceptionally(t);
            }
        }, "embedded-mysql-starter");
        mysqlStarter.setDaemon(true);
        mysqlStarter.start();

        EmbeddedKafka kafka = null;
        RuntimeException failure = null;
        try {
            kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        } catch (RuntimeException e) {
            failure = e;
        }
        EmbeddedMySql mysql = null;
        try {
            mysql = mysqlFuture.get();
        } catch (ExecutionException e) {
            RuntimeException cause = e.getCause() instanceof RuntimeException re
                    ? re : new IllegalStateException("Could not start the embedded MySQL", e.getCause());
            if (failure == null) {
                failure = cause;
            } else {
                failure.addSuppressed(cause);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // the starter thread still owns mysqld; let it finish and stop it
            mysqlFuture.thenAccept(EmbeddedMySql::close);
            IllegalStateException interrupted = new IllegalStateException("Interrupted while starting the stack", e);
            if (failure != null) {
                interrupted.addSuppressed(failure);
            }
            failure = interrupted;
        }
        if (failure != null) {
            closeQuietly(kafka, failure);
            closeQuietly(mysql, failure);
            throw failure;
        }
        log.info("Embedded stack started in {} ms: MySQL on {}:{}, Kafka at {}, work dir {}",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), mysql.host(), mysql.port(),
                kafka.bootstrapServers(), dir);
        return new EmbeddedStack(dir, mysql, kafka);
    }

    /**
     * One stack per JVM, for tests: started on first use in a new directory under {@code target/} (if the working
     * directory has one) or {@code java.io.tmpdir}, stopped and deleted by a shutdown hook. Do not close it.
     * If it failed to start, every later call throws the same failure instead of trying again.
     */
    public static synchronized EmbeddedStack shared() {
        if (shared != null) {
            return shared;
        }
        if (sharedFailure != null) {
            throw new IllegalStateException("The shared embedded stack failed to start earlier", sharedFailure);
        }
        Path dir;
        try {
            Path target = Path.of("target");
            Path parent = Files.isDirectory(target) ? target : Path.of(System.getProperty("java.io.tmpdir"));
            dir = Files.createTempDirectory(parent.toAbsolutePath(), "flipside-stack-");
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create a directory for the shared embedded stack", e);
        }
        try {
            EmbeddedStack stack = start(dir);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    stack.close();
                } catch (RuntimeException e) {
                    log.warn("Could not stop the shared embedded stack cleanly", e);
                }
                EmbeddedMySql.deleteRecursively(dir);
            }, "embedded-stack-shutdown"));
            shared = stack;
            return stack;
        } catch (RuntimeException e) {
            sharedFailure = e;
            EmbeddedMySql.deleteRecursively(dir);
            throw e;
        }
    }

    public EmbeddedMySql mysql() {
        return mysql;
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public Path workDir() {
        return workDir;
    }

    /**
     * Has {@code client} (services started on this stack) closed before the stack stops, while Kafka and MySQL still
     * answer: a Kafka client closed after its broker is gone waits out its timeouts. For the shared stack, whose
     * shutdown hook closes it, this orders the two, which separate shutdown hooks would not.
     */
    public synchronized void closeFirst(AutoCloseable client) {
        clients.add(client);
    }

    /** Closes what {@link #closeFirst} named, then stops Kafka and MySQL. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = clients.size() - 1; i >= 0; i--) {
            try {
                clients.get(i).close();
            } catch (Exception e) {
                log.warn("Could not close {} before stopping the stack", clients.get(i), e);
            }
        }
        RuntimeException failure = null;
        try {
            kafka.close();
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            mysql.close();
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void closeQuietly(AutoCloseable c, Throwable failure) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            failure.addSuppressed(e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedStack[" + mysql + ", " + kafka + "]";
    }
}
