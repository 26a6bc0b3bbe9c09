package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.EmbeddedMySql;
import io.flipside.testkit.Schemas;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that takes no writes ({@code super_read_only}, as a replica has it, or a source while it is failed over):
 * a migration submitted there is rejected with what to do, copied or {@code --instant}, and nothing is touched.
 * Before, the refusal of its first write was taken for an interruption and tried again every 30 s, for ever. Once the
 * server takes writes again, the same migration goes through; when the server stops taking writes while it is under
 * way, its cut-over waits for them (a {@code cutover --wait} that times out says the applier is retrying, and why),
 * and happens once the server takes writes again: within the applier's longest wait between two tries (5 s), not
 * up to 30 s later as before.
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
                String id = again.lastLine();
                ConcurrencyIT.await(client, id, MigrationStatus.READY);
                // Under way, the migration waits for the server to take writes again; a command waited for in vain
                // says so, and the cut-over asked for meanwhile happens once it does.
                s.execute("SET GLOBAL super_read_only = ON");
                try {
                    Flipside.Run cut = f.cli(config, "cutover", id, "--wait", "--timeout", "5");
                    assertEquals(Main.FAILED, cut.exit(), cut.toString());
                    assertTrue(cut.err().contains("accepted but not done within 5 s; retrying for ")
                            && cut.err().contains("super-read-only"), cut.err());
                    MigrationState waiting = client.state(id).orElseThrow();
                    assertEquals(MigrationStatus.CUTTING_OVER, waiting.getStatus());
                    // Read-only for 17 s after the first refusal: the applier's tries came 0.5, 1.5, 3.5, 7.5 and
                    // 15.5 s after it when each wait doubled up to 30 s, and the next 31.5 s after it.
                    Thread.sleep(Math.max(0, waiting.getInterruptedSince() + 17_000 - System.currentTimeMillis()));
                } finally {
                    s.execute("SET GLOBAL super_read_only = OFF, GLOBAL read_only = OFF");
                }
                long writable = System.nanoTime();
                ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
                double late = (System.nanoTime() - writable) / 1e9;
                assertTrue(late < 9, "cut over " + late + " s after the server took writes again: its next try should"
                        + " come within 5 s, and the cut-over take a few more at most");
                MigrationState verified = client.awaitState(id, x -> !x.getChecksums().isEmpty(),
                        Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError(String.valueOf(client.state(id))));
                assertTrue(verified.getChecksums().get(0).getMatched(), String.valueOf(verified.getChecksums()));
            }
        }
    }
}
