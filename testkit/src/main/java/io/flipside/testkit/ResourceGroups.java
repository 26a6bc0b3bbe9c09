package io.flipside.testkit;

import io.flipside.core.sql.Sql;
import java.sql.SQLException;
import java.sql.Statement;

/** MySQL resource groups that tests create and remove. */
public final class ResourceGroups {
    private static final int ER_RESOURCE_GROUP_NOT_EXISTS = 3651;

    private ResourceGroups() {}

    /**
     * Creates user resource group {@code group} of thread priority {@code priority} (0 to 19), enabled or not,
     * dropping any group by that name first.
     */
    public static void recreate(Statement s, String group, int priority, boolean enabled) throws SQLException {
        recreate(s, group, priority, null, enabled);
    }

    /**
     * As above, its threads on the CPUs {@code cpus} only (MySQL's VCPU list, such as {@code 1} or {@code 0,2-3}; all
     * when null), which the caller has checked to be CPU numbers and ranges: DDL takes no parameters.
     */
    public static void recreate(Statement s, String group, int priority, String cpus, boolean enabled)
            throws SQLException {
        drop(s, group);
        // The name is quoted, the priority an int, the CPUs checked by the caller
        s.execute("CREATE RESOURCE GROUP " + Sql.ident(group) + " TYPE = USER" + (cpus == null ? "" : " VCPU = " + cpus)
                + " THREAD_PRIORITY = " + priority + (enabled ? "" : " DISABLE"));
    }

    /**
     * Drops resource group {@code group} if there is one by that name (MySQL's {@code DROP RESOURCE GROUP} has no
     * {@code IF EXISTS}), moving any session still in it back to its default group.
     */
    public static void drop(Statement s, String group) throws SQLException {
        try {
            s.execute("DROP RESOURCE GROUP " + Sql.ident(group) + " FORCE");
        } catch (SQLException e) {
            if (e.getErrorCode() != ER_RESOURCE_GROUP_NOT_EXISTS) {
                throw e;
            }
        }
    }
}
