package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table in a directory of its own ({@code DATA DIRECTORY}, a volume of its own, say) stays there through a cut-over
 * and a revert, as MySQL's own ALTER keeps it there. The shadow table was made with {@code CREATE TABLE ... LIKE},
 * which does not keep the option: after the cut-over the table had moved to the server's data directory.
 */
class DataDirectoryIT {
    static final String ALTER = "ADD COLUMN extra INT";

    @Test
    void aTableInADirectoryOfItsOwnStaysThere(@TempDir Path dir) throws Exception {
        // The directory is this test's own: DDL takes no placeholder, so its path is checked before it is written in.
        assertTrue(dir.toString().matches("[A-Za-z0-9/._-]+"), dir.toString());
        assertTrue(dir.toFile().setWritable(true, false) && dir.toFile().setExecutable(true, false));
        Flipside f = Flipside.get();
        TableName t = new TableName("data_directory", "orders");
        TableName altered = t.sibling("altered_by_mysql");
        for (TableName table : new TableName[] {t, altered}) {
            f.exec("CREATE DATABASE IF NOT EXISTS data_directory", "DROP TABLE IF EXISTS " + table.quoted(),
                    "CREATE TABLE " + table.quoted() + " (id BIGINT PRIMARY KEY, note VARCHAR(20), KEY by_note (note))"
                            + " DATA DIRECTORY = '" + dir + "'");
            f.fill(table, 100, "n, CONCAT('note ', n)");
        }
        String before = definition(f, t);
        assertTrue(before.contains("DATA DIRECTORY='" + dir + "/'"), before);
        f.exec("ALTER TABLE " + altered.quoted() + " " + ALTER + ", ALGORITHM=COPY");
        try (OperatorClient client = new OperatorClient(f.config)) {
            migrate(f, client, t, altered, dir, before);
        } finally {
            // No table of the server's may keep a file in the directory JUnit deletes.
            f.exec("DROP DATABASE data_directory");
        }
    }

    private static void migrate(Flipside f, OperatorClient client, TableName t, TableName altered, Path dir,
            String before) throws Exception {
        Flipside.Run submit = f.cli("submit", "--table", t.toString(), "--alter", ALTER);
        assertEquals(Main.OK, submit.exit(), submit.toString());
        String id = submit.lastLine();
        MigrationState cut = ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
        assertEquals(definition(f, altered), definition(f, t), "after the cut-over, as after MySQL's own ALTER");
        assertTrue(cut.getIndexMillis() != null && cut.getIndexMillis() > 0,
                "the index on note built after the copy, as for a table in the data directory: " + cut);
        assertTrue(Files.exists(dir.resolve("data_directory").resolve("orders.ibd")), "the table's file is there");

        assertEquals(Main.OK, f.cli("revert", id, "--wait").exit());
        ConcurrencyIT.await(client, id, MigrationStatus.REVERTED);
        assertEquals(before, definition(f, t), "after the revert, as before");
    }

    /** SHOW CREATE TABLE without the table's name. */
    private static String definition(Flipside f, TableName t) throws Exception {
        try (Connection c = f.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW CREATE TABLE " + t.quoted())) {
            rs.next();
            String create = rs.getString(2);
            return create.substring(create.indexOf('('));
        }
    }
}
