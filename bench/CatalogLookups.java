import io.flipside.testkit.EmbeddedMySql;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How long the swap's look for triggers and foreign keys takes on a server with many of them: the applier makes it
 * under the freeze's locks, writes held. Not part of Flipside; run with
 * {@code java -cp cli/target/flipside.jar bench/CatalogLookups.java [pairs, 1000 by default]}.
 *
 * <p>On the embedded MySQL, {@code pairs} parent tables and as many child tables, each child with a foreign key to
 * its parent and a trigger, beside the two tables of a swap (none of their own). Then, 25 times each, the median, the
 * fastest and the slowest of: the queries of 84aabfd (each table's foreign keys from {@code KEY_COLUMN_USAGE},
 * referring and referenced in one condition, before the locks, and its triggers under them, for both tables), the
 * trigger queries alone, and the one query the applier makes now, before the locks and again under them
 * ({@code TableInspector}'s, read from the applier: triggers, and foreign keys from {@code REFERENTIAL_CONSTRAINTS},
 * each side in a query of its own).
 */
public class CatalogLookups {
    static final String KEY_COLUMN_USAGE = "SELECT COUNT(*) FROM information_schema.KEY_COLUMN_USAGE"
            + " WHERE REFERENCED_TABLE_NAME IS NOT NULL"
            + " AND ((TABLE_SCHEMA = ? AND TABLE_NAME = ?)"
            + " OR (REFERENCED_TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME = ?))";
    static final String TRIGGERS = "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS"
            + " WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ?";

    interface Lookup {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        // The applier's own query (TableInspector is package-private in the applier).
        java.lang.reflect.Field field = Class.forName("io.flipside.applier.TableInspector")
                .getDeclaredField("ATTACHED");
        field.setAccessible(true);
        String attached = (String) field.get(null);
        Path work = Files.createTempDirectory("flipside-catalog-lookups");
        try (EmbeddedMySql mysql = EmbeddedMySql.start(work, List.of()); Connection c = mysql.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE cat");
            s.execute("USE cat");
            s.execute("CREATE TABLE t (id INT PRIMARY KEY)");
            s.execute("CREATE TABLE t_new (id INT PRIMARY KEY)");
            long t0 = System.nanoTime();
            for (int i = 0; i < pairs; i++) {
                s.execute("CREATE TABLE p" + i + " (id INT PRIMARY KEY)");
                s.execute("CREATE TABLE c" + i + " (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) REFERENCES p" + i
                        + " (id))");
                s.execute("CREATE TRIGGER tr" + i + " BEFORE INSERT ON c" + i + " FOR EACH ROW SET NEW.p = NEW.p");
            }
            System.out.printf("%d parent and child tables, each child with a foreign key and a trigger, made in %d"
                    + " ms%n", pairs, (System.nanoTime() - t0) / 1_000_000);
            time("84aabfd: foreign keys (KEY_COLUMN_USAGE) and triggers, a query each, both tables", () -> {
                for (String t : List.of("t", "t_new")) {
                    query(c, KEY_COLUMN_USAGE, "cat", t, "cat", t);
                    query(c, TRIGGERS, "cat", t);
                }
            });
            time("the trigger queries alone, both tables", () -> {
                for (String t : List.of("t", "t_new")) {
                    query(c, TRIGGERS, "cat", t);
                }
            });
            time("now: triggers and foreign keys (REFERENTIAL_CONSTRAINTS), one query", () -> query(c, attached,
                    "cat", "t", "t_new", "cat", "t", "t_new", "cat", "t", "t_new"));
        }
    }

    static void time(String what, Lookup lookup) throws Exception {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            long t0 = System.nanoTime();
            lookup.run();
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        Collections.sort(ms);
        System.out.printf("%s: median %.2f ms, fastest %.2f, slowest %.2f%n", what, ms.get(12), ms.get(0),
                ms.get(24));
    }

    static void query(Connection c, String sql, String... args) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // read to the end, as the applier does
                }
            }
        }
    }
}
