package io.flipside.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flipside.schema.Command;
import io.flipside.schema.Revert;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AvroCodecTest {
    final AvroCodec<Command> codec = AvroCodec.of(Command.class);

    @Test
    void aCommandEncodedAsTheReadmeShowsIsReadByTheController() throws Exception {
        Command c = new Command("r-1", Instant.ofEpochMilli(1_000), "alice", "ticket 42", new Revert("3f9a1c2e", false));
        byte[] asInReadme = Command.getEncoder().encode(c).array();
        assertEquals(c, codec.decode(asInReadme));
        assertEquals(c, codec.decode(codec.encode(c)));
    }

    @Test
    void bytesThatAreNotACommandAreABadRecordNotACrash() {
        assertThrows(AvroCodec.BadRecordException.class, () -> codec.decode("{}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(AvroCodec.BadRecordException.class, () -> codec.decode(null));
        assertThrows(AvroCodec.BadRecordException.class, () -> codec.decode(new byte[] {(byte) 0xC3, 0x01, 1, 2}));
    }
}
