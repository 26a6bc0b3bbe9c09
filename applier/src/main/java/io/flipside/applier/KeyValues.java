package io.flipside.applier;

import io.flipside.runtime.AvroJson;
import io.flipside.schema.ColumnValue;
import io.flipside.schema.Key;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Values of a unique key, as the applier reads them from MySQL (the copy cursor), keeps them in the sidecar (Avro
 * JSON of {@link Key}), receives them in changelog events (Debezium's types) and binds them to statements. Each value
 * is bound so that MySQL compares it with the key column exactly: integers as integers, DECIMAL and BIGINT UNSIGNED as
 * decimals, TIME as the decimal [-]HHMMSS.ffffff, the other temporal values as MySQL text in a session whose time zone
 * is UTC, binary data as bytes.
 *
 * <p>TIME is bound as a number because MySQL (8.0.15) compares a TIME column with text as text in a row comparison
 * ({@code (a, tm) IN ((?, ?))}, {@code (a, tm) > (?, ?)}): negative times sort wrongly, and {@code '-222:12:54'}
 * misses the row whose {@code tm} is {@code -222:12:54.000000} in a TIME(6) column, as the changelog's six fractional
 * digits miss a TIME(0) or TIME(3) row ({@code KeyValuesIT}). Compared with a decimal, MySQL compares the TIME as one,
 * whatever its fractional digits.
 */
final class KeyValues {
    static final String LONG = "LONG";
    static final String UNSIGNED = "UNSIGNED";
    static final String DECIMAL = "DECIMAL";
    static final String DOUBLE = "DOUBLE";
    static final String STRING = "STRING";
    static final String BYTES = "BYTES";
    static final String TEMPORAL = "TEMPORAL";
    static final String TIME = "TIME";

    private static final DateTimeFormatter DATETIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private KeyValues() {}

    /** Reads the key columns 1..n of the current row. */
    static Key read(ResultSet rs, List<String> names) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        List<ColumnValue> values = new ArrayList<>(names.size());
        for (int i = 1; i <= names.size(); i++) {
            String type = kind(md.getColumnType(i), md.getColumnTypeName(i));
            Object v = switch (type) {
                case LONG -> rs.getLong(i);
                case UNSIGNED, DECIMAL -> {
                    BigDecimal d = rs.getBigDecimal(i);
                    yield d == null ? null : d.toPlainString();
                }
                case TIME -> {
                    String t = rs.getString(i);
                    yield t == null ? null : timeNumber(timeMicros(t));
                }
                case DOUBLE -> rs.getDouble(i);
                case BYTES -> {
                    byte[] b = rs.getBytes(i);
                    yield b == null ? null : ByteBuffer.wrap(b);
                }
                default -> rs.getString(i);
            };
            if (rs.wasNull()) {
                v = null;
            }
            values.add(new ColumnValue(names.get(i - 1), type, v));
        }
        return new Key(values);
    }

    private static String kind(int sqlType, String typeName) {
        if (typeName.equalsIgnoreCase("YEAR")) {
            // mysql-connector-j reports a YEAR as a DATE and gives it as text as 2000-01-01, which a YEAR column
            // compared with it takes as a number, truncated: an error in a strict INSERT ... SELECT (the copy's next
            // chunk, the apply's DELETE). A number, as the changelog gives it.
            return LONG;
        }
        boolean unsigned = typeName.toUpperCase(java.util.Locale.ROOT).contains("UNSIGNED");
        return switch (sqlType) {
            case Types.TINYINT, Types.SMALLINT, Types.INTEGER -> LONG;
            case Types.BIGINT -> unsigned ? UNSIGNED : LONG;
            case Types.DECIMAL, Types.NUMERIC -> DECIMAL;
            case Types.FLOAT, Types.REAL, Types.DOUBLE -> DOUBLE;
            case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB, Types.BIT -> BYTES;
            case Types.TIME -> TIME;
            case Types.DATE, Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE -> TEMPORAL;
            default -> STRING;
        };
    }

    private static final Pattern EPOCH = Pattern.compile("1970-01-01(?: 00:00:00(?:\\.0*)?)?");

    /**
     * The positions of {@code key}'s date and time parts at 1970-01-01 00:00:00: the value the capture (Debezium) gives
     * a zero date, or one with a zero month or day, of a NOT NULL DATE, DATETIME or TIMESTAMP column as.
     */
    static List<Integer> atEpoch(Key key) {
        List<Integer> out = new ArrayList<>();
        List<ColumnValue> values = key.getValues();
        for (int i = 0; i < values.size(); i++) {
            ColumnValue c = values.get(i);
            if (TEMPORAL.equals(c.getType()) && c.getValue() != null
                    && EPOCH.matcher(c.getValue().toString()).matches()) {
                out.add(i);
            }
        }
        return out;
    }

    /** The parts of {@code key} but those at {@code positions}. */
    static Key without(Key key, List<Integer> positions) {
        List<ColumnValue> out = new ArrayList<>();
        for (int i = 0; i < key.getValues().size(); i++) {
            if (!positions.contains(i)) {
                out.add(key.getValues().get(i));
            }
        }
        return new Key(out);
    }

    /** Binds the key's values from parameter {@code index} on; returns the next free index. */
    static int bind(PreparedStatement ps, int index, Key key) throws SQLException {
        for (ColumnValue c : key.getValues()) {
            Object v = c.getValue();
            if (v == null) {
                ps.setNull(index++, Types.NULL);
                continue;
            }
            switch (c.getType()) {
                case LONG -> ps.setLong(index++, ((Number) v).longValue());
                case UNSIGNED, DECIMAL, TIME -> ps.setBigDecimal(index++, new BigDecimal(v.toString()));
                case DOUBLE -> ps.setDouble(index++, ((Number) v).doubleValue());
                case BYTES -> ps.setBytes(index++, bytes(v));
                default -> ps.setString(index++, v.toString());
            }
        }
        return index;
    }

    /**
     * The key of a changelog event in bindable form: picks {@code columns} from the Debezium key image and converts
     * Debezium's encodings (epoch days, epoch micros, ISO zoned timestamps, micros of a day) to MySQL text.
     *
     * @return null when the event's key lacks one of the columns
     */
    static Key fromChangelog(List<ColumnValue> image, List<String> columns) {
        List<ColumnValue> out = new ArrayList<>(columns.size());
        for (String col : columns) {
            ColumnValue found = null;
            for (ColumnValue c : image) {
                if (c.getName().equalsIgnoreCase(col)) {
                    found = c;
                    break;
                }
            }
            if (found == null) {
                return null;
            }
            out.add(new ColumnValue(col, bindableType(found), bindableValue(found)));
        }
        return new Key(out);
    }

    private static String bindableType(ColumnValue c) {
        String t = c.getType() == null ? "" : c.getType();
        Object v = c.getValue();
        if (t.startsWith("io.debezium.time.") || t.equals("org.apache.kafka.connect.data.Date")
                || t.equals("org.apache.kafka.connect.data.Timestamp") || t.equals("org.apache.kafka.connect.data.Time")) {
            return t.equals("io.debezium.time.Year") ? LONG : TIME_TYPES.contains(t) ? TIME : TEMPORAL;
        }
        if (t.equals("org.apache.kafka.connect.data.Decimal")) {
            return DECIMAL;
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Boolean) { // a BIT(1) is a boolean
            return LONG;
        }
        if (v instanceof Double) {
            return DOUBLE;
        }
        if (v instanceof ByteBuffer) {
            return BYTES;
        }
        return STRING;
    }

    private static Object bindableValue(ColumnValue c) {
        Object v = c.getValue();
        String t = c.getType() == null ? "" : c.getType();
        if (v == null) {
            return null;
        }
        return switch (t) {
            case "io.debezium.time.Date", "org.apache.kafka.connect.data.Date" ->
                    LocalDate.ofEpochDay(t.startsWith("org") ? ((Number) v).longValue() / 86_400_000L
                            : ((Number) v).longValue()).toString();
            case "io.debezium.time.Timestamp", "org.apache.kafka.connect.data.Timestamp" ->
                    DATETIME.format(LocalDateTime.ofInstant(Instant.ofEpochMilli(((Number) v).longValue()), ZoneOffset.UTC));
            case "io.debezium.time.MicroTimestamp" -> {
                long micros = ((Number) v).longValue();
                yield DATETIME.format(LocalDateTime.ofInstant(
                        Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000),
                        ZoneOffset.UTC));
            }
            case "io.debezium.time.NanoTimestamp" -> {
                long nanos = ((Number) v).longValue();
                yield DATETIME.format(LocalDateTime.ofInstant(
                        Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)),
                        ZoneOffset.UTC));
            }
            case "io.debezium.time.ZonedTimestamp" ->
                    DATETIME.format(LocalDateTime.ofInstant(Instant.parse(v.toString()), ZoneOffset.UTC));
            case "io.debezium.time.MicroTime", "io.debezium.time.Time", "io.debezium.time.NanoTime",
                    "org.apache.kafka.connect.data.Time" -> timeNumber(micros(t, ((Number) v).longValue()));
            case "io.debezium.data.Bits" -> bigEndian(bytes(v)); // Debezium's are little-endian, MySQL's big-endian
            default -> v instanceof Boolean b ? (b ? 1L : 0L) : v;
        };
    }

    /** Debezium's encodings of TIME: microseconds (MicroTime), milliseconds (Time, Kafka's Time), nanoseconds. */
    private static final List<String> TIME_TYPES = List.of("io.debezium.time.MicroTime", "io.debezium.time.Time",
            "io.debezium.time.NanoTime", "org.apache.kafka.connect.data.Time");

    private static long micros(String type, long value) {
        return switch (type) {
            case "io.debezium.time.Time", "org.apache.kafka.connect.data.Time" -> value * 1000;
            case "io.debezium.time.NanoTime" -> value / 1000;
            default -> value;
        };
    }

    private static final Pattern TIME_TEXT = Pattern.compile("(-?)(\\d+):(\\d{2}):(\\d{2})(?:\\.(\\d{1,6}))?");

    /** Microseconds of a TIME as MySQL writes it: {@code [-]H:MM:SS[.f]}, up to six fractional digits. */
    static long timeMicros(String text) {
        Matcher m = TIME_TEXT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a MySQL TIME: " + text);
        }
        String fraction = m.group(5) == null ? "" : m.group(5);
        long abs = (Long.parseLong(m.group(2)) * 3600 + Long.parseLong(m.group(3)) * 60 + Long.parseLong(m.group(4)))
                * 1_000_000L + Long.parseLong((fraction + "000000").substring(0, 6));
        return m.group(1).isEmpty() ? abs : -abs;
    }

    /** A TIME of {@code micros} microseconds as MySQL's number for it, [-]HHMMSS.ffffff ({@code -2221254.000000}). */
    static String timeNumber(long micros) {
        long abs = Math.abs(micros);
        long seconds = abs / 1_000_000;
        BigDecimal n = BigDecimal.valueOf((seconds / 3600) * 10_000 + (seconds / 60 % 60) * 100 + seconds % 60)
                .add(BigDecimal.valueOf(abs % 1_000_000, 6));
        return (micros < 0 ? n.negate() : n).toPlainString();
    }

    /** A TIME's number (see {@link #timeNumber}) as MySQL writes the TIME, with six fractional digits. */
    static String timeText(String number) {
        BigDecimal n = new BigDecimal(number).setScale(6);
        BigDecimal abs = n.abs();
        long hms = abs.longValue();
        long fraction = abs.subtract(BigDecimal.valueOf(hms)).movePointRight(6).longValue();
        return String.format("%s%d:%02d:%02d.%06d", n.signum() < 0 ? "-" : "", hms / 10_000, hms / 100 % 100, hms % 100,
                fraction);
    }

    private static ByteBuffer bigEndian(byte[] littleEndian) {
        byte[] out = new byte[littleEndian.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = littleEndian[out.length - 1 - i];
        }
        return ByteBuffer.wrap(out);
    }

    private static byte[] bytes(Object v) {
        if (v instanceof ByteBuffer b) {
            ByteBuffer d = b.duplicate();
            byte[] out = new byte[d.remaining()];
            d.get(out);
            return out;
        }
        return (byte[]) v;
    }

    /** Avro JSON of the key, for the sidecar. */
    static String encode(Key key) {
        return AvroJson.encode(key);
    }

    /**
     * The key kept as Avro JSON by {@link #encode}. A TIME kept by an earlier build, as text of type TEMPORAL, comes
     * back as a TIME (no other temporal value's text has that shape), so that a migration in flight across the
     * upgrade binds its copy cursor and its bound as numbers too.
     */
    static Key decode(String json) {
        if (json == null) {
            return null;
        }
        Key key = AvroJson.decode(Key.class, json);
        List<ColumnValue> values = new ArrayList<>(key.getValues().size());
        for (ColumnValue c : key.getValues()) {
            boolean keptTime = TEMPORAL.equals(c.getType()) && c.getValue() != null
                    && TIME_TEXT.matcher(c.getValue().toString()).matches();
            values.add(keptTime ? new ColumnValue(c.getName(), TIME, timeNumber(timeMicros(c.getValue().toString())))
                    : c);
        }
        return new Key(values);
    }

    /** The key as a person reads it: values in key order joined with {@code |}, bytes as {@code 0x} hex. */
    static String display(Key key) {
        StringBuilder sb = new StringBuilder();
        for (ColumnValue c : key.getValues()) {
            Object v = c.getValue();
            sb.append(sb.isEmpty() ? "" : "|");
            sb.append(v instanceof ByteBuffer b ? "0x" + java.util.HexFormat.of().formatHex(bytes(b))
                    : TIME.equals(c.getType()) && v != null ? timeText(v.toString()) : String.valueOf(v));
        }
        return sb.toString();
    }

    /** Equality of keys as bound values (used to coalesce repeated changes of one row). */
    static String identity(Key key) {
        StringBuilder sb = new StringBuilder();
        for (ColumnValue c : key.getValues()) {
            Object v = c.getValue();
            sb.append(c.getType()).append(':');
            sb.append(v instanceof ByteBuffer b ? java.util.HexFormat.of().formatHex(bytes(b)) : String.valueOf(v));
            sb.append('\u0001');
        }
        return sb.toString();
    }
}
