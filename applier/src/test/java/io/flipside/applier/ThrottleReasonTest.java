package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ThrottleReasonTest {
    @Test
    void eachThresholdNamesItsValue() throws Exception {
        assertEquals(Optional.of("apply lag 1500 ms > 1000 ms"), ChunkCopier.throttleReason(1500, 1000, () -> 1, 0));
        assertEquals(Optional.empty(), ChunkCopier.throttleReason(1000, 1000, () -> 1, 0), "at the threshold: goes on");
        assertEquals(Optional.of("Threads_running 9 > 8"), ChunkCopier.throttleReason(0, 1000, () -> 9, 8));
        assertEquals(Optional.empty(), ChunkCopier.throttleReason(0, 1000, () -> 8, 8));
    }

    @Test
    void zeroIsOffAndAnOffThresholdReadsNothing() throws Exception {
        assertEquals(Optional.empty(), ChunkCopier.throttleReason(1_000_000, 0, () -> {
            throw new AssertionError("Threads_running read with its threshold off");
        }, 0));
        assertThrows(java.sql.SQLException.class, () -> ChunkCopier.throttleReason(0, 0, () -> {
            throw new java.sql.SQLException("MySQL went away");
        }, 5), "a failed read is the copy's failure to handle (it reconnects), not a silent go-ahead");
    }
}
