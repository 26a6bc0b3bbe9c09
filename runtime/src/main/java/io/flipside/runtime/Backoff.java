package io.flipside.runtime;

import java.time.Duration;

/**
 * The wait before the next try of work that was interrupted (MySQL or Kafka gone, the server read-only): it doubles
 * from {@code first} up to {@code max}, and starts again from {@code first} once the work has gone on. The maximum
 * bounds how long work resumes after its cause is gone; the reset keeps an interruption of yesterday from making
 * today's wait the longest.
 */
public final class Backoff {
    private final long firstMillis;
    private final long maxMillis;
    private long nextMillis;

    public Backoff(Duration first, Duration max) {
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("a back-off needs 0 < first <= max, not " + first + " and " + max);
        }
        this.firstMillis = first.toMillis();
        this.maxMillis = max.toMillis();
        this.nextMillis = firstMillis;
    }

    /** The wait before the next try; the one after it is twice as long, up to the maximum. */
    public synchronized long nextMillis() {
        long wait = nextMillis;
        nextMillis = Math.min(nextMillis * 2, maxMillis);
        return wait;
    }

    /** The work went on: the next interruption waits {@code first} again. */
    public synchronized void reset() {
        nextMillis = firstMillis;
    }
}
