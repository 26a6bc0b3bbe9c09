package io.flipside.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flipside bench --broker-process}: the broker in a JVM of its own serves a producer and a consumer of this
 * JVM, its CPU is reported under its main class, and it stops when closed.
 */
class BrokerProcessIT {
    @Test
    void aBrokerInAJvmOfItsOwnServesIsProfiledAndStops(@TempDir Path dir) throws Exception {
        BrokerProcess broker = BrokerProcess.start(dir);
        ProcessHandle child = ProcessHandle.of(broker.pid()).orElseThrow();
        assertFalse(ProcessHandle.current().children().noneMatch(p -> p.pid() == broker.pid()),
                "the broker is this JVM's child");
        List<String> read = new ArrayList<>();
        CpuProfile.Result used;
        try (CpuProfile cpu = new CpuProfile(null)) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("broker-it", 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            }
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                    new StringSerializer())) {
                for (int i = 0; i < 2_000; i++) {
                    producer.send(new ProducerRecord<>("broker-it", "key " + i, "value " + i));
                }
                producer.flush();
            }
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                    new StringDeserializer())) {
                TopicPartition tp = new TopicPartition("broker-it", 0);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (read.size() < 2_000 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                        read.add(r.key() + "=" + r.value());
                    }
                }
            }
            used = cpu.stop();
        } finally {
            broker.close();
        }
        assertEquals(2_000, read.size(), "every record produced came back through the child's broker");
        assertEquals("key 1999=value 1999", read.get(1_999));
        Map<String, Double> children = used.childJvms();
        assertTrue(children.getOrDefault("BrokerProcess", 0.0) > 0, "the broker's CPU is reported: " + children);
        assertTrue(CpuProfile.describe(used).contains("of them the bench's other JVMs: BrokerProcess "),
                CpuProfile.describe(used));
        assertFalse(child.isAlive(), "the broker's JVM stopped when closed");
    }
}
