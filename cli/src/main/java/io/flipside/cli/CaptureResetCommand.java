package io.flipside.cli;

import io.flipside.capture.CaptureOffsets;
import io.flipside.core.config.FlipsideConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Removes the capture's stored binlog position, for when the binlog at that position was purged from the server, or
 * the server lacks transactions the capture published (a replica promoted without them), or the capture's schema
 * history was lost (without which Debezium cannot read on from there): the capture's next start
 * then begins at the server's current position. The changes in between were never published, so every migration in
 * progress fails when the applier reads on (the capture marks the new start in the changelog). Refused while the
 * stored position is still on the server and the server has executed every transaction the capture published, unless
 * forced.
 */
@CommandLine.Command(name = "capture-reset", mixinStandardHelpOptions = true,
        description = {"Remove the capture's stored binlog position after the binlog was purged past it, or a"
                + " failover to a server that lacks transactions the capture published (or the capture's schema"
                + " history was lost): the capture then reads on from the server's current position, and every"
                + " migration in progress fails.",
            "Exit 0 when reset (or nothing was stored); 2 refused, when the stored position is still on the server"
                + " and the server has every transaction the capture published."})
final class CaptureResetCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--force", description = "Reset even though the stored position is still on the server")
    boolean force;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws SQLException {
        FlipsideConfig c = config.load();
        List<CaptureOffsets.Stored> stored = CaptureOffsets.read(c);
        Optional<CaptureOffsets.Stored> position = CaptureOffsets.position(stored);
        if (stored.isEmpty()) {
            spec.commandLine().getOut().println("the capture of server " + c.topics().serverName() + " has no stored"
                    + " position: it begins at the server's current position when it starts; nothing to reset");
            return Main.OK;
        }
        if (position.isPresent() && !force) {
            List<String> binlogs;
            Optional<String> notExecuted;
            try (Connection conn = DriverManager.getConnection(c.jdbcUrl(), c.jdbcProperties())) {
                binlogs = CaptureOffsets.binlogs(conn);
                notExecuted = CaptureOffsets.notExecuted(conn, position.get());
            }
            if (binlogs.contains(position.get().binlogFile()) && notExecuted.isEmpty()) {
                spec.commandLine().getErr().println("flipside: capture-reset refused: the capture's stored position, "
                        + position.get().describe() + ", is still on the server (binlogs " + binlogs.get(0) + " to "
                        + binlogs.get(binlogs.size() - 1) + "), which has executed every transaction the capture"
                        + " published: the capture can read on from it, and nothing was reset"
                        + " (--force resets it anyway, and every migration in progress then fails)");
                return Main.REJECTED;
            }
        }
        CaptureOffsets.reset(c, stored);
        spec.commandLine().getOut().println("removed the capture's stored position"
                + position.map(p -> ", " + p.describe()).orElse("") + ": the capture of server "
                + c.topics().serverName() + " begins at the server's current position when it starts next (a"
                + " capture still running begins there at its next retry), and every migration in progress fails");
        return Main.OK;
    }
}
