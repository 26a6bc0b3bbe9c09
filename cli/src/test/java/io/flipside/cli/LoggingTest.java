package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.flipside.runtime.LogContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code log.format=json}: one JSON object per line, with the migration and phase; {@code text} switches back. */
class LoggingTest {
    private static final Logger LOG = LoggerFactory.getLogger("io.flipside.applier.MigrationWorker");

    @Test
    void jsonLinesCarryTheMigrationAndPhase() throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Logging.use("json");
            LogContext.set("m-1", "COPYING");
            LOG.info("migration {}: copied {} rows", "m-1", 500);
            LOG.warn("copy failed, retrying", new IllegalStateException("Lock wait timeout\nexceeded"));
            LogContext.clear();
            Logging.use("text");
            LOG.info("back to text");
        } finally {
            LogContext.clear();
            Logging.use("text");
            System.setErr(err);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(3, lines.size(), String.join("\n", lines));
        JsonNode info = StatusView.JSON.readTree(lines.get(0));
        assertEquals("INFO", info.get("level").asText());
        assertEquals("io.flipside.applier.MigrationWorker", info.get("loggerName").asText());
        assertEquals("migration m-1: copied 500 rows", info.get("formattedMessage").asText());
        assertEquals("m-1", info.get("mdc").get("migration").asText());
        assertEquals("COPYING", info.get("mdc").get("phase").asText());
        assertTrue(info.get("timestamp").asLong() > 0, lines.get(0));
        JsonNode warn = StatusView.JSON.readTree(lines.get(1));
        assertEquals("WARN", warn.get("level").asText());
        assertEquals("Lock wait timeout\nexceeded", warn.get("throwable").get("message").asText(),
                "the exception, with its line break, stays inside the one line");
        assertTrue(lines.get(2).endsWith("MigrationWorker - back to text"), lines.get(2));
    }

    /**
     * The embedded broker of demo, dev and bench logs partly through log4j's API: its events reach logback like any
     * other (log4j-core, which Kafka's server brings, would instead have read the test configuration of Kafka's test
     * kit and printed an ERROR at every start).
     */
    @Test
    void log4jApiEventsReachLogback() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.apache.logging.log4j.core.LoggerContext"));
        try (CapturedLogs logs = new CapturedLogs("kafka.server.SomeBrokerPart")) {
            org.apache.logging.log4j.LogManager.getLogger("kafka.server.SomeBrokerPart").warn("broker says {}", "hi");
            assertEquals(List.of("broker says hi"), logs.events().stream().map(e -> e.getFormattedMessage()).toList());
        }
    }

    /**
     * Debezium's warnings that Flipside expects and handles are not logged, their errors are: one for each lag sample
     * its statistics thread could not take, one for each rename between a captured table and one left out (every swap).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"io.debezium.metrics.stats.MeasurementCollector",
        "io.debezium.connector.mysql.antlr.listener.RenameTableParserListener",
        "io.debezium.connector.mysql.antlr.listener.legacy.RenameTableParserListener"})
    void expectedDebeziumWarningsAreQuiet(String name) {
        try (CapturedLogs logs = new CapturedLogs(name)) {
            Logger quiet = LoggerFactory.getLogger(name);
            quiet.warn("an expected warning");
            quiet.error("an error");
            assertEquals(List.of("an error"), logs.events().stream().map(e -> e.getFormattedMessage()).toList());
        }
    }
}
