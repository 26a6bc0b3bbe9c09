package io.flipside.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code flipside} binary. Exit codes: 0 done or accepted; 2 rejected (the reason is on stderr); 1 anything else
 * (bad arguments or configuration, Kafka or MySQL unreachable, no answer in time).
 */
@Command(name = "flipside", mixinStandardHelpOptions = true, version = "flipside 0.1.0",
        description = "Online, revertible schema changes for MySQL 8, on Apache Kafka.",
        subcommands = {RunCommand.class, DevCommand.class, DemoCommand.class, BenchCommand.class, SubmitCommand.class, StatusCommand.class,
            AuditCommand.class, ReplayCommand.class, CaptureResetCommand.class})
public final class Main implements Runnable {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int REJECTED = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }

    public static void main(String[] args) {
        // The binlog client logs through java.util.logging: route it to slf4j like everything else.
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        return execute(null, null, args);
    }

    /** Runs a command with its output going to {@code out} and {@code err} (null: the process's streams). */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        for (ActionCommand.Kind kind : ActionCommand.Kind.values()) {
            cl.addSubcommand(kind.command, ActionCommand.subcommand(kind));
        }
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("flipside: " + ex.getMessage() + " (see: flipside " + c.getCommandName().replace("flipside", "").trim()
                    + " --help)");
            return FAILED;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            c.getErr().println("flipside: " + oneLine(ex));
            return FAILED;
        });
        if (out != null) {
            cl.setOut(out);
        }
        if (err != null) {
            cl.setErr(err);
        }
        try {
            return cl.execute(args);
        } finally {
            // picocli's writers flush on println only; System.exit would drop a final print.
            cl.getOut().flush();
            cl.getErr().flush();
        }
    }

    static String oneLine(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root
                && (root.getMessage() == null || root instanceof java.util.concurrent.ExecutionException)) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return m.replace('\n', ' ');
    }
}
