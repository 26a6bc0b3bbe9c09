package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flipside bench} with tiny sizes, against the shared test stack ({@code --config}): the report is complete and
 * consistent. It asserts no speed: speed is measured by the benchmark, not by timed tests.
 */
class BenchIT {
    static final int ROWS = 5_000;
    static final List<String> METHODS = List.of("copy", "inplace", "instant", "raw", "raw-late-index", "pt-osc",
            "gh-ost", "flipside");

    @Test
    void aSmallRunReportsEveryMethodWithATimeOrAReason(@TempDir Path dir) throws Exception {
        Flipside f = Flipside.get();
        Path json = dir.resolve("bench.json");
        Flipside.Run run = f.cli("bench", "--rows", String.valueOf(ROWS), "--rate", "100", "--writers", "4",
                "--alters", "add", "--scenarios", "idle,load", "--baseline-seconds", "3", "--burst-rows", "2000",
                "--timeout", "120", "--database", "bench_it", "--hold-ready-seconds", "3", "--swap-cycles", "1",
                "--stream-events-per-second", "2000", "--stream-seconds", "3", "--stream-connections", "2", "--json",
                json.toString());
        System.out.println(run.out());
        assertEquals(0, run.exit(), "exit code; stderr: " + run.err());
        assertTrue(run.out().contains("x COPY"), "the table is printed");
        assertTrue(run.out().contains("steady stream of row events"), "the stream is printed");
        assertTrue(run.out().contains("(UPDATEs of 20 rows on 2 connections)"), "with its connections");
        assertTrue(run.out().matches("(?s).*redo log [1-9][0-9]* MB.*"), "the server's redo log capacity is printed");

        JsonNode r = new ObjectMapper().readTree(json.toFile());
        JsonNode machine = r.get("machine");
        assertTrue(machine.get("cores").asInt() > 0);
        assertTrue(machine.get("mysqlVersion").asText().startsWith("8."), machine.toString());
        assertFalse(machine.get("jvm").asText().isEmpty());
        assertEquals(0, r.get("errors").size(), r.get("errors").toString());

        JsonNode results = r.get("results");
        assertEquals(2, results.size());
        assertEquals(List.of("idle", "load"), List.of(results.get(0).get("scenario").asText(),
                results.get(1).get("scenario").asText()));
        for (JsonNode sc : results) {
            String where = sc.get("alter").asText() + ", " + sc.get("scenario").asText();
            boolean load = sc.get("scenario").asText().equals("load");
            assertEquals("ADD COLUMN extra VARCHAR(32) NULL", sc.get("alter").asText());
            double copy = sc.get("nativeCopySeconds").asDouble();
            assertTrue(copy > 0, where + ": native COPY has a time");

            List<String> ids = new ArrayList<>();
            for (JsonNode m : sc.get("methods")) {
                String id = m.get("id").asText();
                ids.add(id);
                boolean timed = !m.get("seconds").isNull();
                boolean reasoned = !m.get("reason").isNull() && !m.get("reason").asText().isBlank();
                assertTrue(timed != reasoned, where + ", " + id + ": a time or a stated reason, not both: " + m);
                if (timed) {
                    double s = m.get("seconds").asDouble();
                    assertTrue(s > 0, where + ", " + id);
                    // seconds are rounded to the millisecond, the ratio is of the unrounded times: at most 0.5 ms
                    // over the COPY's time apart (tens of milliseconds at these sizes), plus the ratio's rounding
                    assertEquals(s / copy, m.get("ratioToCopy").asDouble(), 0.0005 / copy + 1e-4,
                            where + ", " + id + ": the ratio is to native COPY of the same scenario");
                    if (load) {
                        JsonNode w = m.get("writers");
                        assertNotNull(w, where + ", " + id + ": the writers' view");
                        // gh-ost's two-step cut-over (on MySQL 8.0.13-8.0.15) fails the writes between its renames,
                        // and the report says so.
                        boolean twoStep = m.get("note").asText("").contains("--cut-over=two-step");
                        assertTrue(twoStep || w.get("failed").asLong() == 0, where + ", " + id + ": no write failed: "
                                + w);
                    }
                }
            }
            assertEquals(METHODS, ids, where + ": every method, in order");
            assertEquals(1.0, sc.get("methods").get(0).get("ratioToCopy").asDouble(), 1e-9);
            JsonNode flipside = sc.get("methods").get(METHODS.indexOf("flipside"));
            assertFalse(flipside.get("seconds").isNull(), where + ": Flipside cut over: " + flipside);

            JsonNode fl = sc.get("flipside");
            assertEquals("COMPLETED", fl.get("outcome").asText(), where + ": " + fl);
            long rows = fl.get("rowsCopied").asLong();
            if (load) {
                assertTrue(Math.abs(rows - ROWS) <= ROWS / 20, where + ": rows copied " + rows);
            } else {
                assertEquals(ROWS, rows, where + ": rows copied");
            }
            assertTrue(fl.get("copyRowsPerSecond").asDouble() > 0);
            for (String t : List.of("migration", "migrationByFlipside", "copy", "deferredIndexes", "cutOverFreeze",
                    "revertFreeze",
                    "revertToOldSchemaServing", "revertToReverted", "complete")) {
                JsonNode time = fl.get(t);
                assertTrue(time != null && !time.isNull(), where + ": Flipside's " + t);
                assertTrue(time.get("ms").asDouble() > 0, where + ": Flipside's " + t + " > 0 ms");
                assertEquals(time.get("ms").asDouble() / 1000 / copy, time.get("ratioToCopy").asDouble(),
                        0.005 + 0.001 * time.get("ms").asDouble() / 1000 / copy, where + ": ratio of " + t);
            }
            assertTrue(fl.get("revertToOldSchemaServing").get("ms").asDouble()
                    <= fl.get("revertToReverted").get("ms").asDouble() + 50, where + ": serving before REVERTED is seen");
            // The first cut-over and revert, then one more of each (--swap-cycles 1), each checked at its freeze point.
            JsonNode sums = fl.get("checksums");
            JsonNode swaps = fl.get("swaps");
            assertEquals(4, sums.size(), where + ": " + sums);
            assertEquals(4, swaps.size(), where + ": " + swaps);
            for (int i = 0; i < 4; i++) {
                boolean cut = i % 2 == 0;
                assertTrue(sums.get(i).asText().startsWith(cut ? "CUT_OVER: matched" : "REVERT: matched"),
                        where + ": " + sums);
                assertEquals(cut ? "cut-over" : "revert", swaps.get(i).get("kind").asText(), where + ": " + swaps);
                assertTrue(swaps.get(i).get("heldMs").asLong() > 0, where + ": " + swaps);
                assertEquals(load, !swaps.get(i).get("seenMs").isNull(), where + ": the writers' view: " + swaps);
            }
            assertEquals(fl.get("cutOverFreeze").get("ms").asDouble(), swaps.get(0).get("heldMs").asDouble(), 1e-9);
            assertEquals(fl.get("revertFreeze").get("ms").asDouble(), swaps.get(1).get("heldMs").asDouble(), 1e-9);
            JsonNode freezes = fl.get("freezes");
            assertEquals(4, freezes.get("swaps").asInt(), where + ": " + freezes);
            long maxHeld = 0;
            for (JsonNode x : swaps) {
                maxHeld = Math.max(maxHeld, x.get("heldMs").asLong());
            }
            assertEquals(maxHeld, freezes.get("heldMaxMs").asDouble(), 1e-9, where + ": " + freezes);
            assertTrue(freezes.get("heldP50Ms").asDouble() <= freezes.get("heldP99Ms").asDouble()
                    && freezes.get("heldP99Ms").asDouble() <= maxHeld, where + ": " + freezes);
            assertEquals(load, !fl.get("writersDuringSwaps").isNull(), where + ": " + fl.get("writersDuringSwaps"));
            assertTrue(fl.get("peakHeapMb").asDouble() > 0);
            JsonNode burst = fl.get("burst");
            long burstEvents = burst.get("events").asLong();
            assertTrue(burstEvents > 1800 && burstEvents <= 2000, where + ": burst of one UPDATE of ids 1..2000 (the"
                    + " writers deleted a few): " + burst);
            assertTrue(burst.get("eventsPerSecond").asDouble() > 0, where + ": burst " + burst);
            assertTrue(burst.get("updateSeconds").asDouble() > 0, where + ": MySQL's own time for the UPDATE: " + burst);
            if (!burst.get("drainEvents").isNull()) { // timed only when the capture finished well before the apply
                assertTrue(burst.get("drainEvents").asLong() <= burstEvents && burst.get("drainPerSecond").asDouble() > 0,
                        where + ": the backlog applied after the capture was done: " + burst);
            }
            JsonNode stream = fl.get("stream");
            assertEquals(2000, stream.get("askedPerSecond").asInt(), where + ": " + stream);
            assertEquals(2, stream.get("connections").asInt(), where + ": " + stream);
            assertEquals(20, stream.get("rowsPerStatement").asInt(),
                    where + ": 1,000 rows a second from each connection, 50 UPDATEs a second: " + stream);
            assertTrue(stream.get("events").asLong() > 0 && stream.get("events").asLong() <= 3 * 2000 + 2 * 20,
                    where + ": at most the pace's events in 3 s: " + stream);
            assertEquals(stream.get("events").asLong() / 3.0, stream.get("madePerSecond").asDouble(),
                    stream.get("madePerSecond").asDouble() * 0.1, where + ": " + stream);
            assertTrue(stream.get("appliedPerSecond").asDouble() > 0 && !stream.get("tailSeconds").isNull()
                    && stream.get("maxBacklog").asLong() >= 0, where + ": all applied: " + stream);
            assertTrue(stream.get("cpu").get("wallSeconds").asDouble() >= 3, where + ": " + stream);
            JsonNode mysqldThreads = stream.get("cpu").get("mysqldThreads");
            assertTrue(mysqldThreads.has("client connections (statements)"), where + ": the stream's UPDATEs are"
                    + " mysqld's client connections' CPU: " + mysqldThreads);
            double threadSum = 0;
            for (JsonNode v : mysqldThreads) {
                threadSum += v.asDouble();
            }
            // Each figure is rounded to 0.01 CPU-s, so their sum may exceed the total by half of that per figure.
            assertTrue(threadSum <= stream.get("cpu").get("mysqld").asDouble() + 0.05 + 0.005 * mysqldThreads.size(),
                    where + ": mysqld's threads add up to no more than mysqld: " + stream.get("cpu"));
            if (load) {
                JsonNode base = sc.get("baseline");
                assertTrue(base.get("writes").asLong() > 0, where + ": baseline " + base);
                assertEquals(0, base.get("failed").asLong());
                assertTrue(fl.get("applyEvents").asLong() > 0, where + ": changes were applied");
                assertFalse(fl.get("applyLagP99Ms").isNull(), where + ": apply lag");
                // The longest write in flight while writes were held: 0 when none was (a short freeze at 100
                // writes/s), never longer than the longest write of the whole run (the figure is rounded to 0.1).
                double longest = fl.get("writersThroughRevert").get("maxMs").asDouble();
                for (String freeze : List.of("cutOverFreezeSeenByWriters", "revertFreezeSeenByWriters")) {
                    double seen = fl.get(freeze).get("ms").asDouble();
                    assertTrue(seen >= 0 && seen <= longest + 0.05, where + ": " + freeze + " " + seen + " ms, the longest"
                            + " write " + longest + " ms");
                }
                assertEquals(0, fl.get("writersThroughRevert").get("failed").asLong(), where + ": no write failed");
                assertTrue(fl.get("writersThroughRevert").get("writes").asLong() > 0);
                JsonNode ready = fl.get("writersWhileReady");
                long readyWrites = ready.get("writes").asLong();
                assertTrue(readyWrites >= 150 && readyWrites <= 450, where + ": 3 s held in READY at 100 writes/s: "
                        + ready);
                assertEquals(0, ready.get("failed").asLong(), where);
                assertEquals(0, fl.get("writersDuringSwaps").get("failed").asLong(), where + ": no write failed");
                JsonNode slow = fl.get("slowestWritesDuringSwaps");
                assertTrue(slow.size() >= 1 && slow.size() <= 5, where + ": the longest writes of the cycles " + slow);
                assertEquals(fl.get("writersDuringSwaps").get("maxMs").asDouble(), slow.get(0).get("ms").asDouble(),
                        1e-9, where + ": the longest of them is the cycles' longest write: " + slow);
                for (int i = 0; i < slow.size(); i++) {
                    java.time.Instant.parse(slow.get(i).get("startedAt").asText());
                    assertTrue(i == 0 || slow.get(i).get("ms").asDouble() <= slow.get(i - 1).get("ms").asDouble(),
                            where + ": longest first: " + slow);
                    JsonNode swap = slow.get(i).get("swap");
                    assertTrue(swap.isNull() || swap.asInt() >= 0 && swap.asInt() < swaps.size(), where + ": " + slow);
                }
            } else {
                assertTrue(fl.get("slowestWritesDuringSwaps").isNull(), where + ": no writers");
                assertTrue(sc.get("baseline").isNull());
                assertTrue(fl.get("writersWhileReady").isNull(), where + ": no hold without writers");
            }
        }
        JsonNode summary = r.get("summary");
        for (JsonNode sc : results) {
            for (JsonNode m : sc.get("methods")) {
                if (!m.get("seconds").isNull()) {
                    JsonNode x = summaryOf(summary, "add", sc.get("scenario").asText(), m.get("id").asText());
                    assertEquals(1, x.get("rounds").asInt(), x.toString());
                    assertEquals(m.get("ratioToCopy").asDouble(), x.get("medianRatio").asDouble(), 1e-3,
                            "one round: the median is that round's ratio: " + x);
                }
            }
            assertTrue(summaryOf(summary, "add", sc.get("scenario").asText(), "flipside-copy").get("medianRatio")
                    .asDouble() > 0);
        }
        JsonNode p95 = summaryOf(summary, "add", "load", "flipside-writers-p95");
        JsonNode load = results.get(1);
        assertEquals(load.get("methods").get(METHODS.indexOf("flipside")).get("writers").get("p95Ms").asDouble()
                / load.get("baseline").get("p95Ms").asDouble(), p95.get("medianRatio").asDouble(), 1e-3, p95.toString());
    }

    @Test
    void roundsAreMeasuredAndSummedUpAsMedians(@TempDir Path dir) throws Exception {
        Flipside f = Flipside.get();
        Path json = dir.resolve("bench.json");
        Flipside.Run run = f.cli("bench", "--rows", "2000", "--alters", "drop", "--scenarios", "idle", "--methods",
                "copy,flipside", "--repeat", "2", "--burst-rows", "0", "--warmup-rows", "0", "--timeout", "120",
                "--database", "bench_it_rounds", "--json", json.toString());
        assertEquals(0, run.exit(), "exit code; stderr: " + run.err());
        assertTrue(run.out().contains("medians over 2 rounds"), run.out());
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        assertEquals(0, r.get("errors").size(), r.get("errors").toString());
        JsonNode results = r.get("results");
        assertEquals(2, results.size());
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            assertEquals(i + 1, results.get(i).get("round").asInt());
            ratios.add(results.get(i).get("methods").get(1).get("ratioToCopy").asDouble());
        }
        JsonNode x = summaryOf(r.get("summary"), "drop", "idle", "flipside");
        assertEquals(2, x.get("rounds").asInt());
        assertEquals((ratios.get(0) + ratios.get(1)) / 2, x.get("medianRatio").asDouble(), 1e-3, x.toString());
        assertEquals(Math.min(ratios.get(0), ratios.get(1)), x.get("minRatio").asDouble(), 1e-3);
        assertEquals(Math.max(ratios.get(0), ratios.get(1)), x.get("maxRatio").asDouble(), 1e-3);
        assertEquals(2, r.get("settings").get("repeat").asInt());
        Flipside.Run refused = f.cli("bench", "--repeat", "0");
        assertTrue(refused.exit() != 0 && refused.err().contains("--repeat must be at least 1"), refused.toString());
        Flipside.Run stream = f.cli("bench", "--stream-seconds", "0");
        assertTrue(stream.exit() != 0 && stream.err().contains("--stream-seconds must be at least 1"),
                stream.toString());
        Flipside.Run cycles = f.cli("bench", "--swap-cycles", "-1");
        assertTrue(cycles.exit() != 0 && cycles.err().contains("--swap-cycles must be 0 or more"), cycles.toString());
        Flipside.Run option = f.cli("bench", "--mysqld-option=--innodb-log-file-size=512M");
        assertTrue(option.exit() != 0 && option.err().contains("--mysqld-option applies to the embedded MySQL only"),
                option.toString());
        Flipside.Run broker = f.cli("bench", "--broker-process");
        assertTrue(broker.exit() != 0 && broker.err().contains("--broker-process applies to the embedded stack only"),
                broker.toString());
        Flipside.Run priority = f.cli("bench", "--copy-priority", "19");
        assertTrue(priority.exit() != 0
                && priority.err().contains("--copy-priority applies to the embedded MySQL only"), priority.toString());
        Flipside.Run outOfRange = f.cli("bench", "--copy-priority", "20");
        assertTrue(outOfRange.exit() != 0 && outOfRange.err().contains("0 (the usual) to 19 (the lowest); got 20"),
                outOfRange.toString());
        Flipside.Run cpus = f.cli("bench", "--copy-cpus", "1");
        assertTrue(cpus.exit() != 0 && cpus.err().contains("--copy-cpus applies to the embedded MySQL only"),
                cpus.toString());
        Flipside.Run notCpus = f.cli("bench", "--copy-cpus", "1 THREAD_PRIORITY = -20");
        assertTrue(notCpus.exit() != 0 && notCpus.err().contains("CPU numbers and ranges separated by commas"),
                notCpus.toString());
    }

    @Test
    void writersInAProcessOfTheirOwnAreMeasuredAsThreadsAre(@TempDir Path dir) throws Exception {
        Flipside f = Flipside.get();
        Path json = dir.resolve("bench.json");
        Flipside.Run run = f.cli("bench", "--rows", "2000", "--rate", "200", "--writers", "3", "--alters", "add",
                "--scenarios", "load", "--methods", "copy", "--baseline-seconds", "2", "--writers-process",
                "--database", "bench_it_process", "--json", json.toString());
        assertEquals(0, run.exit(), "exit code; stderr: " + run.err());
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        assertEquals(0, r.get("errors").size(), r.get("errors").toString());
        assertTrue(r.get("settings").get("writersProcess").asBoolean(), r.get("settings").toString());
        assertTrue(r.get("notes").toString().contains("3 writer threads in a JVM of their own"), r.get("notes")
                .toString());
        JsonNode sc = r.get("results").get(0);
        JsonNode base = sc.get("baseline");
        // 2 s at 200 writes/s: the writes reached the bench from the child, each with its time. At least half a
        // second's worth (a fresh CI clone on a busy machine once saw 195, the child JVM starting while measured); at
        // most 600: writers that fell behind catch up by at most a second's worth.
        assertTrue(base.get("writes").asLong() >= 100 && base.get("writes").asLong() <= 600, base.toString());
        assertEquals(0, base.get("failed").asLong(), base.toString());
        assertTrue(base.get("p50Ms").asDouble() > 0 && base.get("p50Ms").asDouble() <= base.get("maxMs").asDouble(),
                base.toString());
        JsonNode copy = sc.get("methods").get(0).get("writers");
        assertTrue(copy.get("writes").asLong() > 0 && copy.get("failed").asLong() == 0, copy.toString());
        assertTrue(childJvms("WriteLoad").isEmpty(), "the writers' process ended with the run");
    }

    /**
     * {@code flipside bench} without --config: on an embedded MySQL and broker of its own, here with the broker in a
     * JVM of its own. The migration is measured and checked as on the shared stack, the broker's CPU is reported
     * apart, and its JVM ends with the run.
     */
    @Test
    void anEmbeddedRunWithTheBrokerInAJvmOfItsOwn(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        // A capture server name of its own: the shared stack's roles run in this JVM too.
        int exit = Main.execute(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true), "bench",
                "--rows", "3000", "--alters", "add", "--scenarios", "idle", "--methods", "copy,flipside",
                "--burst-rows", "0", "--warmup-rows", "0", "--broker-process", "--set",
                "capture.server.name=bench_embedded", "--json", json.toString());
        assertEquals(0, exit, "exit code; stderr: " + err);
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        assertEquals(0, r.get("errors").size(), r.get("errors").toString());
        JsonNode s = r.get("settings");
        assertTrue(s.get("embeddedStack").asBoolean() && s.get("brokerProcess").asBoolean(), s.toString());
        assertTrue(r.get("notes").toString().contains("the embedded Kafka broker ran in a JVM of its own"),
                r.get("notes").toString());
        JsonNode fl = r.get("results").get(0).get("flipside");
        assertEquals("[\"CUT_OVER: matched (3000 rows)\",\"REVERT: matched (3000 rows)\"]",
                fl.get("checksums").toString());
        JsonNode children = fl.get("cpuMigration").get("childJvms");
        assertTrue(children.has("BrokerProcess"), "the broker's CPU is reported apart: " + children);
        assertTrue(out.toString().contains("the Kafka broker in a JVM of its own"), out.toString());
        assertTrue(childJvms("BrokerProcess").isEmpty(), "the broker's JVM ended with the run");
    }

    /** The bench's child JVMs still running that run {@code mainClass}. */
    private static List<ProcessHandle> childJvms(String mainClass) {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> io.flipside.cli.bench.ChildJvm.mainClass(p.pid()).orElse("").equals(mainClass)).toList();
    }

    private static JsonNode summaryOf(JsonNode summary, String alter, String scenario, String id) {
        for (JsonNode x : summary) {
            if (x.get("alterKey").asText().equals(alter) && x.get("scenario").asText().equals(scenario)
                    && x.get("id").asText().equals(id)) {
                return x;
            }
        }
        throw new AssertionError("no summary of " + alter + ", " + scenario + ", " + id + " in " + summary);
    }
}
