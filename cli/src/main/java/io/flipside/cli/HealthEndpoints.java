package io.flipside.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A process's HTTP endpoints, on the JDK's own server: {@code /health} (alive: 200), {@code /ready} (200 when every
 * role it runs is ready, else 503; JSON with each role's state) and {@code /metrics} (Micrometer's global registry in
 * Prometheus' text format).
 */
final class HealthEndpoints implements AutoCloseable {
    private final HttpServer server;
    private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Supplier<Optional<String>>> roles = new LinkedHashMap<>();
    private final io.micrometer.core.instrument.binder.jvm.JvmGcMetrics gc;

    HealthEndpoints(int port) throws IOException {
        Metrics.addRegistry(prometheus);
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(prometheus);
        new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(prometheus);
        gc = new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics();
        gc.bindTo(prometheus);
        server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/health", x -> respond(x, 200, "text/plain", "ok\n"));
        server.createContext("/ready", this::ready);
        server.createContext("/metrics", x -> respond(x, 200, "text/plain; version=0.0.4; charset=utf-8",
                prometheus.scrape()));
        server.setExecutor(null); // the server's own thread: these are short requests
        server.start();
    }

    /** Adds a role; {@code notReady} says why it is not ready, or is empty when it is. */
    synchronized void role(String name, Supplier<Optional<String>> notReady) {
        roles.put(name, notReady);
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void ready(HttpExchange x) throws IOException {
        ObjectNode body = StatusView.JSON.createObjectNode();
        boolean ready;
        synchronized (this) {
            ready = !roles.isEmpty();
            for (Map.Entry<String, Supplier<Optional<String>>> r : roles.entrySet()) {
                Optional<String> why = r.getValue().get();
                body.put(r.getKey(), why.orElse("ready"));
                ready &= why.isEmpty();
            }
        }
        respond(x, ready ? 200 : 503, "application/json", body + "\n");
    }

    private static void respond(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        gc.close();
        Metrics.removeRegistry(prometheus);
        prometheus.close();
    }
}
