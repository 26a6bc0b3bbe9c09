package io.flipside.applier;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Server settings that slow the apply down, found when the applier starts; each is logged as a warning. Flipside never
 * changes a server's global settings itself: they concern every application on the server.
 */
final class ServerAdvice {
    private ServerAdvice() {}

    /** What the server at {@code c} is advised to change for the apply's sake; empty when nothing. */
    static List<String> of(Connection c) throws SQLException {
        List<String> advice = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT @@GLOBAL.innodb_adaptive_hash_index")) {
            if (rs.next() && rs.getBoolean(1)) {
                advice.add("innodb_adaptive_hash_index is ON: the apply of an UPDATE of 300,000 rows ran 4 to 8 times"
                        + " slower with it than without it in Flipside's benchmark (BENCHMARKS.md), with InnoDB's purge"
                        + " threads busy throughout; MySQL 8.4 turns it off by default. Consider SET GLOBAL"
                        + " innodb_adaptive_hash_index = OFF (dynamic) after checking what it does for your other queries");
            }
        }
        return advice;
    }
}
