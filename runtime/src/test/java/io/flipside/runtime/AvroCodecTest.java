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

    /**
     * A command written by the released version 1 (a CutOver had no force then; its bytes carry version 1's schema
     * fingerprint) is read by this build, with the default for the field added since.
     */
    @Test
    void aRecordWrittenByAReleasedVersionIsRead() throws Exception {
        org.apache.avro.Schema v1 = io.flipside.schema.ReleasedSchemas.of("1").get("Command");
        org.apache.avro.Schema cutOver = v1.getField("action").schema().getTypes().stream()
                .filter(t -> t.getName().equals("CutOver")).findFirst().orElseThrow();
        org.apache.avro.generic.GenericRecord old = new org.apache.avro.generic.GenericRecordBuilder(v1)
                .set("requestId", "r-2").set("issuedAt", 2_000L).set("operator", "bob").set("reason", null)
                .set("action", new org.apache.avro.generic.GenericRecordBuilder(cutOver).set("migrationId", "3f9a1c2e")
                        .build())
                .build();
        java.nio.ByteBuffer bytes = new org.apache.avro.message.BinaryMessageEncoder<org.apache.avro.generic.GenericRecord>(
                org.apache.avro.generic.GenericData.get(), v1).encode(old);
        byte[] raw = new byte[bytes.remaining()];
        bytes.get(raw);
        Command read = codec.decode(raw);
        assertEquals("r-2", read.getRequestId());
        assertEquals(new io.flipside.schema.CutOver("3f9a1c2e", false), read.getAction());
    }

    @Test
    void bytesThatAreNotACommandAreABadRecordNotACrash() {
        assertThrows(AvroCodec.BadRecordException.class, () -> codec.decode("{}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(AvroCodec.BadRecordException.class, () -> codec.decode(null));
        assertThrows(AvroCodec.BadRecordException.class, () -> codec.decode(new byte[] {(byte) 0xC3, 0x01, 1, 2}));
    }
}
