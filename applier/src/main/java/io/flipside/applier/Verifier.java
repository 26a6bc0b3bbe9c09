package io.flipside.applier;

import io.flipside.core.mapping.ColumnDef;
import io.flipside.core.sql.Checksums;
import io.flipside.core.sql.Projection;
import io.flipside.core.sql.TableName;
import io.flipside.schema.ChecksumVerdict;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Proves invariant 1 at a swap: the table that became production equals, on every mapped column of every row, the
 * projection of the table it replaced, at the freeze point. Both checksums are read in one consistent snapshot that
 * the swap opened while writes were held, so they see exactly the freeze point, yet they are computed after writes
 * resumed and cost the freeze nothing.
 */
final class Verifier {
    private Verifier() {}

    static ChecksumVerdict verify(String migrationId, Connection snapshot, String phase, String freezeGtid,
            TableName production, List<String> productionColumns, TableName replaced, List<String> replacedColumns)
            throws SQLException {
        return verify(migrationId, snapshot, phase, freezeGtid, production, productionColumns, List.of(), replaced,
                replacedColumns, List.of());
    }

    /**
     * As above; when the checksums differ and the keys are given, also finds up to five keys whose rows differ, in
     * the same snapshot, so that the verdict says where to look.
     */
    static ChecksumVerdict verify(String migrationId, Connection snapshot, String phase, String freezeGtid,
            TableName production, List<String> productionColumns, List<String> productionKey, TableName replaced,
            List<String> replacedColumns, List<String> replacedKey) throws SQLException {
        long t0 = System.nanoTime();
        try {
            List<ColumnDef> productionDefs = TableInspector.columns(snapshot, production);
            List<ColumnDef> replacedDefs = TableInspector.columns(snapshot, replaced);
            // At a cut-over the table that became production has the new schema; at a revert, the old one.
            boolean productionIsOld = !phase.equals("CUT_OVER");
            Map<String, Checksums.ComparedAs> productionCasts = new HashMap<>();
            Map<String, Checksums.ComparedAs> replacedCasts = new HashMap<>();
            comparedAs(productionDefs, productionColumns, replacedDefs, replacedColumns, !productionIsOld,
                    productionCasts, replacedCasts);
            Checksums.Hashed productionHashed = Checksums.Hashed.of(productionColumns, textColumns(productionDefs),
                    productionCasts, productionIsOld);
            Checksums.Hashed replacedHashed = Checksums.Hashed.of(replacedColumns, textColumns(replacedDefs),
                    replacedCasts, !productionIsOld);
            String[] actual = checksum(snapshot, Checksums.query(migrationId, production, productionHashed),
                    productionHashed.parameters());
            String[] expected = checksum(snapshot, Checksums.query(migrationId, replaced, replacedHashed),
                    replacedHashed.parameters());
            List<String> differences = new ArrayList<>();
            boolean matched = actual[0].equals(expected[0]) && actual[1].equals(expected[1]);
            if (!matched && !productionKey.isEmpty()) {
                collect(snapshot, Checksums.differingKeys(migrationId, production, productionKey, productionHashed,
                        replaced, replacedKey, replacedHashed, 5, binaryColumns(productionDefs),
                        floatColumns(productionDefs), Projection.Collation.differing(productionDefs,
                                productionKey, replacedDefs, replacedKey)),
                        parameters(productionHashed, replacedHashed), differences, "");
                collect(snapshot, Checksums.differingKeys(migrationId, replaced, replacedKey, replacedHashed,
                        production, productionKey, productionHashed, 5, binaryColumns(replacedDefs),
                        floatColumns(replacedDefs), Projection.Collation.differing(replacedDefs,
                                replacedKey, productionDefs, productionKey)),
                        parameters(replacedHashed, productionHashed), differences, "replaced table: ");
            }
            try (Statement s = snapshot.createStatement()) {
                s.execute("COMMIT");
            }
            long rows = Long.parseLong(actual[0]);
            long expectedRows = Long.parseLong(expected[0]);
            return ChecksumVerdict.newBuilder()
                    .setPhase(phase)
                    .setFreezeGtid(freezeGtid)
                    .setRows(rows)
                    .setExpectedRows(expectedRows)
                    .setChecksum(actual[1])
                    .setExpectedChecksum(expected[1])
                    .setMatched(rows == expectedRows && actual[1].equals(expected[1]))
                    .setMillis((System.nanoTime() - t0) / 1_000_000)
                    .setDifferences(differences)
                    .build();
        } finally {
            snapshot.close();
        }
    }

    /**
     * For each pair of mapped columns whose types write the same value as different text (TIME(3) and TIME(6), say),
     * the types they are hashed as ({@link Checksums#compareAs}, {@code aIsNew}: whether {@code a} has the new
     * schema), into {@code aCasts} and {@code bCasts}.
     */
    private static void comparedAs(List<ColumnDef> aDefs, List<String> aColumns, List<ColumnDef> bDefs,
            List<String> bColumns, boolean aIsNew, Map<String, Checksums.ComparedAs> aCasts,
            Map<String, Checksums.ComparedAs> bCasts) {
        Map<String, ColumnDef> aByName = byName(aDefs);
        Map<String, ColumnDef> bByName = byName(bDefs);
        for (int i = 0; i < aColumns.size(); i++) {
            String aColumn = aColumns.get(i);
            String bColumn = bColumns.get(i);
            ColumnDef a = aByName.get(aColumn);
            ColumnDef b = bByName.get(bColumn);
            if (a != null && b != null) {
                Checksums.compareAs(aIsNew ? b : a, aIsNew ? a : b).ifPresent(as -> {
                    aCasts.put(aColumn, as);
                    bCasts.put(bColumn, as);
                });
            }
        }
    }

    private static List<String> parameters(Checksums.Hashed a, Checksums.Hashed b) {
        List<String> out = new ArrayList<>(a.parameters());
        out.addAll(b.parameters());
        return out;
    }

    private static Map<String, ColumnDef> byName(List<ColumnDef> defs) {
        return defs.stream().collect(Collectors.toMap(ColumnDef::name, d -> d));
    }

    /** The columns that have a character set. */
    private static Set<String> textColumns(List<ColumnDef> defs) {
        return defs.stream().filter(col -> col.charset() != null).map(ColumnDef::name).collect(Collectors.toSet());
    }

    /** The columns of binary string and BIT types, whose values a person reads in hex. */
    private static Set<String> binaryColumns(List<ColumnDef> defs) {
        return defs.stream().filter(col -> BINARY_TYPE.matcher(col.columnType()).lookingAt()).map(ColumnDef::name)
                .collect(Collectors.toSet());
    }

    /** The FLOAT columns ({@link ColumnDef#isFloat}). */
    private static Set<String> floatColumns(List<ColumnDef> defs) {
        return defs.stream().filter(ColumnDef::isFloat).map(ColumnDef::name).collect(Collectors.toSet());
    }

    private static final java.util.regex.Pattern BINARY_TYPE = java.util.regex.Pattern.compile(
            "(binary|varbinary|bit|tinyblob|blob|mediumblob|longblob)\\b", java.util.regex.Pattern.CASE_INSENSITIVE);

    private static void collect(Connection c, String sql, List<String> parameters, List<String> out, String prefix)
            throws SQLException {
        try (PreparedStatement s = prepare(c, sql, parameters); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.add(prefix + "key " + rs.getString(1));
            }
        }
    }

    private static String[] checksum(Connection c, String sql, List<String> parameters) throws SQLException {
        try (PreparedStatement s = prepare(c, sql, parameters); ResultSet rs = s.executeQuery()) {
            rs.next();
            return new String[] {rs.getString(1), rs.getString(2)};
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, List<String> parameters) throws SQLException {
        PreparedStatement s = c.prepareStatement(sql);
        try {
            for (int i = 0; i < parameters.size(); i++) {
                s.setString(i + 1, parameters.get(i));
            }
            return s;
        } catch (SQLException e) {
            s.close();
            throw e;
        }
    }
}
