package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GtidSourcesTest {
    private static final String OLD = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    private static final String PROMOTED = "4f22ab58-82db-22f2-af44-d91bb0530673";

    @Test
    void aChangeReadBeforeIsOneAtOrBelowItsSourcesHighestGtid() {
        GtidSources s = GtidSources.parse(null);
        assertTrue(s.readBefore(OLD + ":5"), "none noted: the coordinates alone decide, as for an earlier build");
        s.add(OLD + ":7");
        s.add(OLD + ":6");
        assertTrue(s.readBefore(OLD + ":7"));
        assertTrue(s.readBefore(OLD + ":1"));
        assertFalse(s.readBefore(OLD + ":8"));
        assertFalse(s.readBefore(PROMOTED + ":1"), "another source's change is new, whatever its coordinates");
        assertTrue(s.readBefore(null), "a change without a GTID: the coordinates decide");
        s.add(PROMOTED + ":3");
        assertTrue(s.readBefore(PROMOTED + ":3"));
        assertFalse(s.readBefore(PROMOTED + ":4"));
    }

    @Test
    void theSourcesAreKeptAsTextAndReadBack() {
        GtidSources s = GtidSources.parse(null);
        assertNull(s.text());
        s.add(OLD + ":7");
        s.add(PROMOTED.toUpperCase() + ":3");
        s.add(OLD + ":tag:2"); // a tagged GTID (MySQL 8.3+) is a source of its own
        GtidSources back = GtidSources.parse(s.text());
        assertEquals(s.text(), back.text());
        assertTrue(back.readBefore(PROMOTED + ":3"));
        assertTrue(back.readBefore(OLD + ":tag:2"));
        assertFalse(back.readBefore(OLD + ":tag:3"));
        assertTrue(back.readBefore(OLD + ":7"));
    }
}
