package io.flipside.cli;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.runtime.AvroCodec;
import io.flipside.runtime.KafkaSetup;
import io.flipside.schema.JournalEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads the whole journal, as an auditor would. */
final class JournalReader {
    private JournalReader() {}

    static List<JournalEvent> all(FlipsideConfig config) {
        AvroCodec<JournalEvent> codec = AvroCodec.of(JournalEvent.class);
        TopicPartition tp = new TopicPartition(config.topics().journal(), 0);
        List<JournalEvent> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(KafkaSetup.consumer(config, "it-journal"))) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(codec.decode(r.value()));
                }
            }
        }
        return out;
    }

    static List<JournalEvent> of(FlipsideConfig config, String migrationId) {
        return all(config).stream().filter(e -> migrationId.equals(e.getMigrationId())).toList();
    }
}
