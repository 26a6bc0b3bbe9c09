package io.flipside.cli.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class BenchTableTest {
    /** Flipside's figures with only a migration id and {@code stream} (JSON), the rest absent as when not measured. */
    private static String printed(BenchReport.Stream stream) throws Exception {
        ObjectMapper json = new ObjectMapper();
        String figures = "{\"migrationId\": \"m\", \"stream\": " + json.writeValueAsString(stream) + "}";
        StringWriter out = new StringWriter();
        try (PrintWriter w = new PrintWriter(out)) {
            BenchTable.flipside(w, json.readValue(figures, BenchReport.FlipsideFigures.class));
        }
        return out.toString();
    }

    @Test
    void aStreamNotMeasuredIsPrintedWithItsReasonAndNoFigure() throws Exception {
        String out = printed(BenchReport.Stream.notMeasured(10_000, 30, 1, FlipsideRun.METERS_ELSEWHERE));
        assertTrue(out.contains("steady stream of row events"), out);
        assertTrue(out.contains("10,000/s asked for 30 s: " + FlipsideRun.METERS_ELSEWHERE), out);
        assertFalse(out.contains("MySQL made"), out);
    }

    @Test
    void aStreamMeasuredIsPrintedWithItsFigures() throws Exception {
        String out = printed(new BenchReport.Stream(2000, 3, 1, 40, 5960, 1986.7, 1900, 120, 0.5,
                new BenchReport.Cpu(3, 0.9, 1.0, 2.0, 0.1, java.util.Map.of(), null, 0, java.util.Map.of(),
                        java.util.Map.of()), java.util.List.of(), null));
        assertTrue(out.contains("2,000/s asked for 3 s (UPDATEs of 40 rows): MySQL made 1,987/s, applied 1,900/s"
                + " meanwhile, at most 120 behind; the last applied 0.50 s after the stream"), out);
    }
}
