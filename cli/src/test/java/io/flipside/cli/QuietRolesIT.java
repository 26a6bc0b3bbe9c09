package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationStatus;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What an operator reads when the roles start, run a migration to its cut-over and stop cleanly: none of the three
 * warnings each such run logged before their fixes, though nothing was wrong. Kafka Streams' "processing exception
 * handler is not enabled" from its partition assignor's copy of the settings, the applier's probe of the changelog's
 * end ("Not updating last stable offset ... no longer assigned"), and "this applier no longer owns the migrations" at
 * its own close, which is now said at INFO.
 */
class QuietRolesIT {
    @Test
    void aCleanStartMigrationAndStopLogNoWarningThatMeansNothing() throws Exception {
        Flipside f = Flipside.get();
        FlipsideConfig config = Flipside.isolated(f.config, "quiet", UUID.randomUUID().toString().substring(0, 8));
        TableName t = f.recreate(new TableName("quiet", "items"), "id BIGINT PRIMARY KEY, note VARCHAR(20)");
        f.fill(t, 500, "n, CONCAT('note ', n)");
        List<ILoggingEvent> events;
        try (CapturedLogs lines = new CapturedLogs(org.slf4j.Logger.ROOT_LOGGER_NAME)) {
            try (Roles roles = Roles.start(config, EnumSet.allOf(Roles.Role.class));
                    OperatorClient client = new OperatorClient(config)) {
                Flipside.Run submit = f.cli(config, "submit", "--table", t.toString(), "--alter", "DROP COLUMN note");
                assertEquals(Main.OK, submit.exit(), submit.toString());
                ConcurrencyIT.await(client, submit.lastLine(), MigrationStatus.CUT_OVER);
            }
            events = lines.events();
        }
        String changelog = config.topics().changelog();
        List<String> meaningless = events.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.startsWith("Processing exception handler is not enabled for the GlobalThread")
                        || m.startsWith("this applier no longer owns the migrations")
                        || m.startsWith("[Consumer clientId=flipside-applier-probe") && m.contains(changelog))
                .toList();
        assertEquals(List.of(), meaningless);
        assertTrue(events.stream().anyMatch(e -> e.getLevel() == Level.INFO
                && e.getFormattedMessage().startsWith("this applier is closing and hands the migrations back")),
                "the applier says at INFO why it stops its workers at its close");
    }
}
