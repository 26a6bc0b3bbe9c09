package io.flipside.cli;

import io.flipside.core.config.FlipsideConfig;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@CommandLine.Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run roles against an existing MySQL and Kafka until interrupted.")
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Mixin
    ConfigOption config;

    @Option(names = "--roles", paramLabel = "ROLES", description = "Comma-separated: capture, applier, controller (default: all)")
    String roles = "capture,applier,controller";

    @Override
    public Integer call() throws Exception {
        FlipsideConfig cfg = config.load();
        cfg.unknownKeys().forEach(k -> LOG.warn("unknown setting {} (ignored)", k));
        LOG.info("configuration: {}", cfg);
        runUntilInterrupted(cfg, Roles.parse(roles));
        return Main.OK;
    }

    static void runUntilInterrupted(FlipsideConfig cfg, java.util.Set<Roles.Role> roles) throws Exception {
        runUntilInterrupted(cfg, roles, () -> { });
    }

    /** Starts the roles, runs {@code whenRunning}, and blocks until the process is asked to stop. */
    static void runUntilInterrupted(FlipsideConfig cfg, java.util.Set<Roles.Role> roles, Runnable whenRunning)
            throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        try (Roles running = Roles.start(cfg, roles)) {
            whenRunning.run();
            Thread hook = new Thread(() -> {
                running.close();
                stop.countDown();
            }, "flipside-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            stop.await();
        }
    }
}
