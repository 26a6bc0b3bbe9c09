package io.flipside.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** The controller's Kafka Streams settings, as Kafka Streams reads them. */
class ControllerTest {
    @Test
    void streamsReadsTheControllersSettings() {
        FlipsideConfig config = FlipsideConfig.of(Map.of("kafka.bootstrap.servers", "k:9092", "mysql.host", "db",
                "mysql.user", "u", "mysql.password", "p"));
        StreamsConfig streams = new StreamsConfig(Controller.streamsProperties(config));
        assertEquals(StreamsConfig.EXACTLY_ONCE_V2, streams.getString(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals(config.topics().controllerApplicationId(), streams.getString(StreamsConfig.APPLICATION_ID_CONFIG));
        assertEquals(1, streams.getInt(StreamsConfig.NUM_STREAM_THREADS_CONFIG));
        assertTrue(streams.getBoolean(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG),
                "Streams 5.0's default (Streams 4.x warns at every start while it is off)");
        assertEquals(true, streams.getMainConsumerConfigs("group", "client", 0)
                .get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG),
                "also in the main consumer's settings, which Streams' partition assignor reads its own from");
    }
}
