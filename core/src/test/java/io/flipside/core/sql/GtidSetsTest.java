package io.flipside.core.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class GtidSetsTest {
    static final String A = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    static final String B = "5a2c1f00-0000-11e1-9e33-c80aa9429562";

    @Test
    void numbersBecomeRangesPerSource() {
        assertEquals(A + ":1-3:7:9-10," + B + ":5",
                GtidSets.of(List.of(A + ":7", B + ":5", A + ":2", A + ":1", A + ":3", A + ":10", A + ":9", A + ":2")));
    }

    @Test
    void oneGtidAndNone() {
        assertEquals(A + ":42", GtidSets.of(List.of(A + ":42")));
        assertEquals("", GtidSets.of(List.of()));
    }

    @Test
    void aTaggedSourceKeepsItsTag() {
        assertEquals(A + ":tag:4-5", GtidSets.of(List.of(A + ":tag:5", A + ":tag:4")));
    }

    @Test
    void textThatIsNotAGtidIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> GtidSets.of(List.of(A)));
        assertThrows(IllegalArgumentException.class, () -> GtidSets.of(List.of(A + ":x")));
        assertThrows(IllegalArgumentException.class, () -> GtidSets.of(List.of(A + ":0")));
    }
}
