import io.flipside.runtime.AvroCodec;
import io.flipside.schema.ChangeEvent;
import io.flipside.schema.ChangeOp;
import io.flipside.schema.ColumnValue;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;

/**
 * What reading one changelog record costs the applier's JVM, and what it would save to read only the fields it needs
 * of another table's change: the question behind the idea of a reader schema that skips the row images. Not part of
 * Flipside; run with {@code java -cp cli/target/flipside.jar bench/ChangelogDecode.java [rounds] [records-per-round]}.
 *
 * <p>One change event of a sysbench row (an UPDATE of {@code id, k, c CHAR(120), pad CHAR(60)}, its key, both
 * images) is encoded as the capture encodes it, then decoded round after round: in full, as the applier decodes every
 * record ({@link AvroCodec}), and through a reader schema of the fields before the key and images (server, GTID,
 * binlog coordinates, times, operation, database and table; Avro skips the rest). Each round prints the mean time per
 * record of each, and at the end their medians over the rounds after the first (which includes the JIT's compiling).
 */
public final class ChangelogDecode {

    public static void main(String[] args) throws java.io.IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        if (rounds < 2 || perRound < 1) {
            throw new IllegalArgumentException("at least 2 rounds of at least one record");
        }
        AvroCodec<ChangeEvent> codec = AvroCodec.of(ChangeEvent.class);
        byte[] bytes = codec.encode(sysbenchUpdate());

        List<Schema.Field> head = new ArrayList<>();
        for (Schema.Field f : ChangeEvent.SCHEMA$.getFields()) {
            if (f.name().equals("key")) {
                break;
            }
            head.add(new Schema.Field(f, f.schema()));
        }
        Schema headSchema = Schema.createRecord(ChangeEvent.SCHEMA$.getName(), null,
                ChangeEvent.SCHEMA$.getNamespace(), false, head);
        BinaryMessageDecoder<GenericRecord> headDecoder = new BinaryMessageDecoder<>(GenericData.get(), headSchema);
        headDecoder.addSchema(ChangeEvent.SCHEMA$);

        System.out.printf("one record: %d bytes; head fields: %d of %d%n", bytes.length, head.size(),
                ChangeEvent.SCHEMA$.getFields().size());
        long checks = 0;
        List<Double> full = new ArrayList<>();
        List<Double> headOnly = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < perRound; i++) {
                checks += codec.decode(bytes).getAfter().size();
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < perRound; i++) {
                checks += ((CharSequence) headDecoder.decode(bytes).get("table")).length();
            }
            long t2 = System.nanoTime();
            full.add((t1 - t0) / 1e3 / perRound);
            headOnly.add((t2 - t1) / 1e3 / perRound);
            System.out.printf("round %2d: full %.3f us, head only %.3f us a record%n", round, full.get(round - 1),
                    headOnly.get(round - 1));
        }
        System.out.printf("median of the rounds after the first: full %.3f us, head only %.3f us a record%n",
                median(full.subList(1, rounds)), median(headOnly.subList(1, rounds)));
        if (checks != (long) rounds * perRound * (4 + "sbtest1".length())) {
            throw new AssertionError("a decoded record lacked its fields: " + checks);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        java.util.Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static ChangeEvent sysbenchUpdate() {
        String c = "83868641912-28773972837-60736120486-75162659906-27563526494-20381887404-41576422241-93426793964-"
                + "56405065102-33518432330";
        String pad = "67847967377-48000963322-62604785301-91415491898-96926520291";
        return ChangeEvent.newBuilder()
                .setServer("flipside")
                .setGtid("3e11fa47-71ca-11e1-9e33-c80aa9429562:1234567")
                .setBinlogFile("binlog.000003")
                .setBinlogPos(123_456_789L)
                .setRow(17)
                .setCommitMillis(1_764_892_800_000L)
                .setCapturedMillis(1_764_892_800_012L)
                .setOp(ChangeOp.UPDATE)
                .setDatabase("bench")
                .setTable("sbtest1")
                .setKey(List.of(new ColumnValue("id", "INT32", 500_001L)))
                .setBefore(row(500_001L, 499_712L, c, pad))
                .setAfter(row(500_001L, 499_713L, c, pad))
                .build();
    }

    private static List<ColumnValue> row(long id, long k, String c, String pad) {
        return List.of(new ColumnValue("id", "INT32", id), new ColumnValue("k", "INT32", k),
                new ColumnValue("c", "STRING", c), new ColumnValue("pad", "STRING", pad));
    }
}
