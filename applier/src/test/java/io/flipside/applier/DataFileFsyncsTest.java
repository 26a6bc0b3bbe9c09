package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DataFileFsyncsTest {
    @Test
    void theRedoLogsFsyncsAreNotCounted() {
        assertEquals(0, DataFileFsyncs.inFlight(Map.of(DataFileFsyncs.ALL, 1L, DataFileFsyncs.REDO_LOG, 1L)));
        assertEquals(1, DataFileFsyncs.inFlight(Map.of(DataFileFsyncs.ALL, 2L, DataFileFsyncs.REDO_LOG, 1L)));
        assertEquals(1, DataFileFsyncs.inFlight(Map.of(DataFileFsyncs.ALL, 1L, DataFileFsyncs.REDO_LOG, 0L)));
    }

    @Test
    void aServerWithoutTheCountersHasNoneInFlight() {
        assertEquals(0, DataFileFsyncs.inFlight(Map.of()));
    }
}
