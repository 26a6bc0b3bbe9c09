package io.flipside.applier;

import io.flipside.core.config.TableFilter;
import io.flipside.core.ddl.AlterClauses;
import io.flipside.core.mapping.ColumnDef;
import io.flipside.core.mapping.MigrationPlan;
import io.flipside.core.mapping.PlanException;
import io.flipside.core.mapping.TableDef;
import io.flipside.core.mapping.UniqueKey;
import io.flipside.core.sql.Duplicates;
import io.flipside.core.sql.SecondaryIndexes;
import io.flipside.core.sql.TableDefinitions;
import io.flipside.core.migration.Names;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.core.sql.ZeroDates;
import io.flipside.runtime.AvroJson;
import io.flipside.runtime.ServerRequirements;
import io.flipside.schema.DeferredIndex;
import io.flipside.schema.MigrationStarted;
import io.flipside.schema.MigrationState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a queued migration against MySQL and, when it is sound, creates the shadow table and records the plan in
 * the sidecar. A rejected migration leaves every table as it was: the only table it may have created is its own
 * shadow table, which it drops before answering.
 *
 * <ol>
 *   <li>The capture publishes the table's changes (it is not in {@code capture.exclude.tables}), and the server logs
 *       them as the capture needs ({@link ServerRequirements}).</li>
 *   <li>The table exists, is an InnoDB base table, has no triggers and no foreign keys.</li>
 *   <li>{@code CREATE TABLE shadow LIKE source} (for a table with a {@code DATA DIRECTORY}, from its definition), then
 *       the ALTER on the empty shadow: MySQL is the judge of the ALTER. Then each kind of write the migration makes,
 *       on none of the empty shadow's rows: MySQL is the judge of the applier's privileges ({@link #tryWrites}).</li>
 *   <li>The plan from both real definitions: the shared unique key, both projections, the revert notes.</li>
 *   <li>With {@code deferIndexes}, the new table's plain secondary indexes dropped from the empty shadow table, to be
 *       built after the copy ({@link SecondaryIndexes}, {@link #deferrable}).</li>
 *   <li>The plan and the initial progress rows, in one sidecar transaction.</li>
 * </ol>
 */
final class Preparation {
    private static final Logger LOG = LoggerFactory.getLogger(Preparation.class);
    /** The resource group MySQL puts every user session in. */
    static final String USER_DEFAULT_GROUP = "USR_default";

    /** ER_ACCESS_DENIED_ERROR: also what MySQL says to a DATA DIRECTORY without the FILE privilege. */
    private static final int ACCESS_DENIED = 1045;
    /** ER_CANT_CREATE_TABLE. */
    private static final int CANT_CREATE_TABLE = 1005;
    /** ER_TABLE_WITHOUT_PK: sql_require_primary_key refuses a new table without a primary key (8.0.13 on). */
    private static final int TABLE_WITHOUT_PK = 3750;
    /** "The MySQL server is running with the --super-read-only option so it cannot execute this statement". */
    private static final int OPTION_PREVENTS_STATEMENT = 1290;
    /** ER_DBACCESS_DENIED_ERROR: also MySQL's answer to LOCK TABLES without that privilege. */
    private static final int DB_ACCESS_DENIED = 1044;
    /** ER_TABLEACCESS_DENIED_ERROR: "... command denied to user ... for table ...". */
    private static final int TABLE_ACCESS_DENIED = 1142;
    /** ER_COLUMNACCESS_DENIED_ERROR. */
    private static final int COLUMN_ACCESS_DENIED = 1143;
    /** ER_SPECIFIC_ACCESS_DENIED_ERROR: a statement that needs a global privilege. */
    private static final int SPECIFIC_ACCESS_DENIED = 1227;
    /** The privileges the applier needs on each migrated database (README, MySQL grants). */
    private static final String APPLIER_GRANTS = "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, LOCK TABLES";

    private Preparation() {}

    /** Either the plan (as the journal event that announces it) or the reason for the rejection. */
    record Outcome(MigrationStarted started, String rejection) {
        static Outcome rejected(String reason) {
            return new Outcome(null, reason);
        }
    }

    static Outcome prepare(Connection c, Sidecar sidecar, MigrationState m, long startOffset, boolean deferIndexes,
            TableFilter excluded, String copyResourceGroup) throws SQLException {
        String id = m.getId();
        TableName source;
        AlterClauses alter;
        try {
            source = TableName.parse(m.getTable());
            alter = AlterClauses.parse(m.getAlter(), source);
        } catch (IllegalArgumentException e) {
            return Outcome.rejected(e.getMessage());
        }
        if (excluded.matches(source)) {
            return Outcome.rejected("table " + source + " matches capture.exclude.tables (" + excluded
                    + "): the capture does not publish its changes, so Flipside cannot migrate it without losing"
                    + " writes");
        }
        List<String> unmet = ServerRequirements.unmet(c, List.of(source.database(), sidecar.database));
        if (!unmet.isEmpty()) {
            return Outcome.rejected(ServerRequirements.describe(unmet) + ". Nothing was changed; set them (SET GLOBAL,"
                    + " and in the server's option file; a session named: end it or set it back) and submit again");
        }
        Optional<String> noGroup = refusedResourceGroup(c, copyResourceGroup);
        if (noGroup.isPresent()) {
            return Outcome.rejected(noGroup.get());
        }
        TableName shadow = source.sibling(Names.shadowTable(source.table(), id));
        TableName old = source.sibling(Names.oldTable(source.table(), id));

        Optional<TableInspector.TableInfo> info = TableInspector.info(c, source);
        Optional<String> notATable = TableInspector.notABaseTable(source, info);
        if (notATable.isPresent()) {
            return Outcome.rejected(notATable.get());
        }
        if (!"InnoDB".equalsIgnoreCase(info.get().engine())) {
            return Outcome.rejected("table " + source + " uses " + info.get().engine()
                    + "; Flipside migrates InnoDB tables only (it needs transactions and consistent reads)");
        }
        TableInspector.Attached attached = TableInspector.attached(c, source, source);
        if (!attached.triggers().isEmpty()) {
            return Outcome.rejected("table " + source + " has triggers; Flipside does not migrate tables with triggers"
                    + " (they would not follow the table through the cut-over)");
        }
        if (!attached.foreignKeys().isEmpty()) {
            return Outcome.rejected("table " + source + " has or is referenced by foreign keys; Flipside does not"
                    + " migrate such tables (a foreign key follows the renamed table, not its name)");
        }
        if (TableInspector.exists(c, old)) {
            return Outcome.rejected("a table named " + old + " already exists");
        }
        try {
            return prepareTables(c, sidecar, id, startOffset, deferIndexes, source, alter, shadow, old, info.get());
        } catch (SQLException e) {
            // A server that takes no writes, or a privilege the applier's user lacks: the first write is the drop of
            // the shadow table, so the refusal came before any table was made, or after one that can be dropped
            // again. Unless it is still there (left by an earlier attempt of the same migration, whose name it
            // carries): then the refusal stays an interruption, and the shadow is dropped once MySQL lets it be.
            Optional<String> refused = refusedWrites(c, e, source);
            if (refused.isEmpty()) {
                throw e;
            }
            try (Statement s = c.createStatement()) {
                dropQuietly(s, id, shadow);
            }
            if (TableInspector.exists(c, shadow)) {
                throw e;
            }
            return Outcome.rejected(refused.get());
        }
    }

    /** The writes of {@link #prepare}: the shadow table, the plan, and the plan's record. */
    private static Outcome prepareTables(Connection c, Sidecar sidecar, String id, long startOffset,
            boolean deferIndexes, TableName source, AlterClauses alter, TableName shadow, TableName old,
            TableInspector.TableInfo info) throws SQLException {
        TableDef sourceDef = TableInspector.read(c, source);
        String sourceDefinition = definition(c, source);
        try (Statement s = c.createStatement()) {
            // A shadow from an earlier attempt of this same migration (its name carries the migration id) is ours.
            s.execute(Sql.tag(id, "prepare") + "DROP TABLE IF EXISTS " + shadow.quoted());
            String refused = createShadow(c, s, id, source, shadow, sourceDefinition);
            if (refused != null) {
                dropQuietly(s, id, shadow);
                return Outcome.rejected(refused);
            }
            try {
                s.execute(Sql.tag(id, "prepare") + "ALTER TABLE " + shadow.quoted() + " " + alter.text());
            } catch (SQLException e) {
                if (deniedPrivilege(e)) {
                    throw e;
                }
                dropQuietly(s, id, shadow);
                return Outcome.rejected("MySQL refused the ALTER: "
                        + e.getMessage().replace(shadow.table(), source.table()));
            }
            String engine = TableInspector.info(c, shadow).map(TableInspector.TableInfo::engine).orElse("no engine");
            if (!"InnoDB".equalsIgnoreCase(engine)) {
                dropQuietly(s, id, shadow);
                return Outcome.rejected("after the ALTER, " + source + " would use " + engine + "; Flipside migrates"
                        + " to InnoDB tables only (the copy and the apply commit with their position)");
            }
        }
        TableDef shadowDef = TableInspector.read(c, shadow);
        tryWrites(c, id, shadow, shadowDef);
        MigrationPlan plan;
        try {
            plan = MigrationPlan.plan(source, shadow, old, sourceDef, shadowDef, alter);
        } catch (PlanException e) {
            try (Statement s = c.createStatement()) {
                dropQuietly(s, id, shadow);
            }
            return Outcome.rejected(e.getMessage());
        }
        String zeroDate = zeroDateInKey(c, id, source, sourceDef, plan.sourceKey());
        if (zeroDate != null) {
            try (Statement s = c.createStatement()) {
                dropQuietly(s, id, shadow);
            }
            return Outcome.rejected(zeroDate);
        }
        for (UniqueKey added : plan.addedUniqueKeys()) {
            String duplicates = duplicates(c, id, source, added);
            if (duplicates != null) {
                try (Statement s = c.createStatement()) {
                    dropQuietly(s, id, shadow);
                }
                return Outcome.rejected("the new unique key " + added.indexName() + " (" + String.join(", ",
                        added.columns()) + ") would refuse rows of " + source + ": " + duplicates
                        + "; make the values unique first");
            }
        }
        List<DeferredIndex> deferred = deferIndexes ? deferrable(c, id, source, shadow) : List.of();
        if (!deferred.isEmpty()) {
            try (Statement s = c.createStatement()) {
                s.execute(Sql.tag(id, "prepare") + "ALTER TABLE " + shadow.quoted() + " "
                        + SecondaryIndexes.dropClauses(deferred));
            }
        }
        MigrationStarted started = MigrationStarted.newBuilder()
                .setShadowTable(shadow.table())
                .setOldTable(old.table())
                .setKeyColumns(plan.sourceKey())
                .setShadowKeyColumns(plan.shadowKey())
                .setKeyIndex(plan.keyIndex())
                .setForward(plan.forward().toAvro())
                .setInverse(plan.inverse().toAvro())
                .setRevertNotes(plan.revertNotes())
                .setRevertible(plan.revertible())
                .setRowsTotal(Math.max(0, info.estimatedRows()))
                .setInstantCapable(instantProbe(c, id, source, alter).isPresent())
                .setWriteMode(plan.writeMode().name())
                .setInverseWriteMode(plan.inverseWriteMode().name())
                .setInverseKeepColumns(plan.inverseKeepColumns())
                .setInverseUniqueIndexes(plan.inverseUniqueIndexes().stream()
                        .map(k -> String.join(",", k.columns())).toList())
                .setAddedUniqueKeys(plan.addedUniqueKeys().stream()
                        .map(k -> k.indexName() + "(" + String.join(",", k.columns()) + ")").toList())
                .setDeferredIndexes(deferred)
                .build();
        // The columns the plan was made from, and the table's definition: an applier that takes the migration up
        // compares the tables' with them.
        record(c, sidecar, id, source, shadow, old, started, startOffset, sourceDef.columns(), shadowDef.columns(),
                sourceDefinition);
        LOG.info("migration {}: shadow table {} created; key {} ({}); revert notes: {}{}", id, shadow, plan.sourceKey(),
                plan.keyIndex(), plan.revertNotes(), deferred.isEmpty() ? ""
                        : "; indexes built after the copy: " + SecondaryIndexes.describe(deferred));
        return new Outcome(started, null);
    }

    /**
     * The plain secondary indexes of the (empty) shadow table that can be built after the copy: the longest tail of
     * them, in the table's order, that, dropped and added again, leaves the table with the same definition (MySQL
     * orders a table's indexes by kind, and by creation within a kind, so an index built again may come back after
     * one that stayed). Tried on an empty copy of the shadow table, which is dropped again: MySQL is the judge of
     * where they come back.
     */
    static List<DeferredIndex> deferrable(Connection c, String id, TableName source, TableName shadow)
            throws SQLException {
        List<DeferredIndex> plain = TableInspector.plainSecondaryIndexes(c, shadow);
        if (plain.isEmpty()) {
            return plain;
        }
        String wanted = definition(c, shadow);
        TableName probe = source.sibling(Names.probeTable(source.table(), id));
        try (Statement s = c.createStatement()) {
            try {
                for (int from = 0; from < plain.size(); from++) {
                    List<DeferredIndex> tail = plain.subList(from, plain.size());
                    s.execute(Sql.tag(id, "prepare") + "DROP TABLE IF EXISTS " + probe.quoted());
                    createLike(s, id, probe, shadow, wanted);
                    s.execute(Sql.tag(id, "prepare") + "ALTER TABLE " + probe.quoted() + " "
                            + SecondaryIndexes.dropClauses(tail));
                    s.execute(Sql.tag(id, "prepare") + "ALTER TABLE " + probe.quoted() + " "
                            + SecondaryIndexes.addClauses(tail));
                    if (definition(c, probe).equals(wanted)) {
                        return List.copyOf(tail);
                    }
                }
                return List.of();
            } finally {
                s.execute(Sql.tag(id, "prepare") + "DROP TABLE IF EXISTS " + probe.quoted());
            }
        }
    }

    /**
     * Why MySQL will not run the copy in {@code group} ({@code copy.resource.group}), or empty (also when none is
     * set): MySQL itself is asked, by putting this session in the group and back in the default one.
     */
    static Optional<String> refusedResourceGroup(Connection c, String group) throws SQLException {
        if (group.isEmpty()) {
            return Optional.empty();
        }
        try {
            Db.joinResourceGroup(c, group);
            Db.joinResourceGroup(c, USER_DEFAULT_GROUP);
            return Optional.empty();
        } catch (SQLException e) {
            if (Db.isConnectionLoss(e)) {
                throw e;
            }
            return Optional.of("MySQL refuses to run the copy in resource group " + group + " (copy.resource.group): "
                    + e.getMessage() + ". Nothing was changed; create the group (CREATE RESOURCE GROUP ... TYPE = USER"
                    + " THREAD_PRIORITY = 19), enable it and grant RESOURCE_GROUP_USER, or leave the setting empty, and"
                    + " submit again");
        }
    }

    /** The table as an instant ALTER leaves it: its definition (SHOW CREATE TABLE, without name and counter). */
    record InstantProbe(String definition, TableDef table) {}

    /**
     * The table's definition after the ALTER if MySQL can apply it with ALGORITHM=INSTANT, else empty: tried on an
     * empty copy of the source, which is dropped again. MySQL is the judge, as for the ALTER itself.
     */
    static Optional<InstantProbe> instantProbe(Connection c, String id, TableName source, AlterClauses alter)
            throws SQLException {
        TableName probe = source.sibling(Names.probeTable(source.table(), id));
        try (Statement s = c.createStatement()) {
            s.execute(Sql.tag(id, "prepare") + "DROP TABLE IF EXISTS " + probe.quoted());
            s.execute(Sql.tag(id, "prepare") + "CREATE TABLE " + probe.quoted() + " LIKE " + source.quoted());
            try {
                s.execute(Sql.tag(id, "prepare") + "ALTER TABLE " + probe.quoted() + " " + alter.text()
                        + ", ALGORITHM=INSTANT");
                return Optional.of(new InstantProbe(definition(c, probe), TableInspector.read(c, probe)));
            } catch (SQLException e) {
                if (deniedPrivilege(e)) {
                    throw e;
                }
                return Optional.empty();
            } finally {
                s.execute(Sql.tag(id, "prepare") + "DROP TABLE IF EXISTS " + probe.quoted());
            }
        }
    }

    /**
     * Creates the shadow table as the source is, before the ALTER: {@code CREATE TABLE shadow LIKE source}, or, for a
     * table in a directory of its own ({@code DATA DIRECTORY}, which {@code LIKE} does not keep), from the source's
     * {@link #definition}, so that the table stays on its volume after the cut-over, as MySQL's own ALTER keeps it
     * there. Returns why the shadow is not as the source is, or null.
     */
    private static String createShadow(Connection c, Statement s, String id, TableName source, TableName shadow,
            String sourceDefinition) throws SQLException {
        boolean ownDirectory = inADirectoryOfItsOwn(sourceDefinition);
        try {
            createLike(s, id, shadow, source, sourceDefinition);
        } catch (SQLException e) {
            Optional<String> noPrimaryKey = refusedWithoutPrimaryKey(e, source);
            if (noPrimaryKey.isPresent()) {
                return noPrimaryKey.get();
            }
            if (!ownDirectory || e.getErrorCode() != ACCESS_DENIED && e.getErrorCode() != CANT_CREATE_TABLE) {
                throw e;
            }
            return "table " + source + " has a DATA DIRECTORY, where its shadow table must be made too (else the"
                    + " cut-over would move the table to the server's data directory), and MySQL refused: "
                    + e.getMessage()
                    + (e.getErrorCode() == ACCESS_DENIED ? " (a DATA DIRECTORY needs the FILE privilege: GRANT FILE ON"
                            + " *.* to the applier's user)" : "") + ". Nothing was changed";
        }
        if (!ownDirectory) {
            return null;
        }
        String made = definition(c, shadow);
        return made.equals(sourceDefinition) ? null : "the shadow table made from SHOW CREATE TABLE " + source
                + " (the table has a DATA DIRECTORY, which CREATE TABLE ... LIKE does not keep) differs from it: "
                + TableDefinitions.difference(sourceDefinition, made);
    }

    /**
     * Why a migration of {@code source} is rejected when MySQL refused to create a table like it ({@code e}) because
     * it has no primary key and {@code sql_require_primary_key} is on (its shadow table, or the empty copy that asks
     * whether an ALTER is instant); empty for any other refusal. Without this the refusal was taken for an
     * interruption, and tried again for ever.
     */
    static Optional<String> refusedWithoutPrimaryKey(SQLException e, TableName source) {
        if (e.getErrorCode() != TABLE_WITHOUT_PK) {
            return Optional.empty();
        }
        return Optional.of("table " + source + " has no primary key, and MySQL refuses to create a table like it"
                + " while sql_require_primary_key is on: " + e.getMessage() + ". Nothing was changed; give the table a"
                + " primary key, or turn sql_require_primary_key off for the applier's sessions (mysql.jdbc.options"
                + " sessionVariables=sql_require_primary_key=0, which takes SESSION_VARIABLES_ADMIN), and submit"
                + " again");
    }

    /**
     * Why a migration is rejected when MySQL refused its first write ({@code e}) because the server is read-only
     * ({@code super_read_only}, or {@code read_only} for a user without SUPER or CONNECTION_ADMIN), as a replica is, or
     * a source being failed over; empty for any other refusal. Without this the refusal was taken for an interruption,
     * and tried again for ever. (A migration already under way that meets it is interrupted and goes on once the server
     * takes writes again, as when the address moves to the promoted replica.)
     */
    private static Optional<String> refusedReadOnly(Connection c, SQLException e) throws SQLException {
        if (e.getErrorCode() != OPTION_PREVENTS_STATEMENT) {
            return Optional.empty();
        }
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT @@GLOBAL.super_read_only, @@GLOBAL.read_only")) {
            rs.next();
            String on = rs.getBoolean(1) ? "super_read_only" : rs.getBoolean(2) ? "read_only" : null;
            return Optional.ofNullable(on).map(v -> "MySQL refuses the migration's writes: " + v + " is ON, as on a"
                    + " replica or a source being failed over (" + e.getMessage() + "). Nothing was changed; point"
                    + " mysql.host at the source, or wait for the failover to end, and submit again");
        }
    }

    /**
     * Makes each kind of write the copy, the apply and the swaps make on the shadow table, on none of its rows (it is
     * new and empty): MySQL checks the applier's privileges on it for each, so that a missing grant (INSERT for the
     * copy, UPDATE and DELETE for the apply, LOCK TABLES for the swaps) is told when the migration is prepared, rather
     * than once its copy has begun or at its cut-over. The swaps' locks are taken and released at once: no session
     * but this one knows the table. Only a refused privilege (and a lost connection) ends the preparation here; any
     * other refusal of these statements is the copy's or the apply's to meet, as before.
     */
    private static void tryWrites(Connection c, String id, TableName shadow, TableDef shadowDef) throws SQLException {
        List<String> written = shadowDef.columns().stream().filter(d -> !d.generated()).map(ColumnDef::name).toList();
        String column = Sql.ident(written.get(0));
        String tag = Sql.tag(id, "prepare");
        List<String> statements = List.of(
                tag + "INSERT INTO " + shadow.quoted() + " (" + Sql.identList(written) + ") SELECT "
                        + Sql.identList(written) + " FROM " + shadow.quoted() + " WHERE FALSE",
                tag + "UPDATE " + shadow.quoted() + " SET " + column + " = " + column + " WHERE FALSE",
                tag + "DELETE FROM " + shadow.quoted() + " WHERE FALSE",
                tag + "LOCK TABLES " + shadow.quoted() + " WRITE");
        try (Statement s = c.createStatement()) {
            try {
                for (String statement : statements) {
                    try {
                        s.execute(statement);
                    } catch (SQLException e) {
                        if (deniedPrivilege(e) || Db.isConnectionLoss(e)) {
                            throw e;
                        }
                        LOG.info("migration {}: trying {} on the empty {} for the applier's privileges, MySQL said: {}",
                                id, statement.substring(tag.length(), statement.indexOf(' ', tag.length())), shadow,
                                e.getMessage());
                    }
                }
            } finally {
                s.execute("UNLOCK TABLES");
            }
        }
    }

    /**
     * Why MySQL will not let the applier make the renames of a migration of {@code table} that copies nothing (ALTER
     * and DROP on the name renamed, CREATE and INSERT on the name given), or empty: tried on an empty table of the
     * migration's own, renamed once and dropped. A server that takes no writes is told here too.
     */
    static Optional<String> refusedRename(Connection c, String id, TableName table) throws SQLException {
        TableName probe = table.sibling(Names.probeTable(table.table(), id));
        TableName renamed = table.sibling(Names.holdTable(table.table(), id));
        String tag = Sql.tag(id, "prepare");
        String drop = tag + "DROP TABLE IF EXISTS " + probe.quoted() + ", " + renamed.quoted();
        try (Statement s = c.createStatement()) {
            boolean dropped = false;
            try {
                s.execute(drop);
                dropped = true;
                s.execute(tag + "CREATE TABLE " + probe.quoted() + " (id INT PRIMARY KEY)");
                s.execute(tag + "RENAME TABLE " + probe.quoted() + " TO " + renamed.quoted());
                return Optional.empty();
            } catch (SQLException e) {
                Optional<String> refused = refusedWrites(c, e, table);
                if (refused.isEmpty()) {
                    throw e;
                }
                return refused;
            } finally {
                if (dropped) {
                    s.execute(drop);
                }
            }
        }
    }

    /**
     * Why a migration of {@code source} is rejected when MySQL refused one of its writes ({@code e}) for a privilege
     * the applier's user lacks ({@link #refusedPrivilege}) or because the server takes no writes
     * ({@link #refusedReadOnly}); empty for any other refusal.
     */
    static Optional<String> refusedWrites(Connection c, SQLException e, TableName source) throws SQLException {
        Optional<String> refused = refusedPrivilege(e, source);
        return refused.isPresent() ? refused : refusedReadOnly(c, e);
    }

    /** Whether MySQL refused a statement ({@code e}) for a privilege its user lacks. */
    static boolean deniedPrivilege(SQLException e) {
        int code = e.getErrorCode();
        return code == DB_ACCESS_DENIED || code == TABLE_ACCESS_DENIED || code == COLUMN_ACCESS_DENIED
                || code == SPECIFIC_ACCESS_DENIED;
    }

    /**
     * Why a migration of {@code source} is rejected when MySQL refused one of its writes ({@code e}) for a privilege
     * the applier's user lacks; empty for any other refusal. Without this the refusal of its first write was taken for
     * an interruption, and tried again for ever.
     */
    private static Optional<String> refusedPrivilege(SQLException e, TableName source) {
        if (!deniedPrivilege(e)) {
            return Optional.empty();
        }
        return Optional.of("MySQL refuses the applier's user a privilege the migration needs: " + e.getMessage()
                + ". Nothing was changed; grant the applier's user " + APPLIER_GRANTS + " ON "
                + Sql.ident(source.database()) + ".* (README, MySQL grants), and submit again");
    }

    /** Whether a table's {@link #definition} has a table-level DATA DIRECTORY, which CREATE TABLE ... LIKE drops. */
    private static boolean inADirectoryOfItsOwn(String definition) {
        return definition.contains("DATA DIRECTORY=");
    }

    /**
     * Creates {@code table} empty and as {@code like} is, whose {@link #definition} is {@code likeDefinition}:
     * {@code CREATE TABLE ... LIKE}, or from the definition for a table in a directory of its own (the shadow, and
     * the probes made of it, then go in that directory too).
     */
    private static void createLike(Statement s, String id, TableName table, TableName like, String likeDefinition)
            throws SQLException {
        // The definition is MySQL's own statement for the table, read from the server: no value of the operator's.
        s.execute(Sql.tag(id, "prepare") + "CREATE TABLE " + table.quoted() + (inADirectoryOfItsOwn(likeDefinition)
                ? " " + likeDefinition : " LIKE " + like.quoted()));
    }

    /** SHOW CREATE TABLE, without the table's name and AUTO_INCREMENT counter. */
    static String definition(Connection c, TableName t) throws SQLException {
        try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("SHOW CREATE TABLE " + t.quoted())) {
            rs.next();
            return TableDefinitions.withoutNameAndCounter(rs.getString(2));
        }
    }

    /** The duplicates of {@code key}'s columns in the source, described, or null when there is none. */
    /** Why {@code key} cannot be followed through the changelog when a row's key holds a zero date, else null. */
    private static String zeroDateInKey(Connection c, String id, TableName source, TableDef sourceDef, List<String> key)
            throws SQLException {
        List<String> dated = key.stream()
                .filter(k -> sourceDef.column(k).map(d -> ZeroDates.canHold(d.columnType())).orElse(false)).toList();
        if (dated.isEmpty()) {
            return null;
        }
        try (Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery(ZeroDates.query(id, source, key, dated))) {
            if (!rs.next()) {
                return null;
            }
            return "the key (" + String.join(", ", key) + ") of " + source + " holds a zero date, or one with a zero"
                    + " month or day, in the row (" + rs.getString(1) + "): the capture (Debezium) reads such a value"
                    + " as 1970-01-01, so the changes of that row would be applied under another key; give those rows"
                    + " real dates first";
        }
    }

    private static String duplicates(Connection c, String id, TableName source, UniqueKey key) throws SQLException {
        List<String> found = new ArrayList<>();
        try (Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery(Duplicates.query(id, source, key.columns(), 3))) {
            while (rs.next()) {
                found.add("(" + rs.getString(1) + ") is held by " + rs.getLong(2) + " rows");
            }
        }
        return found.isEmpty() ? null : String.join(", ", found);
    }

    /** The plan and the initial progress rows of a migration that copies no table (no columns to compare later). */
    static void record(Connection c, Sidecar sidecar, String id, TableName source, TableName shadow, TableName old,
            MigrationStarted started, long startOffset) throws SQLException {
        record(c, sidecar, id, source, shadow, old, started, startOffset, null, null, null);
    }

    /**
     * The plan and the initial progress rows, in one sidecar transaction, with the columns of the two tables the plan
     * was made from and the source's {@link #definition}.
     */
    static void record(Connection c, Sidecar sidecar, String id, TableName source, TableName shadow, TableName old,
            MigrationStarted started, long startOffset, List<ColumnDef> oldColumns, List<ColumnDef> newColumns,
            String oldDefinition) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            try (PreparedStatement ps = c.prepareStatement(sidecar.insertMigration())) {
                ps.setString(1, id);
                ps.setString(2, source.database());
                ps.setString(3, source.table());
                ps.setString(4, shadow.table());
                ps.setString(5, old.table());
                ps.setString(6, AvroJson.encode(started));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(sidecar.insertCopyState())) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(sidecar.insertApplyState())) {
                ps.setString(1, id);
                ps.setLong(2, startOffset);
                ps.setString(3, oldColumns == null ? null : ColumnDef.describe(oldColumns));
                ps.setString(4, newColumns == null ? null : ColumnDef.describe(newColumns));
                ps.setString(5, oldDefinition);
                ps.executeUpdate();
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private static void dropQuietly(Statement s, String id, TableName shadow) {
        try {
            s.execute(Sql.tag(id, "prepare") + "DROP TABLE IF EXISTS " + shadow.quoted());
        } catch (SQLException e) {
            LOG.warn("migration {}: could not drop {}", id, shadow, e);
        }
    }
}
