package io.flipside.cli;

import picocli.CommandLine.Option;

/** Who asks, why, and how long to wait for the answer. */
final class OperatorOptions {
    @Option(names = "--as", paramLabel = "NAME", description = "Operator recorded in the journal (default: the OS user)")
    String operator = System.getProperty("user.name", "unknown");

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why; recorded in the journal")
    String reason;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "How long to wait for the answer (default: ${DEFAULT-VALUE})")
    long timeoutSeconds = 120;
}
