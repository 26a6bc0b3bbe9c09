package io.flipside.applier;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.sql.Sql;
import io.flipside.runtime.SessionLimits;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * Connections of the applier, all with the same session: UTC (temporal key values are compared as UTC text), strict
 * SQL mode (a value that does not fit is an error, never a silent truncation) that accepts the zero dates an
 * application may have written under a permissive mode (so that they are copied as they are, not refused halfway),
 * and a short InnoDB lock wait.
 */
final class Db {
    /** MySQL errors after which the transaction can simply be run again. */
    private static final int ER_LOCK_WAIT_TIMEOUT = 1205;
    private static final int ER_LOCK_DEADLOCK = 1213;

    private final FlipsideConfig config;
    private final FailsafeExecutor<Object> transient_;

    Db(FlipsideConfig config) {
        this.config = config;
        RetryPolicy<Object> retry = RetryPolicy.builder()
                .handleIf(Db::isTransient)
                .withBackoff(Duration.ofMillis(20), Duration.ofSeconds(2))
                .withMaxRetries(8)
                .build();
        this.transient_ = Failsafe.with(retry);
    }

    Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(config.jdbcUrl(), config.jdbcProperties());
        try (Statement s = c.createStatement()) {
            s.execute("SET SESSION time_zone = '+00:00', SESSION innodb_lock_wait_timeout = 10");
            SessionLimits.lift(c);
            String global;
            try (java.sql.ResultSet rs = s.executeQuery("SELECT @@GLOBAL.sql_mode")) {
                rs.next();
                global = rs.getString(1);
            }
            try (java.sql.PreparedStatement ps = c.prepareStatement("SET SESSION sql_mode = ?")) {
                ps.setString(1, sessionMode(global));
                ps.execute();
            }
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * Puts the session in MySQL's resource group {@code group} (none when empty), whose thread priority and CPUs the
     * server then schedules it by; MySQL refuses a group that does not exist, is disabled or is a system group, and a
     * user without RESOURCE_GROUP_USER.
     */
    static void joinResourceGroup(Connection c, String group) throws SQLException {
        if (!group.isEmpty()) {
            try (Statement s = c.createStatement()) {
                s.execute("SET RESOURCE GROUP " + Sql.ident(group));
            }
        }
    }

    /** The server's SQL mode, strict, without the modes that refuse zero dates. */
    static String sessionMode(String globalMode) {
        String rest = withoutModes(globalMode, java.util.Set.of("NO_ZERO_DATE", "NO_ZERO_IN_DATE", "STRICT_ALL_TABLES"));
        return rest.isEmpty() ? "STRICT_ALL_TABLES" : rest + ",STRICT_ALL_TABLES";
    }

    /** An sql_mode value without {@code drop}. */
    static String withoutModes(String sqlMode, java.util.Set<String> drop) {
        return java.util.Arrays.stream(sqlMode.split(","))
                .filter(m -> !m.isBlank() && !drop.contains(m))
                .collect(java.util.stream.Collectors.joining(","));
    }

    /** Runs a transaction body again after a deadlock or lock wait timeout (the body must roll back on failure). */
    <T> T retrying(dev.failsafe.function.CheckedSupplier<T> body) throws SQLException {
        try {
            return transient_.get(body);
        } catch (dev.failsafe.FailsafeException e) {
            if (e.getCause() instanceof SQLException s) {
                throw s;
            }
            throw e;
        }
    }

    static boolean isTransient(Throwable t) {
        return t instanceof SQLException s
                && (s.getErrorCode() == ER_LOCK_DEADLOCK || s.getErrorCode() == ER_LOCK_WAIT_TIMEOUT);
    }

    /**
     * Whether the error means the connection to MySQL is gone or cannot be made (the server restarting, a network
     * failure): worth reconnecting with back-off, not failing the migration.
     */
    static boolean isConnectionLoss(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.sql.SQLTransientConnectionException || c instanceof java.sql.SQLRecoverableException
                    || c instanceof java.sql.SQLNonTransientConnectionException || c instanceof java.net.SocketException
                    || c instanceof java.io.EOFException) {
                return true;
            }
            if (c instanceof SQLException s) {
                String state = s.getSQLState();
                int code = s.getErrorCode();
                // 08xxx: connection exceptions; 1053 server shutdown; 1927 connection killed; 2006/2013 gone/lost.
                if ((state != null && state.startsWith("08")) || code == 1053 || code == 1927 || code == 2006
                        || code == 2013) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The innermost message of an error, on one line, for logs and the journal. */
    static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return m.replace('\n', ' ');
    }

    static void rollbackQuietly(Connection c) {
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
            }
        } catch (SQLException ignored) {
            // the connection is being abandoned anyway
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // nothing more to do
        }
    }
}
