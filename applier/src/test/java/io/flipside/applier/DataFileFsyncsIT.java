package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.testkit.EmbeddedStack;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The counters the swap's wait for data-file fsyncs reads exist on the server: were one renamed or missing, the wait
 * would never wait.
 */
class DataFileFsyncsIT {
    @Test
    void theServerReportsBothCounters() throws Exception {
        try (Connection c = EmbeddedStack.shared().mysql().connect(); Statement s = c.createStatement()) {
            Map<String, Long> status = DataFileFsyncs.status(s);
            assertTrue(status.containsKey(DataFileFsyncs.ALL) && status.containsKey(DataFileFsyncs.REDO_LOG),
                    status.toString());
            assertTrue(status.get(DataFileFsyncs.ALL) >= status.get(DataFileFsyncs.REDO_LOG), status.toString());
            assertEquals(Math.max(0, status.get(DataFileFsyncs.ALL) - status.get(DataFileFsyncs.REDO_LOG)),
                    DataFileFsyncs.inFlight(status));
        }
    }
}
