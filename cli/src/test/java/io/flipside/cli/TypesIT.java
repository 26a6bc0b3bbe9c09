package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.TableName;
import io.flipside.schema.ChecksumVerdict;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Type fidelity: one table with every MySQL 8 column type at its edge values (and NULL in every nullable column, and
 * zero dates written under a permissive SQL mode), copied, caught up under writes made in a non-UTC session time
 * zone, cut over and reverted. At each step the two tables must hold the same bytes: compared by the freeze-point
 * checksums and by reading every value back (binary values as bytes, the rest as MySQL's text).
 */
class TypesIT {
    static Flipside f;

    static final String COLUMNS = "id INT NOT NULL PRIMARY KEY,"
            + " ti TINYINT NULL, tiu TINYINT UNSIGNED NULL, si SMALLINT NULL, siu SMALLINT UNSIGNED NULL,"
            + " mi MEDIUMINT NULL, miu MEDIUMINT UNSIGNED NULL, i INT NULL, iu INT UNSIGNED NULL,"
            + " bi BIGINT NULL, biu BIGINT UNSIGNED NULL, de DECIMAL(65,30) NULL, fl FLOAT NULL, db DOUBLE NULL,"
            + " b1 BIT(1) NULL, b64 BIT(64) NULL, d DATE NULL, dt0 DATETIME NULL, dt6 DATETIME(6) NULL,"
            + " dt3 DATETIME(3) NULL, ts0 TIMESTAMP NULL DEFAULT NULL, ts6 TIMESTAMP(6) NULL DEFAULT NULL,"
            + " tm TIME NULL, tm6 TIME(6) NULL, y YEAR NULL,"
            + " c CHAR(10) CHARACTER SET utf8mb4 NULL, vc VARCHAR(100) CHARACTER SET utf8mb4 NULL,"
            + " tx TEXT CHARACTER SET utf8mb4 NULL, l1 VARCHAR(100) CHARACTER SET latin1 NULL,"
            + " bn BINARY(16) NULL, vb VARBINARY(300) NULL, bl BLOB NULL, js JSON NULL,"
            + " en ENUM('a','b','c') NULL, st SET('x','y','z') NULL, g GEOMETRY NULL, pt POINT NULL";

    static final String NAMES = "id, ti, tiu, si, siu, mi, miu, i, iu, bi, biu, de, fl, db, b1, b64, d, dt0, dt6, dt3,"
            + " ts0, ts6, tm, tm6, y, c, vc, tx, l1, bn, vb, bl, js, en, st, g, pt";

    /** Every byte value, 0x00 to 0xFF, as hex. */
    static final String ALL_BYTES;

    static {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        ALL_BYTES = HexFormat.of().formatHex(all);
    }

    /** The edge rows: minimums, maximums, and the odd values of each type (written in time zone +05:30). */
    static final List<String> ROWS = List.of(
            "(1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0,"
                    + " '-99999999999999999999999999999999999.999999999999999999999999999999', -3.40282e38, -1.7976931348623157e308,"
                    + " b'0', b'0', '1000-01-01', '1000-01-01 00:00:00', '1000-01-01 00:00:00.000000', '1000-01-01 00:00:00.000',"
                    + " '1970-01-01 05:30:01', '1970-01-01 05:30:01.000000', '-838:59:59', '-838:59:59.000000', 1901,"
                    + " '', '', '', '', x'00000000000000000000000000000000', x'', x'', '{}', 'a', '', ST_GeomFromText('POINT(0 0)'),"
                    + " ST_GeomFromText('POINT(-180 -90)'))",
            "(2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807,"
                    + " 18446744073709551615, '99999999999999999999999999999999999.999999999999999999999999999999', 3.40282e38,"
                    + " 1.7976931348623157e308, b'1', b'1111111111111111111111111111111111111111111111111111111111111111',"
                    + " '9999-12-31', '9999-12-31 23:59:59', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999',"
                    + " '2038-01-19 03:14:07', '2038-01-19 03:14:07.999999', '838:59:59', '838:59:59.000000', 2155,"
                    + " '𝄞😀ab', CONCAT('emoji 😀 and ', REPEAT('ü', 80)), REPEAT('𝄞', 1000), 'Ã© latin1 ÿ',"
                    + " x'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF', x'00FF7F80', x'0A0D00', '{\"a\": [1, 2.5, \"ü😀\", null, true],"
                    + " \"big\": 18446744073709551615, \"neg\": -9223372036854775808, \"f\": 1.7976931348623157e308}',"
                    + " 'c', 'x,y,z', ST_GeomFromText('LINESTRING(0 0, 1 1, 2 3)'), ST_GeomFromText('POINT(180 90)'))",
            "(3, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, '0.000000000000000000000000000001', -0.0, -0.0, b'0', b'1',"
                    + " '2024-02-29', '2024-02-29 12:34:56', '2024-02-29 12:34:56.000001', '2024-02-29 12:34:56.001',"
                    + " '2024-03-31 01:30:00', '2024-10-27 00:30:00.123456', '-00:00:01', '23:59:59.999999', 2000,"
                    + " 'trailing  ', ' lead', 'tab\\there\\nnewline', 'x', x'0102', x'DEADBEEF', x'" + ALL_BYTES + "', '[1e-300, -0.0]',"
                    + " 'b', 'y', ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 0))'), ST_GeomFromText('POINT(1.5 -2.25)'))",
            "(4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1.17549e-38, 4.9e-324, NULL, NULL,"
                    + " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
                    + " 'null', NULL, NULL, NULL, NULL)",
            "(5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
                    + " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
                    + " NULL, NULL, NULL)");

    @BeforeAll
    static void start() throws Exception {
        f = Flipside.get();
    }

    @Test
    void everyTypeAtItsEdgesSurvivesCopyCatchUpCutOverAndRevert() throws Exception {
        TableName t = f.recreate(new TableName("types", "every_type"), COLUMNS);
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            s.execute("SET SESSION time_zone = '+05:30'");
            s.execute("INSERT INTO " + t.quoted() + " VALUES " + String.join(", ", ROWS));
            // Zero dates, as an application running with a permissive sql_mode can write them.
            s.execute("SET SESSION sql_mode = ''");
            s.execute("INSERT INTO " + t.quoted() + " (id, d, dt0, dt6, ts0) VALUES (6, '0000-00-00',"
                    + " '0000-00-00 00:00:00', '2020-00-10 00:00:00', '0000-00-00 00:00:00')");
            // Many copies of the edge rows, so that the copy takes several chunks while the writer changes them.
            s.execute("SET SESSION cte_max_recursion_depth = 3000");
            s.execute("INSERT INTO " + t.quoted() + " WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM"
                    + " seq WHERE n < 2000) SELECT 100 + n, ti, tiu, si, siu, mi, miu, i, iu, bi, biu, de, fl, db, b1,"
                    + " b64, d, dt0, dt6, dt3, ts0, ts6, tm, tm6, y, c, vc, tx, l1, bn, vb, bl, js, en, st, g, pt FROM seq"
                    + " JOIN " + t.quoted() + " ON id = 1 + n % 6");
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger writes = new AtomicInteger();
        List<Throwable> errors = new ArrayList<>();
        Thread writer = new Thread(() -> {
            String values = " ti, tiu, si, siu, mi, miu, i, iu, bi, biu, de, fl, db, b1, b64, d, dt0, dt6, dt3, ts0, ts6,"
                    + " tm, tm6, y, c, vc, tx, l1, bn, vb, bl, js, en, st, g, pt FROM " + t.quoted() + " WHERE id = ?";
            try (Connection c = f.connect(); Statement s = c.createStatement();
                    PreparedStatement replace = c.prepareStatement("REPLACE INTO " + t.quoted() + " (" + NAMES
                            + ") SELECT ?," + values);
                    PreparedStatement insert = c.prepareStatement("INSERT INTO " + t.quoted() + " (" + NAMES
                            + ") SELECT ?," + values.replace("ts0,", "CURRENT_TIMESTAMP,"))) {
                s.execute("SET SESSION time_zone = '-07:00', SESSION sql_mode = ''");
                for (int n = 0; !stop.get(); n++) {
                    int from = 1 + n % 6;
                    // Each edge row copied over another row, and new rows with edge values.
                    replace.setInt(1, 100 + 1 + (n * 7) % 2000);
                    replace.setInt(2, from);
                    replace.executeUpdate();
                    insert.setInt(1, 10_000 + n);
                    insert.setInt(2, from);
                    insert.executeUpdate();
                    writes.addAndGet(2);
                    Thread.sleep(20);
                }
            } catch (Throwable e) {
                errors.add(e);
            }
        }, "edge-writer");
        writer.start();
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", "ADD COLUMN extra INT NULL");
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        try (OperatorClient client = new OperatorClient(f.config)) {
            MigrationState cut = ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
            Thread.sleep(1500); // writes on the new table, for inverse replication
            stop.set(true);
            writer.join();
            assertTrue(errors.isEmpty(), errors.toString());
            assertTrue(writes.get() > 20, "writes: " + writes.get());
            TableName old = t.sibling(cut.getOldTable());
            assertEquals("", awaitSame(t, old), "the old table kept in step with the new one, value for value");

            assertEquals(Main.OK, f.cli("revert", id, "--wait").exit());
            TableName shadow = t.sibling(cut.getShadowTable());
            try (Connection c = f.connect(); Statement s = c.createStatement()) {
                s.execute("SET SESSION time_zone = '+09:00', SESSION sql_mode = ''");
                s.execute("UPDATE " + t.quoted() + " SET dt6 = '9999-12-31 23:59:59.999999', fl = -0.0 WHERE id = 5");
            }
            assertEquals("", awaitSame(t, shadow), "forward replication after the revert, value for value");
            MigrationState reverted = client.awaitState(id, s -> s.getChecksums().size() >= 2, Duration.ofSeconds(60))
                    .orElseThrow();
            for (ChecksumVerdict v : reverted.getChecksums()) {
                assertTrue(v.getMatched(), v.toString());
            }
            assertEquals(Main.OK, f.cli("complete", id, "--wait").exit());
        }
    }

    /** Every column the two tables share, row by row: "" when equal, else the first difference. */
    static String difference(TableName a, TableName b) throws Exception {
        List<List<String>> ra = rows(a);
        List<List<String>> rb = rows(b);
        for (int i = 0; i < Math.min(ra.size(), rb.size()); i++) {
            if (!ra.get(i).equals(rb.get(i))) {
                return "row " + i + ": " + ra.get(i) + " vs " + rb.get(i);
            }
        }
        return ra.size() == rb.size() ? "" : ra.size() + " rows vs " + rb.size();
    }

    private static String awaitSame(TableName a, TableName b) throws Exception {
        return Poll.untilNoDifference(() -> difference(a, b), Duration.ofSeconds(60));
    }

    private static List<List<String>> rows(TableName t) throws Exception {
        List<List<String>> out = new ArrayList<>();
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            s.execute("SET SESSION time_zone = '+00:00'");
            try (ResultSet rs = s.executeQuery("SELECT * FROM " + t.quoted() + " ORDER BY id")) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        if (md.getColumnName(i).equals("extra")) {
                            continue;
                        }
                        byte[] raw = rs.getBytes(i);
                        row.add(md.getColumnName(i) + "=" + (raw == null ? "NULL" : HexFormat.of().formatHex(raw)));
                    }
                    out.add(row);
                }
            }
        }
        return out;
    }
}
