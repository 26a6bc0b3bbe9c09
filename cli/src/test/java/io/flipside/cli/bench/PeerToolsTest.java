package io.flipside.cli.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PeerToolsTest {
    @Test
    void ghOstsAtomicCutOverIsKnownToFailOnMySql8013To8015Only() {
        for (String v : new String[] {"8.0.13", "8.0.15", "8.0.15-log"}) {
            assertTrue(PeerTools.atomicCutOverFails(v), v);
        }
        for (String v : new String[] {"8.0.12", "8.0.16", "8.0.35", "8.4.3", "5.7.44", ""}) {
            assertFalse(PeerTools.atomicCutOverFails(v), v);
        }
    }
}
