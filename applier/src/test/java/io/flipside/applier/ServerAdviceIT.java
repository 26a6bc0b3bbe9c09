package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.testkit.EmbeddedStack;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The applier's advice about the server's settings follows the server's adaptive hash index. */
class ServerAdviceIT {
    @Test
    void theAdaptiveHashIndexIsAdvisedAgainstOnlyWhileItIsOn() throws Exception {
        try (Connection c = EmbeddedStack.shared().mysql().connect(); Statement s = c.createStatement()) {
            try {
                s.execute("SET GLOBAL innodb_adaptive_hash_index = ON"); // MySQL 8.0's default
                List<String> advice = ServerAdvice.of(c);
                assertEquals(1, advice.size(), advice.toString());
                assertTrue(advice.get(0).startsWith("innodb_adaptive_hash_index is ON")
                        && advice.get(0).contains("SET GLOBAL innodb_adaptive_hash_index = OFF"), advice.get(0));

                s.execute("SET GLOBAL innodb_adaptive_hash_index = OFF");
                assertEquals(List.of(), ServerAdvice.of(c));
            } finally {
                s.execute("SET GLOBAL innodb_adaptive_hash_index = ON");
            }
        }
    }
}
