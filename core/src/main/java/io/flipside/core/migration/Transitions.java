package io.flipside.core.migration;

import static io.flipside.schema.MigrationStatus.CANCELLED;
import static io.flipside.schema.MigrationStatus.COMPLETED;
import static io.flipside.schema.MigrationStatus.COPYING;
import static io.flipside.schema.MigrationStatus.CUTTING_OVER;
import static io.flipside.schema.MigrationStatus.CUT_OVER;
import static io.flipside.schema.MigrationStatus.FAILED;
import static io.flipside.schema.MigrationStatus.QUEUED;
import static io.flipside.schema.MigrationStatus.READY;
import static io.flipside.schema.MigrationStatus.REVERTED;
import static io.flipside.schema.MigrationStatus.REVERTING;

import io.flipside.schema.MigrationStatus;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The legal moves of a migration, in one place.
 *
 * <pre>
 *   QUEUED --> COPYING --> READY --> CUTTING_OVER --> CUT_OVER --> REVERTING --> REVERTED
 *     |           |  \________________^   ^               |                        |  |
 *     |           |                       |_______________|________________________|  |
 *     |           |                                       |                           |
 *     +-----------+--> CANCELLED            COMPLETED <---+---------------------------+
 *   any state that is not final --> FAILED --> QUEUED (retry, when it never cut over)
 * </pre>
 *
 * A revert can be undone by a second cut-over (REVERTED to CUTTING_OVER), because forward replication is primed again
 * at the revert's freeze point. A revert the applier refuses at the freeze (values written since the cut-over that the
 * old schema cannot hold, and the revert was not forced) goes back from REVERTING to CUT_OVER; a second cut-over refused
 * the same way (values written since the revert that the new schema cannot hold) goes back from CUTTING_OVER to
 * REVERTED. A swap refused because one of the tables has a trigger or a foreign key goes back the same way, and a
 * first cut-over from CUTTING_OVER to READY.
 */
public final class Transitions {
    private static final Map<MigrationStatus, Set<MigrationStatus>> NEXT = new EnumMap<>(MigrationStatus.class);

    static {
        NEXT.put(QUEUED, EnumSet.of(COPYING, CANCELLED, FAILED));
        NEXT.put(COPYING, EnumSet.of(READY, CUTTING_OVER, CANCELLED, FAILED));
        NEXT.put(READY, EnumSet.of(CUTTING_OVER, CANCELLED, FAILED));
        NEXT.put(CUTTING_OVER, EnumSet.of(CUT_OVER, READY, REVERTED, FAILED));
        NEXT.put(CUT_OVER, EnumSet.of(REVERTING, COMPLETED, FAILED));
        NEXT.put(REVERTING, EnumSet.of(REVERTED, CUT_OVER, FAILED));
        NEXT.put(REVERTED, EnumSet.of(CUTTING_OVER, COMPLETED, FAILED));
        NEXT.put(COMPLETED, EnumSet.noneOf(MigrationStatus.class));
        NEXT.put(CANCELLED, EnumSet.noneOf(MigrationStatus.class));
        NEXT.put(FAILED, EnumSet.of(QUEUED)); // retry only
    }

    private Transitions() {}

    public static boolean allowed(MigrationStatus from, MigrationStatus to) {
        return NEXT.get(from).contains(to);
    }

    /** @throws IllegalTransitionException naming both states when the move is not legal */
    public static MigrationStatus check(String migrationId, MigrationStatus from, MigrationStatus to) {
        if (!allowed(from, to)) {
            throw new IllegalTransitionException(migrationId, from, to);
        }
        return to;
    }

    /** COMPLETED, CANCELLED and FAILED: nothing more happens to the migration (unless a FAILED one is retried). */
    public static boolean isFinal(MigrationStatus s) {
        return s == COMPLETED || s == CANCELLED || s == FAILED;
    }

    /** After a cut-over the tables have been swapped at least once: cancel is no longer the way back. */
    public static boolean hasCutOver(MigrationStatus s) {
        return s == CUT_OVER || s == REVERTING || s == REVERTED;
    }
}
