package io.flipside.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BinaryLogStatusTest {
    @Test
    void theReleaseNamesTheStatement() {
        assertEquals("SHOW MASTER STATUS", BinaryLogStatus.statement(8, 0));
        assertEquals("SHOW MASTER STATUS", BinaryLogStatus.statement(8, 1));
        assertEquals("SHOW BINARY LOG STATUS", BinaryLogStatus.statement(8, 2));
        assertEquals("SHOW BINARY LOG STATUS", BinaryLogStatus.statement(8, 4));
        assertEquals("SHOW BINARY LOG STATUS", BinaryLogStatus.statement(9, 0));
    }
}
