package io.flipside.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchSummaryTest {
    private static BenchReport.Writers writers(double p95) {
        return new BenchReport.Writers(10, 5000, 0, 500, 2, p95, p95 * 2, p95 * 3);
    }

    private static BenchReport.Method method(String id, Double seconds, double copy, BenchReport.Writers w) {
        return new BenchReport.Method(id, id + " label", seconds, seconds == null ? null : seconds / copy,
                seconds == null ? "did not finish" : null, w, null, null);
    }

    private static BenchReport.Scenario round(int n, double copy, Double flipside, double baselineP95,
            double flipsideP95) {
        return new BenchReport.Scenario("add", "ADD COLUMN extra VARCHAR(32) NULL", "load", n, copy,
                writers(baselineP95), List.of(method("copy", copy, copy, writers(1000)),
                        method("flipside", flipside, copy, writers(flipsideP95))), null);
    }

    @Test
    void ratiosAreTakenToEachRoundsOwnCopyAndSummedUpAsMedianAndRange() {
        List<BenchReport.Summary> s = BenchSummary.of(List.of(round(1, 10, 30.0, 5, 10), round(2, 20, 30.0, 4, 12),
                round(3, 10, 15.0, 5, 15)));
        assertEquals(List.of("copy", "flipside", BenchSummary.WRITERS_P95), s.stream().map(x -> x.id()).toList());
        BenchReport.Summary copy = s.get(0);
        assertEquals(3, copy.rounds());
        assertEquals(1.0, copy.medianRatio(), 1e-9);
        assertEquals(10.0, copy.medianSeconds(), 1e-9);

        BenchReport.Summary flipside = s.get(1);
        assertEquals(List.of(3.0, 1.5, 1.5), flipside.ratios(), "each round's time over its own COPY");
        assertEquals(1.5, flipside.medianRatio(), 1e-9);
        assertEquals(1.5, flipside.minRatio(), 1e-9);
        assertEquals(3.0, flipside.maxRatio(), 1e-9);
        assertEquals(30.0, flipside.medianSeconds(), 1e-9);

        BenchReport.Summary p95 = s.get(2);
        assertEquals(List.of(2.0, 3.0, 3.0), p95.ratios(), "the writers' p95 over their p95 alone, per round");
        assertEquals(3.0, p95.medianRatio(), 1e-9);
        assertNull(p95.medianSeconds(), "a ratio of latencies, not a time");
    }

    @Test
    void aRoundWithoutATimeIsLeftOutAndAnEvenCountTakesTheMeanOfTheMiddleTwo() {
        List<BenchReport.Summary> s = BenchSummary.of(List.of(round(1, 10, 20.0, 5, 10), round(2, 10, null, 5, 10),
                round(3, 10, 16.0, 5, 10)));
        BenchReport.Summary flipside = s.stream().filter(x -> x.id().equals("flipside")).findFirst().orElseThrow();
        assertEquals(2, flipside.rounds());
        assertEquals(1.8, flipside.medianRatio(), 1e-9);
        assertEquals(18.0, flipside.medianSeconds(), 1e-9);
    }
}
