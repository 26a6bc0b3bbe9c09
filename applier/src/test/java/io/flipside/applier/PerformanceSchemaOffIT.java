package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.runtime.ServerRequirements;
import io.flipside.testkit.EmbeddedMySql;
import io.flipside.testkit.EmbeddedStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The other sessions' own binary log settings are read from performance_schema. With it off its tables are there and
 * empty, which must read as "cannot see them" (the applier then says so when it starts), not as "no such session".
 */
class PerformanceSchemaOffIT {
    @Test
    void aSessionThatSetsItsOwnBinlogFormatIsNamedWithPerformanceSchemaOnAndUnseenWithItOff(@TempDir Path dir)
            throws Exception {
        EmbeddedMySql on = EmbeddedStack.shared().mysql();
        try (Connection c = on.connect(); Connection other = on.connect(); Statement s = other.createStatement()) {
            s.execute("SET SESSION binlog_format = 'STATEMENT'");
            Optional<List<String>> seen = ServerRequirements.otherSessions(c);
            assertTrue(seen.isPresent() && seen.get().stream().anyMatch(x -> x.contains("binlog_format STATEMENT")),
                    "performance_schema on: the session is named: " + seen);
        }
        try (EmbeddedMySql off = EmbeddedMySql.start(dir, 3,
                List.of("--performance-schema=OFF"));
                Connection c = off.connect(); Connection other = off.connect(); Statement s = other.createStatement()) {
            s.execute("SET SESSION binlog_format = 'STATEMENT'");
            assertEquals(Optional.empty(), ServerRequirements.otherSessions(c),
                    "performance_schema off: the other sessions cannot be seen");
            assertEquals(List.of(), ServerRequirements.unmet(c), "the global settings and the applier's own are met");
        }
    }
}
