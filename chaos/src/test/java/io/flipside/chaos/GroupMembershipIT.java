package io.flipside.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.cli.OperatorClient;
import io.flipside.cli.Workload;
import io.flipside.core.sql.TableName;
import io.flipside.runtime.KafkaSetup;
import io.flipside.schema.Complete;
import io.flipside.schema.CutOver;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.Submit;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.junit.jupiter.api.Test;

/**
 * Appliers under {@code instance.id} (each process's name here, as a StatefulSet pod's would be), with a session
 * timeout of 30 s: a standby that joins the group takes nothing from the owner and stops none of its work; the owner
 * killed with SIGKILL and started again takes its migration back at once, where a dynamic member would have waited for
 * the dead one's session to expire; one stopped cleanly hands the migration to the standby at once, where a static
 * member that stays in the group would have kept it 30 s; and a process started under a name another applier is using
 * takes the work over, the other one stopping with a clear error and saying why on {@code /ready}. Writes go on
 * throughout, and the migration ends equal to the ledger. The controller likewise: killed and started again, it runs at
 * once; stopped cleanly, a standby controller answers the next command at once.
 */
class GroupMembershipIT {
    static final int ROWS = 20_000;
    static final Pattern OWNS = Pattern.compile("this applier owns the migrations now");
    static final Pattern CLAIMS = Pattern.compile("owned by this applier \\(epoch");
    static final Pattern ENDPOINTS = Pattern.compile("metrics on http://localhost:(\\d+)/health");

    @Test
    void rolesRejoinTheirGroupsAsThemselvesAndHandOverAtOnceWhenStopped() throws Exception {
        TableName users = new TableName("static", "users");
        try (Cluster c = new Cluster("static", 6003, Map.of("group.session.timeout.ms", "30000",
                "copy.chunk.max.rows", "500", "copy.chunk.target.ms", "50"));
                RoleProcess standby = new RoleProcess("applier", "standby", c.configFile, c.logDir);
                RoleProcess impostor = new RoleProcess("applier", "impostor", c.configFile, c.logDir)
                        .instanceId("standby")) {
            int mark = c.applier.mark();
            c.start(users, ROWS, "copy.chunk:60000:1");
            try (Workload writers = new Workload(users.quoted(), ROWS, c::connect, 4, 100)) {
                writers.start();
                String id = c.submit(new Submit(users.toString(), "DROP COLUMN title", true, null, "ALTER"));
                Cluster.require(c.applier.awaitLine(mark, Pattern.compile("failpoint copy.chunk: pausing"),
                        Duration.ofSeconds(120)), "the applier is inside a chunk");
                int standbyMark = standby.mark();
                standby.start("");
                Cluster.require(standby.awaitLine(standbyMark, Pattern.compile("this applier stands by"),
                        Duration.ofSeconds(120)), "the standby joins the group and is assigned nothing");
                // Its log is read as it comes: a line from the same rebalance would show within 2 s.
                assertNull(c.applier.awaitLine(mark, Pattern.compile("no longer owns the migrations"),
                        Duration.ofSeconds(2)), "the owner's work was not stopped when the standby joined");
                assertEquals(Optional.of(List.of(new OperatorClient.ApplierMember("applier", true),
                        new OperatorClient.ApplierMember("standby", false))), c.client.appliers(),
                        "what `flipside status` says of the appliers");
                String owner = "flipside_applier_owner{group=\"" + c.config.topics().applierGroupId() + "\"} ";
                assertTrue(endpoint(c.applier, "/metrics").body().contains(owner + "1.0"), "the owner's gauge");
                assertTrue(endpoint(standby, "/metrics").body().contains(owner + "0.0"), "the standby's gauge");

                c.applier.kill();
                long killed = System.currentTimeMillis();
                int restart = c.applier.mark();
                c.startApplier("");
                Cluster.require(c.applier.awaitLine(restart, CLAIMS, Duration.ofSeconds(120)),
                        "the applier started again claims the migration");
                long back = System.currentTimeMillis() - killed;
                assertTrue(back < 20_000, "the applier started again owned its migration " + back
                        + " ms after the kill, not only once the dead member's 30 s session had expired");
                assertEquals(0, standby.count(OWNS), "the standby never owned the migrations");

                c.applier.close();
                long closed = System.currentTimeMillis();
                Cluster.require(standby.awaitLine(standbyMark, CLAIMS, Duration.ofSeconds(120)),
                        "the standby claims the migration once the applier is stopped");
                long handedOver = System.currentTimeMillis() - closed;
                assertTrue(handedOver < 20_000, "the standby owned the migration " + handedOver
                        + " ms after the applier stopped cleanly, not only once its 30 s session had expired");

                int fencedMark = standby.mark();
                int impostorMark = impostor.mark();
                impostor.start("");
                Cluster.require(impostor.awaitLine(impostorMark, CLAIMS, Duration.ofSeconds(120)),
                        "a process started under the standby's instance.id takes the migration over");
                String error = standby.awaitLine(fencedMark, Pattern.compile("another applier joined group \\S+ as"
                        + " instance.id=standby; this one stops its workers"), Duration.ofSeconds(60));
                assertNotNull(error, "the standby says another process took its name, and stops its workers");
                HttpResponse<String> ready = ready(standby);
                assertEquals(503, ready.statusCode(), "the standby is not ready: " + ready.body());
                assertTrue(ready.body().contains("another applier joined group"), ready.body());
                assertEquals(200, ready(impostor).statusCode(), "the process that took its name is");

                c.await(id, s -> s.getStatus() == MigrationStatus.READY, "READY");
                c.send(new CutOver(id, false));
                MigrationState cut = c.await(id, s -> s.getStatus() == MigrationStatus.CUT_OVER, "CUT_OVER");
                writers.pause();
                Map<Long, Workload.Row> expected = writers.expected();
                assertNull(FencingIT.waitForEqual(c, users, expected, false), "the new table equals the ledger");
                assertNull(FencingIT.waitForEqual(c, users.sibling(cut.getOldTable()), expected, true),
                        "the old table equals the ledger");
                writers.close();
                assertEquals(0, writers.failed(), writers.failures().toString());

                c.controller.kill();
                long controllerKilled = System.currentTimeMillis();
                c.startController();
                long running = System.currentTimeMillis() - controllerKilled;
                assertTrue(running < 20_000, "the controller started again ran " + running + " ms after the kill, not"
                        + " only once the dead member's 30 s session had expired");
                try (RoleProcess second = c.variant("controller", "controller-b", Map.of("controller.state.dir",
                        c.logDir.resolveSibling("streams-b").toString()))) {
                    int secondMark = second.mark();
                    second.start("");
                    Cluster.require(second.awaitLine(secondMark, Cluster.CONTROLLER_RUNNING, Duration.ofSeconds(120)),
                            "a second controller runs beside the first");
                    // Kafka Streams may have moved the task to the second already: the one that has it is stopped.
                    RoleProcess busy = withTheTask(c, c.controller, second);
                    busy.close();
                    long controllerClosed = System.currentTimeMillis();
                    c.send(new Complete(id));
                    long answered = System.currentTimeMillis() - controllerClosed;
                    assertTrue(answered < 20_000, "the other controller answered " + answered + " ms after "
                            + busy.name() + ", which had the task, stopped cleanly, not only once its 30 s session had"
                            + " expired");
                    c.await(id, st -> st.getStatus() == MigrationStatus.COMPLETED, "COMPLETED");
                }
            }
        }
    }

    /**
     * Which of two controllers has the task that reads the control topic, as the group's coordinator says once the
     * group is stable (a Streams member's instance id is the process's with "-" and its thread's number).
     */
    private static RoleProcess withTheTask(Cluster c, RoleProcess a, RoleProcess b) throws Exception {
        String group = c.config.topics().controllerApplicationId();
        long deadline = System.currentTimeMillis() + 60_000;
        try (Admin admin = Admin.create(KafkaSetup.common(c.config))) {
            while (System.currentTimeMillis() < deadline) {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                if (d.groupState() == GroupState.STABLE) {
                    for (MemberDescription m : d.members()) {
                        boolean hasControl = m.assignment().topicPartitions().stream()
                                .anyMatch(tp -> tp.topic().equals(c.config.topics().control()));
                        String instance = m.groupInstanceId().orElse("");
                        for (RoleProcess p : List.of(a, b)) {
                            if (hasControl && instance.matches(Pattern.quote(p.instanceId()) + "-\\d+")) {
                                return p;
                            }
                        }
                    }
                }
                Thread.sleep(200);
            }
        }
        throw new AssertionError("no controller has the task after 60 s");
    }

    private static HttpResponse<String> ready(RoleProcess p) throws Exception {
        return endpoint(p, "/ready");
    }

    /** One of the process's endpoints, on the port it logged (each role process takes any free one). */
    private static HttpResponse<String> endpoint(RoleProcess p, String path) throws Exception {
        String line = p.awaitLine(0, ENDPOINTS, Duration.ofSeconds(10));
        Cluster.require(line, "the process logs its endpoints");
        java.util.regex.Matcher m = ENDPOINTS.matcher(line);
        assertTrue(m.find(), line);
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + m.group(1)
                + path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
