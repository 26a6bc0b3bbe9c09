package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.Schemas;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A table whose key is a unique key, not a primary key, on a server that refuses new tables without one
 * ({@code sql_require_primary_key}, 8.0.13 on): MySQL will not create a table like it (the shadow table, or the empty
 * copy that asks whether an ALTER is instant), so its migration is rejected with MySQL's answer and what to do, and
 * nothing is touched. Before, the applier took the refusal for an interruption and tried again every 30 s, for ever,
 * the migration QUEUED. A table with a primary key is migrated as ever.
 */
class RequiredPrimaryKeyIT {
    static final String DB = "require_pk";

    @Test
    void aTableWithoutAPrimaryKeyIsRejectedWhileOneIsRequiredAndNothingIsTouched() throws Exception {
        Flipside f = Flipside.get();
        try (Connection c = f.connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DB);
            s.execute("CREATE DATABASE " + DB);
            s.execute("CREATE TABLE " + DB + ".unique_only (code VARCHAR(8) NOT NULL, name VARCHAR(20),"
                    + " UNIQUE KEY by_code (code))");
            s.execute("INSERT INTO " + DB + ".unique_only VALUES ('a', 'one'), ('b', 'two')");
            s.execute("CREATE TABLE " + DB + ".with_pk (id INT PRIMARY KEY, name VARCHAR(20))");
            s.execute("INSERT INTO " + DB + ".with_pk VALUES (1, 'one')");
            List<String> before = Schemas.fingerprint(c, DB);
            String reason = "table " + DB + ".unique_only has no primary key, and MySQL refuses to create a table"
                    + " like it while sql_require_primary_key is on: ";
            s.execute("SET GLOBAL sql_require_primary_key = ON");
            try {
                // A rejection comes in seconds; before, no verdict came at all.
                Flipside.Run copied = f.cli("submit", "--table", DB + ".unique_only", "--alter",
                        "ADD COLUMN extra INT", "--timeout", "30");
                assertEquals(Main.REJECTED, copied.exit(), copied.toString());
                assertTrue(copied.err().contains(reason) && copied.err().contains("Nothing was changed"),
                        copied.err());
                Flipside.Run instant = f.cli("submit", "--table", DB + ".unique_only", "--alter",
                        "ADD COLUMN extra INT", "--instant", "--timeout", "30");
                assertEquals(Main.REJECTED, instant.exit(), instant.toString());
                assertTrue(instant.err().contains(reason), instant.err());
                assertEquals(before, Schemas.fingerprint(c, DB), "the tables, their definitions and rows as they were");

                Flipside.Run withKey = f.cli("submit", "--table", DB + ".with_pk", "--alter", "ADD COLUMN extra INT",
                        "--postpone-cutover");
                assertEquals(Main.OK, withKey.exit(), withKey.toString());
                try (OperatorClient client = new OperatorClient(f.config)) {
                    ConcurrencyIT.await(client, withKey.lastLine(), MigrationStatus.READY);
                    assertEquals(Main.OK, f.cli("cancel", withKey.lastLine(), "--wait").exit());
                }
            } finally {
                s.execute("SET GLOBAL sql_require_primary_key = OFF");
            }
        }
    }
}
