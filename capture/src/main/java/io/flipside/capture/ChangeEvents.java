package io.flipside.capture;

import io.flipside.core.sql.Sql;
import io.flipside.schema.ChangeEvent;
import io.flipside.schema.ChangeOp;
import io.flipside.schema.ColumnValue;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Turns Debezium's MySQL records (Kafka Connect {@link SourceRecord}s with the Debezium envelope) into Flipside's
 * {@link ChangeEvent}: the row images column by column with each value's Debezium type, the GTID and binlog
 * coordinates from the {@code source} block, and DDL statements from schema-change records and truncate events (as
 * {@code TRUNCATE TABLE db.table}). Heartbeats and anything else that is not a row change or DDL yield nothing.
 */
final class ChangeEvents {
    private static final String SCHEMA_CHANGE = "io.debezium.connector.mysql.SchemaChangeValue";
    /** Debezium's {@code op} of a row change read from the binlog. */
    private static final Set<String> ROW_CHANGES = Set.of("c", "u", "d");

    private final String server;

    ChangeEvents(String server) {
        this.server = server;
    }

    /**
     * Whether the record is a DDL statement read from the binlog (not one of the statements the start's schema snapshot
     * describes the tables with).
     */
    static boolean isBinlogDdl(SourceRecord record) {
        if (!(record.value() instanceof Struct value) || !SCHEMA_CHANGE.equals(value.schema().name())) {
            return false;
        }
        Struct source = value.getStruct("source");
        String snapshot = source == null ? null : optionalString(source, "snapshot");
        return snapshot == null || "false".equals(snapshot);
    }

    /**
     * Whether the record is a row change an XA transaction made
     * ({@link io.flipside.core.config.Topics#XA_PREPARED_HEADER}). Debezium 3.6.1 takes a transaction's thread from
     * its {@code BEGIN}, and ignores the {@code XA START} an XA transaction's rows follow in the binlog instead (as it
     * ignores every {@code XA} statement), so such a row change is the one without a thread in its {@code source}
     * block. {@code CaptureIT} checks it against Debezium.
     */
    static boolean isXaPrepared(SourceRecord record) {
        if (!(record.value() instanceof Struct value) || value.schema().field("op") == null
                || value.schema().field("source") == null || !ROW_CHANGES.contains(value.getString("op"))) {
            return false;
        }
        Struct source = value.getStruct("source");
        return source.schema().field("thread") != null && source.get("thread") == null;
    }

    /**
     * The most bytes a value of a unique key can take (InnoDB's limit for an index key): a value omitted from a row
     * image by {@link #omitLongValues} is longer, so that the applier, which reads only the images' key columns of
     * the table's rows, still finds them.
     */
    static final int KEY_BYTES = 3072;

    /**
     * Removes from {@code ev}'s before and after images every value longer than {@link #KEY_BYTES} (a text's UTF-8
     * bytes, a binary value's bytes) and returns their columns, as {@code before.name} and {@code after.name}: for an
     * event too large for the changelog (a row with a multi-megabyte BLOB), which would otherwise stop the capture.
     */
    static List<String> omitLongValues(ChangeEvent ev) {
        return omit(ev, c -> bytes(c.getValue()) > KEY_BYTES);
    }

    /**
     * Removes from {@code ev}'s images the values of every column not in {@code uniqueKeyColumns} (names compared
     * ignoring case, as MySQL compares them) and returns their columns as {@link #omitLongValues} does: for an event
     * still too large without its long values (a row of hundreds of columns). The applier reads of an image only the
     * columns of the key both tables share, a unique key of the table, so these stay.
     */
    static List<String> keepOnly(ChangeEvent ev, Set<String> uniqueKeyColumns) {
        Set<String> kept = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        kept.addAll(uniqueKeyColumns);
        return omit(ev, c -> !kept.contains(c.getName()));
    }

    private static List<String> omit(ChangeEvent ev, Predicate<ColumnValue> omitted) {
        List<String> names = new ArrayList<>();
        ev.setBefore(without(ev.getBefore(), "before.", omitted, names));
        ev.setAfter(without(ev.getAfter(), "after.", omitted, names));
        return names;
    }

    private static List<ColumnValue> without(List<ColumnValue> image, String prefix, Predicate<ColumnValue> omitted,
            List<String> names) {
        if (image == null) {
            return null;
        }
        List<ColumnValue> kept = new ArrayList<>(image.size());
        for (ColumnValue c : image) {
            if (omitted.test(c)) {
                names.add(prefix + c.getName());
            } else {
                kept.add(c);
            }
        }
        return kept;
    }

    private static long bytes(Object v) {
        return v instanceof ByteBuffer b ? b.remaining()
                : v instanceof CharSequence t ? t.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                : 0;
    }

    Optional<ChangeEvent> convert(SourceRecord record, long capturedMillis) {
        if (!(record.value() instanceof Struct value)) {
            return Optional.empty();
        }
        Schema schema = value.schema();
        if (SCHEMA_CHANGE.equals(schema.name())) {
            return Optional.of(ddl(value, capturedMillis));
        }
        if (schema.field("op") == null || schema.field("source") == null) {
            return Optional.empty();
        }
        if ("t".equals(value.getString("op"))) {
            // Debezium's truncate event carries no statement: published as the DDL statement it was.
            Struct source = value.getStruct("source");
            String db = source.getString("db");
            String table = source.getString("table");
            return Optional.of(envelope(source, capturedMillis).setOp(ChangeOp.DDL).setDatabase(db).setTable(table)
                    .setDdl("TRUNCATE TABLE " + Sql.qualified(db, table)).build());
        }
        ChangeOp op = switch (value.getString("op")) {
            case "c", "r" -> ChangeOp.INSERT;
            case "u" -> ChangeOp.UPDATE;
            case "d" -> ChangeOp.DELETE;
            default -> null;
        };
        if (op == null) {
            return Optional.empty();
        }
        Struct source = value.getStruct("source");
        Struct before = value.getStruct("before");
        Struct after = value.getStruct("after");
        List<ColumnValue> key = record.key() instanceof Struct k ? columns(k) : List.of();
        ChangeEvent.Builder b = envelope(source, capturedMillis)
                .setOp(op)
                .setDatabase(source.getString("db"))
                .setTable(source.getString("table"))
                .setKey(key)
                .setBefore(before == null ? null : columns(before))
                .setAfter(after == null ? null : columns(after));
        return Optional.of(b.build());
    }

    private ChangeEvent ddl(Struct value, long capturedMillis) {
        Struct source = value.getStruct("source");
        return envelope(source, capturedMillis)
                .setOp(ChangeOp.DDL)
                .setDatabase(emptyToNull(value.getString("databaseName")))
                .setTable(source.schema().field("table") == null ? null : source.getString("table"))
                .setDdl(value.getString("ddl"))
                .build();
    }

    private ChangeEvent.Builder envelope(Struct source, long capturedMillis) {
        Long pos = optionalLong(source, "pos");
        Integer row = source.schema().field("row") == null ? null : source.getInt32("row");
        Long ts = optionalLong(source, "ts_ms");
        return ChangeEvent.newBuilder()
                .setServer(server)
                .setGtid(optionalString(source, "gtid"))
                .setBinlogFile(optionalString(source, "file"))
                .setBinlogPos(pos == null ? 0 : pos)
                .setRow(row == null ? 0 : row)
                .setCommitMillis(ts == null ? 0 : ts)
                .setCapturedMillis(capturedMillis);
    }

    static List<ColumnValue> columns(Struct struct) {
        List<ColumnValue> out = new ArrayList<>(struct.schema().fields().size());
        for (Field f : struct.schema().fields()) {
            Schema s = f.schema();
            Object v = struct.get(f);
            out.add(new ColumnValue(f.name(), s.name() != null ? s.name() : s.type().name(), value(s, v)));
        }
        return out;
    }

    /** A Connect value as one of the ColumnValue branches: null, boolean, long, double, string, bytes. */
    static Object value(Schema schema, Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (v instanceof java.util.Date d) {
            return d.getTime();
        }
        return switch (schema.type()) {
            case INT8, INT16, INT32, INT64 -> ((Number) v).longValue();
            case FLOAT32, FLOAT64 -> ((Number) v).doubleValue();
            case BOOLEAN -> v;
            case STRING -> v.toString();
            case BYTES -> v instanceof ByteBuffer b ? b.duplicate() : ByteBuffer.wrap((byte[]) v);
            case STRUCT -> {
                // Geometry types: {wkb: bytes, srid: int}; keep the WKB.
                Struct s = (Struct) v;
                Field wkb = s.schema().field("wkb");
                yield wkb == null ? s.toString() : value(wkb.schema(), s.get(wkb));
            }
            default -> v.toString();
        };
    }

    private static String optionalString(Struct s, String field) {
        return s.schema().field(field) == null ? null : emptyToNull(s.getString(field));
    }

    private static Long optionalLong(Struct s, String field) {
        return s.schema().field(field) == null ? null : s.getInt64(field);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
