package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import java.time.Duration;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ApplierMetricsTest {
    /** Stands for the Prometheus registry the roles add to the global one. */
    static final SimpleMeterRegistry SCRAPED = new SimpleMeterRegistry();

    @BeforeAll
    static void scraped() {
        Metrics.addRegistry(SCRAPED);
    }

    @AfterAll
    static void done() {
        Metrics.removeRegistry(SCRAPED);
    }

    static Gauge revertReady(String id) {
        return Metrics.globalRegistry.find("flipside.revert.ready").tag("migration", id).gauge();
    }

    @Test
    void aFinishedMigrationsMetersStayWithTheirLastValuesThenGo() throws Exception {
        ApplierMetrics m = new ApplierMetrics("0000aaaa");
        m.revertReady(true);
        m.copied(5);
        m.release(Duration.ofMillis(300));
        assertEquals(1.0, revertReady("0000aaaa").value(), "kept with its last value at first");
        long deadline = System.currentTimeMillis() + 10_000;
        while (revertReady("0000aaaa") != null && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertNull(revertReady("0000aaaa"), "removed after the time kept");
        assertNull(SCRAPED.find("flipside.revert.ready").tag("migration", "0000aaaa").gauge(), "from the scraped one too");
        assertNull(Metrics.globalRegistry.find("flipside.copy.rows").tag("migration", "0000aaaa").counter());
        assertNull(Metrics.globalRegistry.find("flipside.apply.lag").tag("migration", "0000aaaa").timer());
    }

    @Test
    void aWorkerStartedAgainGetsFreshMetersThatTheOldOnesRemovalLeavesAlone() throws Exception {
        ApplierMetrics first = new ApplierMetrics("0000bbbb");
        first.revertReady(true);
        first.copied(7);
        first.release(Duration.ofMillis(200));
        ApplierMetrics second = new ApplierMetrics("0000bbbb");
        assertEquals(0.0, revertReady("0000bbbb").value(), "the new worker's gauge, not the old one's");
        assertEquals(0.0, Metrics.globalRegistry.find("flipside.copy.rows").tag("migration", "0000bbbb").counter()
                .count());
        second.revertReady(true);
        Thread.sleep(600);
        assertNotNull(revertReady("0000bbbb"), "the first worker's delayed removal did not take the second's meters");
        assertEquals(1.0, revertReady("0000bbbb").value());
    }
}
