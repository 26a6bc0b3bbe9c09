package io.flipside.cli.bench;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeapWatchTest {
    private static final int MB = 1024 * 1024;

    @Test
    void thePeakCountsGarbageInUseWhenACollectionBeganAndAfterAGcOnlyWhatStayed() throws InterruptedException {
        List<byte[]> garbage = new ArrayList<>();
        byte[] kept;
        double peak;
        Double afterGc;
        try (HeapWatch heap = new HeapWatch()) {
            for (int i = 0; i < 4; i++) {
                garbage.add(new byte[16 * MB]);
            }
            kept = new byte[16 * MB];
            garbage.clear();
            System.gc();
            // the collector's notification arrives on a thread of its own
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (heap.maxAfterGcMb() == null && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            peak = heap.peakMb();
            afterGc = heap.maxAfterGcMb();
        }
        assertNotNull(afterGc, "no collection was notified");
        assertTrue(peak >= 64 + 16, "the garbage and the kept array were in use when the collection began: " + peak);
        assertTrue(afterGc >= 16 && afterGc < peak - 48, "after the collection only the kept array stayed: " + afterGc
                + " of " + peak);
        assertTrue(peak <= Runtime.getRuntime().maxMemory() / (double) MB, "more than the heap can hold: " + peak);
        Reference.reachabilityFence(kept);
    }
}
