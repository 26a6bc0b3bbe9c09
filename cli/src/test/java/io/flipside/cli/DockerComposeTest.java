package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.flipside.core.config.FlipsideConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What can be checked of {@code docker-compose.yml} without a Docker engine (these machines have none): the services
 * and the commands the roles run, the sample configuration (every key known, hosts that are compose services), the
 * MySQL options the capture needs, the published health ports, and the grants of {@code docker/mysql-init.sql}
 * against the README's. Starting the containers is not tested.
 */
class DockerComposeTest {
    private static final Path ROOT = Path.of("..");

    @Test
    void theComposeFileRunsEachRoleWithTheSampleConfiguration() throws Exception {
        JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(ROOT.resolve("docker-compose.yml").toFile());
        JsonNode services = compose.get("services");
        List<String> names = new ArrayList<>();
        services.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("mysql", "kafka", "controller", "capture", "applier"), names);

        FlipsideConfig sample = FlipsideConfig.load(ROOT.resolve("docker/flipside.properties"), Map.of());
        assertEquals(List.of(), sample.unknownKeys(), "every key of the sample configuration is a setting");
        assertEquals("kafka:9092", sample.get(FlipsideConfig.KAFKA_BOOTSTRAP));
        assertTrue(services.has(sample.get(FlipsideConfig.MYSQL_HOST)), "mysql.host is a compose service");

        for (String role : List.of("controller", "capture", "applier")) {
            JsonNode service = services.get(role);
            List<String> command = new ArrayList<>();
            service.get("command").forEach(n -> command.add(n.asText()));
            assertEquals(List.of("run", "--config", "/etc/flipside/flipside.properties", "--roles", role), command);
            assertEquals(Set.of(Roles.Role.valueOf(role.toUpperCase(java.util.Locale.ROOT))), Roles.parse(role));
            assertEquals("./docker/flipside.properties:/etc/flipside/flipside.properties:ro",
                    service.get("volumes").get(0).asText());
            String port = service.get("ports").get(0).asText();
            assertTrue(port.endsWith(":" + sample.get(FlipsideConfig.HTTP_PORT)), role + " publishes " + port);
            if (!role.equals("capture")) {
                // The roles in Kafka groups: restarted by compose, each rejoins as itself (a static member).
                String env = FlipsideConfig.envName(FlipsideConfig.INSTANCE_ID.key());
                assertEquals(role, service.get("environment").get(env).asText(), role + " sets " + env);
            }
        }

        List<String> mysqld = new ArrayList<>();
        services.get("mysql").get("command").forEach(n -> mysqld.add(n.asText()));
        for (String option : List.of("--gtid-mode=ON", "--enforce-gtid-consistency=ON", "--binlog-format=ROW",
                "--binlog-row-image=FULL")) {
            assertTrue(mysqld.contains(option), "mysqld lacks " + option);
        }
        assertTrue(mysqld.stream().anyMatch(o -> o.startsWith("--log-bin")), "mysqld lacks a binlog");
    }

    @Test
    void theKubernetesSampleRunsEachRoleWithItsPodNameAsItsInstanceId() throws Exception {
        Path file = ROOT.resolve("docker/kubernetes.yaml");
        Map<String, JsonNode> byName = new java.util.LinkedHashMap<>();
        try (com.fasterxml.jackson.databind.MappingIterator<JsonNode> docs = new ObjectMapper(new YAMLFactory())
                .readerFor(JsonNode.class).readValues(file.toFile())) {
            docs.forEachRemaining(d -> byName.put(d.get("metadata").get("name").asText(), d));
        }
        assertEquals(List.of("flipside-controller", "flipside-applier", "flipside-capture"),
                List.copyOf(byName.keySet()));
        String text = Files.readString(file);
        assertTrue(text.contains("kubectl create configmap flipside --from-file=docker/flipside.properties"),
                "it says how its config map is made");
        FlipsideConfig sample = FlipsideConfig.load(ROOT.resolve("docker/flipside.properties"), Map.of());
        String env = FlipsideConfig.envName(FlipsideConfig.INSTANCE_ID.key());
        for (String role : List.of("controller", "applier", "capture")) {
            JsonNode o = byName.get("flipside-" + role);
            JsonNode pod = o.get("spec").get("template").get("spec");
            JsonNode container = pod.get("containers").get(0);
            List<String> args = new ArrayList<>();
            container.get("args").forEach(n -> args.add(n.asText()));
            assertEquals(List.of("run", "--config", "/etc/flipside/flipside.properties", "--roles", role), args);
            assertEquals(sample.get(FlipsideConfig.HTTP_PORT),
                    container.get("ports").get(0).get("containerPort").asInt(), role);
            assertEquals("/ready", container.get("readinessProbe").get("httpGet").get("path").asText(), role);
            assertEquals("/health", container.get("livenessProbe").get("httpGet").get("path").asText(), role);
            assertEquals("/etc/flipside", container.get("volumeMounts").get(0).get("mountPath").asText(), role);
            assertEquals("flipside", pod.get("volumes").get(0).get("configMap").get("name").asText(), role);
            if (role.equals("capture")) {
                // One capture per server, never two at once, even while it is replaced.
                assertEquals("Deployment", o.get("kind").asText());
                assertEquals(1, o.get("spec").get("replicas").asInt());
                assertEquals("Recreate", o.get("spec").get("strategy").get("type").asText());
                assertTrue(container.get("env") == null, "the capture joins no group");
            } else {
                // A stable pod name, given as the instance.id: restarted in place, it rejoins its group as itself.
                assertEquals("StatefulSet", o.get("kind").asText());
                assertTrue(o.get("spec").get("replicas").asInt() >= 2, role + " has a standby");
                JsonNode var = container.get("env").get(0);
                assertEquals(env, var.get("name").asText());
                assertEquals("metadata.name", var.get("valueFrom").get("fieldRef").get("fieldPath").asText());
            }
        }
        JsonNode controllerPod = byName.get("flipside-controller").get("spec").get("template").get("spec");
        String stateMount = controllerPod.get("containers").get(0).get("volumeMounts").get(1).get("mountPath").asText();
        assertTrue(sample.get(FlipsideConfig.STREAMS_STATE_DIR).startsWith(stateMount + "/"),
                "the controller's state directory is on a volume of its own");
    }

    @Test
    void theSampleUserHasTheReadmeGrantsOfBothRoles() throws Exception {
        String init = Files.readString(ROOT.resolve("docker/mysql-init.sql"));
        String readme = Files.readString(ROOT.resolve("README.md"));
        for (String grant : List.of("REPLICATION SLAVE, REPLICATION CLIENT, SELECT, RELOAD, SHOW DATABASES",
                "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, LOCK TABLES")) {
            assertTrue(readme.contains(grant), "the README lists " + grant);
            assertTrue(init.contains("GRANT " + grant + " ON "), "mysql-init.sql grants " + grant);
        }
        assertTrue(init.contains("GRANT ALL ON `_flipside`.*"), "the sidecar database");
    }
}
