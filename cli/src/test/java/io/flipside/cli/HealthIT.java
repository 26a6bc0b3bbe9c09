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
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT NULL");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        try (OperatorClient client = new OperatorClient(f.config)) {
            ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
        }
        String metrics = get("/metrics").body();
        for (String expected : new String[] {"flipside_capture_events_total ",
            "flipside_copy_rows_total{migration=\"" + id + "\"} 300.0", "flipside_freeze_seconds_count{migration=\""
                    + id + "\",phase=\"cutover\"} 1", "flipside_apply_lag_seconds", "jvm_memory_used_bytes"}) {
            assertTrue(metrics.contains(expected), "no " + expected + " in:\n" + metrics);
        }
        assertEquals(404, get("/nothing-here").statusCode());
        assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + f.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
