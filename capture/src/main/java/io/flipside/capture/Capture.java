package io.flipside.capture;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.config.TableFilter;
import io.flipside.core.config.Topics;
import io.flipside.core.mapping.BinlogLimits;
import io.flipside.core.migration.Names;
import io.flipside.core.sql.SidecarSchema;
import io.flipside.core.sql.Sql;
import io.flipside.runtime.AvroCodec;
import io.flipside.runtime.Backoff;
import io.flipside.runtime.BinaryLogStatus;
import io.flipside.runtime.Failpoints;
import io.flipside.runtime.KafkaSetup;
import io.flipside.runtime.SessionLimits;
import io.flipside.runtime.SidecarTables;
import io.flipside.schema.ChangeEvent;
import io.flipside.schema.ColumnValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The capture role: reads one MySQL server's binlog with the Debezium Embedded Engine and publishes every row change
 * and DDL statement, with its GTID and binlog coordinates, to the changelog topic in binlog order.
 *
 * <ul>
 *   <li>No snapshot of data (the copy is the applier's) and no locks at start: {@code snapshot.mode=no_data} with
 *       {@code snapshot.locking.mode=none}, because Debezium's default start takes a global read lock, a write freeze
 *       on production.</li>
 *   <li>At least once: a batch is acknowledged to Debezium (its offsets may then be committed) only after Kafka
 *       acknowledged every record of it. After a crash some events are published twice; the applier's key-based apply
 *       makes that harmless.</li>
 *   <li>Offsets and schema history live in Kafka, so a restart resumes where the last committed batch ended.</li>
 *   <li>The tables Flipside fills itself (shadow and old tables, and the sidecar's bookkeeping) are not published; the
 *       sidecar's copy cursors and freeze markers are, because the applier reads them back in binlog order.</li>
 *   <li>Every marker row carries, in the header {@value TableFilter#MARKER_HEADER}, the tables this capture leaves
 *       out: the applier, which reads its own configuration, learns from it what the capture actually publishes. The
 *       marker the capture writes as it starts carries them in its row too ({@link #start}).</li>
 * </ul>
 */
public final class Capture implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Capture.class);
    /**
     * The longest wait before the engine is started again after it stopped: how late the capture goes on once MySQL is
     * back (every migration waits for it). A start costs Debezium a connection and a read of the schema history.
     */
    private static final Duration RESTART_MAX = Duration.ofSeconds(10);

    static final String STREAMING_MARKER = "CAPTURE";

    /**
     * The header of a change published without some of its values (its long values, {@link
     * ChangeEvents#omitLongValues}, and when that is not enough all but its unique keys', {@link
     * ChangeEvents#keepOnly}): the columns left out, as {@code before.name} and {@code after.name}, comma-separated.
     */
    public static final String OMITTED_HEADER = "flipside.omitted";

    private static final String UNIQUE_KEY_COLUMNS = "SELECT COLUMN_NAME FROM information_schema.STATISTICS"
            + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0 AND COLUMN_NAME IS NOT NULL";

    /** Room left in a producer request for a record's key, headers and framing. */
    private static final int RECORD_OVERHEAD_BYTES = 16 * 1024;

    private final FlipsideConfig config;
    private final Topics topics;
    private final String sidecar;
    private final byte[] excludedText;
    private final Set<String> seenMarkers = new HashSet<>();
    private final ChangeEvents converter;
    private final AvroCodec<ChangeEvent> codec = AvroCodec.of(ChangeEvent.class);
    private final KafkaProducer<String, byte[]> producer;
    /** The largest encoded change published whole: the producer's max.request.size less the record's overhead. */
    private final int maxValueBytes;
    private final CountDownLatch started = new CountDownLatch(1);
    private final Thread runner;
    private final Consumer<Properties> engineOverrides;
    private volatile DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private volatile boolean closing;
    private volatile long published;
    /** Where the newest published change was read, and how late: for the capture's metrics. */
    private volatile Position position = new Position(null, 0, 0);

    /**
     * The binlog position of the newest published change, and its delay: from its commit on MySQL to when the capture
     * read it (binlog event timestamps have whole seconds, so the delay is exact to about a second).
     */
    public record Position(String binlogFile, long binlogPos, long delayMillis) {
        /** The binlog file's sequence number (the digits after its last dot), or 0 before any change. */
        public long fileNumber() {
            if (binlogFile == null) {
                return 0;
            }
            try {
                return Long.parseLong(binlogFile.substring(binlogFile.lastIndexOf('.') + 1));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }
    private volatile String failure;
    private volatile boolean streaming;
    /** The token of the marker {@link #start} wrote. */
    private volatile String firstMarker;
    /**
     * The unique keys' columns of the tables whose changes were too large even without their long values, by
     * {@code database.table}; emptied at every DDL statement published. Only the engine's thread uses it.
     */
    private final Map<String, Set<String>> uniqueKeyColumns = new HashMap<>();
    /** One WARN a minute a table about changes too large for the changelog; only the engine's thread uses it. */
    private final LogThrottle omittedLogged = new LogThrottle(60_000);
    /** The source offset of the last DDL read from the binlog; only the engine's thread uses it. */
    private Map<String, ?> lastDdlOffset;

    public Capture(FlipsideConfig config) {
        this(config, p -> { });
    }

    /**
     * For tests: {@code engineOverrides} may change the Debezium engine's properties after they are derived from the
     * configuration (to show what a different setting would do).
     */
    Capture(FlipsideConfig config, Consumer<Properties> engineOverrides) {
        this.config = config;
        this.engineOverrides = engineOverrides;
        this.topics = config.topics();
        this.sidecar = config.get(FlipsideConfig.SIDECAR_DATABASE);
        this.excludedText = config.get(FlipsideConfig.CAPTURE_EXCLUDE_TABLES).text().getBytes(StandardCharsets.UTF_8);
        this.converter = new ChangeEvents(topics.serverName());
        KafkaSetup.ensureChangelogTopic(config);
        Properties p = KafkaSetup.producer(config, "flipside-capture-" + topics.serverName());
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        this.producer = new KafkaProducer<>(p);
        this.maxValueBytes = new ProducerConfig(p).getInt(ProducerConfig.MAX_REQUEST_SIZE_CONFIG)
                - RECORD_OVERHEAD_BYTES;
        this.runner = new Thread(this::runWithRestarts, "flipside-capture");
        this.runner.setDaemon(true);
    }

    /**
     * Creates the sidecar tables whose changes the applier reads back (when missing), writes this capture's first
     * marker, then starts reading the binlog. The tables must exist before the engine's first schema snapshot: without
     * locks, a table created while that snapshot runs can be missed by both the snapshot and the stream.
     *
     * <p>The marker carries this capture's {@code capture.exclude.tables} in its row, and is written before any binlog
     * event is read: every change this capture may leave out lies before it in the binlog. If the capture stops
     * after its offsets passed such a change but before it published the marker, whichever capture reads on
     * publishes the marker, and the applier learns from its row what the changelog may lack.
     */
    public Capture start() throws SQLException {
        try (Connection c = connect()) {
            SidecarTables.ensure(c, sidecar);
            firstMarker = writeMarker(c);
        }
        runner.start();
        return this;
    }

    /** Writes a capture marker (its row naming this capture's excluded tables); returns its token. */
    private String writeMarker(Connection c) throws SQLException {
        String token = UUID.randomUUID().toString();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + Sql.qualified(sidecar, "markers")
                + " (migration_id, kind, token, capture_exclude) VALUES ('capture', ?, ?, ?)")) {
            ps.setString(1, STREAMING_MARKER);
            ps.setString(2, token);
            ps.setString(3, excludedText.length == 0 ? null : new String(excludedText, StandardCharsets.UTF_8));
            ps.executeUpdate();
        }
        return token;
    }

    /** Waits until the engine has started its task; its schema snapshot may still be running. */
    public boolean awaitStarted(Duration timeout) throws InterruptedException {
        return started.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Waits until the capture is streaming: a marker row written to the sidecar has come through this capture. From
     * then on every change committed is published, and DDL is read from the binlog (a table created while the
     * engine's first schema snapshot runs could otherwise be missed). A marker written before the snapshot read its
     * binlog position (the first start's, whose snapshot begins after the marker {@link #start} wrote) is never seen,
     * so a new one is written every two seconds until one is.
     */
    public boolean awaitStreaming(Duration timeout) throws InterruptedException, SQLException {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        try (Connection c = connect()) {
            String token = firstMarker;
            while (System.currentTimeMillis() < deadline) {
                if (token == null) {
                    token = writeMarker(c);
                }
                long until = Math.min(deadline, System.currentTimeMillis() + 2000);
                synchronized (seenMarkers) {
                    while (!seenMarkers.contains(token) && System.currentTimeMillis() < until) {
                        seenMarkers.wait(Math.max(1, until - System.currentTimeMillis()));
                    }
                    if (seenMarkers.contains(token)) {
                        streaming = true;
                        LOG.info("capture of server {} is streaming", topics.serverName());
                        return true;
                    }
                }
                token = null;
            }
        }
        return false;
    }

    private Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(config.jdbcUrl(), config.jdbcProperties());
        try {
            SessionLimits.lift(c);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** The omitted columns for the log: the first twenty, and how many there are when more. */
    private static String listed(List<String> omitted) {
        return omitted.size() <= 20 ? omitted.toString()
                : omitted.subList(0, 20).toString().replace("]", ", ...] (" + omitted.size() + " values)");
    }

    private static byte[] omittedHeader(List<String> omitted) {
        return String.join(",", omitted).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The columns of the table's unique indexes, its primary key among them, as the server has them when the change
     * is published: the key the applier reads from a change is one of them.
     */
    private Set<String> readUniqueKeyColumns(String database, String table) {
        Set<String> columns = new HashSet<>();
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(UNIQUE_KEY_COLUMNS)) {
            ps.setString(1, database);
            ps.setString(2, table);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            // The batch fails and is read again once the server answers.
            throw new IllegalStateException("could not read the unique keys of " + database + "." + table
                    + " to publish a change too large for the changelog: " + e.getMessage(), e);
        }
        return columns;
    }

    private boolean isMarker(ChangeEvent ev) {
        return ev.getAfter() != null && sidecar.equals(ev.getDatabase()) && "markers".equals(ev.getTable());
    }

    /** The value of a column of a marker row, or null. */
    private static String markerColumn(ChangeEvent ev, String column) {
        for (ColumnValue v : ev.getAfter()) {
            if (v.getName().equals(column) && v.getValue() != null) {
                return v.getValue().toString();
            }
        }
        return null;
    }

    /** Whether a change is a capture's own marker row (the one it writes as it starts, or while it waits to stream). */
    private boolean isCaptureMarker(ChangeEvent ev) {
        return isMarker(ev) && STREAMING_MARKER.equals(markerColumn(ev, "kind"));
    }

    private void noteMarker(ChangeEvent ev) {
        if (!isCaptureMarker(ev)) {
            return;
        }
        String token = markerColumn(ev, "token");
        if (token != null) {
            synchronized (seenMarkers) {
                seenMarkers.add(token);
                seenMarkers.notifyAll();
            }
        }
    }

    /**
     * Why the engine stopped last, while it keeps restarting: its message, or, when the binlog client could not decode
     * a table map, what about the table caused it ({@link BinlogLimits}). Empty once a batch was published after it.
     */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    private void noteFailure(String message, Throwable error) {
        Optional<String> tableMap = tableMapFailure(error);
        if (tableMap.isPresent()) {
            failure = "the binlog client cannot decode a table map (" + tableMap.get() + "): a table of the server"
                    + " has YEAR columns and a number of numeric columns that mysql-binlog-connector-java 0.41.0"
                    + " misreads (see the README's limitations); the capture retries the same binlog position until"
                    + " that table's row changes are purged from the binlog or the client is fixed";
            LOG.error("capture stopped: {}", failure, error);
        } else if (causedBy(error, "but this is no longer available on the server")) {
            failure = purgedFailure();
            LOG.error("capture stopped: {}", failure);
        } else if (causedBy(error, "db history topic")) {
            failure = "the capture's schema history (topic " + topics.captureSchemaHistory() + ") is missing or"
                    + " incomplete, and Debezium needs it to read rows from the capture's stored position on. To read"
                    + " on from the server's current position instead, run `flipside capture-reset --config FILE"
                    + " --force`; every migration in progress then fails (see the README, \"When the binlog was"
                    + " purged\"). Until then the capture retries and publishes nothing";
            LOG.error("capture stopped: {}", failure);
        } else {
            failure = message == null ? String.valueOf(error) : message;
            LOG.warn("capture stopped: {}", message, error);
        }
    }

    /**
     * Whether {@code error} or a cause of it says {@code text}: how Debezium tells why it refused to start (the binlog
     * at its stored position no longer on the server, its schema history missing), in a DebeziumException's message.
     */
    private static boolean causedBy(Throwable error, String text) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(text)) {
                return true;
            }
        }
        return false;
    }

    /**
     * What a capture whose stored position Debezium found no longer on the server tells, with what the operator can
     * do: the binlog was purged past it, or the server lacks transactions the capture already published (a replica
     * promoted without them, or another server at the configured address).
     */
    private String purgedFailure() {
        String stored = "its stored position";
        String server = "";
        Optional<String> notExecuted = Optional.empty();
        try {
            Optional<CaptureOffsets.Stored> position = CaptureOffsets.position(CaptureOffsets.read(config));
            stored = position.map(CaptureOffsets.Stored::describe).orElse(stored);
            try (Connection c = connect()) {
                if (position.isPresent()) {
                    notExecuted = CaptureOffsets.notExecuted(c, position.get());
                }
                List<String> binlogs = CaptureOffsets.binlogs(c);
                if (!binlogs.isEmpty()) {
                    server = "; the server's oldest binlog is now " + binlogs.get(0);
                }
            }
        } catch (RuntimeException | SQLException e) {
            LOG.debug("could not read what the purged position was", e);
        }
        String reset = " To read on from the server's current position, run `flipside capture-reset --config FILE`;"
                + " every migration in progress then fails (see the README, \"%s\"). Until then the capture retries"
                + " and publishes nothing";
        if (notExecuted.isPresent()) {
            return "the server has not executed transactions the capture already published (GTIDs " + notExecuted.get()
                    + ", of its stored position " + stored + "): it is not the server they were read from, or it lost"
                    + " them (a replica promoted before it had received the old source's last transactions). The"
                    + " changelog has changes this server's tables lack, so no migration in progress can be kept in"
                    + " step." + reset.formatted("A failover to a replica");
        }
        return "the binlog the capture must read on from, " + stored + ", is no longer on the server: it was purged"
                + " while the capture was not reading it" + server + ". The changes in between were never published"
                + " and cannot be, so no migration in progress can be kept in step." + reset.formatted(
                        "When the binlog was purged");
    }

    /**
     * When {@code error} comes from decoding a table map's optional metadata: the message that names the binlog event
     * (its header, with the position after it), else the innermost message.
     */
    private static Optional<String> tableMapFailure(Throwable error) {
        boolean tableMap = false;
        String described = null;
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (StackTraceElement frame : t.getStackTrace()) {
                tableMap |= frame.getClassName().endsWith(".TableMapEventMetadataDeserializer");
            }
            if (t.getMessage() != null && (described == null || !described.contains("EventHeader"))) {
                described = t.getMessage();
            }
        }
        return tableMap ? Optional.of(String.valueOf(described)) : Optional.empty();
    }

    /** Why the capture is not ready: not streaming yet, or stopped on a failure it retries; empty when streaming. */
    public Optional<String> notReady() {
        if (failure != null) {
            return Optional.of(failure);
        }
        return streaming ? Optional.empty() : Optional.of("not streaming yet");
    }

    /** Events published since start. */
    public long published() {
        return published;
    }

    public Position position() {
        return position;
    }

    private void runWithRestarts() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), RESTART_MAX);
        while (!closing) {
            long publishedBefore = published;
            try {
                if (CaptureOffsets.read(config).isEmpty()) {
                    publishBeginning();
                }
                DebeziumEngine<RecordChangeEvent<SourceRecord>> e = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                        .using(engineProperties())
                        .using(new DebeziumEngine.ConnectorCallback() {
                            @Override
                            public void taskStarted() {
                                LOG.info("capture of server {} started; publishing to {}", topics.serverName(),
                                        topics.changelog());
                                started.countDown();
                            }
                        })
                        .using((success, message, error) -> {
                            if (!success && !closing) {
                                noteFailure(message, error);
                            }
                        })
                        .notifying(this::publish)
                        .build();
                engine = e;
                if (closing) {
                    // close() ran while the engine was being built; it cannot have closed this one.
                    e.close();
                    break;
                }
                e.run();
            } catch (RuntimeException | IOException | SQLException | java.util.concurrent.ExecutionException e) {
                LOG.warn("capture failed", e);
                failure = "capture failed: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (closing) {
                break;
            }
            if (published > publishedBefore) {
                backoff.reset(); // this run published: a failure of the next is a new episode
            }
            long wait = backoff.nextMillis();
            LOG.info("capture restarts in {} ms", wait);
            try {
                Thread.sleep(wait);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    /**
     * Publishes the record that tells the changelog's readers this capture's engine is about to start without a
     * stored position ({@link Topics#CAPTURE_BEGAN_HEADER}), and so at the server's current one: the first start, or
     * one after the offsets were reset or lost. Every change from the server's position now on is published after it;
     * a change made after the last record before it and before now is not, so the applier fails the migrations it
     * replicates when it reads it. Published and acknowledged before the engine starts, so that no change of the new
     * start precedes it and a start that fails before storing an offset publishes it again.
     */
    private void publishBeginning() throws SQLException, InterruptedException,
            java.util.concurrent.ExecutionException {
        String at;
        try (Connection c = connect(); java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery(BinaryLogStatus.statement(c))) {
            at = rs.next() ? rs.getString(1) + ":" + rs.getLong(2) + " (GTIDs " + rs.getString(5) + ")"
                    : "a position MySQL did not show";
        }
        long now = System.currentTimeMillis();
        ChangeEvent ev = ChangeEvent.newBuilder().setServer(topics.serverName()).setOp(io.flipside.schema.ChangeOp.DDL)
                .setDatabase(sidecar).setCommitMillis(now).setCapturedMillis(now).build();
        ProducerRecord<String, byte[]> pr = new ProducerRecord<>(topics.changelog(), 0, sidecar, codec.encode(ev));
        pr.headers().add(Topics.CAPTURE_BEGAN_HEADER, at.getBytes(StandardCharsets.UTF_8));
        long offset = producer.send(pr).get().offset();
        if (offset == 0) {
            LOG.info("capture of server {} starts for the first time, at {}", topics.serverName(), at);
        } else {
            LOG.warn("capture of server {} has no stored binlog position and begins at the server's current one, {}:"
                    + " changes made since the last one it published (before changelog offset {}) are not in the"
                    + " changelog, and every migration in progress fails", topics.serverName(), at, offset);
        }
    }

    private void publish(List<RecordChangeEvent<SourceRecord>> batch,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        if (!batch.isEmpty()) {
            Failpoints.hit("capture.batch");
        }
        long now = System.currentTimeMillis();
        List<Future<RecordMetadata>> sent = new ArrayList<>(batch.size());
        ChangeEvent last = null;
        for (RecordChangeEvent<SourceRecord> r : batch) {
            Optional<ChangeEvent> event = converter.convert(r.record(), now);
            if (event.isEmpty()) {
                continue;
            }
            ChangeEvent ev = event.get();
            if (ev.getOp() == io.flipside.schema.ChangeOp.DDL) {
                uniqueKeyColumns.clear();
            }
            String key = ev.getTable() == null ? String.valueOf(ev.getDatabase()) : ev.getDatabase() + "." + ev.getTable();
            byte[] value = codec.encode(ev);
            List<String> omitted = List.of();
            if (value.length > maxValueBytes) {
                int whole = value.length;
                omitted = ChangeEvents.omitLongValues(ev);
                value = codec.encode(ev);
                // The header naming the omitted columns counts against the request size too, and may be long.
                if (value.length + omittedHeader(omitted).length > maxValueBytes) {
                    // Still too large (a row of hundreds of columns): only the unique keys' values stay.
                    omitted.addAll(ChangeEvents.keepOnly(ev, uniqueKeyColumns.computeIfAbsent(key,
                            k -> readUniqueKeyColumns(ev.getDatabase(), ev.getTable()))));
                    value = codec.encode(ev);
                }
                long held = omittedLogged.admit(key, now);
                if (held >= 0) {
                    LOG.warn("a change of {}.{} at {}:{} takes {} bytes, more than the changelog takes (the producer's"
                            + " max.request.size, less room for the record's headers): published without the values"
                            + " of {} (header {}){}", ev.getDatabase(), ev.getTable(), ev.getBinlogFile(),
                            ev.getBinlogPos(), whole, listed(omitted), OMITTED_HEADER, held == 0 ? ""
                                    : "; and " + held + " more such changes of the table since the last such line");
                }
            }
            ProducerRecord<String, byte[]> pr = new ProducerRecord<>(topics.changelog(), 0, key, value);
            if (!omitted.isEmpty()) {
                pr.headers().add(OMITTED_HEADER, omittedHeader(omitted));
            }
            if (ev.getGtid() != null) {
                pr.headers().add("gtid", ev.getGtid().getBytes(StandardCharsets.UTF_8));
            }
            if (ChangeEvents.isXaPrepared(r.record())) {
                pr.headers().add(Topics.XA_PREPARED_HEADER, new byte[0]);
            }
            if (isMarker(ev)) {
                pr.headers().add(TableFilter.MARKER_HEADER, excludedText);
                if (isCaptureMarker(ev)) {
                    Failpoints.hit("capture.marker");
                }
            }
            sent.add(producer.send(pr));
            noteMarker(ev);
            last = ev;
        }
        producer.flush();
        for (Future<RecordMetadata> f : sent) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                // Not acknowledged: fail the batch so that Debezium does not commit its offsets; it is re-read.
                throw new IllegalStateException("changelog write failed: " + e.getCause().getMessage(), e.getCause());
            }
        }
        published += sent.size();
        if (last != null && last.getBinlogFile() != null) {
            position = new Position(last.getBinlogFile(), last.getBinlogPos(),
                    Math.max(0, last.getCapturedMillis() - last.getCommitMillis()));
        }
        if (!batch.isEmpty()) {
            failure = null;
        }
        for (RecordChangeEvent<SourceRecord> r : batch) {
            if (committable(r.record())) {
                committer.markProcessed(r);
            }
        }
        committer.markBatchFinished();
    }

    /**
     * Whether a record's offset may become the committed offset. Never the offset of a DDL read from the binlog, nor
     * an identical one (a heartbeat before the next transaction): that offset equals the position Debezium stores the
     * DDL at in the schema history, so a restart from it both recovers the DDL from the history and reads it again
     * from the binlog, and applies it twice. For most DDL that is harmless; for the cut-over's
     * {@code RENAME TABLE t TO old, shadow TO t} it is not: the second application renames the swapped-in table over
     * the old one, and after a revert rows are decoded with the wrong columns (a value silently dropped, or the
     * engine failing on every restart). Committing the offset of the preceding record instead makes a restart read
     * the DDL once, from the binlog.
     */
    private boolean committable(SourceRecord record) {
        Map<String, ?> offset = record.sourceOffset();
        if (ChangeEvents.isBinlogDdl(record)) {
            lastDdlOffset = offset;
            return false;
        }
        return lastDdlOffset == null || !lastDdlOffset.equals(offset);
    }

    Properties engineProperties() {
        Properties p = new Properties();
        p.put("name", "flipside-capture-" + topics.serverName());
        p.put("connector.class", "io.debezium.connector.mysql.MySqlConnector");
        p.put("topic.prefix", topics.serverName());
        p.put("database.hostname", config.get(FlipsideConfig.MYSQL_HOST));
        p.put("database.port", String.valueOf(config.get(FlipsideConfig.MYSQL_PORT)));
        p.put("database.user", config.get(FlipsideConfig.MYSQL_USER));
        p.put("database.password", config.get(FlipsideConfig.MYSQL_PASSWORD));
        p.put("database.server.id", String.valueOf(config.get(FlipsideConfig.CAPTURE_SERVER_ID)));
        p.put("driver.allowPublicKeyRetrieval", "true");
        // The same TLS as Flipside's own connections, for Debezium's JDBC connection and its binlog reader.
        p.put("database.ssl.mode", config.get(FlipsideConfig.MYSQL_SSL_MODE));
        putUnlessEmpty(p, "database.ssl.truststore", config.get(FlipsideConfig.MYSQL_SSL_TRUSTSTORE));
        putUnlessEmpty(p, "database.ssl.truststore.password", config.get(FlipsideConfig.MYSQL_SSL_TRUSTSTORE_PASSWORD));
        putUnlessEmpty(p, "database.ssl.keystore", config.get(FlipsideConfig.MYSQL_SSL_KEYSTORE));
        putUnlessEmpty(p, "database.ssl.keystore.password", config.get(FlipsideConfig.MYSQL_SSL_KEYSTORE_PASSWORD));
        // Debezium reads the databases, tables and columns it decodes rows with by SELECTs of its own: under a global
        // sql_select_limit it knew but so many and stopped at the first change of another ("whose schema isn't
        // known"), again at each restart. Its JDBC sessions lift the bounds as Flipside's do (not its binlog reader's,
        // which runs no SELECT).
        p.put("database.initial.statements", SessionLimits.LIFT);
        // No data snapshot and no locks: the default start takes FLUSH TABLES WITH READ LOCK.
        p.put("snapshot.mode", "no_data");
        p.put("snapshot.locking.mode", "none");
        p.put("include.schema.changes", "true");
        p.put("tombstones.on.delete", "false");
        // Debezium skips TRUNCATE by default; the applier must see one of a table in migration (ChangeEvents).
        p.put("skipped.operations", "none");
        TableFilter excluded = config.get(FlipsideConfig.CAPTURE_EXCLUDE_TABLES);
        p.put("table.exclude.list", String.join(",",
                "[^.]+\\." + Names.HELPER_TABLE.pattern(),
                Pattern.quote(sidecar) + "\\.(" + String.join("|", SidecarSchema.UNPUBLISHED) + ")")
                + (excluded.isEmpty() ? "" : "," + excluded.text()));
        p.put("decimal.handling.mode", "string");
        p.put("bigint.unsigned.handling.mode", "precise");
        p.put("binary.handling.mode", "bytes");
        p.put("poll.interval.ms", String.valueOf(config.get(FlipsideConfig.CAPTURE_POLL_MS)));
        p.put("max.batch.size", "4096");
        p.put("max.queue.size", "16384");
        p.put("heartbeat.interval.ms", "10000");
        // The binlog client notices a dead server connection only on its keep-alive check; the default minute
        // leaves every migration waiting that long after a MySQL restart.
        p.put("connect.keep.alive.interval.ms", "3000");
        p.put("record.processing.threads", "1");
        // Debezium's lag quantiles (a sketch fed through a queue of 1,000 by a thread of its own) are read by no one
        // here; on a busy machine that thread fell behind and the binlog reader logged a WARN for each sample dropped.
        p.put("statistics.metrics.enabled", "false");
        // Offsets and schema history in Kafka.
        p.put("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
        p.put("offset.storage.topic", topics.captureOffsets());
        p.put("offset.storage.partitions", "1");
        p.put("offset.storage.replication.factor", "-1");
        p.put("offset.flush.interval.ms", "1000");
        p.put("schema.history.internal", "io.debezium.storage.kafka.history.KafkaSchemaHistory");
        p.put("schema.history.internal.kafka.topic", topics.captureSchemaHistory());
        p.put("schema.history.internal.kafka.bootstrap.servers", config.get(FlipsideConfig.KAFKA_BOOTSTRAP));
        // The history must hold the DDL of the tables Flipside creates (which are not published): after a restart,
        // the RENAME that swaps a shadow table in is replayed from it, and rows are decoded with the shadow's columns.
        p.put("schema.history.internal.store.only.captured.tables.ddl", "false");
        for (Map.Entry<String, String> e : config.kafkaClientSettings().entrySet()) {
            p.put(e.getKey(), e.getValue());
            if (!e.getKey().equals("bootstrap.servers")) {
                p.put("schema.history.internal.producer." + e.getKey(), e.getValue());
                p.put("schema.history.internal.consumer." + e.getKey(), e.getValue());
            }
        }
        engineOverrides.accept(p);
        return p;
    }

    private static void putUnlessEmpty(Properties p, String key, String value) {
        if (!value.isEmpty()) {
            p.put(key, value);
        }
    }

    @Override
    public void close() {
        closing = true;
        DebeziumEngine<RecordChangeEvent<SourceRecord>> e = engine;
        try {
            if (e != null) {
                e.close();
            }
        } catch (IOException ex) {
            LOG.warn("closing the engine", ex);
        } catch (IllegalStateException ex) {
            // The engine stopped on a failure and is shutting itself down; the runner sees closing and ends.
            LOG.debug("closing the engine: {}", ex.getMessage());
        } finally {
            try {
                runner.join(30_000);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            producer.close(Duration.ofSeconds(5));
        }
    }
}
