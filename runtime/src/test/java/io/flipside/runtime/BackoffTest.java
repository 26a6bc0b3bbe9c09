package io.flipside.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void theWaitDoublesUpToItsMaximumAndStartsAgainOnceTheWorkWentOn() {
        Backoff b = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(5));
        assertEquals(List.of(500L, 1000L, 2000L, 4000L, 5000L, 5000L),
                Stream.generate(b::nextMillis).limit(6).toList());
        b.reset();
        assertEquals(List.of(500L, 1000L), Stream.generate(b::nextMillis).limit(2).toList());
    }

    @Test
    void aBackoffThatCouldNeverWaitOrWouldShrinkIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }
}
