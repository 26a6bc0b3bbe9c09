package io.flipside.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
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
        Map<String, Object> consumer = streams.getMainConsumerConfigs("group", "client", 0);
        assertEquals(6000, consumer.get(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG));
        assertEquals(1000, consumer.get(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG));
        assertNull(consumer.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), "a dynamic member without instance.id");
    }

    @Test
    void withAnInstanceIdTheControllerIsAStaticMemberOfItsGroup() {
        FlipsideConfig config = FlipsideConfig.of(Map.of("kafka.bootstrap.servers", "k:9092", "mysql.host", "db",
                "mysql.user", "u", "mysql.password", "p", "instance.id", "flipside-1",
                "group.session.timeout.ms", "30000"));
        Map<String, Object> consumer = new StreamsConfig(Controller.streamsProperties(config))
                .getMainConsumerConfigs("group", "client", 0);
        assertEquals("flipside-1-0", consumer.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
                "the name with Streams' thread number");
        assertEquals(30000, consumer.get(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG));
        assertEquals(5000, consumer.get(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG));
    }
}
