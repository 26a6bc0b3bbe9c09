package io.flipside.cli;

import io.flipside.core.config.FlipsideConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --config FILE}: the properties file every subcommand but demo and dev needs. */
final class ConfigOption {
    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "Properties file (kafka.bootstrap.servers, mysql.host, mysql.port, mysql.user, mysql.password, ...)")
    Path file;

    FlipsideConfig load() {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("cannot read the configuration file " + file);
        }
        try {
            FlipsideConfig config = FlipsideConfig.load(file);
            Logging.use(config.get(FlipsideConfig.LOG_FORMAT));
            return config;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the configuration file " + file + ": " + e.getMessage());
        }
    }
}
