package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The copy's warning while it waits for the start marker tells a capture catching up from a silent one. */
class CaptureProgressTest {
    @Test
    void aCaptureCatchingUpIsToldFromOneThatPublishesNothing() {
        long now = 1_000_000;
        assertEquals("no change read from the changelog yet; is the capture running?",
                Replicator.captureProgress(0, 0, now));
        assertEquals("the capture is catching up: the last change read from the changelog had been committed 8.2 s"
                + " before", Replicator.captureProgress(now - 300, now - 300 - 8_200, now));
        assertEquals("no change read from the changelog for 12.0 s; is the capture running?",
                Replicator.captureProgress(now - 12_000, now - 12_500, now));
        assertEquals("the capture is catching up: the last change read from the changelog had been committed 0.0 s"
                + " before", Replicator.captureProgress(now - 10, now, now), "a server clock ahead of this one");
    }
}
