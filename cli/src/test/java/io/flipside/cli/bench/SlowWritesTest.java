package io.flipside.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class SlowWritesTest {
    @Test
    void aWriteIsPlacedInTheFreezeItOverlapped() {
        List<BenchReport.Swap> swaps = List.of(new BenchReport.Swap("cut-over", 50, 40.0, 10_000L),
                new BenchReport.Swap("revert", 100, 90.0, 20_000L), new BenchReport.Swap("cut-over", 30, null, null));
        List<BenchReport.SlowWrite> out = FlipsideRun.slowWrites(List.of(
                new long[] {19_950, 200_000}, // 19,950 to 20,150 ms: over the revert's freeze (20,000 to 20,100)
                new long[] {15_000, 700_000}, // 15,000 to 15,700: in no freeze
                new long[] {9_900, 99_000}, // to 9,999, and maybe into the next millisecond: the cut-over's began then
                new long[] {9_800, 98_000}), swaps); // to 9,898 (9,899 at most): before the cut-over's freeze
        assertEquals(1, out.get(0).swap());
        assertEquals(200.0, out.get(0).ms(), 1e-9);
        assertEquals("1970-01-01T00:00:19.950Z", out.get(0).startedAt());
        assertNull(out.get(1).swap());
        assertEquals(0, out.get(2).swap());
        assertNull(out.get(3).swap());
    }
}
