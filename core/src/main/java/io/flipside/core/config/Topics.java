package io.flipside.core.config;

/**
 * Every topic name, derived from one prefix.
 *
 * @param prefix     the configured topic prefix
 * @param serverName the capture's logical MySQL server name
 */
public record Topics(String prefix, String serverName) {
    /**
     * The header of the changelog record a capture publishes before its engine starts without a stored binlog
     * position: from there on the changelog holds the server's changes from its position at that start, and changes
     * made between the last record published before it and that position are missing. Its value tells the position.
     */
    public static final String CAPTURE_BEGAN_HEADER = "flipside.capture.began";

    /**
     * The header of a changelog record whose row change an XA transaction made: MySQL writes such a transaction's rows
     * to the binlog at {@code XA PREPARE}, before they are committed (its {@code XA COMMIT} or {@code XA ROLLBACK}
     * carries no rows), so a reader of the table may not see the change yet. Its value is empty.
     */
    public static final String XA_PREPARED_HEADER = "flipside.xa.prepared";

    public Topics {
        if (!prefix.matches("[A-Za-z0-9._-]{1,100}") || !serverName.matches("[A-Za-z0-9_-]{1,100}")) {
            throw new IllegalArgumentException("topic.prefix and capture.server.name may hold letters, digits, . _ -");
        }
    }

    /** Operators' commands. */
    public String control() {
        return prefix + ".control";
    }

    /** The event-sourced record of every migration; written only by the controller. */
    public String journal() {
        return prefix + ".journal";
    }

    /** Compacted: each migration's latest state, for status. */
    public String state() {
        return prefix + ".state";
    }

    /** The applier's reports of what it did on MySQL, for the controller to journal. */
    public String reports() {
        return prefix + ".reports";
    }

    /** Row changes and DDL of one MySQL server, in binlog order (one partition). */
    public String changelog() {
        return prefix + ".changelog." + serverName;
    }

    public String captureOffsets() {
        return prefix + ".capture.offsets";
    }

    public String captureSchemaHistory() {
        return prefix + ".capture.schema-history";
    }

    /** The appliers' consumer group on the state topic: its one member that is assigned the partition does the work. */
    public String applierGroupId() {
        return prefix + "-applier";
    }

    /** The controller's Kafka Streams application id. */
    public String controllerApplicationId() {
        return prefix + "-controller";
    }
}
