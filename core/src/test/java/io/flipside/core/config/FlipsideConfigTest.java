package io.flipside.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlipsideConfigTest {
    static Map<String, String> minimal() {
        Map<String, String> m = new HashMap<>();
        m.put("kafka.bootstrap.servers", "k:9092");
        m.put("mysql.host", "db");
        m.put("mysql.user", "u");
        m.put("mysql.password", "secret");
        return m;
    }

    @Test
    void defaultsApply() {
        FlipsideConfig c = FlipsideConfig.of(minimal());
        assertEquals(3306, c.get(FlipsideConfig.MYSQL_PORT));
        assertEquals("flipside.changelog.mysql", c.topics().changelog());
        assertEquals(1800L, c.get(FlipsideConfig.RETENTION_SECONDS));
    }

    @Test
    void theIndexesAreDeferredUnlessAReplicaIsWatchedOrTheSettingSaysOtherwise() {
        Map<String, String> m = minimal();
        assertTrue(FlipsideConfig.of(m).deferIndexes(), "auto, no replica watched");
        m.put("throttle.replicas", " , ");
        assertTrue(FlipsideConfig.of(m).deferIndexes(), "auto, a list naming no replica");
        m.put("throttle.replicas", "replica1:3306");
        assertFalse(FlipsideConfig.of(m).deferIndexes(), "auto, a replica watched: its lag would pass the bound");
        m.put("copy.defer.indexes", "TRUE");
        assertTrue(FlipsideConfig.of(m).deferIndexes(), "asked for, replica or not");
        m.put("copy.defer.indexes", "false");
        m.remove("throttle.replicas");
        assertFalse(FlipsideConfig.of(m).deferIndexes());
        m.put("copy.defer.indexes", "sometimes");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FlipsideConfig.of(m).deferIndexes());
        assertTrue(e.getMessage().contains("copy.defer.indexes must be one of auto, true, false"), e.getMessage());
    }

    @Test
    void theCopysResourceGroupIsANameMySqlCanTakeOrNone() {
        Map<String, String> m = minimal();
        assertEquals("", FlipsideConfig.of(m).get(FlipsideConfig.COPY_RESOURCE_GROUP), "none by default");
        m.put("copy.resource.group", " flipside_copy ");
        assertEquals("flipside_copy", FlipsideConfig.of(m).get(FlipsideConfig.COPY_RESOURCE_GROUP));
        m.put("copy.resource.group", "g".repeat(65));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FlipsideConfig.of(m).get(FlipsideConfig.COPY_RESOURCE_GROUP));
        assertTrue(e.getMessage().startsWith("copy.resource.group: identifier longer than 64"), e.getMessage());
    }

    @Test
    void theInstanceIdIsAKafkaGroupInstanceIdOrNone() {
        Map<String, String> m = minimal();
        assertEquals("", FlipsideConfig.of(m).get(FlipsideConfig.INSTANCE_ID), "none by default: dynamic members");
        m.put("instance.id", " flipside-applier-0 ");
        assertEquals("flipside-applier-0", FlipsideConfig.of(m).get(FlipsideConfig.INSTANCE_ID));
        for (String bad : List.of("pod 0", "pod/0", "x".repeat(250))) {
            m.put("instance.id", bad);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FlipsideConfig.of(m));
            assertTrue(e.getMessage().startsWith("instance.id: ") && e.getMessage().contains("not a Kafka group"),
                    e.getMessage());
        }
    }

    @Test
    void environmentVariablesOverrideTheFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve("f.properties");
        java.nio.file.Files.writeString(file, "kafka.bootstrap.servers=k:9092\nmysql.host=db\nmysql.user=u\n"
                + "mysql.password=from-file\ncopy.chunk.max.rows=10\n");
        FlipsideConfig c = FlipsideConfig.load(file, Map.of("FLIPSIDE_MYSQL_PASSWORD", "from-env",
                "FLIPSIDE_COPY_CHUNK_MAX_ROWS", "20", "FLIPSIDE_KAFKA_SASL_MECHANISM", "PLAIN", "HOME", "/root"));
        assertEquals("from-env", c.get(FlipsideConfig.MYSQL_PASSWORD));
        assertEquals(20, c.get(FlipsideConfig.CHUNK_MAX_ROWS));
        assertEquals("PLAIN", c.kafkaClientSettings().get("sasl.mechanism"));
        assertEquals("FLIPSIDE_CUTOVER_LOCK_WAIT_SECONDS", FlipsideConfig.envName("cutover.lock.wait.seconds"));
        assertFalse(c.toString().contains("from-env"), "the password is never shown: " + c);
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> FlipsideConfig.load(file, Map.of("FLIPSIDE_MYSQL_PORT", "not-a-port")));
        assertTrue(bad.getMessage().contains("mysql.port"), bad.getMessage());
    }

    @Test
    void thePasswordCanComeFromAFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path secret = dir.resolve("mysql-password");
        java.nio.file.Files.writeString(secret, "s3cret with spaces\n");
        Map<String, String> m = minimal();
        m.remove("mysql.password");
        m.put("mysql.password.file", secret.toString());
        FlipsideConfig c = FlipsideConfig.of(m);
        assertEquals("s3cret with spaces", c.get(FlipsideConfig.MYSQL_PASSWORD));
        assertEquals("s3cret with spaces", c.with("copy.chunk.max.rows", "50").get(FlipsideConfig.MYSQL_PASSWORD));
        m.put("mysql.password", "also");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FlipsideConfig.of(m)).getMessage()
                .contains("keep one"));
        m.remove("mysql.password");
        m.put("mysql.password.file", dir.resolve("missing").toString());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FlipsideConfig.of(m)).getMessage()
                .contains("cannot read mysql.password.file"));
    }

    @Test
    void aMissingRequiredKeyIsNamed() {
        Map<String, String> m = minimal();
        m.remove("mysql.host");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FlipsideConfig.of(m));
        assertTrue(e.getMessage().contains("mysql.host"), e.getMessage());
    }

    @Test
    void badNumbersAreNamed() {
        for (String bad : List.of("x", "0", "70000")) {
            Map<String, String> m = minimal();
            m.put("mysql.port", bad);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FlipsideConfig.of(m));
            assertTrue(e.getMessage().startsWith("mysql.port must"), e.getMessage());
        }
    }

    @Test
    void kafkaKeysPassThroughAndSecretsAreHidden() {
        Map<String, String> m = minimal();
        m.put("kafka.security.protocol", "SASL_SSL");
        m.put("kafka.sasl.jaas.config", "secret-jaas");
        m.put("mysql.pasword", "typo");
        FlipsideConfig c = FlipsideConfig.of(m);
        assertEquals("SASL_SSL", c.kafkaClientSettings().get("security.protocol"));
        assertEquals("k:9092", c.kafkaClientSettings().get("bootstrap.servers"));
        assertEquals(List.of("mysql.pasword"), c.unknownKeys());
        assertFalse(c.toString().contains("secret"), c.toString());
    }

    @Test
    void tlsSettingsBecomeDriverPropertiesNotUrlText() {
        Map<String, String> m = minimal();
        m.put("mysql.ssl.mode", "Verify_Identity");
        m.put("mysql.ssl.truststore", "/etc/flipside/ca.p12");
        m.put("mysql.ssl.truststore.password", "trust-secret");
        FlipsideConfig c = FlipsideConfig.of(m);
        java.util.Properties p = c.jdbcProperties();
        assertEquals("VERIFY_IDENTITY", p.getProperty("sslMode"));
        assertEquals("file:///etc/flipside/ca.p12", p.getProperty("trustCertificateKeyStoreUrl"));
        assertEquals("trust-secret", p.getProperty("trustCertificateKeyStorePassword"));
        assertEquals("secret", p.getProperty("password"));
        assertEquals(null, p.getProperty("clientCertificateKeyStoreUrl"));
        assertEquals("jdbc:mysql://db:3306/?allowPublicKeyRetrieval=true", c.jdbcUrl());
        assertEquals("jdbc:mysql://replica:3307/?allowPublicKeyRetrieval=true", c.jdbcUrl("replica:3307"));
        assertFalse(c.toString().contains("secret"), c.toString());
        assertEquals("PREFERRED", FlipsideConfig.of(minimal()).jdbcProperties().getProperty("sslMode"));

        m.put("mysql.ssl.mode", "on");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FlipsideConfig.of(m));
        assertEquals("mysql.ssl.mode must be one of disabled, preferred, required, verify_ca, verify_identity, got: on",
                e.getMessage());
    }
}
