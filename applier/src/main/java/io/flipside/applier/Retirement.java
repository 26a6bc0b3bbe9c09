package io.flipside.applier;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.runtime.LogContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retiring the table a completed migration set aside: it is renamed to its hold name at once (a rename is quick and
 * frees the name), and dropped when {@code retire.hold.seconds} have passed, by whichever applier runs
 * {@link #dropDue} next. Until then it can still be looked at, or renamed back by hand. The table to drop is recorded
 * in the sidecar ({@code retiring}) before the rename, so a crash between the two leaves a record, not a forgotten
 * table.
 */
final class Retirement {
    private static final Logger LOG = LoggerFactory.getLogger(Retirement.class);

    private final Db db;
    private final Sidecar sidecar;
    private final long holdSeconds;

    Retirement(Db db, Sidecar sidecar, FlipsideConfig config) {
        this.db = db;
        this.sidecar = sidecar;
        this.holdSeconds = config.get(FlipsideConfig.RETIRE_HOLD_SECONDS);
    }

    /** Renames {@code parked} (when it exists) to {@code hold}, and drops it now or records when to. */
    void retire(String id, TableName parked, TableName hold) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sidecar.table("retiring")
                    + " (table_schema, table_name, migration_id, drop_after)"
                    + " VALUES (?, ?, ?, NOW(6) + INTERVAL ? SECOND)"
                    + " ON DUPLICATE KEY UPDATE drop_after = VALUES(drop_after)")) {
                ps.setString(1, hold.database());
                ps.setString(2, hold.table());
                ps.setString(3, id);
                ps.setLong(4, holdSeconds);
                ps.executeUpdate();
            }
            if (TableInspector.exists(c, parked)) {
                s.execute(Sql.tag(id, "retire") + "RENAME TABLE " + parked.quoted() + " TO " + hold.quoted());
            }
        }
        if (holdSeconds == 0) {
            dropDue();
        } else {
            LOG.info("migration {}: {} is held as {} for {} s before it is dropped", id, parked, hold, holdSeconds);
        }
    }

    /** Drops every held table whose hold time has passed. */
    void dropDue() throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            List<String[]> due = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT table_schema, table_name, migration_id FROM "
                    + sidecar.table("retiring") + " WHERE drop_after <= NOW(6)")) {
                while (rs.next()) {
                    due.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
                }
            }
            for (String[] t : due) {
                LogContext.set(t[2], "RETIRING");
                TableName table = new TableName(t[0], t[1]);
                s.execute(Sql.tag(t[2], "retire") + "DROP TABLE IF EXISTS " + table.quoted());
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + sidecar.table("retiring")
                        + " WHERE table_schema = ? AND table_name = ?")) {
                    ps.setString(1, t[0]);
                    ps.setString(2, t[1]);
                    ps.executeUpdate();
                }
                LOG.info("migration {}: dropped {}", t[2], table);
                LogContext.clear();
            }
        }
    }
}
