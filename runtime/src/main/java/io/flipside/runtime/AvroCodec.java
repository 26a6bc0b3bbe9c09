package io.flipside.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding (a header with the schema fingerprint, then the binary record) of Flipside's records, as
 * Kafka record values. A decoder knows the schemas this build was made with and those of every released version
 * ({@link io.flipside.schema.ReleasedSchemas}); reading bytes written with an unknown or incompatible schema fails with
 * {@link BadRecordException}, never with a crash of the reader.
 */
public final class AvroCodec<T extends SpecificRecord> {
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;
    private final Class<T> type;

    private AvroCodec(Class<T> type) {
        this.type = type;
        org.apache.avro.Schema schema = SpecificData.get().getSchema(type);
        this.encoder = new BinaryMessageEncoder<>(SpecificData.get(), schema);
        this.decoder = new BinaryMessageDecoder<>(SpecificData.get(), schema);
        // Records written by a released earlier build carry that build's schema fingerprint: read them through it.
        for (org.apache.avro.Schema released : io.flipside.schema.ReleasedSchemas.all(type.getSimpleName())) {
            decoder.addSchema(released);
        }
    }

    public static <T extends SpecificRecord> AvroCodec<T> of(Class<T> type) {
        return new AvroCodec<>(type);
    }

    public byte[] encode(T record) {
        try {
            ByteBuffer b = encoder.encode(record);
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @throws BadRecordException when the bytes are not a {@code T} this build can read */
    public T decode(byte[] bytes) {
        if (bytes == null) {
            throw new BadRecordException("empty record (no value)");
        }
        try {
            return decoder.decode(bytes);
        } catch (IOException | RuntimeException e) {
            throw new BadRecordException("not a " + type.getSimpleName() + " in Avro single-object encoding: "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    /** Bytes that cannot be read as the expected record. */
    public static final class BadRecordException extends RuntimeException {
        public BadRecordException(String message) {
            super(message);
        }
    }
}
