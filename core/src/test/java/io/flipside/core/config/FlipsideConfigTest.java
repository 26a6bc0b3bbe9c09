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
}
