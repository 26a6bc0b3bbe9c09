package io.flipside.cli;

import io.flipside.applier.Applier;
import io.flipside.capture.Capture;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.flipside.controller.Controller;
import io.flipside.core.config.FlipsideConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The long-running roles of one process, started in dependency order and closed in reverse. */
public final class Roles implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Roles.class);

    public enum Role { CAPTURE, APPLIER, CONTROLLER }

    private final List<AutoCloseable> running = new ArrayList<>();
    private final List<io.micrometer.core.instrument.Meter> meters = new ArrayList<>();

    private HealthEndpoints http;

    private Roles() {}

    /** The port of the HTTP endpoints, when they run. */
    public java.util.OptionalInt httpPort() {
        return http == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(http.port());
    }

    private void role(String name, java.util.function.Supplier<java.util.Optional<String>> notReady) {
        if (http != null) {
            http.role(name, notReady);
        }
    }

    /** Parses {@code capture,applier,controller}. */
    public static Set<Role> parse(String text) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        for (String r : text.split(",")) {
            String name = r.trim().toUpperCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            try {
                roles.add(Role.valueOf(name));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown role " + r.trim() + "; roles are capture, applier, controller");
            }
        }
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("no role given; roles are capture, applier, controller");
        }
        return roles;
    }

    public static Roles start(FlipsideConfig config, Set<Role> roles) throws Exception {
        Roles r = new Roles();
        try {
            int port = config.get(FlipsideConfig.HTTP_PORT);
            if (port >= 0) {
                r.http = new HealthEndpoints(port);
                r.running.add(r.http);
                LOG.info("health, readiness and metrics on http://localhost:{}/health, /ready, /metrics", r.http.port());
            }
            if (roles.contains(Role.CONTROLLER)) {
                Controller c = new Controller(config).start();
                r.running.add(c);
                r.role("controller", c::notReady);
                if (!c.awaitRunning(Duration.ofSeconds(60))) {
                    LOG.warn("the controller is not running after 60 s");
                }
            }
            if (roles.contains(Role.CAPTURE)) {
                Capture capture = new Capture(config).start();
                r.running.add(capture);
                r.role("capture", capture::notReady);
                r.registerCaptureMeters(capture, config.topics().serverName());
                if (!capture.awaitStreaming(Duration.ofSeconds(120))) {
                    LOG.warn("the capture is not streaming after 120 s");
                }
            }
            if (roles.contains(Role.APPLIER)) {
                Applier applier = new Applier(config).start();
                r.running.add(applier);
                r.role("applier", applier::notReady);
                r.meters.add(Gauge.builder("flipside.applier.owner", applier, a -> a.owns() ? 1 : 0)
                        .tag("group", config.topics().applierGroupId())
                        .description("1 while this applier owns the migrations, 0 while it stands by")
                        .register(Metrics.globalRegistry));
            }
        } catch (Exception e) {
            r.close();
            throw e;
        }
        LOG.info("running {}", roles);
        return r;
    }

    /** The capture's meters, tagged with its server name; removed again when the roles close. */
    private void registerCaptureMeters(Capture capture, String server) {
        MeterRegistry registry = Metrics.globalRegistry;
        meters.add(FunctionCounter.builder("flipside.capture.events", capture, Capture::published).tag("server", server)
                .description("Changes the capture published to the changelog").register(registry));
        meters.add(Gauge.builder("flipside.capture.binlog.file", capture, c -> c.position().fileNumber())
                .tag("server", server).description("Sequence number of the binlog file of the newest published change")
                .register(registry));
        meters.add(Gauge.builder("flipside.capture.binlog.position", capture, c -> c.position().binlogPos())
                .tag("server", server).description("Position in that binlog file of the newest published change")
                .register(registry));
        meters.add(Gauge.builder("flipside.capture.delay", capture, c -> c.position().delayMillis() / 1000.0)
                .tag("server", server).baseUnit("seconds")
                .description("From the newest published change's commit to its capture").register(registry));
    }

    @Override
    public void close() {
        List<AutoCloseable> reverse = new ArrayList<>(running);
        Collections.reverse(reverse);
        for (AutoCloseable c : reverse) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing {}", c.getClass().getSimpleName(), e);
            }
        }
        running.clear();
        meters.forEach(Metrics.globalRegistry::remove);
        meters.clear();
    }
}
