package io.flipside.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/** Avro's JSON encoding of a record: for values kept as text (the sidecar's plan and cursors) and for audits. */
public final class AvroJson {
    private AvroJson() {}

    public static <T extends SpecificRecord> String encode(T record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            JsonEncoder enc = EncoderFactory.get().jsonEncoder(record.getSchema(), out);
            @SuppressWarnings("unchecked")
            Class<T> type = (Class<T>) record.getClass();
            new SpecificDatumWriter<>(type).write(record, enc);
            enc.flush();
            return out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static <T extends SpecificRecord> T decode(Class<T> type, String json) {
        try {
            return new SpecificDatumReader<>(type).read(null,
                    DecoderFactory.get().jsonDecoder(SpecificData.get().getSchema(type), json));
        } catch (IOException e) {
            throw new UncheckedIOException("not a " + type.getSimpleName() + ": " + json, e);
        }
    }
}
