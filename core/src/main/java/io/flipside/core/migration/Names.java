package io.flipside.core.migration;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Names Flipside gives to migrations and to the tables it creates. The helper tables live next to the source table
 * (a RENAME TABLE that swaps them stays in one database) and carry the migration id, so that two migrations of the
 * same table over time never collide with each other's leftovers.
 */
public final class Names {
    /** Matches the names of every table Flipside creates: {@code _<table>_<8 hex>_new|old|del|prb}. */
    public static final Pattern HELPER_TABLE = Pattern.compile("_.*_[0-9a-f]{8}_(new|old|del|prb)");

    private static final int TABLE_PART = 64 - "_".length() - "_12345678_new".length();

    private Names() {}

    /**
     * The migration id of a submit: derived from its request id, so that replaying the journal, or a duplicate
     * delivery of the command, gives the same id.
     */
    public static String migrationId(String requestId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(requestId.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }

    /** The shadow table: filled with the new schema while production runs. */
    public static String shadowTable(String table, String migrationId) {
        return helper(table, migrationId, "new");
    }

    /** The name the source table takes at the cut-over, kept in sync by inverse replication. */
    public static String oldTable(String table, String migrationId) {
        return helper(table, migrationId, "old");
    }

    /** Where a table waits to be dropped when it is retired. */
    public static String holdTable(String table, String migrationId) {
        return helper(table, migrationId, "del");
    }

    /** An empty copy of the source on which the ALTER is tried with ALGORITHM=INSTANT at submit, then dropped. */
    public static String probeTable(String table, String migrationId) {
        return helper(table, migrationId, "prb");
    }

    private static String helper(String table, String migrationId, String suffix) {
        if (!migrationId.matches("[0-9a-f]{8}")) {
            throw new IllegalArgumentException("not a migration id: " + migrationId);
        }
        String t = table.length() > TABLE_PART ? table.substring(0, TABLE_PART) : table;
        return "_" + t + "_" + migrationId + "_" + suffix;
    }
}
