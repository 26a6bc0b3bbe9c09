package io.flipside.core.sql;

import io.flipside.core.mapping.ColumnDef;
import io.flipside.core.mapping.ColumnMapping;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The statements that project rows of one table onto another through a column mapping, executed by MySQL itself so
 * that values keep their exact types. Built once per direction (forward: source to shadow; inverse: new to old) and
 * reused; applying a change only binds key values.
 *
 * <p>Statements name tables in full and use no aliases, because the cut-over runs them under {@code LOCK TABLES},
 * where an alias would need a lock of its own.
 *
 * <p>Every write is an upsert of the mapped columns only: columns of the written table that the mapping does not name
 * keep their values on rows that exist and take their defaults on new rows. In the inverse direction this keeps a
 * dropped column's pre-cut-over values, which is what makes a revert lossless.
 *
 * @param migrationId for the statement comments
 * @param read        the table read
 * @param write       the table written
 * @param mapping     read columns to written columns
 * @param readKey     the shared unique key in the read table's names
 * @param writeKey    the same key in the written table's names, same order
 * @param readIndex   the read table's index over readKey
 * @param mode        how rows are written (see {@link WriteMode})
 * @param selectedAs  read columns selected as {@code CAST(column AS type)}, with the type: where MySQL's
 *                    {@code INSERT ... SELECT} from the column itself would store something else than its own
 *                    {@code ALTER} (see {@link TypeConversions#selectedAs})
 * @param readFloatKeys  the key columns the read table holds as a FLOAT (see {@link #keysFloating})
 * @param writeFloatKeys the key columns the written table holds as a FLOAT
 * @param writeCollations the written columns whose collation is not that of the read column mapped to them, with
 *                    theirs (see {@link #comparing})
 */
public record Projection(String migrationId, TableName read, TableName write, ColumnMapping mapping,
        List<String> readKey, List<String> writeKey, String readIndex, WriteMode mode, Map<String, String> selectedAs,
        Set<String> readFloatKeys, Set<String> writeFloatKeys, Map<String, Collation> writeCollations) {

    public Projection {
        readKey = List.copyOf(readKey);
        writeKey = List.copyOf(writeKey);
        selectedAs = Map.copyOf(selectedAs);
        readFloatKeys = Set.copyOf(readFloatKeys);
        writeFloatKeys = Set.copyOf(writeFloatKeys);
        writeCollations = Map.copyOf(writeCollations);
        if (readKey.size() != writeKey.size() || readKey.isEmpty()) {
            throw new IllegalArgumentException("key columns differ between the tables");
        }
    }

    /** A projection whose key columns are no FLOATs (see {@link #keysFloating}). */
    public Projection(String migrationId, TableName read, TableName write, ColumnMapping mapping, List<String> readKey,
            List<String> writeKey, String readIndex, WriteMode mode, Map<String, String> selectedAs) {
        this(migrationId, read, write, mapping, readKey, writeKey, readIndex, mode, selectedAs, Set.of(), Set.of(),
                Map.of());
    }

    /** A projection that selects every read column as it is (see {@link #selecting}). */
    public Projection(String migrationId, TableName read, TableName write, ColumnMapping mapping, List<String> readKey,
            List<String> writeKey, String readIndex, WriteMode mode) {
        this(migrationId, read, write, mapping, readKey, writeKey, readIndex, mode, Map.of());
    }

    /** A projection that writes by {@link WriteMode#UPSERT}. */
    public Projection(String migrationId, TableName read, TableName write, ColumnMapping mapping, List<String> readKey,
            List<String> writeKey, String readIndex) {
        this(migrationId, read, write, mapping, readKey, writeKey, readIndex, WriteMode.UPSERT);
    }

    /** The same projection read the other way (writing by upsert: see the README's limitations). */
    public Projection reversed() {
        return new Projection(migrationId, write, read, mapping.inverse(), writeKey, readKey, null, WriteMode.UPSERT,
                Map.of(), writeFloatKeys, readFloatKeys, Map.of());
    }

    /** The same projection, selecting the read columns {@code as} names as the types it gives (see the record). */
    public Projection selecting(Map<String, String> as) {
        return new Projection(migrationId, read, write, mapping, readKey, writeKey, readIndex, mode, as, readFloatKeys,
                writeFloatKeys, writeCollations);
    }

    /**
     * The same projection, knowing which key columns each table holds as a FLOAT ({@code read} and {@code write}, in
     * each table's names). MySQL sends a FLOAT as text with six significant digits, which is another value (1006.67
     * for the FLOAT 1006.6666870117188): bound back, it finds no row, and a key read so among the keys the apply kept
     * deleted the row it had just written. The statements that read keys select such a column as a DOUBLE, which
     * MySQL sends in full and which holds every FLOAT exactly.
     */
    public Projection keysFloating(Set<String> read, Set<String> write) {
        return new Projection(migrationId, this.read, this.write, mapping, readKey, writeKey, readIndex, mode,
                selectedAs, read, write, writeCollations);
    }

    /** A character column's character set and collation, as information_schema names them. */
    public record Collation(String charset, String name) {
        public Collation {
            if (!charset.matches("[A-Za-z0-9_]+") || !name.matches("[A-Za-z0-9_]+")) {
                throw new IllegalArgumentException("not a character set and collation: " + charset + ", " + name);
            }
        }

        /**
         * The columns of {@code bColumns} (defined in {@code bDefs}) that are character columns of another collation
         * than the character column of {@code aColumns} (in {@code aDefs}) in the same place, with theirs.
         */
        public static Map<String, Collation> differing(List<ColumnDef> aDefs, List<String> aColumns,
                List<ColumnDef> bDefs, List<String> bColumns) {
            Map<String, Collation> out = new java.util.HashMap<>();
            for (int i = 0; i < aColumns.size(); i++) {
                ColumnDef a = named(aDefs, aColumns.get(i));
                ColumnDef b = named(bDefs, bColumns.get(i));
                if (a != null && b != null && a.collation() != null && b.collation() != null
                        && !a.collation().equals(b.collation())) {
                    out.put(bColumns.get(i), new Collation(b.charset(), b.collation()));
                }
            }
            return out;
        }

        private static ColumnDef named(List<ColumnDef> defs, String name) {
            return defs.stream().filter(d -> d.name().equalsIgnoreCase(name)).findFirst().orElse(null);
        }

        /** {@code value} (an expression) brought into this character set and collation. */
        public String applyTo(String value) {
            return "CONVERT(" + value + " USING " + charset + ") COLLATE " + name;
        }
    }

    /**
     * The same projection, knowing which written columns have another collation than the read column mapped to them
     * ({@code collations}, by written column). A statement that compares a written table's value with a read table's
     * ({@link #copyMissing}, {@link #replaceKeeping}, {@link #uniqueHolders}, {@link #notHeldExactly}) brings the
     * read value into the written column's character set and collation: MySQL refuses to compare two columns of
     * different collations of one character set (error 1267), and the written table's collation is the one its keys
     * are unique in. The written column stays bare, so that its index is used.
     */
    public Projection comparing(Map<String, Collation> collations) {
        return new Projection(migrationId, read, write, mapping, readKey, writeKey, readIndex, mode, selectedAs,
                readFloatKeys, writeFloatKeys, collations);
    }

    /** The key columns {@code key} as the statements that read keys select them (see {@link #keysFloating}). */
    private static String keyList(String qualifier, List<String> key, Set<String> floats) {
        return selectList(qualifier, key, c -> floats.contains(c) ? "DOUBLE" : null);
    }

    /**
     * {@code columns}, qualified when {@code qualifier} is, each cast to the type {@code castTo} gives for it
     * ({@link TypeConversions#cast}), or as it is where that is null.
     */
    private static String selectList(String qualifier, List<String> columns,
            java.util.function.Function<String, String> castTo) {
        return columns.stream().map(c -> {
            String column = (qualifier == null ? "" : qualifier + ".") + Sql.ident(c);
            String type = castTo.apply(c);
            return type == null ? column : TypeConversions.cast(column, type);
        }).collect(Collectors.joining(", "));
    }

    /** The mapped read columns as the statements that write them select them, qualified when {@code qualifier} is. */
    private String selected(String qualifier) {
        return selectList(qualifier, mapping.fromColumns(), selectedAs::get);
    }

    public int keySize() {
        return readKey.size();
    }

    /**
     * Copies the next chunk: the first {@code ?limit} rows after the key {@code ?lower} (no lower bound for the first
     * chunk). With {@code locking}, they are read with shared locks, so that a change to one of these rows either
     * committed before this statement read it or commits after this transaction, i.e. after the chunk's own position in
     * the binlog. Without, in a READ COMMITTED session, they are read from a snapshot taken when the statement starts
     * and a writer of one of them never waits for the chunk; the caller then owes the changes committed between the
     * chunk's opening ({@code copy_state.opened_chunks}) and its commit, which the replicator applies again once the
     * cursor covers them.
     *
     * <p>Parameters: the lower key (unless {@code first}), then the row limit.
     */
    public String copyChunk(boolean first, boolean locking) {
        return Sql.tag(migrationId, "copy") + (mode == WriteMode.REPLACE ? "REPLACE INTO " : "INSERT INTO ")
                + write.quoted() + " (" + Sql.identList(mapping.toColumns())
                + ") SELECT " + selected(null) + " FROM " + read.quoted()
                + (readIndex == null ? "" : " FORCE INDEX (" + Sql.ident(readIndex) + ")")
                + (first ? "" : " WHERE " + row(null, readKey) + " > " + tuple(keySize()))
                + " ORDER BY " + Sql.identList(readKey) + " LIMIT ?" + (locking ? " LOCK IN SHARE MODE" : "");
    }

    /**
     * Copies the rows after the key {@code ?lower} (no lower bound for the first chunk) up to and including the key
     * {@code ?upper}, with shared locks when {@code locking}, like {@link #copyChunk}: one of several chunks copied at
     * once, each on its own connection, the next one starting after {@code upper}.
     *
     * <p>Parameters: the lower key (unless {@code first}), then the upper key.
     */
    public String copyRange(boolean first, boolean locking) {
        return Sql.tag(migrationId, "copy") + (mode == WriteMode.REPLACE ? "REPLACE INTO " : "INSERT INTO ")
                + write.quoted() + " (" + Sql.identList(mapping.toColumns())
                + ") SELECT " + selected(null) + " FROM " + read.quoted()
                + (readIndex == null ? "" : " FORCE INDEX (" + Sql.ident(readIndex) + ")")
                + " WHERE " + (first ? "" : row(null, readKey) + " > " + tuple(keySize()) + " AND ")
                + row(null, readKey) + " <= " + tuple(keySize())
                + " ORDER BY " + Sql.identList(readKey) + (locking ? " LOCK IN SHARE MODE" : "");
    }

    /**
     * Copies the read table's rows after the key {@code ?lower} (no lower bound when {@code first}) up to and including
     * the key {@code ?upper} that the written table lacks, with shared locks when {@code locking}: the rows a partition
     * dropped or emptied on the written table took from a range the copy read after the statement that did the same to
     * the read table. The rows the written table has are left as they are.
     *
     * <p>Parameters: the lower key (unless {@code first}), then the upper key.
     */
    public String copyMissing(boolean first, boolean locking) {
        return Sql.tag(migrationId, "copy") + (mode == WriteMode.REPLACE ? "REPLACE INTO " : "INSERT INTO ")
                + write.quoted() + " (" + Sql.identList(mapping.toColumns()) + ") SELECT " + selected(read.quoted())
                + " FROM " + read.quoted() + (readIndex == null ? "" : " FORCE INDEX (" + Sql.ident(readIndex) + ")")
                + " WHERE " + (first ? "" : row(read.quoted(), readKey) + " > " + tuple(keySize()) + " AND ")
                + row(read.quoted(), readKey) + " <= " + tuple(keySize()) + " AND NOT EXISTS (SELECT 1 FROM "
                + write.quoted() + " AS " + Sql.ident(KEPT) + " WHERE " + keptHasTheKey() + ") ORDER BY "
                + Sql.identList(read.quoted(), readKey) + (locking ? " LOCK IN SHARE MODE" : "");
    }

    /**
     * The key of the read table's row at {@code ?offset} (0 for the first) after the key {@code ?lower} (no lower bound
     * when {@code first}) and up to the key {@code ?upper}, in key order: where a range copied again in pieces is cut.
     *
     * <p>Parameters: the lower key (unless {@code first}), the upper key, then the offset.
     */
    public String rangeRowKey(boolean first) {
        return Sql.tag(migrationId, "copy") + "SELECT " + keyList(null, readKey, readFloatKeys) + " FROM "
                + read.quoted() + (readIndex == null ? "" : " FORCE INDEX (" + Sql.ident(readIndex) + ")")
                + " WHERE " + (first ? "" : row(null, readKey) + " > " + tuple(keySize()) + " AND ")
                + row(null, readKey) + " <= " + tuple(keySize()) + " ORDER BY " + Sql.identList(readKey)
                + " LIMIT ?, 1";
    }

    /**
     * The key of the chunk's row at {@code ?offset} (0 for the first row), in {@link #copyChunk}'s order: the row
     * MySQL's "at row N" names. Parameters: the lower key (unless {@code first}), then the offset.
     */
    public String chunkRowKey(boolean first) {
        return Sql.tag(migrationId, "copy") + "SELECT " + keyList(null, readKey, readFloatKeys) + " FROM "
                + read.quoted() + (readIndex == null ? "" : " FORCE INDEX (" + Sql.ident(readIndex) + ")")
                + (first ? "" : " WHERE " + row(null, readKey) + " > " + tuple(keySize()))
                + " ORDER BY " + Sql.identList(readKey) + " LIMIT ?, 1";
    }

    /**
     * The highest key written after {@code ?lower} (no lower bound for the first chunk): within the copy transaction,
     * that is the last key of the chunk just copied, because nothing above the copy cursor is ever applied.
     */
    public String lastCopiedKey(boolean first) {
        return Sql.tag(migrationId, "copy") + "SELECT " + keyList(null, writeKey, writeFloatKeys) + " FROM "
                + write.quoted()
                + (first ? "" : " WHERE " + row(null, writeKey) + " > " + tuple(keySize()))
                + " ORDER BY " + writeKey.stream().map(c -> Sql.ident(c) + " DESC").collect(Collectors.joining(", "))
                + " LIMIT 1";
    }

    /**
     * Writes the current read-table rows of {@code keys} keys onto the written table, by the projection's
     * {@link WriteMode} (with {@link WriteMode#INSERT} the caller deletes the keys' rows first). With {@code bounded},
     * only keys at or below {@code ?upTo} (the copy cursor as seen in the changelog) are written: rows above it are
     * copied later, with their latest values.
     *
     * <p>Parameters: the keys, column by column; then the bound when {@code bounded}.
     */
    public String upsert(int keys, boolean bounded) {
        if (mode != WriteMode.UPSERT) {
            return Sql.tag(migrationId, "apply") + (mode == WriteMode.REPLACE ? "REPLACE INTO " : "INSERT INTO ")
                    + write.quoted() + " (" + Sql.identList(mapping.toColumns()) + ") SELECT "
                    + selected(read.quoted()) + " FROM " + read.quoted() + " WHERE "
                    + row(read.quoted(), readKey) + " IN (" + tuples(keys) + ")"
                    + (bounded ? " AND " + row(read.quoted(), readKey) + " <= " + tuple(keySize()) : "");
        }
        List<String> updates = new ArrayList<>();
        for (String c : mapping.toColumns()) {
            if (writeKey.stream().noneMatch(k -> k.equalsIgnoreCase(c))) {
                updates.add(Sql.ident(c) + " = VALUES(" + Sql.ident(c) + ")");
            }
        }
        if (updates.isEmpty()) {
            updates.add(Sql.ident(writeKey.get(0)) + " = " + Sql.ident(writeKey.get(0)));
        }
        return Sql.tag(migrationId, "apply") + "INSERT INTO " + write.quoted() + " (" + Sql.identList(mapping.toColumns())
                + ") SELECT " + selected(read.quoted()) + " FROM " + read.quoted() + " WHERE "
                + row(read.quoted(), readKey) + " IN (" + tuples(keys) + ")"
                + (bounded ? " AND " + row(read.quoted(), readKey) + " <= " + tuple(keySize()) : "")
                + " ON DUPLICATE KEY UPDATE " + String.join(", ", updates);
    }

    /**
     * Which of {@code keys} keys still exist in the read table: a plain SELECT, so that under READ COMMITTED it reads
     * without taking locks on production rows. Parameters: the keys, column by column.
     */
    public String existingKeys(int keys) {
        return Sql.tag(migrationId, "apply") + "SELECT " + keyList(null, readKey, readFloatKeys) + " FROM "
                + read.quoted() + " WHERE " + row(null, readKey) + " IN (" + tuples(keys) + ")";
    }

    /**
     * {@link #existingKeys} as a locking read: it waits for the locks other transactions hold on those rows (a read in
     * a transaction of its own, which ends as soon as it returns), or with {@code noWait} fails at once on one.
     * Parameters: the keys, column by column.
     */
    public String existingKeysLocking(int keys, boolean noWait) {
        return existingKeys(keys) + " FOR SHARE" + (noWait ? " NOWAIT" : "");
    }

    /** The mapped columns of the read table's rows of {@code keys} keys. Parameters: the keys. */
    public String selectRows(int keys) {
        return "SELECT " + Sql.identList(mapping.fromColumns()) + " FROM " + read.quoted() + " WHERE "
                + row(null, readKey) + " IN (" + tuples(keys) + ")";
    }

    /**
     * The same projection reading from {@code table} instead, a table with the read table's mapped columns (a
     * session's snapshot of some of its rows).
     */
    public Projection readingFrom(TableName table) {
        return new Projection(migrationId, table, write, mapping, readKey, writeKey, null, mode, selectedAs,
                readFloatKeys, writeFloatKeys, writeCollations);
    }

    /**
     * Deletes the rows of {@code keys} keys from the written table, except the {@code kept} keys that
     * {@link #existingKeys} found in the read table; MySQL compares the keys, with the columns' collations. A row
     * re-inserted between the two statements is in the changelog after them and is applied again.
     *
     * <p>Parameters: the keys; the bound when {@code bounded}; the kept keys.
     */
    public String deleteAbsent(int keys, boolean bounded, int kept) {
        return Sql.tag(migrationId, "apply") + "DELETE FROM " + write.quoted() + " WHERE " + row(null, writeKey)
                + " IN (" + tuples(keys) + ")"
                + (bounded ? " AND " + row(null, writeKey) + " <= " + tuple(keySize()) : "")
                + (kept == 0 ? "" : " AND " + row(null, writeKey) + " NOT IN (" + tuples(kept) + ")");
    }

    /**
     * The rows of {@code keys} keys, just written, that the written table does not hold exactly in {@code columns}
     * (written columns, each with how its values are compared and shown, in order): the columns a write may round
     * without a word from MySQL ({@link TypeConversions#rounds}). MySQL compares each pair as values
     * ({@link TypeConversions.Rounding#heldExactly}), so a DECIMAL, fractional seconds, a FLOAT or an INT the write
     * rounded differs. With {@code keyAmong} (a key
     * column among them), a read row with no written row under its exact key is returned too: its key was rounded.
     *
     * <p>Returns the read key columns, {@code flipside_missing} (1: no written row under that key), then for each of
     * {@code columns} {@code flipside_read_N} and {@code flipside_written_N} (the values as MySQL writes the type given
     * as text) and {@code flipside_differs_N}. Parameters: the keys.
     */
    public String notHeldExactly(int keys, java.util.LinkedHashMap<String, TypeConversions.Rounding> columns,
            boolean keyAmong) {
        String on = equalsInWritten(write.quoted(), writeKey, readKey);
        List<String> shown = new ArrayList<>();
        List<String> same = new ArrayList<>();
        for (java.util.Map.Entry<String, TypeConversions.Rounding> c : columns.entrySet()) {
            int n = shown.size() + 1;
            String from = read.quoted() + "."
                    + Sql.ident(mapping.fromColumns().get(mapping.toColumns().indexOf(c.getKey())));
            String to = write.quoted() + "." + Sql.ident(c.getKey());
            String held = c.getValue().heldExactly(to, from);
            String as = c.getValue().shownAs();
            shown.add("CAST(" + TypeConversions.cast(from, as) + " AS CHAR) AS flipside_read_" + n + ", CAST("
                    + TypeConversions.cast(to, as) + " AS CHAR) AS flipside_written_" + n + ", NOT " + held
                    + " AS flipside_differs_" + n);
            same.add(held);
        }
        return Sql.tag(migrationId, "apply") + "SELECT " + keyList(read.quoted(), readKey, readFloatKeys) + ", "
                + write.quoted() + "." + Sql.ident(writeKey.get(0)) + " IS NULL AS flipside_missing, "
                + String.join(", ", shown) + " FROM " + read.quoted() + (keyAmong ? " LEFT JOIN " : " JOIN ")
                + write.quoted() + " ON " + on + " WHERE " + row(read.quoted(), readKey) + " IN (" + tuples(keys)
                + ") AND NOT (" + String.join(" AND ", same) + ")";
    }

    /** Checksum of the mapped columns of the read table, in mapping order (see {@link Checksums}). */
    public String readChecksum() {
        return Checksums.query(migrationId, read, mapping.fromColumns());
    }

    /** Checksum of the mapped columns of the written table, in mapping order (see {@link Checksums}). */
    public String writeChecksum() {
        return Checksums.query(migrationId, write, mapping.toColumns());
    }

    /**
     * The alias of the written table in {@link #replaceKeeping}, {@link #uniqueHolders} and {@link #copyMissing}; LOCK
     * TABLES must name it.
     */
    public static final String KEPT = "flipside_kept";

    /** The written table's row (as {@link #KEPT}) has the read table's row's key. */
    private String keptHasTheKey() {
        return keptEquals(writeKey, readKey);
    }

    /**
     * The written table's row (as {@link #KEPT}) has in {@code writeColumns} the read table's row's values of
     * {@code readColumns}, compared in the written columns' collations ({@link #comparing}).
     */
    private String keptEquals(List<String> writeColumns, List<String> readColumns) {
        return equalsInWritten(Sql.ident(KEPT), writeColumns, readColumns);
    }

    /** The collation {@link #comparing} gave the written column {@code column} (named in any case), or null. */
    private Collation collationOf(String column) {
        return writeCollations.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(column))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }

    /** The same, the written table named {@code written} (its name, or an alias). */
    private String equalsInWritten(String written, List<String> writeColumns, List<String> readColumns) {
        StringBuilder on = new StringBuilder();
        for (int i = 0; i < writeColumns.size(); i++) {
            String value = read.quoted() + "." + Sql.ident(readColumns.get(i));
            Collation c = collationOf(writeColumns.get(i));
            on.append(i == 0 ? "" : " AND ").append(written).append('.').append(Sql.ident(writeColumns.get(i)))
                    .append(" = ").append(c == null ? value : c.applyTo(value));
        }
        return on.toString();
    }

    /**
     * {@link WriteMode#REPLACE_KEEPING}: two statements, to run in this order with the same parameters (the keys).
     * The first replaces the rows of those keys that the written table has, with the mapped columns from the read table
     * and the {@code keep} columns (written-table columns the mapping does not name) from the row being replaced; MySQL
     * reads every replaced row before it writes. The second inserts the keys' rows that the written table does not
     * have, naming only the mapped columns, so that MySQL gives the others their defaults, expressions and
     * CURRENT_TIMESTAMP included (its {@code DEFAULT()} function refuses expression defaults and yields NULL for
     * CURRENT_TIMESTAMP). Both REPLACE, so that a row holding a unique value under another key gives way.
     */
    public List<String> replaceKeeping(int keys, List<String> keep) {
        String on = keptHasTheKey();
        List<String> written = new ArrayList<>(mapping.toColumns());
        written.addAll(keep);
        String where = " WHERE " + row(read.quoted(), readKey) + " IN (" + tuples(keys) + ")";
        String existing = Sql.tag(migrationId, "apply") + "REPLACE INTO " + write.quoted() + " ("
                + Sql.identList(written) + ") SELECT " + selected(read.quoted()) + ", "
                + Sql.identList(Sql.ident(KEPT), keep) + " FROM " + read.quoted() + " JOIN " + write.quoted() + " AS "
                + Sql.ident(KEPT) + " ON " + on + where;
        String added = Sql.tag(migrationId, "apply") + "REPLACE INTO " + write.quoted() + " ("
                + Sql.identList(mapping.toColumns()) + ") SELECT " + selected(read.quoted())
                + " FROM " + read.quoted() + where + " AND NOT EXISTS (SELECT 1 FROM " + write.quoted() + " AS "
                + Sql.ident(KEPT) + " WHERE " + on + ")";
        return List.of(existing, added);
    }

    /**
     * The written table's rows that hold, in the unique index over {@code writeColumns} (the read table's
     * {@code readColumns}), a value of one of the {@code keys} rows, under another key: the rows a REPLACE of those
     * keys would remove. Returns the written table's key columns. Parameters: the keys.
     */
    public String uniqueHolders(int keys, List<String> writeColumns, List<String> readColumns) {
        String on = keptEquals(writeColumns, readColumns);
        String same = keptHasTheKey();
        return Sql.tag(migrationId, "apply") + "SELECT " + keyList(Sql.ident(KEPT), writeKey, writeFloatKeys)
                + " FROM " + read.quoted() + " JOIN " + write.quoted() + " AS " + Sql.ident(KEPT) + " ON " + on + " WHERE "
                + row(read.quoted(), readKey) + " IN (" + tuples(keys) + ") AND NOT (" + same + ")";
    }

    private static String row(String alias, List<String> cols) {
        String list = alias == null ? Sql.identList(cols) : Sql.identList(alias, cols);
        return cols.size() == 1 ? list : "(" + list + ")";
    }

    private static String tuple(int n) {
        return n == 1 ? "?" : "(" + Sql.placeholders(n) + ")";
    }

    private String tuples(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("at least one key");
        }
        return String.join(", ", java.util.Collections.nCopies(count, tuple(keySize())));
    }
}
