package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The roles' HTTP endpoints: liveness, readiness per role, and Prometheus metrics of a migration that ran. */
class HealthIT {
    static Flipside f;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        f = Flipside.get();
    }

    @Test
    void healthReadinessAndMetrics() throws Exception {
        HttpResponse<String> health = get("/health");
        assertEquals(200, health.statusCode());
        assertEquals("ok\n", health.body());

        HttpResponse<String> ready = get("/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        JsonNode roles = StatusView.JSON.readTree(ready.body());
        for (String role : new String[] {"capture", "applier", "controller"}) {
            assertEquals("ready", roles.get(role).asText(), ready.body());
        }

        TableName t = f.recreate(new TableName("health", "items"), "id BIGINT PRIMARY KEY, note VARCHAR(20) NULL");
        f.fill(t, 300, "n, CONCAT('note ', n)");
        // Every log line of the migration's work carries its id and phase (the MDC that log.format=json prints).
        String id;
        java.util.List<ch.qos.logback.classic.spi.ILoggingEvent> ofMigration;
        try (CapturedLogs lines = new CapturedLogs("io.flipside"); OperatorClient client = new OperatorClient(f.config)) {
            Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT NULL");
            assertEquals(Main.OK, submit.exit(), submit.toString());
            id = submit.lastLine();
            ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            ofMigration = lines.events().stream().filter(e -> e.getFormattedMessage().contains(id)).toList();
        }
        assertTrue(!ofMigration.isEmpty(), "no log line names " + id);
        for (String logger : new String[] {"io.flipside.applier.", "io.flipside.controller."}) {
            assertTrue(ofMigration.stream().anyMatch(e -> e.getLoggerName().startsWith(logger)
                    && id.equals(e.getMDCPropertyMap().get("migration"))
                    && e.getMDCPropertyMap().get("phase") != null), "no line of " + logger + " with the MDC of " + id);
        }
        String metrics = get("/metrics").body();
        String server = "{server=\"" + f.config.topics().serverName() + "\"}";
        for (String expected : new String[] {"flipside_capture_events_total" + server,
            "flipside_applier_owner{group=\"" + f.config.topics().applierGroupId() + "\"} 1.0",
            "flipside_copy_rows_total{migration=\"" + id + "\"} 300.0", "flipside_freeze_seconds_count{migration=\""
                    + id + "\",phase=\"cutover\"} 1", "flipside_apply_lag_seconds", "jvm_memory_used_bytes",
            "flipside_capture_delay_seconds" + server}) {
            assertTrue(metrics.contains(expected), "no " + expected + " in:\n" + metrics);
        }
        // The capture's position is the binlog's own: after this test's writes, it is where SHOW MASTER STATUS is, or
        // just before it (another test's roles may have written since).
        String[] masterStatus = masterStatus();
        long file = Long.parseLong(masterStatus[0].substring(masterStatus[0].lastIndexOf('.') + 1));
        assertEquals((double) file, gauge(metrics, "flipside_capture_binlog_file" + server), metrics);
        double pos = gauge(metrics, "flipside_capture_binlog_position" + server);
        assertTrue(pos > 0 && pos < Long.parseLong(masterStatus[1]), pos + " within " + masterStatus[1]);
        assertEquals(1.0, awaitGauge("flipside_revert_ready{migration=\"" + id + "\"}", 1.0),
                "cut over, revertible, and the old table in step");
        assertEquals(404, get("/nothing-here").statusCode());
        assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        assertEquals(0.0, awaitGauge("flipside_revert_ready{migration=\"" + id + "\"}", 0.0), "completed");
    }

    private static String[] masterStatus() throws Exception {
        try (java.sql.Connection c = f.connect(); java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery(io.flipside.runtime.BinaryLogStatus.statement(c))) {
            rs.next();
            return new String[] {rs.getString("File"), rs.getString("Position")};
        }
    }

    /** The value of the first sample whose name (with its tags) is {@code series}. */
    private static double gauge(String metrics, String series) {
        return metrics.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(l -> Double.parseDouble(
                l.substring(series.length() + 1).trim())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + series + " in:\n" + metrics));
    }

    private static double awaitGauge(String series, double expected) throws Exception {
        long deadline = System.currentTimeMillis() + 15_000;
        double v = gauge(get("/metrics").body(), series);
        while (v != expected && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            v = gauge(get("/metrics").body(), series);
        }
        return v;
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + f.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
