package io.flipside.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LogThrottleTest {
    @Test
    void oneLineAKeyPerIntervalWithTheCountHeldBack() {
        LogThrottle t = new LogThrottle(60_000);
        assertEquals(0, t.admit("app.t", 1_000), "the first line goes through");
        assertEquals(-1, t.admit("app.t", 2_000));
        assertEquals(-1, t.admit("app.t", 60_999));
        assertEquals(0, t.admit("app.other", 3_000), "each key has its own interval");
        assertEquals(2, t.admit("app.t", 61_000), "the next line, with the two held back");
        assertEquals(-1, t.admit("app.t", 61_001));
        assertEquals(1, t.admit("app.t", 200_000));
        assertEquals(0, t.admit("app.t", 300_000), "none held back since");
    }
}
