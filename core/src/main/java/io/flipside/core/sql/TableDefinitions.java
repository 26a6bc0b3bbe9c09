package io.flipside.core.sql;

import java.util.regex.Pattern;

/** Table definitions as {@code SHOW CREATE TABLE} prints them, compared without their name and counters. */
public final class TableDefinitions {
    private static final Pattern AUTO_INCREMENT = Pattern.compile(" AUTO_INCREMENT=\\d+");

    private TableDefinitions() {}

    /**
     * The definition without {@code CREATE TABLE `name`} and without the AUTO_INCREMENT counter, which change with
     * the table's name and its rows, not with its schema.
     */
    public static String withoutNameAndCounter(String showCreateTable) {
        int open = showCreateTable.indexOf('(');
        String body = open < 0 ? showCreateTable : showCreateTable.substring(open);
        return AUTO_INCREMENT.matcher(body).replaceAll("");
    }
}
