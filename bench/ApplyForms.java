import io.flipside.testkit.EmbeddedMySql;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * How much of MySQL's time each statement form takes to bring a batch of changed rows onto a table of the new
 * schema, on the embedded MySQL: the question behind the apply's cost per row. Not part of Flipside; run with
 * {@code java -cp cli/target/flipside.jar bench/ApplyForms.java [rows] [rounds] [keys-per-statement] [pool-mb]
 * [adaptive-hash-index ON|OFF, OFF by default] [burst-rows, 0 by default] [hold-purge]}; with burst rows, it runs
 * the burst mode of {@link #afterBurst} instead of the rounds.
 *
 * <p>Two sysbench tables (the source, and the new-schema table with {@code extra VARCHAR(32) NULL} added, both with
 * the index on {@code k}) hold the same rows. Each round, for each form in turn (in a rotated order), the source's
 * next range of rows is changed as the bench's steady stream changes it ({@code UPDATE ... SET k = k + 1} of
 * consecutive ids, timed as MySQL's own cost), then the form applies those keys to the new table in statements of
 * {@code keys-per-statement} keys, one transaction per statement as the applier commits a batch:
 * <ul>
 *   <li>{@code upsert}: the applier's statement, {@code INSERT ... SELECT ... ON DUPLICATE KEY UPDATE} re-reading the
 *   source rows by key;</li>
 *   <li>{@code upsert-server-prepared}: the same on a connection with {@code useServerPrepStmts} and
 *   {@code cachePrepStmts} (MySQL parses the statement once and gets only the keys after that);</li>
 *   <li>{@code update-join}: {@code UPDATE new JOIN source} re-reading the rows, then the {@code INSERT ... SELECT}
 *   of the keys the new table lacks (none here, but the statement runs);</li>
 *   <li>{@code after-image}: the rows' values sent by the client ({@code INSERT ... VALUES ... ON DUPLICATE KEY
 *   UPDATE}), as if taken from the changelog's after-images; reading them from the source first is not timed.</li>
 * </ul>
 * At the end both tables' checksums are compared, so that every form is known to have written the rows.
 */
public final class ApplyForms {

    private static final String COLS = "id, k, c, pad";

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int perStatement = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        int poolMb = args.length > 3 ? Integer.parseInt(args[3]) : 2048;
        String hashIndex = args.length > 4 ? args[4] : "OFF";
        int burst = args.length > 5 ? Integer.parseInt(args[5]) : 0;
        boolean holdPurge = args.length > 6 && args[6].equals("hold-purge");
        int perRound = 50 * perStatement; // rows each form applies each round
        Path work = Files.createTempDirectory("flipside-apply-forms");
        try (EmbeddedMySql mysql = EmbeddedMySql.start(work, List.of("--innodb-adaptive-hash-index=" + hashIndex));
                Connection c = mysql.connect()) {
            Connection serverPrepared = null;
            try (PreparedStatement ps = c.prepareStatement("SET GLOBAL innodb_buffer_pool_size = ?")) {
                ps.setLong(1, poolMb * 1024L * 1024L);
                ps.execute();
            }
            try (Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE forms");
                s.execute("USE forms");
                s.execute("SET SESSION sql_log_bin = 0");
                s.execute("CREATE TABLE src (id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL DEFAULT 0,"
                        + " c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', KEY k_1 (k))");
                s.execute("CREATE TABLE seq (n INT PRIMARY KEY)");
                s.execute("INSERT INTO seq VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)");
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO src (id, k, c, pad)"
                        + " SELECT 1 + a.n + 10 * b.n + 100 * c.n + 1000 * d.n + 10000 * e.n + 100000 * f.n,"
                        + " FLOOR(RAND() * ?), LEFT(SHA2(RAND(), 512), 120), LEFT(SHA2(RAND(), 256), 60)"
                        + " FROM seq a, seq b, seq c, seq d, seq e, seq f"
                        + " WHERE 1 + a.n + 10 * b.n + 100 * c.n + 1000 * d.n + 10000 * e.n + 100000 * f.n <= ?")) {
                    ps.setInt(1, rows);
                    ps.setInt(2, rows);
                    ps.executeUpdate();
                }
                s.execute("CREATE TABLE dst (id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL DEFAULT 0,"
                        + " c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '',"
                        + " extra VARCHAR(32) NULL, KEY k_1 (k))");
                s.execute("INSERT INTO dst (" + COLS + ") SELECT " + COLS + " FROM src");
                s.execute("SET SESSION sql_log_bin = 1");
                s.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
            }
            if (burst > 0) {
                c.setAutoCommit(false);
                afterBurst(mysql, c, burst, perStatement, poolMb, hashIndex, holdPurge);
                return;
            }
            serverPrepared = DriverManager.getConnection(mysql.jdbcUrl("forms")
                    + "&useServerPrepStmts=true&cachePrepStmts=true&prepStmtCacheSqlLimit=65536",
                    mysql.user(), mysql.password());
            serverPrepared.setAutoCommit(false);
            try (Statement s = serverPrepared.createStatement()) {
                s.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
            }
            System.out.printf("%,d rows each, %d rounds, %,d keys a statement, %,d rows per form per round,"
                    + " buffer pool %d MB%n", rows, rounds, perStatement, perRound, poolMb);
            c.setAutoCommit(false);
            List<String> forms = List.of("upsert", "upsert-server-prepared", "update-join", "after-image");
            Map<String, List<Double>> apply = new LinkedHashMap<>();
            Map<String, List<Double>> source = new LinkedHashMap<>();
            forms.forEach(f -> {
                apply.put(f, new ArrayList<>());
                source.put(f, new ArrayList<>());
            });
            int next = 1;
            for (int round = 0; round < rounds + 1; round++) { // round 0 warms up, not counted
                List<String> order = new ArrayList<>(forms);
                Collections.rotate(order, round);
                for (String form : order) {
                    if (next + perRound > rows) {
                        next = 1;
                    }
                    int from = next;
                    next += perRound;
                    long t0 = System.nanoTime();
                    for (int lo = from; lo < from + perRound; lo += 200) { // as the stream: 200 rows a statement
                        try (PreparedStatement ps = c.prepareStatement(
                                "UPDATE src SET k = k + 1 WHERE id >= ? AND id < ?")) {
                            ps.setInt(1, lo);
                            ps.setInt(2, Math.min(lo + 200, from + perRound));
                            ps.executeUpdate();
                        }
                        c.commit();
                    }
                    long t1 = System.nanoTime();
                    long spent = 0;
                    for (int lo = from; lo < from + perRound; lo += perStatement) {
                        List<Integer> keys = new ArrayList<>();
                        for (int id = lo; id < lo + perStatement; id++) {
                            keys.add(id);
                        }
                        spent += form.equals("upsert-server-prepared") ? applyOnce(serverPrepared, "upsert", keys)
                                : applyOnce(c, form, keys);
                    }
                    if (round > 0) {
                        source.get(form).add((t1 - t0) / 1e6 / perRound);
                        apply.get(form).add(spent / 1e6 / perRound);
                    }
                }
            }
            System.out.println("ms of wall time per row (one connection, so MySQL's time and a round trip),"
                    + " median and range over the rounds:");
            for (String f : forms) {
                System.out.printf("  %-22s apply %s   the source's UPDATE of the same rows %s%n", f,
                        summary(apply.get(f)), summary(source.get(f)));
            }
            String a = checksum(c, "src");
            String b = checksum(c, "dst");
            System.out.println("checksums of (id, k, c, pad): source " + a + ", new table " + b
                    + (a.equals(b) ? " (equal)" : " (DIFFERENT: a form did not write every row)"));
            serverPrepared.close();
            if (!a.equals(b)) {
                System.exit(1);
            }
        }
    }

    /**
     * The burst mode: one {@code UPDATE} of the first {@code burst} rows' {@code k} in one transaction, as the bench's
     * burst, then those keys brought onto the new table by the applier's upsert, {@code perStatement} keys a
     * statement, while InnoDB's purge removes what the two leave behind (unless {@code holdPurge}: a read view opened
     * before the burst and held to the end keeps purge from removing any of it). Prints the upsert's time per row by
     * 50,000 keys, the rate, and whether the two tables' checksums are equal; exits 1 if not.
     */
    private static void afterBurst(EmbeddedMySql mysql, Connection c, int burst, int perStatement, int poolMb,
            String hashIndex, boolean holdPurge) throws SQLException {
        System.out.printf("burst of %,d rows, %,d keys a statement, buffer pool %d MB, adaptive hash index %s%s%n",
                burst, perStatement, poolMb, hashIndex, holdPurge ? ", purge held back by an open read view" : "");
        Connection holder = null;
        if (holdPurge) {
            holder = mysql.connect();
            holder.setAutoCommit(false);
            try (Statement h = holder.createStatement()) {
                h.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
            }
        }
        long t0 = System.nanoTime();
        try (PreparedStatement ps = c.prepareStatement("UPDATE src SET k = k + 1 WHERE id <= ?")) {
            ps.setInt(1, burst);
            ps.executeUpdate();
        }
        c.commit();
        System.out.printf("  the burst's UPDATE: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        long started = System.nanoTime();
        long spent = 0;
        int counted = 0;
        for (int lo = 1; lo <= burst; lo += perStatement) {
            List<Integer> keys = new ArrayList<>();
            for (int id = lo; id < lo + perStatement && id <= burst; id++) {
                keys.add(id);
            }
            spent += applyOnce(c, "upsert", keys);
            counted += keys.size();
            if (counted >= 50_000 || lo + perStatement > burst) {
                System.out.printf("  keys to %,d: %.4f ms a row%n", keys.get(keys.size() - 1), spent / 1e6 / counted);
                spent = 0;
                counted = 0;
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        if (holder != null) {
            holder.rollback();
            holder.close();
        }
        System.out.printf("applied %,d rows in %.1f s: %,.0f a second%n", burst, seconds, burst / seconds);
        String a = checksum(c, "src");
        String b = checksum(c, "dst");
        System.out.println("checksums of (id, k, c, pad): source " + a + ", new table " + b
                + (a.equals(b) ? " (equal)" : " (DIFFERENT: the upsert did not write every row)"));
        if (!a.equals(b)) {
            System.exit(1);
        }
    }

    /** Applies {@code keys} by {@code form} in one transaction; returns the nanoseconds the timed part took. */
    private static long applyOnce(Connection c, String form, List<Integer> keys) throws SQLException {
        String in = placeholders(keys.size());
        switch (form) {
            case "upsert": {
                long t = System.nanoTime();
                run(c, "INSERT INTO dst (" + COLS + ") SELECT " + COLS + " FROM src WHERE id IN (" + in + ")"
                        + " ON DUPLICATE KEY UPDATE k = VALUES(k), c = VALUES(c), pad = VALUES(pad)", keys);
                c.commit();
                return System.nanoTime() - t;
            }
            case "update-join": {
                long t = System.nanoTime();
                run(c, "UPDATE dst JOIN src ON dst.id = src.id SET dst.k = src.k, dst.c = src.c, dst.pad = src.pad"
                        + " WHERE src.id IN (" + in + ")", keys);
                run(c, "INSERT INTO dst (" + COLS + ") SELECT src.id, src.k, src.c, src.pad FROM src LEFT JOIN dst"
                        + " ON dst.id = src.id WHERE src.id IN (" + in + ") AND dst.id IS NULL", keys);
                c.commit();
                return System.nanoTime() - t;
            }
            case "after-image": {
                List<Object[]> images = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT " + COLS + " FROM src WHERE id IN (" + in
                        + ")")) {
                    bind(ps, keys);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            images.add(new Object[] {rs.getInt(1), rs.getInt(2), rs.getString(3), rs.getString(4)});
                        }
                    }
                }
                c.commit();
                StringJoiner values = new StringJoiner(", ");
                images.forEach(r -> values.add("(?, ?, ?, ?)"));
                long t = System.nanoTime();
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO dst (" + COLS + ") VALUES " + values
                        + " ON DUPLICATE KEY UPDATE k = VALUES(k), c = VALUES(c), pad = VALUES(pad)")) {
                    int i = 1;
                    for (Object[] r : images) {
                        for (Object v : r) {
                            ps.setObject(i++, v);
                        }
                    }
                    ps.executeUpdate();
                }
                c.commit();
                return System.nanoTime() - t;
            }
            default:
                throw new IllegalArgumentException(form);
        }
    }

    private static void run(Connection c, String sql, List<Integer> keys) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, keys);
            ps.executeUpdate();
        }
    }

    private static void bind(PreparedStatement ps, List<Integer> keys) throws SQLException {
        int i = 1;
        for (int k : keys) {
            ps.setInt(i++, k);
        }
    }

    private static String placeholders(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    private static String summary(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return String.format("%.4f (%.4f-%.4f)", s.get(s.size() / 2), s.get(0), s.get(s.size() - 1));
    }

    private static String checksum(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*), SUM(CRC32(CONCAT_WS('#', " + COLS + "))) FROM "
                        + table)) {
            rs.next();
            String out = rs.getLong(1) + "/" + rs.getLong(2);
            c.commit();
            return out;
        }
    }
}
