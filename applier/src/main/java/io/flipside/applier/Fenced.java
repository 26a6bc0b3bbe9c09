package io.flipside.applier;

/**
 * Another applier took the migration over (a later epoch in the sidecar): this worker's transaction updated no
 * progress row, was rolled back, and the worker stops.
 */
final class Fenced extends RuntimeException {
    Fenced(String migrationId, long epoch) {
        super("migration " + migrationId + ": fenced; another applier owns it now (this worker's epoch " + epoch
                + " is no longer the sidecar's)");
    }

    /** Throws when an update of a progress row matched no row, i.e. the epoch is no longer the owner's. */
    static void check(int updated, String migrationId, long epoch) {
        if (updated != 1) {
            throw new Fenced(migrationId, epoch);
        }
    }
}
