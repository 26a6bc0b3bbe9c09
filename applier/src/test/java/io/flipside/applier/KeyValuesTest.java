package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flipside.schema.ColumnValue;
import io.flipside.schema.Key;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyValuesTest {
    @Test
    void aTimeIsMySqlsNumberForItWhateverItsFractionalDigits() {
        assertEquals(-((222 * 3600 + 12 * 60 + 54) * 1_000_000L), KeyValues.timeMicros("-222:12:54"));
        assertEquals(KeyValues.timeMicros("-222:12:54"), KeyValues.timeMicros("-222:12:54.000000"));
        assertEquals(-3_600_500_000L, KeyValues.timeMicros("-01:00:00.5"));
        assertEquals(-3_600_500_000L, KeyValues.timeMicros("-01:00:00.500"));
        assertEquals("-2221254.000000", KeyValues.timeNumber(KeyValues.timeMicros("-222:12:54")));
        assertEquals("8385959.000000", KeyValues.timeNumber(KeyValues.timeMicros("838:59:59")));
        assertEquals("-0.000001", KeyValues.timeNumber(-1));
        assertEquals("0.000000", KeyValues.timeNumber(0));
        assertEquals("-10000.500000", KeyValues.timeNumber(-3_600_500_000L));
        assertEquals("-222:12:54.000000", KeyValues.timeText("-2221254.000000"));
        assertEquals("-0:00:00.000001", KeyValues.timeText("-0.000001"));
        assertThrows(IllegalArgumentException.class, () -> KeyValues.timeMicros("12:00"));
    }

    /** As the capture gives a zero date of a NOT NULL column (CaptureIT's probe of Debezium 3.6.1): epoch 0. */
    @Test
    void theDatePartsTheCaptureGaveAt1970AreFoundAndLeftOut() {
        Key k = KeyValues.fromChangelog(List.of(new ColumnValue("d", "io.debezium.time.Date", 0),
                new ColumnValue("id", "int32", 4), new ColumnValue("dt", "io.debezium.time.Timestamp", 0L),
                new ColumnValue("us", "io.debezium.time.MicroTimestamp", 1L),
                new ColumnValue("ts", "io.debezium.time.ZonedTimestamp", "1970-01-01T00:00:00Z"),
                new ColumnValue("t", "io.debezium.time.MicroTime", 0L)), List.of("d", "id", "dt", "us", "ts", "t"));
        assertEquals(List.of(0, 2, 4), KeyValues.atEpoch(k), KeyValues.display(k));
        assertEquals("4|1970-01-01 00:00:00.000001|0:00:00.000000", KeyValues.display(KeyValues.without(k, List.of(0, 2,
                4))));
        Key later = KeyValues.fromChangelog(List.of(new ColumnValue("d", "io.debezium.time.Date", 18690)),
                List.of("d"));
        assertEquals(List.of(), KeyValues.atEpoch(later));
    }

    @Test
    void aTimeFromTheChangelogIsTheSameKeyAsReadFromMySql() {
        long micros = KeyValues.timeMicros("-222:12:54");
        for (ColumnValue encoded : List.of(new ColumnValue("tm", "io.debezium.time.MicroTime", micros),
                new ColumnValue("tm", "io.debezium.time.Time", (int) (micros / 1000)),
                new ColumnValue("tm", "io.debezium.time.NanoTime", micros * 1000))) {
            Key k = KeyValues.fromChangelog(List.of(new ColumnValue("a", "int32", 1), encoded), List.of("a", "tm"));
            assertEquals(KeyValues.TIME, k.getValues().get(1).getType(), encoded.getType());
            assertEquals("-2221254.000000", k.getValues().get(1).getValue(), encoded.getType());
            assertEquals("1|-222:12:54.000000", KeyValues.display(k));
        }
    }

    @Test
    void bitsFromTheChangelogAreMySqlsBigEndianBytesAndABooleanIsANumber() {
        Key k = KeyValues.fromChangelog(List.of(
                new ColumnValue("b", "io.debezium.data.Bits", java.nio.ByteBuffer.wrap(new byte[] {0x01, 0x7f})),
                new ColumnValue("flag", "BOOLEAN", true)), List.of("b", "flag"));
        assertEquals(KeyValues.BYTES, k.getValues().get(0).getType());
        assertEquals("0x7f01|1", KeyValues.display(k), "BIT(16) 0x7f01 is 01 7f in Debezium's little-endian bytes");
        assertEquals(KeyValues.LONG, k.getValues().get(1).getType());
    }

    @Test
    void aTimeKeptAsTextByAnEarlierBuildIsDecodedAsATime() {
        Key kept = new Key(List.of(new ColumnValue("d", KeyValues.TEMPORAL, "2100-04-15"),
                new ColumnValue("tm", KeyValues.TEMPORAL, "-222:12:54"),
                new ColumnValue("at", KeyValues.TEMPORAL, "2020-01-01 10:00:00.5"),
                new ColumnValue("y", KeyValues.TEMPORAL, "2000-01-01")));
        Key k = KeyValues.decode(KeyValues.encode(kept));
        assertEquals(List.of(KeyValues.TEMPORAL, KeyValues.TIME, KeyValues.TEMPORAL, KeyValues.TEMPORAL),
                k.getValues().stream().map(ColumnValue::getType).toList());
        assertEquals("2100-04-15|-222:12:54.000000|2020-01-01 10:00:00.5|2000-01-01", KeyValues.display(k));
        assertEquals(k, KeyValues.decode(KeyValues.encode(k)), "a TIME kept by this build comes back as it was");
    }
}
