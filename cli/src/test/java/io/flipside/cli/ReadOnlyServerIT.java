package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.EmbeddedMySql;
import io.flipside.testkit.Schemas;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that takes no writes ({@code super_read_only}, as a replica has it, or a source while it is failed over):
 * a migration submitted there is rejected with what to do, copied or {@code --instant}, and nothing is touched.
 * Before, the refusal of its first write was taken for an interruption and tried again every 30 s, for ever. Once the
 * server takes writes again, the same migration goes through.
 */
class ReadOnlyServerIT {
    @Test
    void aMigrationSubmittedToAServerThatTakesNoWritesIsRejectedAndNothingIsTouched(@TempDir Path dir)
            throws Exception {
        Flipside f = Flipside.get();
        TableName t = new TableName("shop", "held");
        try (EmbeddedMySql mysql = EmbeddedMySql.start(dir, 8)) {
            try (Connection c = mysql.connect()) {
                ChangelogGapIT.createShop(c, t);
            }
            FlipsideConfig config = Flipside.on(Flipside.isolated(f.config, "ro",
                    UUID.randomUUID().toString().substring(0, 8)), mysql);
            try (Roles roles = Roles.start(config, EnumSet.allOf(Roles.Role.class));
                    OperatorClient client = new OperatorClient(config); Connection c = mysql.connect();
                    Statement s = c.createStatement()) {
                List<String> before = Schemas.fingerprint(c, t.database());
                s.execute("SET GLOBAL super_read_only = ON");
                try {
                    for (String instant : List.of("", "--instant")) {
                        Flipside.Run r = instant.isEmpty()
                                ? f.cli(config, "submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT",
                                        "--timeout", "30")
                                : f.cli(config, "submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT",
                                        instant, "--timeout", "30");
                        assertEquals(Main.REJECTED, r.exit(), r.toString());
                        assertTrue(r.err().contains("MySQL refuses the migration's writes: super_read_only is ON")
                                && r.err().contains("Nothing was changed"), r.err());
                    }
                } finally {
                    s.execute("SET GLOBAL super_read_only = OFF, GLOBAL read_only = OFF");
                }
                assertEquals(before, Schemas.fingerprint(c, t.database()), "the tables as they were");
                Flipside.Run again = f.cli(config, "submit", "--table", t.toString(), "--alter",
                        "ADD COLUMN extra INT", "--postpone-cutover");
                assertEquals(Main.OK, again.exit(), again.toString());
                ConcurrencyIT.await(client, again.lastLine(), MigrationStatus.READY);
                assertEquals(Main.OK, f.cli(config, "cancel", again.lastLine(), "--wait").exit());
            }
        }
    }
}
