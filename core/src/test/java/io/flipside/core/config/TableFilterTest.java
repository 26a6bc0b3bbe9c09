package io.flipside.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.TableName;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TableFilterTest {
    private static TableFilter parse(String text) {
        return TableFilter.parse("capture.exclude.tables", text);
    }

    @Test
    void eachPatternMatchesTheWholeNameIgnoringCase() {
        TableFilter f = parse("app\\.audit_.*, logs\\.events");
        assertTrue(f.matches(new TableName("app", "audit_2026")));
        assertTrue(f.matches(new TableName("APP", "Audit_x")), "case is ignored: the applier refuses at least what"
                + " the capture leaves out");
        assertTrue(f.matches(new TableName("logs", "events")));
        assertFalse(f.matches(new TableName("app", "users")));
        assertFalse(f.matches(new TableName("myapp", "audit_1")), "anchored at the start");
        assertFalse(f.matches(new TableName("logs", "events_old")), "anchored at the end");
        assertEquals("app\\.audit_.*,logs\\.events", f.text(), "the list the capture gives Debezium");
    }

    @Test
    void anEmptyListNamesNoTable() {
        for (String empty : new String[] {"", " ", ",,"}) {
            TableFilter f = parse(empty);
            assertTrue(f.isEmpty());
            assertFalse(f.matches(new TableName("app", "users")));
        }
    }

    @Test
    void aPatternThatIsNotARegularExpressionIsRefusedWhenTheConfigurationLoads() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FlipsideConfig.of(Map.of(
                "kafka.bootstrap.servers", "k:9092", "mysql.host", "h", "mysql.user", "u",
                "capture.exclude.tables", "app\\.ok,app\\.(broken")));
        assertTrue(e.getMessage().contains("capture.exclude.tables: 'app\\.(broken' is not a regular expression"),
                e.getMessage());
        // A comma inside a pattern splits it: the halves are refused, not silently read as two other patterns.
        assertThrows(IllegalArgumentException.class, () -> parse("app\\.t{1,3}"));
    }
}
