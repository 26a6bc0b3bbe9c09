package io.flipside.applier;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.testkit.EmbeddedMySql;
import java.util.Map;

/** Configurations for tests that use the applier's MySQL side only (no Kafka is reached). */
final class TestConfigs {
    private TestConfigs() {}

    /** The embedded MySQL's address and user, with its sidecar in {@code sidecarDatabase}. */
    static FlipsideConfig mysqlOnly(EmbeddedMySql mysql, String sidecarDatabase) {
        return FlipsideConfig.of(Map.of("kafka.bootstrap.servers", "unused:9092", "mysql.host", mysql.host(),
                "mysql.port", String.valueOf(mysql.port()), "mysql.user", mysql.user(), "mysql.password",
                mysql.password(), "sidecar.database", sidecarDatabase));
    }
}
