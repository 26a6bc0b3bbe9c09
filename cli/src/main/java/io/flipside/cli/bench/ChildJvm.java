package io.flipside.cli.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A JVM the bench starts beside its own: this JVM's Java and class path, with options and a main class of its own. */
public final class ChildJvm {
    private ChildJvm() {}

    /** The process of {@code java OPTIONS -cp CLASSPATH MAIN ARGS}, not yet started. */
    static ProcessBuilder builder(List<String> jvmOptions, Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    /**
     * The simple name of the Flipside main class a process's command line runs, or empty when it runs none. Read from
     * /proc: {@code ProcessHandle.Info} gives no arguments when the command line is over 4 KB, as a class path is.
     */
    public static java.util.Optional<String> mainClass(long pid) {
        for (String a : commandLine(pid)) {
            if (a.startsWith("io.flipside.") && !a.contains("/") && !a.contains(":")) {
                return java.util.Optional.of(a.substring(a.lastIndexOf('.') + 1));
            }
        }
        return java.util.Optional.empty();
    }

    /** A process's command line, one argument an element, from /proc; empty when it ended or there is no /proc. */
    static List<String> commandLine(long pid) {
        try {
            return List.of(new String(java.nio.file.Files.readAllBytes(Path.of("/proc", Long.toString(pid),
                    "cmdline")), java.nio.charset.StandardCharsets.UTF_8).split("\0"));
        } catch (java.io.IOException | RuntimeException e) {
            return List.of();
        }
    }
}
