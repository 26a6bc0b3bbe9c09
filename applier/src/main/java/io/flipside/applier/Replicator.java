package io.flipside.applier;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.config.TableFilter;
import io.flipside.core.config.Topics;
import io.flipside.core.ddl.PartitionMaintenance;
import io.flipside.core.ddl.RowRemoval;
import io.flipside.core.mapping.ColumnDef;
import io.flipside.core.sql.GtidSets;
import io.flipside.core.sql.Projection;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableDefinitions;
import io.flipside.core.sql.TableName;
import io.flipside.core.sql.ZeroDates;
import io.flipside.core.sql.TypeConversions;
import io.flipside.core.sql.WriteMode;
import io.flipside.runtime.AvroCodec;
import io.flipside.runtime.Failpoints;
import io.flipside.runtime.KafkaSetup;
import io.flipside.runtime.ServerRequirements;
import io.flipside.schema.ChangeEvent;
import io.flipside.schema.ChangeOp;
import io.flipside.schema.ColumnValue;
import io.flipside.schema.Key;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the changelog to the table that does not serve, and swaps the two tables.
 *
 * <p>Before the cut-over it projects changes of the serving (source) table onto the shadow table (forward); after it,
 * changes of the serving (new) table onto the old table (inverse); after a revert, forward again. Changes are applied
 * by key: for a batch of changed keys, MySQL re-reads the serving rows and upserts their projection, and deletes the
 * rows that no longer exist ({@link Projection#upsert}, {@link Projection#existingKeys}, {@link Projection#deleteAbsent}). This coalesces repeated
 * changes of a key, keeps MySQL's own type conversions, and makes applying an event twice harmless.
 *
 * <p>GTID-precise interleaving with the copy: the copy's cursor updates reach this replicator through the changelog at
 * the chunks' own positions in binlog order. A change is applied only to rows at or below the cursor seen so far;
 * rows above it are copied later, with their latest values. Keys are compared by MySQL (a bound parameter), so
 * collations and composite keys order exactly as the copy does.
 *
 * <p>Progress ({@code apply_state}: the next changelog offset, the cursor seen, the direction) commits in the same
 * transaction as the rows it describes, so a restart resumes exactly where it left off.
 */
final class Replicator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Replicator.class);
    private static final long PERSIST_IDLE_POSITION_MS = 1000;
    private static final int VISIBILITY_WAIT_SECONDS = 30;
    /** How many rows of the range each transaction of {@link #copyAgain} looks at. */
    static final int COPY_AGAIN_ROWS = 5_000;
    /** The apply session's isolation level (see {@link #open}). */
    static final String ISOLATION = "READ-COMMITTED";
    /** MySQL's error for a locking read with NOWAIT that met a lock. */
    private static final int ER_LOCK_NOWAIT = 3572;

    enum Direction { FORWARD, INVERSE }

    private final String id;
    private final Db db;
    private final Sidecar sidecar;
    private final FlipsideConfig config;
    private final TableName serving;
    private final TableName shadow;
    private final TableName old;
    /** Selecting columns as {@link TypeConversions#selectedAs} says once {@link #open} has read the types. */
    private Projection forward;
    private Projection inverse;
    private final TopicPartition changelog;
    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroCodec<ChangeEvent> codec = AvroCodec.of(ChangeEvent.class);
    private final int maxKeys;
    private final LossyValues lossy;
    /**
     * The old table's columns that inverse replication may round without a word from MySQL, with the type their
     * values compare as ({@link TypeConversions#rounds}); read from the two tables at {@link #open}. (What forward
     * replication rounds is what the ALTER asks for, before the first cut-over as after a revert: MySQL's own ALTER
     * rounds the same.)
     */
    private LinkedHashMap<String, TypeConversions.Rounding> inverseRounding = new LinkedHashMap<>();
    /** Whether a key column of the old table is among {@link #inverseRounding}'s. */
    private boolean inverseRoundsKey;
    private final InversePlan inversePlan;
    private final List<List<String>> addedUniqueIndexes;
    /**
     * Whether the shadow table was made with the serving table's partitions (the ALTER does not repartition it), so
     * that maintenance of the serving table's partitions can be carried to it ({@link #carry}).
     */
    private final boolean samePartitions;
    /** How many statements of partition maintenance of the serving or the standby table this replicator has read. */
    private long partitionEvents;
    /**
     * Held by the copier through each chunk, or round of chunks copied at once (from its opening to its cursor), and by
     * this replicator while it carries partition maintenance as the copy runs ({@link #carry}): then no chunk is
     * writing the shadow table, and the copier's cursor is committed. Fair, so that the copier does not take it again
     * and again while the replicator waits.
     */
    private final ReentrantLock copyGate = new ReentrantLock(true);
    /** The tokens of the copier's markers this replicator has read ({@link ChunkCopier#PARTITIONS_MARKER}). */
    private final Set<String> copyMarkersRead = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private Connection conn;
    /** The connection whose session has the REPLACE_KEEPING batch table (a temporary table lives with its session). */
    private Connection batchTableOn;

    // apply_state, as committed or about to be
    private Direction direction;
    private boolean started;
    private long nextOffset;
    private Key copiedUpTo;
    private boolean copyDoneSeen;
    private String lastGtid;
    /** The highest GTID read from each source: with {@link #lastSeen}, what tells a re-published change. */
    private GtidSources seenSources = GtidSources.parse(null);
    /** {@link #seenSources} as of {@link #lastSeen}, and as of the chunks' opening ({@link #openSeen}), as text. */
    private String flushedSources;
    private String openSources;
    private long eventsApplied;
    private int swaps;
    private String swapGtid;
    private Long swapFreezeMs;
    private Long swapLockWaitMs;
    /** When the last swap asked for its locks (epoch ms), as recorded with its freeze point; null before any. */
    private Long swapStartedAt;

    private final Map<String, Key> pendingKeys = new LinkedHashMap<>();
    /** Keys a change in the pending batch deleted (a row deleted, or moved away from by a key change). */
    private final java.util.Set<String> pendingDeleted = new java.util.HashSet<>();
    /** The GTIDs of the serving table's changes in the batch: they must be visible before the batch re-reads rows. */
    private final java.util.Set<String> pendingRowGtids = new java.util.HashSet<>();
    private long pendingEvents;
    private long pendingOffset = -1;

    /**
     * Keys of the batch that an XA transaction changed ({@link Topics#XA_PREPARED_HEADER}): its rows reach the binlog
     * at {@code XA PREPARE}, before they are committed, and its {@code XA COMMIT} carries none, so the batch waits for
     * the transaction to end before it re-reads them ({@link #awaitXaEnded}).
     */
    private final Map<String, Key> pendingXa = new LinkedHashMap<>();
    /**
     * Keys an XA transaction changed while the copy runs: a chunk that read them while the transaction was prepared
     * copied their previous rows, and no later change corrects them, so they are read again once the copy is done.
     * Until then apply_state records the position before the first of their changes ({@link #xaOffset}), so that a
     * restart reads them again.
     */
    private final Map<String, Key> xaDuringCopy = new LinkedHashMap<>();
    private long xaOffset = -1;
    /** Writes are held by this session's LOCK TABLES (a swap's freeze): nothing waits for an XA transaction then. */
    private boolean frozen;
    private BinlogPosition xaSeen;
    private String xaGtid;
    private String xaSources;

    /**
     * Chunks read without locks are open: from their opening in the changelog (one chunk, or a round of chunks copied
     * at once) to the last of their cursors' updates, or to any other update of {@code copy_state}. The keys changed
     * meanwhile are held, and applied again each time a cursor has moved: the chunks' snapshots may have missed their
     * changes ({@link ChunkCopier}).
     */
    private boolean chunkOpen;
    /** How many of the open chunks have not committed their cursor yet. */
    private long chunksToCommit;
    private final Map<String, Key> openKeys = new LinkedHashMap<>();
    private final java.util.Set<String> openDeleted = new java.util.HashSet<>();
    private final java.util.Set<String> openGtids = new java.util.HashSet<>();
    /** While a chunk is open, apply_state records the position before its opening, so that a restart reads it again. */
    private long openOffset;
    private BinlogPosition openSeen;
    private String openGtid;
    private String pendingGtid;
    private long pendingNewestCommit;
    private long[] pendingCommits = new long[1024];
    private int pendingCommitCount;
    private final ApplierMetrics metrics;
    private final long epoch;
    /** Binlog coordinates of the last change read: a change at or before them is a re-delivery. */
    private BinlogPosition lastSeen;
    /** The old and the new schema's columns when this replicator opened ({@link #requireColumnsUnchanged}). */
    private List<ColumnDef> oldColumns = List.of();
    private List<ColumnDef> newColumns = List.of();
    /** The two schemas' columns as the migration was prepared ({@link ColumnDef#describe(List)}), null if unknown. */
    private String preparedOldColumns;
    private String preparedNewColumns;
    /** The old schema's table as prepared ({@link Preparation#definition}): compared while it serves. */
    private String preparedOldDefinition;
    private BinlogPosition pendingSeen;
    private long duplicatesSkipped;
    private long duplicatesLogged;
    private boolean stateDirty;
    private long lastPersist;

    private volatile boolean startedVolatile;
    private volatile long lagMillis;
    /** The commit time of the last change the current poll read (any table's), 0 when none; published after it. */
    private long readCommitMillis;
    /** When a poll last read a change from the changelog (epoch ms), and when that change had been committed. */
    private volatile long lastReadAt;
    private volatile long lastReadCommitMillis;
    /**
     * The source commit time of the oldest change in the batch being written, 0 once it committed: a batch that takes
     * long (one waiting on a row lock, or failing and retried) shows as lag while it is not written.
     */
    private volatile long writingSince;
    private volatile long appliedTotal;
    private volatile boolean atEnd;
    /** Set inside a batch's transaction when it recorded a lossy value; counted once the batch committed. */
    private boolean newLossy;
    private volatile long lossyRecorded;

    /**
     * @param addedUniqueIndexes the new table's unique indexes that the source does not enforce, each as its columns in
     *     the new table's names (with WriteMode.INSERT)
     */
    Replicator(String id, Db db, Sidecar sidecar, FlipsideConfig config, TableName serving, TableName shadow,
            TableName old, Projection forward, List<List<String>> addedUniqueIndexes, InversePlan inversePlan,
            boolean samePartitions, ApplierMetrics metrics, long epoch) {
        this.id = id;
        this.epoch = epoch;
        this.metrics = metrics;
        this.db = db;
        this.sidecar = sidecar;
        this.config = config;
        this.serving = serving;
        this.shadow = shadow;
        this.old = old;
        this.forward = forward;
        this.inverse = new Projection(id, serving, old, forward.mapping().inverse(), forward.writeKey(),
                forward.readKey(), null, inversePlan.mode());
        this.inversePlan = inversePlan;
        this.addedUniqueIndexes = List.copyOf(addedUniqueIndexes);
        this.samePartitions = samePartitions;
        this.changelog = new TopicPartition(config.topics().changelog(), 0);
        java.util.Properties consumerProperties = KafkaSetup.consumer(config, "flipside-applier-" + id);
        // Never skip: where the changelog no longer has the next record, poll throws (poll below), instead of reading
        // on from the earliest record there is.
        consumerProperties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        this.consumer = new KafkaConsumer<>(consumerProperties);
        this.maxKeys = config.get(FlipsideConfig.APPLY_BATCH_KEYS);
        this.lossy = new LossyValues(id, sidecar);
    }

    /** Loads apply_state (finishing or abandoning a swap a crash interrupted) and positions the consumer. */
    void open() throws SQLException {
        conn = db.connect();
        // READ COMMITTED: the apply reads the serving table (production) without locking its rows, so it never holds
        // up a writer and never deadlocks with one. Reading the latest committed version is enough: a row that changes
        // after it was read is in the changelog again, later, and applied again.
        try (Statement s = conn.createStatement()) {
            s.execute("SET SESSION transaction_isolation = '" + ISOLATION + "'");
        }
        conn.setAutoCommit(false);
        String stage = load();
        if ("SWAPPING".equals(stage)) {
            recoverSwap();
            load();
        }
        readColumnTypes();
        requireColumnsAsPrepared();
        consumer.assign(List.of(changelog));
        consumer.seek(changelog, nextOffset);
        if (!started) {
            writeMarker("START");
        }
        LOG.info("migration {}: replicating {} from changelog offset {} ({} swaps so far)", id, direction, nextOffset,
                swaps);
    }

    /**
     * What the two tables' column types mean for the writes: which read columns each direction selects as another
     * type so that MySQL stores what its ALTER would ({@link #forward}), and which of the old table's columns inverse
     * replication may round ({@link #inverseRounding}). The old schema's table serves before the first swap and after
     * every second one, and the new schema's table is the shadow then, the serving table otherwise.
     */
    private void readColumnTypes() throws SQLException {
        boolean oldServes = swaps % 2 == 0;
        oldColumns = TableInspector.columns(conn, oldServes ? serving : old);
        newColumns = TableInspector.columns(conn, oldServes ? shadow : serving);
        conn.commit();
        Map<String, String> oldTypes = types(oldColumns);
        Map<String, String> newTypes = types(newColumns);
        forward = forward.selecting(selectedAs(forward, oldTypes, newTypes))
                .keysFloating(floats(forward.readKey(), oldColumns), floats(forward.writeKey(), newColumns))
                .comparing(Projection.Collation.differing(oldColumns, forward.mapping().fromColumns(), newColumns,
                        forward.mapping().toColumns()));
        inverse = inverse.selecting(selectedAs(inverse, newTypes, oldTypes))
                .keysFloating(floats(inverse.readKey(), newColumns), floats(inverse.writeKey(), oldColumns))
                .comparing(Projection.Collation.differing(newColumns, inverse.mapping().fromColumns(), oldColumns,
                        inverse.mapping().toColumns()));
        inverseRounding = rounding(inverse, newTypes, oldTypes);
        inverseRoundsKey = inverseRounding.keySet().stream()
                .anyMatch(c -> inverse.writeKey().stream().anyMatch(c::equalsIgnoreCase));
        if (!inverseRounding.isEmpty()) {
            LOG.info("migration {}: the old table's {} may round values written after the cut-over without a word"
                    + " from MySQL; inverse replication checks each row it writes", id, inverseRounding.keySet());
        }
    }

    /** The read columns of {@code p} to select as another type ({@link TypeConversions#selectedAs}), with the type. */
    private static Map<String, String> selectedAs(Projection p, Map<String, String> readTypes,
            Map<String, String> writeTypes) {
        Map<String, String> out = new java.util.HashMap<>();
        for (int i = 0; i < p.mapping().fromColumns().size(); i++) {
            String column = p.mapping().fromColumns().get(i);
            String from = readTypes.get(column);
            String to = writeTypes.get(p.mapping().toColumns().get(i));
            if (from != null && to != null) {
                TypeConversions.selectedAs(from, to).ifPresent(type -> out.put(column, type));
            }
        }
        return out;
    }

    /**
     * The forward projection, selecting columns as {@link TypeConversions#selectedAs} says once {@link #open} has run.
     */
    Projection forward() {
        return forward;
    }

    private static LinkedHashMap<String, TypeConversions.Rounding> rounding(Projection p, Map<String, String> readTypes,
            Map<String, String> writeTypes) {
        LinkedHashMap<String, TypeConversions.Rounding> out = new LinkedHashMap<>();
        for (int i = 0; i < p.mapping().fromColumns().size(); i++) {
            String from = readTypes.get(p.mapping().fromColumns().get(i));
            String to = writeTypes.get(p.mapping().toColumns().get(i));
            if (from != null && to != null && TypeConversions.rounds(from, to)) {
                out.put(p.mapping().toColumns().get(i), TypeConversions.rounding(from, to));
            }
        }
        return out;
    }

    /**
     * Whether maintenance {@code m} of the serving table's partitions is carried to the standby table: one of the
     * forms that name their partitions, when the shadow table was made with the serving table's partitions. Before
     * the cut-over to the shadow table (while the copy runs too, {@link #carry}), after it to the old table, which a
     * revert serves.
     */
    private boolean carries(PartitionMaintenance m) {
        return m.kind() != PartitionMaintenance.Kind.OTHER && samePartitions;
    }

    /**
     * How this replicator carries partition maintenance as the copy runs, for the copier: the gate it holds through
     * each chunk, and which of its markers this replicator has read ({@link ChunkCopier#awaitPartitions}).
     */
    ChunkCopier.Carrier carrier() {
        return new ChunkCopier.Carrier(copyGate, samePartitions, copyMarkersRead::contains);
    }

    /** The table that does not serve: the shadow table while the old schema serves, else the old table. */
    private TableName standby() {
        return swaps % 2 == 0 ? shadow : old;
    }

    /**
     * Why maintenance {@code m} of the serving table's partitions (empty: none) was not carried ({@link #carries}),
     * for an error.
     */
    private String notCarried(Optional<PartitionMaintenance> m) {
        if (m.isEmpty()) {
            return "";
        }
        String why = m.get().kind() == PartitionMaintenance.Kind.OTHER ? "Flipside carries to the " + (swaps % 2 == 0
                ? "shadow" : "old") + " table only ADD PARTITION (PARTITION ...), DROP PARTITION, TRUNCATE PARTITION"
                + " and REORGANIZE PARTITION ... INTO (PARTITION ...), each alone in its ALTER"
                : "the migration changes the table's partitioning, so the shadow table does not have its partitions";
        return "; " + why;
    }

    /**
     * Runs the clause of maintenance {@code m}, the serving table's statement {@code ddl}, on the standby table, which
     * has the same partitions and (the changelog applied up to the statement) the same rows: the rows a {@code DROP}
     * or {@code TRUNCATE PARTITION} removed without row events go from the standby table too, and changes after the
     * statement find the partitions they found in the serving table. Not again when the standby table already has
     * the partitions that the clause makes ({@link PartitionMaintenance#doneOn}): this replicator ran it, and stopped
     * before it recorded a position after the statement. A {@code TRUNCATE PARTITION} run again empties partitions
     * already empty: the changes after the statement, which could have filled them again, are applied only after it.
     * While the copy runs, with the copier held between chunks ({@link #copyGate}), and, after a clause that removes
     * rows, the rows copied since the statement copied again ({@link #copyAgain}).
     */
    private void carry(PartitionMaintenance m, String ddl) throws SQLException {
        Failpoints.hit("apply.carry");
        boolean copying = !copyDoneSeen;
        if (copying) {
            copyGate.lock();
        }
        try {
            TableName standby = standby();
            java.util.Set<String> partitions = TableInspector.partitionNames(conn, standby);
            conn.commit();
            if (m.doneOn(partitions)) {
                LOG.info("migration {}: {} has the partitions of {} already (its partitions: {})", id, standby,
                        ddl.strip(), partitions);
            } else {
                try (Statement s = conn.createStatement()) {
                    // The tag inside the statement: Debezium publishes it without the comments before its first word.
                    s.execute("ALTER TABLE " + Sql.tag(id, "partitions") + standby.quoted() + " " + m.clause());
                } catch (SQLException e) {
                    if (Db.isTransient(e) || Db.isConnectionLoss(e)) {
                        throw e;
                    }
                    throw new ChangedOutside("the partitions of " + serving + " were changed outside Flipside during"
                            + " the migration (" + ddl.strip() + "), and the same change failed on " + standby + ": "
                            + e.getMessage());
                }
                LOG.info("migration {}: carried the partition maintenance of {} to {} ({})", id, serving, standby,
                        ddl.strip());
                Failpoints.hit("apply.partitions");
            }
            if (copying && m.removesRows()) {
                copyAgain();
            }
        } finally {
            if (copying) {
                copyGate.unlock();
            }
        }
    }

    /**
     * After maintenance carried to the shadow table while the copy runs, with the copier held between chunks: the
     * rows of the chunks whose cursors the changelog has not reached yet, after {@link #copiedUpTo} (as of the
     * statement) up to the copier's cursor now, were read after the statement or while it ran, and a {@code DROP} or
     * {@code TRUNCATE PARTITION} has just removed those in its partitions, without row events that would bring them
     * back. The rows of that range the shadow table lacks are copied again, read now: a change after this read comes
     * after those chunks' cursors in the changelog, so it is applied. The others are as those chunks read them, and
     * the changes after the chunks are applied as usual; the rows up to {@link #copiedUpTo} are as the serving table's
     * were at the statement, which the clause then changed in the same way. A snapshot read where MySQL commits in
     * binlog order, as the chunks read (else with shared locks, which wait for a change written to the binlog and not
     * committed), {@value #COPY_AGAIN_ROWS} rows of the range in each transaction: the range is as large as the
     * applier is behind the copier.
     */
    private void copyAgain() throws SQLException {
        Key upTo;
        try (PreparedStatement ps = conn.prepareStatement(sidecar.selectCopyState())) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                upTo = rs.next() ? KeyValues.decode(rs.getString(1)) : null;
            }
        }
        conn.commit();
        if (upTo == null) {
            return; // no chunk has committed: the chunks read after the statement
        }
        boolean locking = !ChunkCopier.ordersCommits(conn);
        long copied = 0;
        int pieces = 0;
        Key lower = copiedUpTo;
        while (true) {
            Key cut = keyWithin(lower, upTo, COPY_AGAIN_ROWS - 1);
            Key upper = cut == null ? upTo : cut;
            try (PreparedStatement copy = conn.prepareStatement(forward.copyMissing(lower == null, locking))) {
                KeyValues.bind(copy, lower == null ? 1 : KeyValues.bind(copy, 1, lower), upper);
                copied += copy.executeUpdate();
                conn.commit();
            } catch (SQLException | RuntimeException e) {
                Db.rollbackQuietly(conn);
                throw e;
            }
            pieces++;
            if (cut == null) {
                break;
            }
            lower = cut;
        }
        LOG.info("migration {}: copied again the rows of {} after {} up to the copier's cursor {}: {} rows that {}"
                + " lacked, in {} transactions", id, serving,
                copiedUpTo == null ? "the start" : KeyValues.display(copiedUpTo), KeyValues.display(upTo), copied,
                forward.write(), pieces);
    }

    /**
     * The serving table's key {@code offset} rows after {@code lower} (null: from the start), if it comes before
     * {@code upTo}; else null.
     */
    private Key keyWithin(Key lower, Key upTo, long offset) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(forward.rangeRowKey(lower == null))) {
            int i = KeyValues.bind(ps, lower == null ? 1 : KeyValues.bind(ps, 1, lower), upTo);
            ps.setLong(i, offset);
            try (ResultSet rs = ps.executeQuery()) {
                Key k = rs.next() ? KeyValues.read(rs, forward.readKey()) : null;
                return k == null || KeyValues.identity(k).equals(KeyValues.identity(upTo)) ? null : k;
            }
        } finally {
            conn.commit();
        }
    }

    /**
     * Whether {@code ddl}, maintenance {@code m}, is this replicator's own ({@link #carry}): on one of its tables, with
     * its tag. Not only on the table that does not serve now: one carried with writes held, in the tail a swap applies,
     * reaches the changelog after the freeze marker, and is read once the tables have swapped, under a name that the
     * standby table no longer has.
     */
    private boolean isOwnCarry(PartitionMaintenance m, String ddl) {
        return isOneOfItsTables(m.table()) && ddl.contains(Sql.tag(id, "partitions").strip());
    }

    /**
     * Why the serving and the standby table's partitions differ, for an error; null when they do not ({@link
     * TableInspector#partitionLayouts}).
     */
    private String partitionsDiffer(TableName standby) throws SQLException {
        Map<String, List<String>> layouts = TableInspector.partitionLayouts(conn, serving, standby);
        List<String> servingLayout = layouts.getOrDefault(serving.table(), List.of());
        List<String> standbyLayout = layouts.getOrDefault(standby.table(), List.of());
        return servingLayout.equals(standbyLayout) ? null : "the partitions of " + standby + " were changed outside"
                + " Flipside: at the cut-over they are not those of " + serving + " (" + serving + ": "
                + String.join(", ", servingLayout) + "; " + standby + ": " + String.join(", ", standbyLayout) + ")";
    }

    /**
     * Throws {@link ChangedOutside} when the serving or the standby table no longer has the columns it had when this
     * replicator opened: a DDL statement {@code ddl} from elsewhere changed them (Flipside's own change only indexes
     * and names). The projections would go on without the column added, or fail on the one dropped; at a cut-over
     * the new table would serve without the column and its values, and the checksums, over the mapped columns only,
     * would match. While the old schema serves, the same for any other change of its definition
     * ({@link #requireOldDefinitionAsPrepared}). A table rebuilt changes nothing here.
     */
    private void requireColumnsUnchanged(String ddl) throws SQLException {
        boolean oldServes = swaps % 2 == 0;
        TableName standby = oldServes ? shadow : old;
        List<ColumnDef> servingNow = TableInspector.columns(conn, serving);
        List<ColumnDef> standbyNow = TableInspector.columns(conn, standby);
        conn.commit();
        String how = "during the migration (" + (ddl == null ? "a DDL statement" : ddl.strip()) + "; ";
        requireSame(serving, ColumnDef.describe(oldServes ? oldColumns : newColumns), servingNow, how);
        requireSame(standby, ColumnDef.describe(oldServes ? newColumns : oldColumns), standbyNow, how);
        requireOldDefinitionAsPrepared(how);
    }

    /**
     * Throws {@link ChangedOutside} when the old or the new schema's table, as {@link #open} read them, does not have
     * the columns the migration was prepared with, or the old schema's table, serving, not its definition: changed
     * outside Flipside while no applier replicated it (its DDL event, read again later, then meets tables that already
     * have the change, and {@link #requireColumnsUnchanged} sees none). A migration prepared by an earlier build, which
     * did not record them, has them recorded now.
     */
    private void requireColumnsAsPrepared() throws SQLException {
        boolean oldServes = swaps % 2 == 0;
        String how = "while no applier was replicating the migration (";
        if (preparedOldColumns == null || preparedNewColumns == null) {
            try (PreparedStatement ps = conn.prepareStatement(sidecar.recordColumns())) {
                ps.setString(1, ColumnDef.describe(oldColumns));
                ps.setString(2, ColumnDef.describe(newColumns));
                ps.setString(3, id);
                ps.setLong(4, epoch);
                ps.executeUpdate();
            }
            conn.commit();
        } else {
            requireSame(oldServes ? serving : old, preparedOldColumns, oldColumns, how);
            requireSame(oldServes ? shadow : serving, preparedNewColumns, newColumns, how);
        }
        TableName oldSchema = oldServes ? serving : old;
        if (preparedOldDefinition != null) {
            requireOldDefinitionAsPrepared(how);
        } else if (TableInspector.exists(conn, oldSchema)) {
            // Recorded as it is now: nothing to compare it with.
            String definition = Preparation.definition(conn, oldSchema);
            try (PreparedStatement ps = conn.prepareStatement(sidecar.recordOldDefinition())) {
                ps.setString(1, definition);
                ps.setString(2, id);
                ps.setLong(3, epoch);
                ps.executeUpdate();
            }
            conn.commit();
            preparedOldDefinition = definition;
        }
    }

    /**
     * Throws {@link ChangedOutside} when the old schema's table serves and its definition is no longer the one the
     * migration was prepared with: an index, a comment or a table option changed from elsewhere (a column too, which
     * the checks of the columns name first), which a cut-over would undo, serving the shadow table without it. While
     * the new schema serves, a change to it is one a revert undoes, as it undoes the migration's own.
     */
    private void requireOldDefinitionAsPrepared(String how) throws SQLException {
        if (swaps % 2 != 0 || preparedOldDefinition == null) {
            return;
        }
        String now = Preparation.definition(conn, serving);
        conn.commit();
        // Without the partitions' list: maintenance of the partitions is carried to the table that does not serve, or
        // ends the migration, as its statement is read (handle).
        String difference = TableDefinitions.difference(TableDefinitions.withoutPartitionList(preparedOldDefinition),
                TableDefinitions.withoutPartitionList(now));
        if (!difference.isEmpty()) {
            throw new ChangedOutside("the definition of " + serving + " was changed outside Flipside " + how
                    + difference + "), which a cut-over would undo");
        }
    }

    /** Throws {@link ChangedOutside} unless {@code table}'s columns {@code now} are those described {@code before}. */
    private static void requireSame(TableName table, String before, List<ColumnDef> now, String how) {
        if (now.isEmpty()) {
            throw new ChangedOutside(table + " was dropped or renamed outside Flipside " + how + "it no longer"
                    + " exists)");
        }
        String difference = ColumnDef.difference(before, ColumnDef.describe(now));
        if (!difference.isEmpty()) {
            throw new ChangedOutside("the columns of " + table + " were changed outside Flipside " + how + difference
                    + ")");
        }
    }

    /** Whether {@code t} is the serving, the shadow or the old table. */
    private boolean isOneOfItsTables(TableName t) {
        return t.equals(serving) || t.equals(shadow) || t.equals(old);
    }

    /** Whether a statement's text names the serving, the shadow or the old table ({@link Sql#mentions}). */
    private boolean mentionsOneOfItsTables(String ddl) {
        return java.util.stream.Stream.of(serving, shadow, old).anyMatch(t -> Sql.mentions(ddl, t.table()));
    }

    /**
     * Whether a DDL event's tables (Debezium's, comma-separated; none when it could not tell) may be the serving, the
     * shadow or the old table.
     */
    private boolean namesOneOfItsTables(String tables) {
        if (tables == null || tables.isBlank()) {
            return true;
        }
        for (String t : tables.split(",")) {
            String name = t.strip();
            if (name.equals(serving.table()) || name.equals(shadow.table()) || name.equals(old.table())) {
                return true;
            }
        }
        return false;
    }

    /** The columns of {@code key} that are FLOATs among {@code columns} ({@link Projection#keysFloating}). */
    private static java.util.Set<String> floats(List<String> key, List<ColumnDef> columns) {
        return columns.stream().filter(c -> c.isFloat() && key.contains(c.name())).map(ColumnDef::name)
                .collect(java.util.stream.Collectors.toSet());
    }

    private static Map<String, String> types(List<ColumnDef> columns) {
        Map<String, String> out = new java.util.HashMap<>();
        columns.forEach(c -> out.put(c.name(), c.columnType()));
        return out;
    }

    private String load() throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(sidecar.selectApplyState())) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("migration " + id + " has no apply_state row");
                }
                direction = Direction.valueOf(rs.getString(1));
                started = rs.getInt(3) == 1;
                startedVolatile = started;
                nextOffset = rs.getLong(4);
                copiedUpTo = KeyValues.decode(rs.getString(5));
                copyDoneSeen = rs.getInt(6) == 1;
                lastGtid = rs.getString(7);
                eventsApplied = rs.getLong(8);
                appliedTotal = eventsApplied;
                swaps = rs.getInt(9);
                swapGtid = rs.getString(11);
                swapFreezeMs = (Long) rs.getObject(12, Long.class);
                swapLockWaitMs = (Long) rs.getObject(13, Long.class);
                lastSeen = BinlogPosition.of(rs.getString(14), (Long) rs.getObject(15, Long.class),
                        (Integer) rs.getObject(16, Integer.class), (Integer) rs.getObject(18, Integer.class));
                swapStartedAt = (Long) rs.getObject(17, Long.class);
                preparedOldColumns = rs.getString(19);
                preparedNewColumns = rs.getString(20);
                preparedOldDefinition = rs.getString(22);
                flushedSources = rs.getString(21);
                seenSources = GtidSources.parse(flushedSources);
                String stage = rs.getString(2);
                conn.commit();
                return stage;
            }
        }
    }

    /**
     * A crash between recording a swap and finishing it: the RENAME either happened (the parked name exists and the
     * standby name does not) or did not. Finish or abandon accordingly.
     */
    private void recoverSwap() throws SQLException {
        TableName standby = direction == Direction.FORWARD ? shadow : old;
        TableName parked = direction == Direction.FORWARD ? old : shadow;
        boolean renamed = TableInspector.exists(conn, parked) && !TableInspector.exists(conn, standby);
        try (PreparedStatement ps = conn.prepareStatement(renamed ? sidecar.finishSwap() : sidecar.abandonSwap())) {
            int i = 1;
            if (renamed) {
                ps.setString(i++, flip(direction).name());
                ps.setNull(i++, java.sql.Types.BIGINT); // how long writes were held died with the process
                ps.setNull(i++, java.sql.Types.BIGINT);
            }
            ps.setString(i++, id);
            ps.setLong(i, epoch);
            Fenced.check(ps.executeUpdate(), id, epoch);
        }
        conn.commit();
        LOG.warn("migration {}: found a swap interrupted by a crash; the tables were {}renamed, {}", id,
                renamed ? "" : "not ", renamed ? "finishing it" : "abandoning it");
    }

    // ----------------------------------------------------------------------------------------------- streaming

    /** Reads what the changelog has (waiting at most {@code timeout}) and applies it. */
    void pollOnce(Duration timeout) throws SQLException {
        ConsumerRecords<String, byte[]> records = poll(timeout);
        readCommitMillis = 0;
        for (ConsumerRecord<String, byte[]> rec : records) {
            process(rec, null);
        }
        if (readCommitMillis > 0) {
            lastReadCommitMillis = readCommitMillis;
            lastReadAt = System.currentTimeMillis();
        }
        flush(false);
        OptionalLong lag = consumer.currentLag(changelog);
        atEnd = lag.isPresent() && lag.getAsLong() == 0 && pendingKeys.isEmpty();
        if (atEnd && records.isEmpty()) {
            lagMillis = 0;
        }
    }

    /**
     * The changelog's next records; throws {@link ChangelogIncomplete} when the record this replicator reads next is
     * no longer there: deleted by the topic's retention (a migration paused, or its applier down, for longer than
     * {@code changelog.retention.ms}), or by hand, or the topic was created again.
     */
    private ConsumerRecords<String, byte[]> poll(Duration timeout) {
        try {
            return consumer.poll(timeout);
        } catch (OffsetOutOfRangeException e) {
            Long wanted = e.offsetOutOfRangePartitions().get(changelog);
            Long first = consumer.beginningOffsets(List.of(changelog)).get(changelog);
            Long end = consumer.endOffsets(List.of(changelog)).get(changelog);
            throw new ChangelogIncomplete("the changelog no longer has the record at offset " + wanted + ", the next"
                    + " one this migration reads (it now holds offsets " + first + " to " + end + "): records were"
                    + " deleted before they were read (its retention, changelog.retention.ms, is shorter than the"
                    + " migration was paused or its applier down) or the topic was created again, so changes of "
                    + serving + " are missing");
        }
    }

    /**
     * Handles one changelog record; returns true when it is the freeze marker {@code awaitedToken}.
     */
    private boolean process(ConsumerRecord<String, byte[]> rec, String awaitedToken) throws SQLException {
        ChangeEvent ev;
        try {
            ev = codec.decode(rec.value());
        } catch (AvroCodec.BadRecordException e) {
            LOG.warn("migration {}: skipping unreadable changelog record at offset {}: {}", id, rec.offset(),
                    e.getMessage());
            pendingOffset = rec.offset() + 1;
            return false;
        }
        Header began = rec.headers().lastHeader(Topics.CAPTURE_BEGAN_HEADER);
        if (began != null) {
            // Thrown before this record counts as handled, as for a marker below: a restart meets it again.
            throw new ChangelogIncomplete("the capture of server " + ev.getServer() + " began anew at "
                    + new String(began.value(), StandardCharsets.UTF_8) + " without a stored binlog position (changelog"
                    + " offset " + rec.offset() + "; its offsets were reset after the binlog was purged, or lost):"
                    + " changes of " + serving + " made after the last one it published before are missing from the"
                    + " changelog");
        }
        boolean marker = ev.getOp() != ChangeOp.DDL && sidecar.database.equals(ev.getDatabase())
                && "markers".equals(ev.getTable());
        if (marker) {
            // Any migration's marker, and the capture's own at its start: thrown before this record counts as handled,
            // so that a restart meets the marker again.
            requireCaptured(rec);
        }
        boolean reached = false;
        BinlogPosition at = ev.getOp() == ChangeOp.DDL ? null : BinlogPosition.of(ev);
        if (at != null) {
            BinlogPosition latest = pendingSeen != null ? pendingSeen : lastSeen;
            if (latest != null && !at.isAfter(latest) && seenSources.readBefore(ev.getGtid())) {
                // The capture re-published it after a restart; it was read (and applied, or rightly skipped) before.
                duplicatesSkipped++;
                pendingOffset = rec.offset() + 1;
                return false;
            }
        }
        if (marker && started) {
            requireWriterCaptured(rec, ev);
        }
        boolean named = ev.getOp() == ChangeOp.DDL && ev.getGtid() != null
                && serving.database().equals(ev.getDatabase()) && namesOneOfItsTables(ev.getTable());
        if (named || ev.getOp() == ChangeOp.DDL && ev.getGtid() != null && mentionsOneOfItsTables(ev.getDdl())) {
            // A statement the server ran (the capture's schema snapshot at its start has no GTIDs) that names one of
            // the tables, as Debezium tells, or whose text mentions one: Debezium does not publish a RENAME TABLE
            // that takes the serving table's name away under that name.
            flush(true);
            // Of the serving table when the statement names it, whatever the database it ran in: the definitions
            // compared below leave out the partitions' list.
            Optional<PartitionMaintenance> partitions = ev.getDdl() == null ? Optional.empty()
                    : PartitionMaintenance.of(ev.getDdl(), ev.getDatabase());
            Optional<RowRemoval> removal = ev.getDdl() == null ? Optional.empty()
                    : RowRemoval.of(ev.getDdl(), ev.getDatabase());
            Optional<PartitionMaintenance> ofServing = partitions.filter(p -> p.table().equals(serving));
            if (partitions.isPresent() && isOneOfItsTables(partitions.get().table())) {
                partitionEvents++;
            }
            if (ofServing.isPresent() && carries(ofServing.get())) {
                carry(ofServing.get(), ev.getDdl());
                removal = Optional.empty();
            } else if (partitions.isPresent() && isOwnCarry(partitions.get(), ev.getDdl())) {
                removal = Optional.empty();
            }
            if (removal.isPresent()) {
                // No row event says which rows went (or came, for a partition exchanged): the standby table would
                // keep the rows before, and serve them after a swap.
                Optional<TableName> exchanged = removal.get().exchangedWith().filter(this::isOneOfItsTables);
                if (named || ofServing.isPresent() || exchanged.isPresent()) {
                    String table = exchanged.map(TableName::toString).orElse(ofServing.isPresent() ? serving.toString()
                            : serving.database() + "." + (ev.getTable() == null || ev.getTable().isBlank()
                                    ? serving.table() : ev.getTable()));
                    throw new ChangedOutside("the rows of " + table + " were " + (removal.get().replaces()
                            ? "replaced" : "removed") + " outside Flipside during the migration ("
                            + ev.getDdl().strip() + ")" + notCarried(ofServing));
                }
            }
            if (ofServing.isPresent() && swaps % 2 == 0 && !carries(ofServing.get())) {
                // Not in the definitions compared below, which leave out the partitions' list: the shadow table
                // would go on without the change. (While the new schema serves, only what removes rows is looked
                // for, above: a revert serves the old table as it was.)
                throw new ChangedOutside("the partitions of " + serving + " were changed outside Flipside during the"
                        + " migration (" + ev.getDdl().strip() + ")" + notCarried(ofServing));
            }
            requireColumnsUnchanged(ev.getDdl());
        }
        if (ev.getOp() != ChangeOp.DDL && serving.database().equals(ev.getDatabase())
                && serving.table().equals(ev.getTable())) {
            Projection p = direction == Direction.FORWARD ? forward : inverse;
            String before = addKey(ev.getBefore(), p.readKey());
            String after = addKey(ev.getAfter(), p.readKey());
            if (before != null && !before.equals(after)) {
                pendingDeleted.add(before);
            }
            if (ev.getGtid() != null) {
                pendingRowGtids.add(ev.getGtid());
            }
            if (rec.headers().lastHeader(Topics.XA_PREPARED_HEADER) != null) {
                xaPrepared(before, after, rec.offset());
            }
            if (chunkOpen) {
                hold(before, after, ev.getGtid());
            }
            pendingEvents++;
            pendingNewestCommit = Math.max(pendingNewestCommit, ev.getCommitMillis());
            if (pendingCommitCount == pendingCommits.length) {
                pendingCommits = java.util.Arrays.copyOf(pendingCommits, pendingCommitCount * 2);
            }
            pendingCommits[pendingCommitCount++] = ev.getCommitMillis();
        } else if (ev.getOp() != ChangeOp.DDL && sidecar.database.equals(ev.getDatabase())
                && ev.getAfter() != null && id.equals(text(ev.getAfter(), "migration_id"))) {
            if ("copy_state".equals(ev.getTable())) {
                flush(true);
                long opened = increase(ev, "opened_chunks");
                long committed = increase(ev, "chunks");
                if (chunkOpen) {
                    if (!openKeys.isEmpty()) {
                        Failpoints.hit("apply.chunk");
                    }
                    reapplyHeld();
                    chunksToCommit -= committed;
                    if (opened > 0 || committed == 0 || chunksToCommit <= 0) {
                        closeChunks();
                    }
                }
                if (opened > 0) {
                    chunkOpen = true;
                    chunksToCommit = opened;
                    openOffset = rec.offset();
                    openSeen = lastSeen;
                    openGtid = lastGtid;
                    openSources = seenSources.text();
                }
                Key k = KeyValues.decode(text(ev.getAfter(), "last_key"));
                if (k != null) {
                    copiedUpTo = k;
                }
                if ("1".equals(text(ev.getAfter(), "done"))) {
                    copyDoneSeen = true;
                    readAgainAfterTheCopy();
                }
                stateDirty = true;
            } else if ("markers".equals(ev.getTable())) {
                flush(true);
                if ("START".equals(text(ev.getAfter(), "kind")) && !started) {
                    started = true;
                    stateDirty = true;
                }
                reached = awaitedToken != null && awaitedToken.equals(text(ev.getAfter(), "token"));
                if (ChunkCopier.PARTITIONS_MARKER.equals(text(ev.getAfter(), "kind"))) {
                    copyMarkersRead.add(text(ev.getAfter(), "token"));
                }
            }
        }
        // Only now is this record handled: the flushes above recorded the position before it, and its coordinates must
        // not be recorded with that position (a restart would then skip it as a re-delivery).
        pendingOffset = rec.offset() + 1;
        if (at != null) {
            pendingSeen = at;
            readCommitMillis = ev.getCommitMillis();
        }
        if (ev.getGtid() != null) {
            if (!ev.getGtid().equals(pendingGtid)) { // once per transaction, not once per row
                seenSources.add(ev.getGtid());
            }
            pendingGtid = ev.getGtid();
        }
        return reached;
    }

    /**
     * Throws {@link ChangelogIncomplete} when the capture that published this marker leaves the serving table out
     * ({@link TableFilter#MARKER_HEADER}): each role reads its own configuration, and a capture restarted with a
     * pattern its applier lacks no longer publishes the changes the standby table needs.
     */
    private void requireCaptured(ConsumerRecord<String, byte[]> rec) {
        Header h = rec.headers().lastHeader(TableFilter.MARKER_HEADER);
        if (h != null && h.value() != null && h.value().length > 0) {
            requireNotExcluded(new String(h.value(), StandardCharsets.UTF_8), "the capture's "
                    + TableFilter.MARKER_HEADER, rec.offset(), "the capture no longer publishes its changes");
        }
    }

    /**
     * Throws {@link ChangelogIncomplete} when the capture that wrote this marker (a capture's own, read after this
     * migration's start marker) left the serving table out: it wrote the marker before it read the binlog on, so it
     * may have stopped after leaving out changes before the marker and before publishing it, and a capture without
     * the pattern, reading on from its offsets, would not publish them either.
     */
    private void requireWriterCaptured(ConsumerRecord<String, byte[]> rec, ChangeEvent ev) {
        String text = text(ev.getAfter(), "capture_exclude");
        if (text != null && !text.isEmpty()) {
            requireNotExcluded(text, TableFilter.MARKER_HEADER + " of the capture that wrote the marker", rec.offset(),
                    "changes of it made before the marker may be missing from the changelog");
        }
    }

    private void requireNotExcluded(String text, String setting, long offset, String consequence) {
        TableFilter captured;
        try {
            captured = TableFilter.parse(TableFilter.MARKER_HEADER, text);
        } catch (IllegalArgumentException e) {
            throw new ChangelogIncomplete(setting + " (" + text + ", on the marker at"
                    + " changelog offset " + offset + ") cannot be read, so it may leave " + serving + " out: "
                    + e.getMessage());
        }
        if (captured.matches(serving)) {
            throw new ChangelogIncomplete("table " + serving + " matches " + setting + " (" + text
                    + ", on the marker at changelog offset " + offset + "): " + consequence);
        }
    }

    /**
     * A change from an XA transaction ({@link #pendingXa}); while the copy runs, its keys are also kept to be read
     * again once the copy is done ({@link #xaDuringCopy}).
     */
    private void xaPrepared(String before, String after, long offset) {
        for (String identity : new String[] {before, after}) {
            if (identity == null) {
                continue;
            }
            pendingXa.put(identity, pendingKeys.get(identity));
            if (direction == Direction.FORWARD && !copyDoneSeen) {
                if (xaOffset < 0) {
                    xaOffset = offset;
                    xaSeen = pendingSeen != null ? pendingSeen : lastSeen;
                    xaGtid = pendingGtid != null ? pendingGtid : lastGtid;
                    xaSources = seenSources.text();
                }
                xaDuringCopy.put(identity, pendingKeys.get(identity));
            }
        }
    }

    /** The copy is done: the keys XA transactions changed while it ran join the batch, which reads them again. */
    private void readAgainAfterTheCopy() {
        if (xaDuringCopy.isEmpty()) {
            return;
        }
        LOG.info("migration {}: the copy is done; reading again the {} rows XA transactions changed while it ran", id,
                xaDuringCopy.size());
        pendingKeys.putAll(xaDuringCopy);
        pendingXa.putAll(xaDuringCopy);
        xaDuringCopy.clear();
        xaOffset = -1;
        stateDirty = true;
    }

    /** Holds the keys of a change met while a chunk is open (identities from {@link #addKey}). */
    private void hold(String before, String after, String gtid) {
        for (String identity : new String[] {before, after}) {
            if (identity != null) {
                openKeys.put(identity, pendingKeys.get(identity));
            }
        }
        if (before != null && !before.equals(after)) {
            openDeleted.add(before);
        }
        if (gtid != null) {
            openGtids.add(gtid);
        }
    }

    /**
     * One of the open chunks' cursors is here: the keys held since their opening join the batch, which applies those
     * the cursor now covers, re-reading their rows. They stay held for the open chunks still to commit.
     */
    private void reapplyHeld() {
        pendingKeys.putAll(openKeys);
        pendingDeleted.addAll(openDeleted);
        pendingRowGtids.addAll(openGtids);
        stateDirty = true;
    }

    /**
     * The last open chunk's cursor is here (or another update of copy_state ends the opening: a new one, the epoch's):
     * the held keys were applied where the cursors cover them; the rest the next chunks copy, since those open after
     * these changes.
     */
    private void closeChunks() {
        openKeys.clear();
        openDeleted.clear();
        openGtids.clear();
        chunkOpen = false;
        chunksToCommit = 0;
        stateDirty = true;
    }

    /** How much the number in {@code column} went up in a change of a row (0 for an insert, or a decrease). */
    private static long increase(ChangeEvent ev, String column) {
        if (ev.getBefore() == null) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(text(ev.getAfter(), column)) - Long.parseLong(text(ev.getBefore(),
                    column)));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Adds the key of a row image to the batch; returns its identity, or null when there is no image. */
    private String addKey(List<ColumnValue> image, List<String> keyColumns) throws SQLException {
        if (image == null) {
            return null;
        }
        Key k = KeyValues.fromChangelog(image, keyColumns);
        if (k == null) {
            // Published without them: too large for the changelog, it kept only the table's unique keys as the
            // capture read them when it published it, after the migration's key was dropped.
            throw new ChangedOutside("a change of " + serving + " reached the changelog without its key columns "
                    + keyColumns + ": the table's keys were changed outside Flipside during the migration");
        }
        List<Integer> atEpoch = KeyValues.atEpoch(k);
        if (!atEpoch.isEmpty()) {
            requireNoZeroDate(k, atEpoch);
        }
        String identity = KeyValues.identity(k);
        pendingKeys.put(identity, k);
        return identity;
    }

    /**
     * A key whose date parts the capture gave at 1970-01-01 ({@code atEpoch}) may stand for a zero date, or one with a
     * zero month or day, which a session with a lenient {@code sql_mode} wrote into the key after the migration started
     * (the preparation rejects a table whose key held one then): that row's changes would be applied under 1970-01-01.
     * Looked for in both tables among the rows with the key's other parts (a query only for such a key): found, the
     * migration ends as for a change made outside Flipside.
     */
    private void requireNoZeroDate(Key k, List<Integer> atEpoch) throws SQLException {
        Projection p = direction == Direction.FORWARD ? forward : inverse;
        Key others = KeyValues.without(k, atEpoch);
        for (boolean standbyTable : new boolean[] {false, true}) {
            List<String> key = standbyTable ? p.writeKey() : p.readKey();
            List<String> dated = atEpoch.stream().map(key::get).toList();
            List<String> equal = key.stream().filter(c -> !dated.contains(c)).toList();
            TableName table = standbyTable ? p.write() : p.read();
            try (PreparedStatement ps = conn.prepareStatement(ZeroDates.query(id, "apply", table, key, dated, equal))) {
                KeyValues.bind(ps, 1, others);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        throw new ChangedOutside("a zero date, or one with a zero month or day, was written into"
                                + " the key (" + String.join(", ", key) + ") of " + table + " during the migration (the"
                                + " row (" + rs.getString(1) + ")): the capture reads it as 1970-01-01, so Flipside"
                                + " cannot follow that row");
                    }
                }
            }
        }
    }

    private static String text(List<ColumnValue> image, String column) {
        for (ColumnValue c : image) {
            if (c.getName().equals(column)) {
                return c.getValue() == null ? null : c.getValue().toString();
            }
        }
        return null;
    }

    /**
     * Applies the pending keys and records the position, in one transaction. Keys above the copy cursor are dropped:
     * the copy will read those rows later.
     */
    private void flush(boolean persistPosition) throws SQLException {
        if (pendingOffset < 0) {
            return;
        }
        // A plan that is not revertible cannot write the old table (a NOT NULL column without a default that the new
        // table dropped); inverse replication then only follows the changelog.
        boolean canApply = direction == Direction.INVERSE ? inversePlan.writes() : copyDoneSeen || copiedUpTo != null;
        List<Key> keys = canApply ? new ArrayList<>(pendingKeys.values()) : List.of();
        java.util.Set<String> deletedInBatch = new java.util.HashSet<>(pendingDeleted);
        String mustSee = keys.isEmpty() || pendingRowGtids.isEmpty() ? null : GtidSets.of(pendingRowGtids);
        boolean mustPersist = persistPosition || stateDirty || !keys.isEmpty()
                || System.currentTimeMillis() - lastPersist > PERSIST_IDLE_POSITION_MS;
        if (!mustPersist) {
            return;
        }
        long events = pendingEvents;
        long offset = pendingOffset;
        String gtid = pendingGtid;
        BinlogPosition seen = pendingSeen != null ? pendingSeen : lastSeen;
        String sources = seenSources.text();
        // Recorded: the position before the chunks open now, or before the first change of an XA transaction while
        // the copy runs, whichever is earlier, so that a restart reads their changes again.
        boolean xaFirst = xaOffset >= 0 && (!chunkOpen || xaOffset < openOffset);
        long recordedOffset = xaFirst ? xaOffset : chunkOpen ? openOffset : offset;
        String recordedGtid = xaFirst ? xaGtid : chunkOpen ? openGtid : gtid;
        BinlogPosition recordedSeen = xaFirst ? xaSeen : chunkOpen ? openSeen : seen;
        String recordedSources = xaFirst ? xaSources : chunkOpen ? openSources : sources;
        Projection p = direction == Direction.FORWARD ? forward : inverse;
        boolean bounded = direction == Direction.FORWARD && !copyDoneSeen;
        Key bound = copiedUpTo;
        newLossy = false;
        writingSince = keys.isEmpty() || pendingCommitCount == 0 ? 0 : pendingCommits[0]; // in commit order
        if (!pendingXa.isEmpty()) {
            awaitXaEnded(p, new ArrayList<>(pendingXa.values()));
        }
        db.retrying(() -> {
            try {
                if (mustSee != null) {
                    awaitVisible(mustSee);
                }
                for (int from = 0; from < keys.size(); from += maxKeys) {
                    List<Key> part = keys.subList(from, Math.min(keys.size(), from + maxKeys));
                    if (p.mode() == WriteMode.REPLACE_KEEPING || p.mode() == WriteMode.INSERT) {
                        part = new ArrayList<>(part); // the holders of the batch's unique values are added to it
                    }
                    try {
                        if (p.mode() == WriteMode.INSERT) {
                            insertAfresh(p, part, bounded ? bound : null);
                        } else if (p.mode() == WriteMode.REPLACE_KEEPING) {
                            replaceKeeping(p, part);
                        } else {
                            // A row deleted in this batch and maybe inserted again is a new row: delete it first, so
                            // that the upsert inserts it afresh (unmapped columns take their defaults) instead of
                            // updating the old one.
                            List<Key> deleted = part.stream()
                                    .filter(k -> deletedInBatch.contains(KeyValues.identity(k))).toList();
                            if (!deleted.isEmpty()) {
                                execute(p.deleteAbsent(deleted.size(), bounded, 0), deleted, bounded ? bound : null,
                                        List.of());
                            }
                            for (String sql : write(p, part.size(), bounded)) {
                                execute(sql, part, bounded ? bound : null, List.of());
                            }
                        }
                    } catch (SQLException e) {
                        if (!LossyValues.isRefusedValue(e)) {
                            throw e;
                        }
                        if (p == forward && swaps == 0) {
                            // The statement was rolled back; the transaction goes on only to name the row.
                            // Holders last in, first written: the row named is then the one that took a value.
                            throw new Unrepresentable("the new table cannot hold " + LossyValues.firstRefused(conn, p,
                                    p.mode() == WriteMode.INSERT ? reversed(part) : part, bounded ? bound : null));
                        }
                        if (lossy.writeRecordingLoss(conn, write(p, 1, false), part, swaps) > 0) {
                            newLossy = true;
                        }
                    }
                    // What MySQL rounded without a word in the old table: a value the application wrote under the new
                    // schema that the old one cannot hold.
                    if (p == inverse && !inverseRounding.isEmpty()
                            && lossy.recordRounded(conn, p, part, inverseRounding, inverseRoundsKey, swaps) > 0) {
                        newLossy = true;
                    }
                    List<Key> kept = existing(p, part);
                    if (kept.size() < part.size()) { // else every key is still there: nothing to delete
                        execute(p.deleteAbsent(part.size(), bounded, kept.size()), part, bounded ? bound : null, kept);
                    }
                }
                try (PreparedStatement ps = conn.prepareStatement(sidecar.advanceApply())) {
                    ps.setLong(1, recordedOffset);
                    ps.setInt(2, started ? 1 : 0);
                    ps.setString(3, bound == null ? null : KeyValues.encode(bound));
                    ps.setInt(4, copyDoneSeen ? 1 : 0);
                    ps.setString(5, recordedGtid);
                    ps.setLong(6, keys.isEmpty() ? 0 : events);
                    ps.setString(7, recordedSeen == null ? null : recordedSeen.file());
                    ps.setObject(8, recordedSeen == null ? null : recordedSeen.pos());
                    ps.setObject(9, recordedSeen == null ? null : recordedSeen.row());
                    ps.setObject(10, recordedSeen == null ? null : recordedSeen.part());
                    ps.setString(11, recordedSources);
                    ps.setString(12, id);
                    ps.setLong(13, epoch);
                    Fenced.check(ps.executeUpdate(), id, epoch);
                }
                if (!keys.isEmpty()) {
                    Failpoints.hit("apply.batch");
                }
                conn.commit();
                return null;
            } catch (SQLException | RuntimeException e) {
                Db.rollbackQuietly(conn);
                throw e;
            }
        });
        writingSince = 0;
        if (newLossy) {
            lossyRecorded++;
        }
        if (!keys.isEmpty()) {
            long committedAt = System.currentTimeMillis();
            eventsApplied += events;
            appliedTotal = eventsApplied;
            if (pendingNewestCommit > 0) {
                lagMillis = Math.max(0, committedAt - pendingNewestCommit);
            }
            metrics.applied(direction == Direction.FORWARD, events, pendingCommits, pendingCommitCount, committedAt);
        }
        if (duplicatesSkipped > duplicatesLogged) {
            LOG.info("migration {}: skipped {} changes the capture published again (recognised by binlog position and GTID)", id,
                    duplicatesSkipped - duplicatesLogged);
            duplicatesLogged = duplicatesSkipped;
        }
        nextOffset = offset;
        lastSeen = seen;
        flushedSources = sources;
        pendingSeen = null;
        if (gtid != null) {
            lastGtid = gtid;
        }
        startedVolatile = started;
        lastPersist = System.currentTimeMillis();
        stateDirty = false;
        pendingKeys.clear();
        pendingDeleted.clear();
        pendingRowGtids.clear();
        pendingXa.clear();
        pendingEvents = 0;
        pendingOffset = -1;
        pendingNewestCommit = 0;
        pendingCommitCount = 0;
    }

    /**
     * Waits until the XA transactions that changed {@code keys} have committed or rolled back: a locking read of their
     * rows in the read table waits for the locks a prepared transaction holds (on a row it changed, deleted or
     * inserted), then the transaction ends at once, releasing its shared locks, before the batch re-reads the rows
     * without locks. Waits as long as the transaction stays prepared (a transaction manager may keep it so for long):
     * the apply falls behind meanwhile, and says why every lock wait ({@code innodb_lock_wait_timeout} of the
     * applier's sessions). Never with writes held: a prepared transaction that changed the table keeps a metadata
     * lock on it, even once its session is gone, so a swap's LOCK TABLES cannot take the table meanwhile; should one
     * hold rows of it all the same, the read does not wait and the swap gives up, to be tried again.
     */
    private void awaitXaEnded(Projection p, List<Key> keys) throws SQLException {
        long since = System.currentTimeMillis();
        for (int from = 0; from < keys.size(); from += maxKeys) {
            List<Key> part = keys.subList(from, Math.min(keys.size(), from + maxKeys));
            while (true) {
                try {
                    selectKeys(p.existingKeysLocking(part.size(), frozen), part, p.readKey());
                    conn.commit();
                    break;
                } catch (SQLException e) {
                    Db.rollbackQuietly(conn);
                    if (frozen && e.getErrorCode() == ER_LOCK_NOWAIT) {
                        throw new SQLException("rows of " + p.read() + " changed just before the freeze are held by"
                                + " an XA transaction still prepared (XA RECOVER lists it)", e);
                    }
                    if (!Db.isTransient(e)) {
                        throw e;
                    }
                    LOG.warn("migration {}: {} rows of {} were changed by an XA transaction that is still prepared"
                            + " (neither committed nor rolled back) after {} s: the apply waits for it to end"
                            + " (XA RECOVER lists it)", id, keys.size(), p.read(),
                            (System.currentTimeMillis() - since) / 1000);
                }
            }
        }
    }

    /**
     * Waits until the batch's transactions are visible to this session's reads. MySQL hands a transaction to the
     * binlog readers when its binlog is synced, before the storage engine commits it (the reason semi-sync has an
     * AFTER_SYNC mode): re-reading a changed row in that gap would read its previous version, and no later event
     * would correct it. A GTID is in {@code gtid_executed} only once its transaction is committed.
     */
    private void awaitVisible(String gtids) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?)")) {
            ps.setString(1, gtids);
            ps.setInt(2, VISIBILITY_WAIT_SECONDS);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getInt(1) != 0) {
                    String waited = "changes " + gtids + " from the changelog were not committed on the server after "
                            + VISIBILITY_WAIT_SECONDS + " s";
                    java.util.Optional<Boolean> replicating = replicating();
                    if (replicating.isPresent() && !replicating.get()) {
                        throw new ChangelogIncomplete(waited + ", and it replicates from no other server, so they"
                                + " cannot arrive: it lost them (a replica promoted before it had received them) or"
                                + " is not the one they were read from, and the changelog and the tables of " + serving
                                + " no longer agree");
                    }
                    throw new SQLException(waited + (replicating.isPresent() ? "; it replicates, so they may yet"
                            + " arrive; is the capture reading another server?" : "; is the capture reading another"
                            + " server, or was this one promoted without them? (with SELECT ON"
                            + " performance_schema.replication_applier_status the applier would tell, and fail the"
                            + " migration when the server replicates from no other)"));
                }
            }
        }
    }

    /**
     * A session for the freeze-point checksums, whose snapshot the swap opens under its locks: REPEATABLE READ
     * whatever the server's default, since InnoDB ignores {@code WITH CONSISTENT SNAPSHOT} at other levels, and the
     * checksums, read after the writers resume, would then see the tables as they are by then, not at the freeze.
     */
    private Connection snapshotSession() throws SQLException {
        Connection c = db.connect();
        try (Statement s = c.createStatement()) {
            s.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * Whether the server applies transactions from another (a replication channel is on), so that ones it lacks may
     * still arrive; empty when it cannot be read (the applier's user without SELECT on
     * {@code performance_schema.replication_applier_status}, or performance_schema off).
     */
    private java.util.Optional<Boolean> replicating() {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM"
                + " performance_schema.replication_applier_status WHERE SERVICE_STATE = 'ON'")) {
            rs.next();
            return java.util.Optional.of(rs.getLong(1) > 0);
        } catch (SQLException e) {
            LOG.debug("migration {}: cannot tell whether the server replicates", id, e);
            return java.util.Optional.empty();
        }
    }

    private void execute(String sql, List<Key> keys, Key bound, List<Key> after) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            int i = 1;
            for (Key k : keys) {
                i = KeyValues.bind(ps, i, k);
            }
            if (bound != null) {
                i = KeyValues.bind(ps, i, bound);
            }
            for (Key k : after) {
                i = KeyValues.bind(ps, i, k);
            }
            ps.executeUpdate();
        }
    }

    /** The keys of {@code keys} that the read table still has (a non-locking read under READ COMMITTED). */
    private List<Key> existing(Projection p, List<Key> keys) throws SQLException {
        return selectKeys(p.existingKeys(keys.size()), keys, p.readKey());
    }

    /** The keys (over {@code keyColumns}) that {@code sql}, given {@code keys} as its parameters, returns. */
    private List<Key> selectKeys(String sql, List<Key> keys, List<String> keyColumns) throws SQLException {
        List<Key> found = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            int i = 1;
            for (Key k : keys) {
                i = KeyValues.bind(ps, i, k);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(KeyValues.read(rs, keyColumns));
                }
            }
        }
        return found;
    }

    private String writeMarker(String kind) throws SQLException {
        return sidecar.writeMarker(conn, id, kind);
    }

    // ----------------------------------------------------------------------------------------------- the swap

    /**
     * What a swap did: the freeze point, when it asked for the locks (epoch ms, 0 when it gave up before them) and how
     * long writes were held; or why it gave up (nothing renamed).
     */
    record Swap(boolean done, String freezeGtid, long startedAt, long freezeMillis, long lockWaitMillis, String failure,
            Connection snapshot, boolean refused) {
        static Swap failed(String why, long startedAt, long heldMillis) {
            return new Swap(false, null, startedAt, heldMillis, 0, why, null, false);
        }
    }

    /**
     * WriteMode.REPLACE_KEEPING: replaces the rows of {@code part}, and of the old rows that hold one of their unique
     * values under another key (added to {@code part}), so that every row the REPLACE removes is one whose dropped
     * columns it read. The new table moves on while this runs, so its rows are first read once into a temporary
     * table of this session (a consistent read without locks), and the holders are looked for, and the REPLACE made,
     * from those values: a row re-read later could carry a value that a row not looked at holds, and the REPLACE would
     * remove that row with its dropped columns' values. Holders' rows are read in as they are found.
     */
    private void replaceKeeping(Projection p, List<Key> part) throws SQLException {
        TableName batch = new TableName(sidecar.database, "batch_" + id);
        List<String> columns = p.mapping().fromColumns();
        try (Statement s = conn.createStatement()) {
            if (batchTableOn != conn) {
                // Not binlogged (row format), exempt from LOCK TABLES, gone with the session (and not undone by a
                // rollback); the same columns and types.
                s.execute(Sql.tag(id, "apply") + "CREATE TEMPORARY TABLE IF NOT EXISTS " + batch.quoted() + " SELECT "
                        + Sql.identList(columns) + " FROM " + p.read().quoted() + " LIMIT 0");
                batchTableOn = conn;
            }
            s.execute(Sql.tag(id, "apply") + "DELETE FROM " + batch.quoted());
        }
        Projection fromBatch = p.readingFrom(batch);
        readInto(p, batch, columns, part);
        addUniqueHolders(fromBatch, part, inversePlan.uniqueIndexes(), found -> readInto(p, batch, columns, found));
        for (String sql : fromBatch.replaceKeeping(part.size(), inversePlan.keep())) {
            execute(sql, part, null, List.of());
        }
    }

    /** Copies the rows of {@code keys} from the read table into the batch table. */
    private void readInto(Projection p, TableName batch, List<String> columns, List<Key> keys) throws SQLException {
        if (!keys.isEmpty()) {
            execute(Sql.tag(id, "apply") + "INSERT INTO " + batch.quoted() + " (" + Sql.identList(columns) + ") "
                    + p.selectRows(keys.size()), keys, null, List.of());
        }
    }

    private static List<Key> reversed(List<Key> keys) {
        List<Key> out = new ArrayList<>(keys);
        java.util.Collections.reverse(out);
        return out;
    }

    /** How often {@link #insertAfresh} looks again for rows that hold a value the batch's rows now have. */
    private static final int INSERT_ATTEMPTS = 5;

    /**
     * WriteMode.INSERT: deletes and re-inserts the rows of {@code keys}, so that a plain INSERT refuses a duplicate of a
     * unique key that only the new table has. Rows are re-read by key, so one can carry a value that another row of
     * the new table still holds there though it has let go of it in the source (its change comes later in the
     * changelog): those rows are rewritten from the source too. The source moves on between statements, so after a
     * duplicate the attempt is rolled back and made again with the holders found then; a duplicate that outlasts
     * {@value #INSERT_ATTEMPTS} attempts is one the source itself held, and is thrown, with every row of {@code part}
     * deleted (so that the caller can write them one by one).
     *
     * @param part the batch's keys; the holders found are added to it
     */
    private void insertAfresh(Projection p, List<Key> part, Key bound) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            addUniqueHolders(p, part, addedUniqueIndexes, found -> { });
            java.sql.Savepoint before = conn.setSavepoint();
            try {
                execute(p.deleteAbsent(part.size(), bound != null, 0), part, bound, List.of());
                for (String sql : write(p, part.size(), bound != null)) {
                    execute(sql, part, bound, List.of());
                }
                conn.releaseSavepoint(before);
                return;
            } catch (SQLException e) {
                if (e.getErrorCode() != LossyValues.DUPLICATE_KEY || attempt == INSERT_ATTEMPTS) {
                    // The deletes stay, so that the caller can name the row the new table refuses by writing it alone.
                    throw e;
                }
                conn.rollback(before);
                LOG.debug("migration {}: {}; looking again for the rows that hold it (attempt {})", id,
                        e.getMessage(), attempt + 1);
            }
        }
    }

    /** The statements that write {@code keys} rows, in order; each takes the keys (and the bound) as parameters. */
    private List<String> write(Projection p, int keys, boolean bounded) {
        return p.mode() == WriteMode.REPLACE_KEEPING ? p.replaceKeeping(keys, inversePlan.keep())
                : List.of(p.upsert(keys, bounded));
    }

    /**
     * How inverse replication writes the old table (see {@link WriteMode}).
     *
     * @param keep          with REPLACE_KEEPING: the old table's columns the inverse mapping does not write
     * @param uniqueIndexes the old table's unique indexes besides the key, in its column names
     * @param writes        false when the plan is not revertible: the old table is not written
     */
    record InversePlan(WriteMode mode, List<String> keep, List<List<String>> uniqueIndexes, boolean writes) {}

    /** Called with the keys each round of {@link #addUniqueHolders} found. */
    private interface KeysFound {
        void accept(List<Key> found) throws SQLException;
    }

    /**
     * Adds to {@code part}, round by round, the written table's rows that hold one of its rows' values of
     * {@code indexes} (unique indexes, in the written table's column names) under another key, telling
     * {@code onFound} each round's. With REPLACE_KEEPING, so that the REPLACE reads every row it removes; with
     * INSERT, so that a row that let go of a value in the read table lets go of it in the written one too. Those
     * rows' own changes come later in the changelog; until then they are written with their current values, which no
     * longer collide.
     */
    private void addUniqueHolders(Projection p, List<Key> part, List<List<String>> indexes, KeysFound onFound)
            throws SQLException {
        java.util.Set<String> seen = new java.util.HashSet<>();
        part.forEach(k -> seen.add(KeyValues.identity(k)));
        List<Key> frontier = List.copyOf(part);
        for (int round = 0; !frontier.isEmpty(); round++) {
            if (round == 100) {
                throw new SQLException("more than 100 rounds of rows holding each other's unique values");
            }
            List<Key> found = new ArrayList<>();
            for (Key holder : uniqueHolders(p, frontier, indexes)) {
                if (seen.add(KeyValues.identity(holder))) {
                    found.add(holder);
                }
            }
            onFound.accept(found);
            part.addAll(found);
            frontier = found;
        }
    }

    /** The written table's rows that hold a value of {@code indexes} that a row of {@code keys} has, under another key. */
    private List<Key> uniqueHolders(Projection p, List<Key> keys, List<List<String>> indexes) throws SQLException {
        List<Key> found = new ArrayList<>();
        for (List<String> index : indexes) {
            List<String> readColumns = index.stream().map(c -> p.mapping().inverse().target(c).orElseThrow()).toList();
            found.addAll(selectKeys(p.uniqueHolders(keys.size(), index, readColumns), keys, p.writeKey()));
        }
        return found;
    }

    /**
     * The changelog no longer has every change of the serving table: the capture leaves it out, or began anew without
     * a stored position ({@link Topics#CAPTURE_BEGAN_HEADER}), or records were deleted before they were read; or it
     * has changes the server lacks and cannot receive ({@link #awaitVisible}). Thrown while reading and applying the
     * changelog, under the freeze's locks too, before anything is renamed.
     */
    static final class ChangelogIncomplete extends RuntimeException {
        ChangelogIncomplete(String message) {
            super(message);
        }
    }

    /** The serving or the standby table's columns changed outside Flipside ({@link #requireColumnsUnchanged}). */
    static final class ChangedOutside extends RuntimeException {
        ChangedOutside(String message) {
            super(message);
        }
    }

    /** A swap refused at the freeze: nothing was renamed, and retrying would not change the answer. */
    static final class RevertRefusal extends Exception {
        RevertRefusal(String message) {
            super(message);
        }
    }

    /**
     * A value of the serving table that the shadow table cannot hold (a conversion error, or a duplicate of a unique
     * key that only the new schema has): the migration cannot cut over without losing it.
     */
    static final class Unrepresentable extends RuntimeException {
        Unrepresentable(String message) {
            super(message);
        }
    }

    /**
     * Why the swap would carry a trigger or a foreign key along with its table, or null: created after the migration
     * was prepared (a table with either is rejected then), a trigger stays with its table through the RENAME and
     * would then fire on the replication's writes to the table set aside, no longer on the application's, and InnoDB
     * re-points a foreign key at the table renamed, so that it would refer to the table set aside. Checked before the
     * locks, not to hold writes for a swap that cannot go, and again under them: MySQL lets a foreign key's DDL,
     * which wants the table exclusively, go before the freeze's pending lock.
     */
    private String attachedToEither(TableName standby) throws SQLException {
        TableInspector.Attached attached = TableInspector.attached(conn, serving, standby);
        conn.commit();
        if (attached.none()) {
            return null;
        }
        List<String> why = new ArrayList<>();
        for (TableName t : List.of(serving, standby)) {
            Set<String> triggers = attached.triggers().getOrDefault(t.table(), Set.of());
            if (!triggers.isEmpty()) {
                why.add(t + " has triggers (" + String.join(", ", triggers) + "), created after the migration was"
                        + " prepared: a trigger stays with its table through the swap, and would then fire on the"
                        + " replication's writes to the table set aside, not on the application's. Drop them, swap,"
                        + " and create them again on the table that then serves");
            }
            if (attached.foreignKeys().contains(t.table())) {
                why.add(t + " has or is referenced by foreign keys, created after the migration was prepared: a"
                        + " foreign key follows its table through the swap, and would then refer to the table set"
                        + " aside, not to the one serving the application. Drop them, swap, and create them again");
            }
        }
        return String.join("; ", why);
    }

    /**
     * Raises the standby table's AUTO_INCREMENT counter to the serving table's, as MySQL's own ALTER keeps it: an
     * insert rolled back, or a row inserted and deleted before the apply read it, moves the serving table's counter
     * and leaves the standby no row to follow, so that after the swap the table would give those ids again. Returns
     * whether it had to. An ALTER that only raises the counter changes no row and rebuilds nothing.
     */
    private boolean carryAutoIncrement(Statement s, TableName standby) throws SQLException {
        Map<String, BigInteger> counters = TableInspector.autoIncrements(conn, serving, standby);
        conn.commit();
        BigInteger next = counters.get(serving.table());
        BigInteger standbyNext = counters.get(standby.table());
        if (next == null || standbyNext == null || standbyNext.compareTo(next) >= 0) {
            return false;
        }
        // A number read from the server: DDL takes no placeholder.
        s.execute(Sql.tag(id, "swap") + "ALTER TABLE " + standby.quoted() + " AUTO_INCREMENT = " + next);
        return true;
    }

    /**
     * Swaps the serving and the standby table: the cut-over when replicating forward, the revert when replicating
     * inverse. All in one session, so that if this process dies, MySQL releases the locks and nothing is renamed.
     *
     * <ol>
     *   <li>Catch up outside the freeze, so that the tail to apply inside it is short.</li>
     *   <li>{@code LOCK TABLES serving WRITE, standby WRITE} (and the sidecar tables this session writes): writers of
     *       the serving table now wait, they do not fail. Bounded by {@code cutover.lock.wait.seconds}.</li>
     *   <li>Write a freeze marker and read the changelog until it comes back: every change committed before the lock
     *       is then known, and applied through this same session.</li>
     *   <li>Raise the standby table's AUTO_INCREMENT counter to the serving table's, when it is behind
     *       ({@link #carryAutoIncrement}).</li>
     *   <li>Record the freeze point and where the other direction starts (the offset after the marker) in
     *       apply_state, stage SWAPPING. This primes the other direction: from the RENAME on, any start of the applier
     *       finishes the swap and replicates the other way from there.</li>
     *   <li>{@code RENAME TABLE serving TO parked, standby TO serving}.</li>
     *   <li>Open a consistent snapshot on a second connection, for checksums at the freeze point, computed after.</li>
     *   <li>{@code UNLOCK TABLES}: writers resume, on the swapped table. Anything they write is in the changelog after
     *       the marker, where the flipped replication starts.</li>
     *   <li>Finish the swap in apply_state (direction flipped, stage STREAMING) with how long writes were held: one
     *       commit fewer while they are.</li>
     * </ol>
     * A failure before step 6 releases the locks and renames nothing.
     */
    Swap swap(Duration catchUpBudget, boolean lossAccepted) throws SQLException, InterruptedException {
        Direction from = direction;
        TableName standby = from == Direction.FORWARD ? shadow : old;
        TableName parked = from == Direction.FORWARD ? old : shadow;
        long catchUpDeadline = System.currentTimeMillis() + catchUpBudget.toMillis();
        FreezeStages before = new FreezeStages(System.nanoTime());
        do {
            pollOnce(Duration.ofMillis(20));
        } while (!atEnd && System.currentTimeMillis() < catchUpDeadline);
        before.mark("caught up");
        if (TableInspector.exists(conn, parked)) {
            conn.commit();
            return Swap.failed("a table named " + parked + " exists", 0, 0);
        }
        List<String> unmet = ServerRequirements.unmet(conn, List.of(serving.database(), sidecar.database));
        if (!unmet.isEmpty()) {
            // Changed since the migration was prepared (a server restarted with other binary log filters, say): a
            // change logged as a statement, or not logged, never reaches the changelog.
            // No swap while it lasts (one already missed shows in the freeze-point checksums).
            conn.commit();
            return Swap.failed(ServerRequirements.describe(unmet) + "; no locks were taken", 0, 0);
        }
        String attached = attachedToEither(standby);
        if (attached != null) {
            return new Swap(false, null, 0, 0, 0, attached + "; no locks were taken", null, true);
        }
        String probed;
        try {
            probed = probe(catchUpDeadline);
        } catch (MarkerTimeout e) {
            // Nothing is locked yet. The freeze marker would make the same trip with writes held, and not come back
            // either: give this attempt up before the locks, and read again from the position recorded.
            // The worker logs and journals the reason with the attempt's number.
            rewindToRecorded();
            return Swap.failed("a probe marker did not come back through the changelog within "
                    + config.get(FlipsideConfig.CUTOVER_MARKER_TIMEOUT_MS) + " ms, so no locks were taken; is the"
                    + " capture running?", 0, 0);
        }
        before.mark("probing (" + probed + ")");
        // Compared before the locks, with the changes up to the probe applied; again with writes held only when they
        // differed (a statement not read yet, say) or a partition maintenance was read since.
        boolean partitioned = swaps % 2 == 0 && samePartitions && preparedOldDefinition != null
                && preparedOldDefinition.contains("PARTITION BY");
        long partitionEventsBefore = partitionEvents;
        boolean comparePartitions = false;
        if (partitioned) {
            comparePartitions = partitionsDiffer(standby) != null;
            conn.commit();
            before.mark("partitions compared");
        }
        Failpoints.hit("swap.probed");
        Connection snapshot = config.get(FlipsideConfig.VERIFY_CHECKSUM) ? snapshotSession() : null;
        before.mark("checksum connection opened");
        boolean renamed = false;
        boolean locked = false;
        long startedAt = System.currentTimeMillis();
        long t0 = System.nanoTime();
        long tLocked = t0;
        FreezeStages stages = new FreezeStages(t0);
        String freezeGtid = null;
        try (Statement s = conn.createStatement()) {
            try (PreparedStatement ps = conn.prepareStatement("SET SESSION lock_wait_timeout = ?")) {
                ps.setInt(1, config.get(FlipsideConfig.CUTOVER_LOCK_WAIT_SECONDS));
                ps.execute();
            }
            try {
                s.execute(Sql.tag(id, "freeze") + "LOCK TABLES " + serving.quoted() + " WRITE, " + standby.quoted()
                        + " WRITE, " + standby.quoted() + " AS " + Sql.ident(Projection.KEPT) + " READ, "
                        + sidecar.table("apply_state") + " WRITE, " + sidecar.table("markers") + " WRITE, "
                        + sidecar.table("lossy_values") + " WRITE");
                locked = true;
                frozen = true;
                tLocked = System.nanoTime();
                stages.mark("lock wait");
                Failpoints.hit("swap.locked");
                String token = writeMarker("FREEZE");
                stages.mark("marker written");
                long markerOffset = awaitMarker(token, stages);
                Failpoints.hit("swap.applied");
                // Checked under the locks, after the last events were applied: a value recorded a moment before the
                // revert command cannot slip through.
                if (swaps > 0 && !lossAccepted && lossy.any(conn, swaps)) {
                    throw new RevertRefusal(from == Direction.INVERSE
                            ? "inverse replication recorded values written since the cut-over that the old schema"
                                    + " cannot hold; revert with force to accept losing them"
                            : "forward replication recorded values written since the revert that the new schema"
                                    + " cannot hold; cut over with force to accept losing them");
                }
                // Again under the locks: one created while the freeze waited for them cannot slip through.
                attached = attachedToEither(standby);
                if (attached != null) {
                    throw new RevertRefusal(attached);
                }
                if (partitioned && (comparePartitions || partitionEvents != partitionEventsBefore)) {
                    // Every partition maintenance read so far was carried: a difference here is one made outside
                    // (the shadow table's partitions changed), or one a crash left half-recognised.
                    String differ = partitionsDiffer(standby);
                    if (differ != null) {
                        throw new ChangedOutside(differ);
                    }
                    stages.mark("partitions compared");
                }
                if (carryAutoIncrement(s, standby)) {
                    stages.mark("AUTO_INCREMENT carried");
                }
                try (ResultSet rs = s.executeQuery("SELECT @@global.gtid_executed")) {
                    rs.next();
                    freezeGtid = rs.getString(1).replace("\n", "");
                }
                try (PreparedStatement ps = conn.prepareStatement(sidecar.recordSwap())) {
                    ps.setLong(1, markerOffset + 1);
                    ps.setString(2, freezeGtid);
                    ps.setLong(3, startedAt);
                    ps.setString(4, id);
                    ps.setLong(5, epoch);
                    Fenced.check(ps.executeUpdate(), id, epoch);
                }
                conn.commit();
                stages.mark("freeze point recorded");
                Failpoints.hit("swap.recorded");
                s.execute(Sql.tag(id, "swap") + "RENAME TABLE " + serving.quoted() + " TO " + parked.quoted() + ", "
                        + standby.quoted() + " TO " + serving.quoted());
                renamed = true;
                stages.mark("renamed");
                Failpoints.hit("swap.renamed");
                if (snapshot != null) {
                    try (Statement vs = snapshot.createStatement()) {
                        vs.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
                    }
                }
                s.execute("UNLOCK TABLES");
                locked = false;
                stages.mark("unlocked");
            } finally {
                if (locked) {
                    if (!renamed) {
                        abandonSwapQuietly();
                    }
                    try {
                        s.execute("UNLOCK TABLES");
                    } catch (SQLException e) {
                        LOG.warn("migration {}: UNLOCK TABLES failed; the session is closed to release the locks", id, e);
                        Db.closeQuietly(conn);
                    }
                }
                frozen = false;
                restoreLockWait();
            }
        } catch (Fenced | ChangelogIncomplete | ChangedOutside e) {
            Db.closeQuietly(snapshot);
            throw e;
        } catch (RevertRefusal e) {
            Db.closeQuietly(snapshot);
            rewindToRecorded();
            return new Swap(false, null, startedAt, (System.nanoTime() - t0) / 1_000_000, 0, e.getMessage(), null,
                    true);
        } catch (SQLException | MarkerTimeout e) {
            long held = (System.nanoTime() - t0) / 1_000_000;
            Db.closeQuietly(snapshot);
            if (renamed) {
                // Renamed, but not finished: the stage in apply_state says SWAPPING; the next open() finishes it.
                throw e instanceof SQLException se ? se : new SQLException(e);
            }
            rewindToRecorded();
            return Swap.failed(e.getMessage(), startedAt, held);
        }
        long freezeMillis = (System.nanoTime() - t0) / 1_000_000;
        long lockWaitMillis = (tLocked - t0) / 1_000_000;
        metrics.froze(from == Direction.FORWARD, freezeMillis);
        Failpoints.hit("swap.unlocked");
        try {
            finishSwap(from, freezeMillis, lockWaitMillis);
        } catch (SQLException | RuntimeException e) {
            // Renamed and unlocked: apply_state still says SWAPPING, with where the other direction starts; the next
            // open() finishes the swap from there.
            Db.closeQuietly(snapshot);
            throw e;
        }
        load();
        rewindToRecorded();
        LOG.info("migration {}: swapped {} and {} at {}; writes held {} ms (in ms: {}; before the locks, in ms: {});"
                + " now replicating {}", id, serving, standby, freezeGtid, freezeMillis, stages, before, direction);
        return new Swap(true, freezeGtid, startedAt, freezeMillis, lockWaitMillis, null, snapshot, false);
    }

    /**
     * Before the locks: markers sent through the capture and Kafka without holding anything, until one comes back
     * within {@code cutover.probe.max.ms} or {@code deadline} passes (then the locks are taken anyway). The freeze's
     * own marker makes the same trip a moment later with writes held, so writes are held while the trip is quick,
     * not while the machine is saturated or the path is cold (the first swap after a start, before the JIT compiled
     * it). Each probe also applies what came before it, so the tail left to apply under the locks is short. Returns
     * what happened, for the swap's log line; throws {@link MarkerTimeout} when a probe does not come back within
     * {@code cutover.marker.timeout.ms} (the capture is down, say), and then no lock is taken.
     */
    private String probe(long deadline) throws SQLException, MarkerTimeout {
        long bound = config.get(FlipsideConfig.CUTOVER_PROBE_MAX_MS);
        if (bound <= 0) {
            return "no probe";
        }
        int probes = 0;
        long took;
        do {
            long p0 = System.nanoTime();
            String token = writeMarker("PROBE");
            awaitMarker(token, null);
            took = (System.nanoTime() - p0) / 1_000_000;
            probes++;
        } while (took > bound && System.currentTimeMillis() < deadline);
        if (took > bound) {
            LOG.warn("migration {}: the changelog's round trip still took {} ms after {} probes (cutover.probe.max.ms"
                    + " {}); taking the locks anyway", id, took, probes, bound);
        }
        return probes + (probes == 1 ? " probe" : " probes") + ", the last back in " + took + " ms";
    }

    /** How long each stage of a freeze took, in ms, for the swap's log line: where the writers' wait went. */
    static final class FreezeStages {
        private final StringBuilder said = new StringBuilder();
        private long last;

        FreezeStages(long t0) {
            last = t0;
        }

        void mark(String stage) {
            long now = System.nanoTime();
            said.append(said.length() == 0 ? "" : ", ").append(stage).append(' ').append((now - last) / 1_000_000);
            last = now;
        }

        @Override
        public String toString() {
            return said.toString();
        }
    }

    /** Thrown when the freeze marker does not come back in time. */
    static final class MarkerTimeout extends Exception {
        MarkerTimeout(String message) {
            super(message);
        }
    }

    private long awaitMarker(String token, FreezeStages stages) throws SQLException, MarkerTimeout {
        long deadline = System.currentTimeMillis() + config.get(FlipsideConfig.CUTOVER_MARKER_TIMEOUT_MS);
        while (System.currentTimeMillis() < deadline) {
            ConsumerRecords<String, byte[]> records = poll(Duration.ofMillis(5));
            for (ConsumerRecord<String, byte[]> rec : records) {
                // The changes before the marker are applied, with the position before it, when process() meets it.
                // The position after it is not recorded here, which would take a commit while writes are held: a swap
                // records it as where the other direction starts, and a read again from before the marker only meets
                // the marker again, which changes nothing.
                if (process(rec, token)) {
                    if (stages != null) {
                        stages.mark("back through the changelog, the changes before it applied");
                    }
                    // The rest of this poll's records, after the marker, are not handled here: read them again.
                    consumer.seek(changelog, rec.offset() + 1);
                    return rec.offset();
                }
            }
        }
        throw new MarkerTimeout("the freeze marker did not come back through the changelog within "
                + config.get(FlipsideConfig.CUTOVER_MARKER_TIMEOUT_MS) + " ms; is the capture running?");
    }

    /** After the locks are released: replication flips direction, from the freeze point; how long writes were held. */
    private void finishSwap(Direction from, long freezeMillis, long lockWaitMillis) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(sidecar.finishSwap())) {
            ps.setString(1, flip(from).name());
            ps.setLong(2, freezeMillis);
            ps.setLong(3, lockWaitMillis);
            ps.setString(4, id);
            ps.setLong(5, epoch);
            Fenced.check(ps.executeUpdate(), id, epoch);
        }
        conn.commit();
    }

    /**
     * Back to the server's {@code lock_wait_timeout} after a freeze: the session goes on writing the table that does
     * not serve, and a write there waits for another session's lock as any write does, not for
     * {@code cutover.lock.wait.seconds} (a partition maintenance carried while the cut-over's checksum reads the old
     * table, say). A session that cannot be set back is closed; the worker starts again with a new one.
     */
    private void restoreLockWait() {
        try {
            if (!conn.isClosed()) {
                try (Statement s = conn.createStatement()) {
                    s.execute("SET SESSION lock_wait_timeout = DEFAULT");
                }
            }
        } catch (SQLException e) {
            LOG.warn("migration {}: could not set lock_wait_timeout back after the freeze; the session is closed", id,
                    e);
            Db.closeQuietly(conn);
        }
    }

    private void abandonSwapQuietly() {
        try (PreparedStatement ps = conn.prepareStatement(sidecar.abandonSwap())) {
            ps.setString(1, id);
            ps.setLong(2, epoch);
            ps.executeUpdate();
            conn.commit();
        } catch (SQLException e) {
            LOG.warn("migration {}: could not reset the swap stage", id, e);
        }
    }

    /** Forgets what was read and not applied, and reads again from the position recorded. */
    private void rewindToRecorded() {
        consumer.seek(changelog, nextOffset);
        pendingSeen = null;
        seenSources = GtidSources.parse(flushedSources);
        pendingKeys.clear();
        pendingDeleted.clear();
        pendingRowGtids.clear();
        pendingEvents = 0;
        pendingOffset = -1;
        pendingNewestCommit = 0;
        pendingCommitCount = 0;
    }

    private static Direction flip(Direction d) {
        return d == Direction.FORWARD ? Direction.INVERSE : Direction.FORWARD;
    }

    // ----------------------------------------------------------------------------------------------- state

    Direction direction() {
        return direction;
    }

    /** The start marker came back: the capture is live and ahead of the copy. Read by the copier's thread. */
    boolean captureLive() {
        return startedVolatile;
    }

    /** What the changelog shows of the capture now ({@link #captureProgress(long, long, long)}). */
    String captureProgress() {
        return captureProgress(lastReadAt, lastReadCommitMillis, System.currentTimeMillis());
    }

    /**
     * How the capture is doing as the changelog shows it: a capture that is catching up publishes changes committed a
     * while ago (the server's changes before the start marker come first), a stopped one publishes nothing.
     *
     * @param lastReadAt     when a change was last read from the changelog, or 0 when none was
     * @param lastReadCommit when that change had been committed on the server
     */
    static String captureProgress(long lastReadAt, long lastReadCommit, long now) {
        if (lastReadAt == 0) {
            return "no change read from the changelog yet; is the capture running?";
        }
        if (now - lastReadAt > 5_000) {
            return String.format(java.util.Locale.ROOT, "no change read from the changelog for %.1f s; is the capture"
                    + " running?", (now - lastReadAt) / 1000.0);
        }
        return String.format(java.util.Locale.ROOT, "the capture is catching up: the last change read from the"
                + " changelog had been committed %.1f s before", Math.max(0, lastReadAt - lastReadCommit) / 1000.0);
    }

    boolean copyDoneSeen() {
        return copyDoneSeen;
    }

    /** Read everything the changelog had at the last poll, and applied it. */
    boolean atEnd() {
        return atEnd;
    }

    /**
     * How far the shadow (or, after a cut-over, the old) table is behind the source: the last batch's lag once it
     * committed, or the age of the oldest change in the batch being written when that is more.
     */
    long lagMillis() {
        long since = writingSince;
        return since > 0 ? Math.max(lagMillis, System.currentTimeMillis() - since) : lagMillis;
    }

    long eventsApplied() {
        return appliedTotal;
    }

    /** Changes whenever a committed batch recorded a lossy value: the worker then journals what the sidecar holds. */
    long lossyRecorded() {
        return lossyRecorded;
    }

    LossyValues lossy() {
        return lossy;
    }

    /** Changes the capture published twice, recognised by their binlog coordinates and skipped. */
    long duplicatesSkipped() {
        return duplicatesSkipped;
    }

    int swaps() {
        return swaps;
    }

    String lastSwapGtid() {
        return swapGtid;
    }

    long lastSwapFreezeMillis() {
        return swapFreezeMs == null ? -1 : swapFreezeMs;
    }

    long lastSwapLockWaitMillis() {
        return swapLockWaitMs == null ? -1 : swapLockWaitMs;
    }

    Long lastSwapStartedAt() {
        return swapStartedAt;
    }

    TableName serving() {
        return serving;
    }

    @Override
    public void close() {
        Db.closeQuietly(consumer);
        Db.closeQuietly(conn);
    }
}
