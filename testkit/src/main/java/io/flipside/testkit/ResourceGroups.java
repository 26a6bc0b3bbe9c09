package io.flipside.testkit;

import io.flipside.core.sql.Sql;
import java.sql.SQLException;
import java.sql.Statement;

/** MySQL resource groups that tests create and remove. */
public final class ResourceGroups {
    private static final int ER_RESOURCE_GROUP_NOT_EXISTS = 3651;

    private ResourceGroups() {}

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
