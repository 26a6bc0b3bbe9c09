package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.SidecarSchema;
import io.flipside.core.sql.Sql;
import io.flipside.testkit.EmbeddedMySql;
import io.flipside.testkit.EmbeddedStack;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A sidecar written by an earlier build: the applier adds the columns added since, and keeps its rows. */
class SidecarIT {
    static final String DB = "sidecar_upgrade_it";

    @Test
    void anEarlierBuildsSidecarGetsTheColumnsAddedSinceAndKeepsItsRows() throws Exception {
        EmbeddedMySql mysql = EmbeddedStack.shared().mysql();
        Sidecar sidecar = new Sidecar(DB);
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + Sql.ident(DB));
            for (String ddl : SidecarSchema.create(DB)) {
                s.execute(ddl);
            }
            for (List<String> added : SidecarSchema.ADDED_COLUMNS) { // as the earlier build created its tables
                s.execute("ALTER TABLE " + sidecar.table(added.get(0)) + " DROP COLUMN " + Sql.ident(added.get(1)));
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sidecar.table("apply_state")
                    + " (migration_id, direction, stage, next_offset) VALUES (?, 'FORWARD', 'STREAMING', ?)")) {
                ps.setString(1, "0ld0ld00");
                ps.setLong(2, 42);
                ps.executeUpdate();
            }
            assertEquals(List.of(), columns(c, "apply_state", "swap_started_ms"));
            assertEquals(List.of(), columns(c, "apply_state", "old_columns"));
            assertEquals(List.of(), columns(c, "markers", "capture_exclude"));
            assertEquals(List.of(), columns(c, "apply_state", "last_binlog_part"));

            sidecar.create(c);
            assertEquals(List.of("swap_started_ms bigint"), columns(c, "apply_state", "swap_started_ms"));
            assertEquals(List.of("last_binlog_part tinyint"), columns(c, "apply_state", "last_binlog_part"));
            assertEquals(List.of("capture_exclude text"), columns(c, "markers", "capture_exclude"));
            assertEquals(List.of("old_columns text"), columns(c, "apply_state", "old_columns"));
            assertEquals(List.of("new_columns text"), columns(c, "apply_state", "new_columns"));
            assertEquals(List.of("old_definition text"), columns(c, "apply_state", "old_definition"));
            sidecar.create(c); // again: nothing to add
            assertEquals(List.of("swap_started_ms bigint"), columns(c, "apply_state", "swap_started_ms"));
            try (PreparedStatement ps = c.prepareStatement(sidecar.selectApplyState())) {
                ps.setString(1, "0ld0ld00");
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(42, rs.getLong(4), "the earlier build's row is kept");
                    assertEquals(null, rs.getObject(17), "no swap recorded yet");
                    assertEquals(null, rs.getObject(18), "no change read yet");
                    assertEquals(null, rs.getObject(19), "no columns recorded: its first applier records them");
                    assertEquals(null, rs.getObject(22), "nor the old schema's table");
                }
            }
            s.execute("DROP DATABASE " + Sql.ident(DB));
        }
    }

    private static List<String> columns(Connection c, String table, String name) throws Exception {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?")) {
            ps.setString(1, DB);
            ps.setString(2, table);
            ps.setString(3, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + " " + rs.getString(2));
                }
            }
        }
        return out;
    }
}
