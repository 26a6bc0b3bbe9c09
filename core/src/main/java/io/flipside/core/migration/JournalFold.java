package io.flipside.core.migration;

import io.flipside.schema.JournalEvent;
import io.flipside.schema.MigrationState;
import io.flipside.schema.MigrationSubmitted;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.avro.Schema;

/**
 * Every migration's state as the fold of the journal from its beginning: what the controller keeps, rebuilt by anyone
 * who reads the journal ({@code flipside replay}). An event that names no migration, or a migration never submitted
 * (a rejected submit), changes no state.
 */
public final class JournalFold {
    private final Map<String, MigrationState> states = new LinkedHashMap<>();

    /** The state after {@code event}, given the state before it; empty when the event belongs to no migration state. */
    public static Optional<MigrationState> next(MigrationState before, JournalEvent event) {
        if (event.getMigrationId() == null || before == null && !(event.getPayload() instanceof MigrationSubmitted)) {
            return Optional.empty();
        }
        return Optional.of(Lifecycle.fold(before, event));
    }

    /**
     * Folds {@code event} in, unless its migration already holds {@code limit} events (a state read earlier than the
     * journal's end is compared with the fold of as many events as it holds).
     */
    public void add(JournalEvent event, Map<String, Long> limit) {
        String id = event.getMigrationId();
        MigrationState before = id == null ? null : states.get(id);
        Long max = id == null ? null : limit.get(id);
        if (before != null && max != null && before.getVersion() >= max) {
            return;
        }
        next(before, event).ifPresent(after -> states.put(id, after));
    }

    public Map<String, MigrationState> states() {
        return states;
    }

    /**
     * The first difference between {@code folded} (this fold) and {@code live} (the controller's states), by migration
     * id and then by field in schema order, in words; empty when they are equal.
     */
    public static Optional<String> firstDivergence(Map<String, MigrationState> folded, Map<String, MigrationState> live) {
        for (String id : new TreeSet<>(union(folded, live))) {
            MigrationState f = folded.get(id);
            MigrationState l = live.get(id);
            if (f == null) {
                return Optional.of("migration " + id + " has a state (" + l.getStatus() + ", " + l.getVersion()
                        + " events) but the journal never submitted it");
            }
            if (l == null) {
                return Optional.of("migration " + id + " is in the journal (" + f.getStatus() + ") but has no state");
            }
            for (Schema.Field field : MigrationState.getClassSchema().getFields()) {
                Object a = f.get(field.pos());
                Object b = l.get(field.pos());
                if (!Objects.equals(String.valueOf(a), String.valueOf(b))) {
                    return Optional.of("migration " + id + ": " + field.name() + " is " + a + " by the journal but "
                            + b + " in the state");
                }
            }
        }
        return Optional.empty();
    }

    private static java.util.Set<String> union(Map<String, ?> a, Map<String, ?> b) {
        java.util.Set<String> all = new java.util.HashSet<>(a.keySet());
        all.addAll(b.keySet());
        return all;
    }
}
