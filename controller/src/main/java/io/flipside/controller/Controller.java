package io.flipside.controller;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.runtime.KafkaSetup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The controller role: the {@link ControllerTopology} run by Kafka Streams with exactly-once processing. */
public final class Controller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);

    private final KafkaStreams streams;
    private final CountDownLatch running = new CountDownLatch(1);

    public Controller(FlipsideConfig config) {
        KafkaSetup.ensureControlTopics(config);
        Properties p = streamsProperties(config);
        this.streams = new KafkaStreams(ControllerTopology.build(config.topics(),
                Duration.ofSeconds(config.get(FlipsideConfig.RETENTION_SECONDS)), p), p);
        streams.setStateListener((now, before) -> {
            LOG.info("controller {} -> {}", before, now);
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("controller stream thread failed; replacing it", e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
                    .REPLACE_THREAD;
        });
    }

    /** The Kafka Streams settings of the controller. */
    static Properties streamsProperties(FlipsideConfig config) {
        Properties p = KafkaSetup.common(config);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.topics().controllerApplicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 50);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, -1);
        String dir = config.get(FlipsideConfig.STREAMS_STATE_DIR);
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.isEmpty()
                ? Path.of(System.getProperty("java.io.tmpdir"), "flipside-streams-" + config.topics().prefix()).toString()
                : dir);
        p.put(StreamsConfig.consumerPrefix("fetch.max.wait.ms"), 50);
        // A controller that died hands its task over after group.session.timeout.ms (6 s), not Kafka's default 45 s;
        // with instance.id, one started again under the same name takes it back at once (Streams adds "-<thread>").
        KafkaSetup.groupMembership(config).forEach((k, v) -> p.put(StreamsConfig.consumerPrefix(k), v));
        // Kafka Streams 5.0's default, taken now: the topology has no global store for it to change, and without it
        // Streams 4.x warns at every start that it is off.
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        // And for the copy of the settings Streams 4.3 makes for its partition assignor from the main consumer's
        // settings, which leave this key out: without it, that copy warns at every start as above.
        p.put(StreamsConfig.mainConsumerPrefix(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG), true);
        return p;
    }

    public Controller start() {
        streams.start();
        return this;
    }

    /** Why the controller is not ready (its Kafka Streams state when it is not RUNNING), or empty. */
    public java.util.Optional<String> notReady() {
        KafkaStreams.State s = streams.state();
        return s == KafkaStreams.State.RUNNING ? java.util.Optional.empty()
                : java.util.Optional.of("Kafka Streams is " + s);
    }

    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        // Leaves the group even as a static member: another controller takes the task over at once.
        streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }
}
