package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.capture.CaptureOffsets;
import io.flipside.core.config.FlipsideConfig;
import io.flipside.testkit.EmbeddedKafka;
import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading the capture's offsets before its first start, on a broker that creates topics on demand (Kafka's default):
 * the read finds no position and leaves the topic for Kafka Connect to create, compacted. Created by the read, it
 * would be uncompacted, and Kafka Connect refuses an offsets topic that is not.
 */
class CaptureOffsetsIT {
    @Test
    void readingTheOffsetsBeforeTheFirstStartCreatesNoTopic(@TempDir Path dir) throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        try (EmbeddedKafka kafka = EmbeddedKafka.startCreatingTopicsOnDemand(dir.resolve("kafka"))) {
            FlipsideConfig config = Flipside.isolated(Flipside.get().config, "co", tag)
                    .with("kafka.bootstrap.servers", kafka.bootstrapServers());
            assertTrue(CaptureOffsets.read(config).isEmpty(), "no stored position before the first start");
            try (Admin admin = kafka.admin()) {
                Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                assertFalse(topics.contains(config.topics().captureOffsets()), String.valueOf(topics));
            }
        }
    }
}
