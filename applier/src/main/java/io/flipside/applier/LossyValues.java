package io.flipside.applier;

import io.flipside.core.sql.Projection;
import io.flipside.core.sql.TypeConversions;
import io.flipside.schema.Key;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Values that the table written cannot hold exactly: what MySQL, in the applier's strict SQL mode, refuses with a
 * conversion error instead of changing silently, and what it rounds without a word even so (fewer fractional digits,
 * a smaller DECIMAL scale, a FLOAT, an INT from a DECIMAL), found by comparing the rows just written with the rows
 * read.
 *
 * <p>Forward (before the cut-over) such a value means the new schema cannot hold production's data, and the migration
 * must fail before it cuts over. Inverse (after the cut-over) it means that the old schema cannot hold a value the
 * application wrote under the new one: inverse replication must not stop (it keeps the old table complete for a
 * revert) and must not truncate silently either. It writes the row with MySQL's nearest value, and records the key
 * and the column in the sidecar, in the same transaction, so that a revert can be refused unless forced.
 */
final class LossyValues {
    private static final int INVALID_JSON_TEXT = 3140;
    /** Conversion errors (strict mode) and the same conditions as warnings (lenient mode). */
    private static final Set<Integer> CONVERSION = Set.of(
            1048, // Column 'x' cannot be null
            1263, // Column set to default value; NULL supplied to NOT NULL column 'x'
            1264, // Out of range value for column 'x'
            1265, // Data truncated for column 'x'
            1292, // Incorrect datetime value: '...' for column 'x'
            1366, // Incorrect string/integer value: '...' for column 'x'
            1406, // Data too long for column 'x'
            1690, // BIGINT UNSIGNED value is out of range in ...
            INVALID_JSON_TEXT, // Invalid JSON text: "..." in value for column 't.x' (in any SQL mode)
            3144, // Cannot create a JSON value from a string with CHARACTER SET 'binary'
            3156); // Invalid JSON value for CAST to ... from column x
    static final int DUPLICATE_KEY = 1062;
    private static final Pattern COLUMN = Pattern.compile("column '([^']*)'");
    private static final Pattern UNIQUE_KEY = Pattern.compile("for key '([^']*)'");
    private static final Set<String> STRICT_MODES = Set.of("STRICT_ALL_TABLES", "STRICT_TRANS_TABLES");

    private final String id;
    private final Sidecar sidecar;

    LossyValues(String id, Sidecar sidecar) {
        this.id = id;
        this.sidecar = sidecar;
    }

    /** A value the written table refused: a conversion error, or a unique key the read table does not enforce. */
    static boolean isRefusedValue(SQLException e) {
        return CONVERSION.contains(e.getErrorCode()) || e.getErrorCode() == DUPLICATE_KEY;
    }

    /** The column (or, for a duplicate, the unique key) that MySQL's diagnostic names. */
    static String subject(int errorCode, String message) {
        Matcher m = (errorCode == DUPLICATE_KEY ? UNIQUE_KEY : COLUMN).matcher(message == null ? "" : message);
        if (!m.find()) {
            return "?";
        }
        if (errorCode == DUPLICATE_KEY) {
            return "unique key " + m.group(1);
        }
        // A JSON column's refusal names the column after its table.
        return errorCode == INVALID_JSON_TEXT ? m.group(1).substring(m.group(1).lastIndexOf('.') + 1) : m.group(1);
    }

    /**
     * The first of {@code keys} whose row the written table refuses, with MySQL's reason: each key is written on its
     * own, in strict mode, and every write is rolled back to a savepoint. For the message of a failed migration.
     */
    static String firstRefused(Connection c, Projection p, List<Key> keys, Key bound) throws SQLException {
        java.sql.Savepoint before = c.setSavepoint();
        try {
            for (Key k : keys) {
                try (PreparedStatement ps = c.prepareStatement(p.upsert(1, bound != null))) {
                    int i = KeyValues.bind(ps, 1, k);
                    if (bound != null) {
                        KeyValues.bind(ps, i, bound);
                    }
                    ps.executeUpdate();
                } catch (SQLException e) {
                    if (isRefusedValue(e)) {
                        return "the row with key " + KeyValues.display(k) + ": " + e.getMessage();
                    }
                    throw e;
                }
            }
            return "a row of keys " + keys.stream().map(KeyValues::display).collect(Collectors.joining(", "));
        } finally {
            c.rollback(before);
        }
    }

    /**
     * Writes each of {@code keys} on its own ({@code writeOneKey}: the statements that write one key's row) in a
     * lenient SQL mode, so that MySQL stores its nearest value instead of refusing the row, and records every value it
     * had to change (or, for a duplicate of a unique key that only the written table has or a value MySQL refuses in
     * any mode, such as a JSON column's invalid text, the row it could not write). Runs inside the caller's
     * transaction.
     *
     * @param swaps the swaps done so far: which table could not hold the values
     * @return how many values were recorded as new
     */
    int writeRecordingLoss(Connection c, List<String> writeOneKey, List<Key> keys, int swaps) throws SQLException {
        String strict = sqlMode(c);
        setSqlMode(c, lenient(strict));
        List<Loss> losses = new ArrayList<>();
        try {
            for (Key k : keys) {
                try {
                    for (String sql : writeOneKey) {
                        try (PreparedStatement ps = c.prepareStatement(sql)) {
                            KeyValues.bind(ps, 1, k);
                            ps.executeUpdate();
                            for (SQLWarning w = ps.getWarnings(); w != null; w = w.getNextWarning()) {
                                if (CONVERSION.contains(w.getErrorCode())) {
                                    losses.add(new Loss(k, subject(w.getErrorCode(), w.getMessage()), w.getMessage()));
                                }
                            }
                        }
                    }
                } catch (SQLException e) {
                    // A duplicate, or a value MySQL refuses in any mode (a JSON column's invalid text).
                    if (!isRefusedValue(e)) {
                        throw e;
                    }
                    losses.add(new Loss(k, subject(e.getErrorCode(), e.getMessage()),
                            "row not written: " + e.getMessage()));
                }
            }
        } finally {
            setSqlMode(c, strict);
        }
        return record(c, losses, swaps);
    }

    /**
     * Records the values of the {@code keys} rows just written that MySQL rounded without a word, in strict mode as in
     * any ({@link Projection#notHeldExactly}: {@code columns} are the written columns a write may round, with how
     * their values are compared and shown). Runs inside the caller's transaction.
     *
     * @param keyAmong a key column is among {@code columns}
     * @return how many values were recorded as new
     */
    int recordRounded(Connection c, Projection p, List<Key> keys,
            java.util.LinkedHashMap<String, TypeConversions.Rounding> columns, boolean keyAmong, int swaps)
            throws SQLException {
        List<String> names = List.copyOf(columns.keySet());
        List<Loss> losses = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(p.notHeldExactly(keys.size(), columns, keyAmong))) {
            int i = 1;
            for (Key k : keys) {
                i = KeyValues.bind(ps, i, k);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Key k = KeyValues.read(rs, p.readKey());
                    boolean missing = rs.getBoolean("flipside_missing");
                    for (int n = 1; n <= names.size(); n++) {
                        if (rs.getBoolean("flipside_differs_" + n)) {
                            String value = rs.getString("flipside_read_" + n);
                            losses.add(new Loss(k, names.get(n - 1), missing
                                    ? "rounded: no row under the key with " + value + " (the key was rounded)"
                                    : "rounded: " + value + " became " + rs.getString("flipside_written_" + n)));
                        }
                    }
                }
            }
        }
        return record(c, losses, swaps);
    }

    private record Loss(Key key, String column, String detail) {}

    private int record(Connection c, List<Loss> losses, int swaps) throws SQLException {
        if (losses.isEmpty()) {
            return 0;
        }
        long seq;
        try (PreparedStatement ps = c.prepareStatement(sidecar.maxLossySeq())) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                seq = rs.getLong(1);
            }
        }
        int added = 0;
        try (PreparedStatement ps = c.prepareStatement(sidecar.insertLossy())) {
            for (Loss l : losses) {
                String key = KeyValues.display(l.key());
                ps.setString(1, id);
                ps.setLong(2, seq + 1);
                ps.setString(3, key);
                ps.setString(4, key);
                ps.setString(5, l.column());
                ps.setString(6, l.detail());
                ps.setInt(7, swaps);
                if (ps.executeUpdate() == 1) {
                    seq++;
                    added++;
                }
            }
        }
        return added;
    }

    /** One lossy value as the journal reports it. */
    record Recorded(long seq, String key, String column, String detail, int swaps) {}

    /** Recorded values not yet journalled, oldest first (at most 100). */
    List<Recorded> unreported(Connection c) throws SQLException {
        List<Recorded> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sidecar.unreportedLossy())) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Recorded(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getInt(5)));
                }
            }
        }
        return out;
    }

    void markReported(Connection c, long upToSeq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sidecar.markLossyReported())) {
            ps.setString(1, id);
            ps.setLong(2, upToSeq);
            ps.executeUpdate();
        }
    }

    /**
     * Whether a value was recorded since swap number {@code swaps}, that is into the table that does not serve now
     * (read under the freeze's table locks).
     */
    boolean any(Connection c, int swaps) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sidecar.anyLossyAt())) {
            ps.setString(1, id);
            ps.setInt(2, swaps);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    static String lenient(String sqlMode) {
        return Db.withoutModes(sqlMode, STRICT_MODES);
    }

    private static String sqlMode(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@SESSION.sql_mode")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void setSqlMode(Connection c, String mode) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SET SESSION sql_mode = ?")) {
            ps.setString(1, mode);
            ps.execute();
        }
    }
}
