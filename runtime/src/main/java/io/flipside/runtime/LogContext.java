package io.flipside.runtime;

import org.slf4j.MDC;

/**
 * What every log line of a migration's work carries, in the logging context (SLF4J's MDC, per thread): the migration's
 * id and its phase. With {@code log.format=json} they appear in each line's {@code mdc} object, so a log pipeline can
 * follow one migration without parsing messages.
 */
public final class LogContext {
    public static final String MIGRATION = "migration";
    public static final String PHASE = "phase";

    private LogContext() {}

    /** Marks this thread's lines as the work of migration {@code id} in {@code phase} (a state, or what is done). */
    public static void set(String id, String phase) {
        MDC.put(MIGRATION, id);
        MDC.put(PHASE, phase);
    }

    /** Changes the phase only (the thread keeps working on the same migration). */
    public static void phase(String phase) {
        MDC.put(PHASE, phase);
    }

    public static void clear() {
        MDC.remove(MIGRATION);
        MDC.remove(PHASE);
    }

    /** Sets both until the scope closes, then puts back what the thread had. */
    public static Scope scope(String id, String phase) {
        String migration = MDC.get(MIGRATION);
        String previousPhase = MDC.get(PHASE);
        set(id, phase);
        return () -> {
            clear();
            if (migration != null) {
                set(migration, previousPhase);
            }
        };
    }

    /** A {@link #scope}; closing it throws nothing. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
