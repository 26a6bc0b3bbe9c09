package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationStatus;
import io.flipside.testkit.EmbeddedMySql;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mysql.ssl.mode}: a MySQL user that MySQL lets in over TLS only ({@code REQUIRE SSL}) runs every role, the
 * capture's binlog reader (Debezium's own connection) included; without TLS the same user is refused.
 */
class MySqlTlsIT {
    private static final String USER = "flipside_tls";
    private static final String PASSWORD = "tls-only";

    @Test
    void everyRoleConnectsOverTlsWhenMySqlRequiresIt(@TempDir Path dir) throws Exception {
        Flipside f = Flipside.get();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        try (EmbeddedMySql mysql = EmbeddedMySql.startWithTls(dir, 3)) {
            try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE USER '" + USER + "'@'%' IDENTIFIED WITH mysql_native_password BY '" + PASSWORD
                        + "' REQUIRE SSL");
                s.execute("GRANT ALL ON *.* TO '" + USER + "'@'%'");
                s.execute("CREATE DATABASE shop");
                s.execute("CREATE TABLE shop.orders (id BIGINT PRIMARY KEY, note VARCHAR(20))");
                s.execute("INSERT INTO shop.orders SELECT n, CONCAT('note ', n) FROM (WITH RECURSIVE seq (n) AS"
                        + " (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 500) SELECT n FROM seq) AS x");
            }
            FlipsideConfig config = Flipside.isolated(f.config, "tls", tag).with("mysql.host", mysql.host())
                    .with("mysql.port", String.valueOf(mysql.port())).with("mysql.user", USER)
                    .with("mysql.password", PASSWORD).with("mysql.ssl.mode", "required");

            SQLException refused = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                    config.jdbcUrl(), config.with("mysql.ssl.mode", "disabled").jdbcProperties()).close());
            assertTrue(refused.getMessage().contains("Access denied"), refused.getMessage());

            TableName t = new TableName("shop", "orders");
            try (Roles roles = Roles.start(config, EnumSet.allOf(Roles.Role.class));
                    OperatorClient client = new OperatorClient(config)) {
                try (Connection c = mysql.connect(); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM performance_schema.threads"
                                + " WHERE PROCESSLIST_USER = '" + USER + "' AND PROCESSLIST_COMMAND LIKE 'Binlog Dump%'")) {
                    rs.next();
                    assertEquals(1, rs.getInt(1), "the capture reads the binlog as the TLS-only user");
                }
                Flipside.Run submit = f.cli(config, "submit", "--table", t.toString(), "--alter",
                        "ADD COLUMN extra INT NULL");
                assertEquals(Main.OK, submit.exit(), submit.toString());
                String id = submit.lastLine();
                ConcurrencyIT.await(client, id, MigrationStatus.CUT_OVER);
                MigrationState cut = client.awaitState(id, x -> !x.getChecksums().isEmpty(), Duration.ofSeconds(60))
                        .orElseThrow();
                assertTrue(cut.getChecksums().get(0).getMatched(), String.valueOf(cut.getChecksums()));
                try (Connection c = mysql.connect(); Statement s = c.createStatement(); ResultSet rs =
                        s.executeQuery("SELECT COUNT(*), SUM(extra IS NULL) FROM " + Sql.qualified("shop", "orders"))) {
                    rs.next();
                    assertEquals(500, rs.getLong(1));
                    assertEquals(500, rs.getLong(2), "the new schema serves");
                }
                assertEquals(Main.OK, f.cli(config, "complete", id, "--wait").exit());
            }
        }
    }
}
