package io.flipside.cli.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The figures of several rounds ({@code --repeat}) brought together: for each ALTER and scenario, each method's ratio
 * to native COPY (every round's to its own COPY), Flipside's copy alone, and under load the writers' p95 during
 * Flipside against their p95 alone; as medians with their range. On a noisy machine a median of rounds run back to
 * back says more than any one of them.
 */
final class BenchSummary {
    static final String FLIPSIDE_COPY = "flipside-copy";
    static final String WRITERS_P95 = "flipside-writers-p95";

    private BenchSummary() {}

    /** One summary per figure, in the order the scenarios and methods first appear. */
    static List<BenchReport.Summary> of(List<BenchReport.Scenario> results) {
        Map<String, List<BenchReport.Scenario>> byScenario = new LinkedHashMap<>();
        for (BenchReport.Scenario sc : results) {
            byScenario.computeIfAbsent(sc.alterKey() + "/" + sc.scenario(), k -> new ArrayList<>()).add(sc);
        }
        List<BenchReport.Summary> out = new ArrayList<>();
        for (List<BenchReport.Scenario> rounds : byScenario.values()) {
            BenchReport.Scenario first = rounds.get(0);
            Map<String, String> labels = new LinkedHashMap<>();
            for (BenchReport.Scenario sc : rounds) {
                for (BenchReport.Method m : sc.methods()) {
                    labels.putIfAbsent(m.id(), m.label());
                }
            }
            for (Map.Entry<String, String> method : labels.entrySet()) {
                add(out, first, method.getKey(), method.getValue(), rounds, sc -> {
                    BenchReport.Method m = find(sc, method.getKey());
                    return m == null || m.ratioToCopy() == null ? null : new Figure(m.seconds(), m.ratioToCopy());
                });
            }
            add(out, first, FLIPSIDE_COPY, "Flipside copy", rounds, sc -> {
                BenchReport.FlipsideFigures f = sc.flipside();
                return f == null || f.copy() == null || f.copy().ratioToCopy() == null ? null
                        : new Figure(f.copy().ms() / 1000, f.copy().ratioToCopy());
            });
            add(out, first, WRITERS_P95, "writers' p95 during Flipside, to their p95 alone", rounds, sc -> {
                BenchReport.Method m = find(sc, "flipside");
                if (m == null || m.writers() == null || sc.baseline() == null || sc.baseline().p95Ms() <= 0) {
                    return null;
                }
                return new Figure(null, m.writers().p95Ms() / sc.baseline().p95Ms());
            });
        }
        return out;
    }

    /** One round's figure: its time in seconds (null when it is not a time) and its ratio. */
    private record Figure(Double seconds, double ratio) {}

    /** Adds the summary of one figure, read from each round by {@code figure}, or null where the round has none. */
    private static void add(List<BenchReport.Summary> out, BenchReport.Scenario first, String id, String label,
            List<BenchReport.Scenario> rounds, Function<BenchReport.Scenario, Figure> figure) {
        List<Double> seconds = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        for (BenchReport.Scenario sc : rounds) {
            Figure f = figure.apply(sc);
            if (f != null) {
                if (f.seconds() != null) {
                    seconds.add(f.seconds());
                }
                ratios.add(Bench.round(f.ratio(), 4));
            }
        }
        if (ratios.isEmpty()) {
            return;
        }
        out.add(new BenchReport.Summary(first.alterKey(), first.scenario(), id, label, ratios.size(),
                seconds.isEmpty() ? null : Bench.round(median(seconds), 3), Bench.round(median(ratios), 4),
                ratios.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                ratios.stream().mapToDouble(Double::doubleValue).max().orElseThrow(), List.copyOf(ratios)));
    }

    private static BenchReport.Method find(BenchReport.Scenario sc, String id) {
        return sc.methods().stream().filter(m -> m.id().equals(id)).findFirst().orElse(null);
    }

    /** The middle value, or the mean of the two middle values. */
    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
