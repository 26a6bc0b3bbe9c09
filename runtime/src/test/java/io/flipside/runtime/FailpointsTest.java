package io.flipside.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FailpointsTest {
    @Test
    void aBoundedPointPausesOnlyItsNumberOfTimes() {
        Failpoints.Point once = Failpoints.parse("copy.chunk:15000:1").get("copy.chunk");
        assertEquals(15000, once.ms());
        assertTrue(once.take());
        assertFalse(once.take());
        assertFalse(once.take(), "stays spent");
    }

    @Test
    void aPointCanLetHitsPassFirst() {
        Failpoints.Point third = Failpoints.parse("copy.chunk:100:1:2").get("copy.chunk");
        assertFalse(third.take());
        assertFalse(third.take());
        assertTrue(third.take(), "the third hit pauses");
        assertFalse(third.take());
    }

    @Test
    void anUnboundedPointAlwaysPauses() {
        Map<String, Failpoints.Point> points = Failpoints.parse("swap.renamed:5000, apply.batch");
        assertEquals(60_000, points.get("apply.batch").ms());
        for (int i = 0; i < 5; i++) {
            assertTrue(points.get("swap.renamed").take());
        }
    }
}
