package io.flipside.applier;

import io.flipside.core.config.FlipsideConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The lag of the replicas named in {@code throttle.replicas}, to the tenth of a second: the copy rewrites a heartbeat
 * row on the source (the source's clock) before each chunk, and a replica's lag is how much older its copy of that row
 * is than the source's clock now. A replica that cannot be reached, or has no heartbeat yet, counts as lagging: the
 * copy waits rather than run ahead of it. One instance per copy thread; it keeps a connection per replica.
 */
final class ReplicaLag implements AutoCloseable {
    private final FlipsideConfig config;
    private final String heartbeat;
    private final List<String> replicas = new ArrayList<>();
    private final Map<String, Connection> connections = new LinkedHashMap<>();

    ReplicaLag(FlipsideConfig config, Sidecar sidecar) {
        this.config = config;
        this.heartbeat = sidecar.table("heartbeat");
        for (String r : config.get(FlipsideConfig.THROTTLE_REPLICAS).split(",")) {
            if (!r.isBlank()) {
                replicas.add(r.strip());
            }
        }
    }

    boolean watching() {
        return !replicas.isEmpty();
    }

    /**
     * Writes the heartbeat through {@code source} (and commits), then names the first replica whose heartbeat is more
     * than {@code maxLagMillis} old, with its lag; empty when none is.
     */
    Optional<String> reason(Connection source, long maxLagMillis) throws SQLException {
        double now;
        try (Statement s = source.createStatement()) {
            s.executeUpdate("INSERT INTO " + heartbeat + " (id, ts) VALUES (1, NOW(6)) ON DUPLICATE KEY UPDATE ts = NOW(6)");
            try (ResultSet rs = s.executeQuery("SELECT UNIX_TIMESTAMP(NOW(6))")) {
                rs.next();
                now = rs.getDouble(1);
            }
        }
        if (!source.getAutoCommit()) {
            source.commit();
        }
        for (String replica : replicas) {
            Optional<Double> seen;
            try {
                seen = heartbeatOn(replica);
            } catch (SQLException e) {
                closeQuietly(connections.remove(replica));
                return Optional.of("replica " + replica + " unreachable: " + e.getMessage());
            }
            if (seen.isEmpty()) {
                return Optional.of("replica " + replica + " has no heartbeat yet");
            }
            long lag = Math.round((now - seen.get()) * 1000);
            if (lag > maxLagMillis) {
                return Optional.of("replica " + replica + " lag " + lag + " ms > " + maxLagMillis + " ms");
            }
        }
        return Optional.empty();
    }

    private Optional<Double> heartbeatOn(String replica) throws SQLException {
        Connection c = connections.get(replica);
        if (c == null) {
            Properties p = config.jdbcProperties();
            p.setProperty("connectTimeout", "2000");
            p.setProperty("socketTimeout", "5000");
            c = DriverManager.getConnection(config.jdbcUrl(replica), p);
            connections.put(replica, c);
        }
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT UNIX_TIMESTAMP(ts) FROM " + heartbeat + " WHERE id = 1")) {
            return rs.next() ? Optional.of(rs.getDouble(1)) : Optional.empty();
        } catch (SQLException e) {
            if (e.getErrorCode() == 1146) { // the sidecar's heartbeat table has not reached the replica yet
                return Optional.empty();
            }
            throw e;
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing a connection that already failed
            }
        }
    }

    @Override
    public void close() {
        connections.values().forEach(ReplicaLag::closeQuietly);
        connections.clear();
    }
}
