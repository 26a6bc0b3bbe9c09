package io.flipside.cli.bench;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.runtime.KafkaSetup;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads the changelog's end offset: how many events the capture has published. */
final class ChangelogProbe implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final TopicPartition tp;

    ChangelogProbe(FlipsideConfig config) {
        this.tp = new TopicPartition(config.topics().changelog(), 0);
        this.consumer = new KafkaConsumer<>(KafkaSetup.consumer(config, "flipside-bench-probe"));
        // Assigned (never polled), so that the read_committed end offsets it asks for update a partition it holds:
        // unassigned, the client warns on every call that it cannot record the last stable offset.
        consumer.assign(List.of(tp));
    }

    long end() {
        return consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).getOrDefault(tp, 0L);
    }

    /**
     * Waits until the end offset has not moved for {@code quietMillis} (the capture has published everything the
     * binlog had, when nothing writes), at most {@code maxMillis}. Returns the milliseconds waited.
     */
    long awaitQuiet(long quietMillis, long maxMillis) throws InterruptedException {
        long t0 = System.currentTimeMillis();
        long last = end();
        long stableSince = System.currentTimeMillis();
        while (System.currentTimeMillis() - t0 < maxMillis) {
            Thread.sleep(100);
            long now = end();
            if (now != last) {
                last = now;
                stableSince = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - stableSince >= quietMillis) {
                break;
            }
        }
        return System.currentTimeMillis() - t0;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
