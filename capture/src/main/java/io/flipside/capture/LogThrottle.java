package io.flipside.capture;

import java.util.HashMap;
import java.util.Map;

/**
 * Lets one log line a key through per interval and counts the ones it holds back, so that a burst of the same event
 * (an UPDATE of a million rows, each change too large for the changelog) is one line a minute, not one a row. Not
 * thread-safe: one thread uses it.
 */
final class LogThrottle {
    private final long intervalMillis;
    private final Map<String, long[]> byKey = new HashMap<>();

    LogThrottle(long intervalMillis) {
        this.intervalMillis = intervalMillis;
    }

    /**
     * Whether a line about {@code key} may be logged at {@code nowMillis}: -1 when not (it is counted), else how many
     * were held back since the last one logged.
     */
    long admit(String key, long nowMillis) {
        long[] state = byKey.get(key);
        if (state == null) {
            byKey.put(key, new long[] {nowMillis, 0});
            return 0;
        }
        if (nowMillis - state[0] < intervalMillis) {
            state[1]++;
            return -1;
        }
        long held = state[1];
        state[0] = nowMillis;
        state[1] = 0;
        return held;
    }
}
