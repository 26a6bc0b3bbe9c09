package io.flipside.core.migration;

import io.flipside.schema.MigrationStatus;

/** A journal event that would move a migration along a path the lifecycle does not have. */
public final class IllegalTransitionException extends IllegalStateException {
    private final MigrationStatus from;
    private final MigrationStatus to;

    public IllegalTransitionException(String migrationId, MigrationStatus from, MigrationStatus to) {
        super("migration " + migrationId + " cannot go from " + from + " to " + to);
        this.from = from;
        this.to = to;
    }

    public MigrationStatus from() {
        return from;
    }

    public MigrationStatus to() {
        return to;
    }
}
