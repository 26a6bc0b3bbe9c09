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
