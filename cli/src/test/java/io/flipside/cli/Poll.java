package io.flipside.cli;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Waits for replication to converge: polls a comparison until it reports no difference, or the time is up. */
final class Poll {
    private Poll() {}

    /** "" as soon as {@code difference} returns "", else its last answer when {@code timeout} has passed. */
    static String untilNoDifference(Callable<String> difference, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String diff = difference.call();
        while (!diff.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(300);
            diff = difference.call();
        }
        return diff;
    }
}
