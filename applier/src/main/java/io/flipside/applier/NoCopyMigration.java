package io.flipside.applier;

import io.flipside.core.ddl.AlterClauses;
import io.flipside.core.mapping.BinlogLimits;
import io.flipside.core.ddl.CreateTable;
import io.flipside.core.migration.Decisions;
import io.flipside.core.migration.Lifecycle;
import io.flipside.core.migration.Names;
import io.flipside.core.migration.Transitions;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.schema.CaughtUp;
import io.flipside.schema.CutOverCompleted;
import io.flipside.schema.MigrationCancelled;
import io.flipside.schema.MigrationCompleted;
import io.flipside.schema.MigrationRejected;
import io.flipside.schema.MigrationStarted;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.schema.RevertCompleted;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A migration with nothing to copy. CREATE and DROP: the cut-over and the revert are single renames, and nothing is
 * destroyed before complete. INSTANT (an operator's explicit opt-in): the cut-over applies the ALTER in place with
 * ALGORITHM=INSTANT, and there is no revert.
 *
 * <pre>
 *             prepare                          cut-over                    revert                  complete
 *   CREATE    create it as the shadow table    RENAME shadow TO t          RENAME t TO shadow      after a revert:
 *             (MySQL judges the statement)     (the table appears)         (with its rows)         drop the shadow
 *   DROP      check that t exists              RENAME t TO old             RENAME old TO t         after the cut-over:
 *                                              (the table is gone)         (with every row)        drop old
 *   INSTANT   try it on an empty probe copy    ALTER TABLE t ...,          refused                 nothing
 *             (MySQL judges; definition kept)  ALGORITHM=INSTANT
 * </pre>
 *
 * CREATE and DROP also rename an empty table of their own when they are prepared, so that MySQL says then, not at the
 * cut-over, whether the applier may make the renames.
 *
 * Each step first looks at which of the two names exists, so a step a crash interrupted is finished or found done,
 * never done twice.
 */
final class NoCopyMigration {
    private static final Logger LOG = LoggerFactory.getLogger(NoCopyMigration.class);

    private final String id;
    private final Db db;
    private final Sidecar sidecar;
    private final Reports reports;
    private boolean reportedCaughtUp;

    private final Retirement retirement;

    NoCopyMigration(String id, Db db, Sidecar sidecar, Reports reports, Retirement retirement) {
        this.retirement = retirement;
        this.id = id;
        this.db = db;
        this.sidecar = sidecar;
        this.reports = reports;
    }

    /** Reconciles MySQL with the wanted state until the migration ends or {@code stopped}; true when it ended. */
    boolean run(Supplier<MigrationState> desired, BooleanSupplier stopped, MigrationStarted prepared, Ending ending)
            throws Exception {
        MigrationState first = desired.get();
        boolean create = Decisions.KIND_CREATE.equals(first.getKind());
        boolean instant = Decisions.KIND_INSTANT.equals(first.getKind());
        TableName table = TableName.parse(first.getTable());
        // CREATE: the new table waits under the shadow name. DROP: the table waits under the old name.
        TableName parked = table.sibling(create ? Names.shadowTable(table.table(), id) : Names.oldTable(table.table(), id));
        MigrationStarted plan = prepared;
        if (plan != null && first.getStatus() == MigrationStatus.QUEUED) {
            reports.send(id, plan); // prepared, but the report was lost
        } else if (plan == null) {
            if (first.getStatus() != MigrationStatus.QUEUED) {
                return true;
            }
            Prepared p = instant ? prepareInstant(first, table, parked) : prepare(first, create, table, parked);
            if (p.rejection() != null) {
                LOG.info("migration {} rejected: {}", id, p.rejection());
                reports.send(id, new MigrationRejected(p.rejection()));
                return true;
            }
            plan = p.plan();
        }
        String actedOn = null;
        while (!stopped.getAsBoolean()) {
            MigrationState d = desired.get();
            if (Lifecycle.CANCEL.equals(d.getPendingAction())) {
                // Before the cut-over nothing is in place: a created table only exists under its shadow name.
                if (create) {
                    execute(parked, "cleanup", "DROP TABLE IF EXISTS " + parked.quoted());
                }
                // DROP and INSTANT changed nothing before their cut-over.
                ending.end("CANCELLED");
                reports.send(id, new MigrationCancelled(create ? parked.table() : null));
                return true;
            }
            if (Lifecycle.COMPLETE.equals(d.getPendingAction())) {
                complete(d, create, instant, parked, ending);
                return true;
            }
            if (Transitions.isFinal(d.getStatus())) {
                return true;
            }
            switch (d.getStatus()) {
                case COPYING -> {
                    if (!reportedCaughtUp) {
                        reports.send(id, new CaughtUp(0L));
                        reportedCaughtUp = true;
                    }
                }
                case CUTTING_OVER -> {
                    if (!(d.getStatus() + "/" + d.getPendingRequestId()).equals(actedOn)) {
                        // CREATE puts the parked table in place; DROP parks the table; INSTANT alters it in place.
                        Swap s = instant ? alterInPlace(table, d.getAlter(), plan.getInstantDefinition())
                                : create ? rename(parked, table) : rename(table, parked);
                        reports.send(id, new CutOverCompleted(s.gtid(), s.millis(), 0L, 1, s.startedAt()), s.gtid());
                        actedOn = d.getStatus() + "/" + d.getPendingRequestId();
                    }
                }
                case REVERTING -> {
                    if (!instant && !(d.getStatus() + "/" + d.getPendingRequestId()).equals(actedOn)) {
                        Swap s = create ? rename(table, parked) : rename(parked, table);
                        long serving = d.getPendingSince() == null ? -1
                                : System.currentTimeMillis() - d.getPendingSince();
                        reports.send(id, new RevertCompleted(s.gtid(), s.millis(), 0L, serving, s.startedAt()),
                                s.gtid());
                        actedOn = d.getStatus() + "/" + d.getPendingRequestId();
                    }
                }
                default -> { }
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** The plan, journalled and recorded, or why the migration is rejected. */
    private record Prepared(MigrationStarted plan, String rejection) {
        static Prepared rejected(String why) {
            return new Prepared(null, why);
        }
    }

    /**
     * An instant ALTER: MySQL must be able to apply it with ALGORITHM=INSTANT (tried on an empty probe copy, whose
     * definition afterwards is kept in the plan), and nothing is touched until the cut-over.
     */
    private Prepared prepareInstant(MigrationState d, TableName table, TableName parked) throws SQLException {
        try (Connection c = db.connect()) {
            Optional<String> notATable = TableInspector.notABaseTable(c, table);
            if (notATable.isPresent()) {
                return Prepared.rejected(notATable.get());
            }
            AlterClauses alter;
            try {
                alter = AlterClauses.parse(d.getAlter(), table);
            } catch (IllegalArgumentException e) {
                return Prepared.rejected(e.getMessage());
            }
            Optional<Preparation.InstantProbe> after;
            try {
                after = Preparation.instantProbe(c, id, table, alter);
            } catch (SQLException e) {
                Optional<String> refused = Preparation.refusedWithoutPrimaryKey(e, table);
                if (refused.isEmpty()) {
                    refused = Preparation.refusedWrites(c, e, table);
                }
                if (refused.isPresent()) {
                    return Prepared.rejected(refused.get());
                }
                throw e;
            }
            if (after.isEmpty()) {
                return Prepared.rejected("MySQL cannot apply this ALTER with ALGORITHM=INSTANT; submit it without"
                        + " --instant to have it copied, revertibly");
            }
            Optional<String> unreadable = BinlogLimits.unreadable(after.get().table());
            if (unreadable.isPresent()) {
                return Prepared.rejected("after the ALTER, the table would have " + unreadable.get());
            }
            MigrationStarted started = MigrationStarted.newBuilder(plan(false, table, parked))
                    .setShadowTable(table.table())
                    .setOldTable(table.table())
                    .setRevertible(false)
                    .setRevertNotes(List.of("not revertible: --instant applies the ALTER to " + table + " in place"
                            + " (ALGORITHM=INSTANT) at the cut-over, and no copy of the old schema is kept"))
                    .setInstantCapable(true)
                    .setInstantDefinition(after.get().definition())
                    .build();
            Preparation.record(c, sidecar, id, table, table.sibling(Names.shadowTable(table.table(), id)), parked,
                    started, 0);
            reports.send(id, started);
            return new Prepared(started, null);
        }
    }

    /** Applies the instant ALTER, unless the table already has the definition it gives (done before a crash). */
    private Swap alterInPlace(TableName table, String clauses, String definitionAfter) throws SQLException {
        long startedAt = System.currentTimeMillis();
        long t0 = System.nanoTime();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            boolean done = Preparation.definition(c, table).equals(definitionAfter);
            if (!done) {
                s.execute(Sql.tag(id, "swap") + "ALTER TABLE " + table.quoted() + " "
                        + AlterClauses.parse(clauses, table).text() + ", ALGORITHM=INSTANT");
            }
            long millis = (System.nanoTime() - t0) / 1_000_000;
            LOG.info("migration {}: altered {} in place in {} ms{}", id, table, millis, done ? " (earlier)" : "");
            return new Swap(gtidExecuted(s), millis, startedAt);
        }
    }

    private static String gtidExecuted(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT @@GLOBAL.gtid_executed")) {
            rs.next();
            return rs.getString(1).replace("\n", "");
        }
    }

    private Prepared prepare(MigrationState d, boolean create, TableName table, TableName parked)
            throws SQLException {
        try (Connection c = db.connect()) {
            boolean exists = TableInspector.exists(c, table);
            if (create) {
                if (exists) {
                    return Prepared.rejected("table " + table + " already exists");
                }
                CreateTable statement;
                try {
                    statement = CreateTable.parse(d.getAlter(), table);
                } catch (IllegalArgumentException e) {
                    return Prepared.rejected(e.getMessage());
                }
                try (Statement s = c.createStatement()) {
                    s.execute(Sql.tag(id, "prepare") + "DROP TABLE IF EXISTS " + parked.quoted());
                    s.execute(Sql.tag(id, "prepare") + statement.statementFor(parked));
                } catch (SQLException e) {
                    if (Db.isConnectionLoss(e)) {
                        throw e; // an interruption: the worker tries again, and drops what this attempt made
                    }
                    return Prepared.rejected("MySQL refused the CREATE TABLE: "
                            + e.getMessage().replace(parked.table(), table.table()));
                }
                Optional<String> unreadable = BinlogLimits.unreadable(TableInspector.read(c, parked));
                if (unreadable.isPresent()) {
                    return rejectedDropping(c, parked, "table " + table + " would have " + unreadable.get());
                }
            } else {
                Optional<String> notATable = TableInspector.notABaseTable(c, table);
                if (notATable.isPresent()) {
                    return Prepared.rejected(notATable.get());
                }
                if (TableInspector.hasForeignKeys(c, table)) {
                    return Prepared.rejected("table " + table + " has or is referenced by foreign keys; Flipside does not"
                            + " drop such tables (a foreign key follows the renamed table, not its name)");
                }
                if (TableInspector.exists(c, parked)) {
                    return Prepared.rejected("a table named " + parked + " already exists");
                }
            }
            Optional<String> refused = Preparation.refusedRename(c, id, table);
            if (refused.isPresent()) {
                return create ? rejectedDropping(c, parked, refused.get()) : Prepared.rejected(refused.get());
            }
            MigrationStarted started = plan(create, table, parked);
            Preparation.record(c, sidecar, id, table, create ? parked : table, create ? table : parked, started, 0);
            reports.send(id, started);
            return new Prepared(started, null);
        }
    }

    /** Rejects the migration once the table its preparation created under {@code parked} is dropped. */
    private Prepared rejectedDropping(Connection c, TableName parked, String reason) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(Sql.tag(id, "prepare") + "DROP TABLE IF EXISTS " + parked.quoted());
        }
        return Prepared.rejected(reason);
    }

    private MigrationStarted plan(boolean create, TableName table, TableName parked) {
        String note = create
                ? "the cut-over renames the new table into place as " + table + "; a revert renames it away to "
                        + parked + " with the rows written into it, and complete after a revert drops it"
                : "the cut-over renames " + table + " away to " + parked + " (writes to it then fail as for a dropped"
                        + " table); a revert renames it back with every row, and complete after the cut-over drops it";
        return MigrationStarted.newBuilder()
                .setShadowTable(create ? parked.table() : table.table())
                .setOldTable(create ? table.table() : parked.table())
                .setKeyColumns(List.of())
                .setForward(List.of())
                .setInverse(List.of())
                .setRevertNotes(List.of(note))
                .setRevertible(true)
                .setRowsTotal(0L)
                .build();
    }

    /** Records the migration's outcome in the sidecar, before it is reported. */
    interface Ending {
        void end(String outcome) throws SQLException;
    }

    /** A rename or in-place ALTER: the GTID set right after it, how long it took, and when it began (epoch ms). */
    private record Swap(String gtid, long millis, long startedAt) {}

    /** Renames {@code from} to {@code to}, unless that was done already (by this worker before a crash). */
    private Swap rename(TableName from, TableName to) throws SQLException {
        long startedAt = System.currentTimeMillis();
        long t0 = System.nanoTime();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            boolean done = TableInspector.exists(c, to) && !TableInspector.exists(c, from);
            if (!done) {
                s.execute(Sql.tag(id, "swap") + "RENAME TABLE " + from.quoted() + " TO " + to.quoted());
            }
            long millis = (System.nanoTime() - t0) / 1_000_000;
            LOG.info("migration {}: renamed {} to {} in {} ms{}", id, from, to, millis, done ? " (earlier)" : "");
            return new Swap(gtidExecuted(s), millis, startedAt);
        }
    }

    /** Retires the parked table when it holds what the migration set aside: the dropped table, or a reverted one. */
    private void complete(MigrationState d, boolean create, boolean instant, TableName parked, Ending ending)
            throws SQLException {
        boolean retire = !instant && (create ? d.getStatus() == MigrationStatus.REVERTED
                : d.getStatus() == MigrationStatus.CUT_OVER);
        String retired = null;
        if (retire) {
            TableName table = TableName.parse(d.getTable());
            TableName hold = table.sibling(Names.holdTable(table.table(), id));
            retirement.retire(id, parked, hold);
            retired = parked.table();
        }
        ending.end("COMPLETED");
        reports.send(id, new MigrationCompleted(retired));
    }

    private void execute(TableName t, String phase, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute(Sql.tag(id, phase) + sql);
        }
        LOG.info("migration {}: {} {}", id, phase, t);
    }
}
