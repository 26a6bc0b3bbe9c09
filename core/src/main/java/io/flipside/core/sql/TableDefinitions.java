package io.flipside.core.sql;

import java.util.ArrayList;
import java.util.List;
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

    /**
     * How definition {@code now} differs from {@code before} (both as {@link #withoutNameAndCounter} gives them), for
     * an operator: the lines only one of them has, without their indentation and trailing comma (a line added last
     * gives the one before it a comma); empty when equal.
     */
    public static String difference(String before, String now) {
        return difference(lines(before), lines(now), "the same lines in another order");
    }

    private static List<String> lines(String definition) {
        return definition.lines().map(l -> l.strip().replaceFirst(",$", "")).toList();
    }

    /**
     * The lines only {@code is} has ("now ...") and those only {@code was} has ("was ..."), joined with "; ";
     * {@code reordered} when they have the same lines in another order; empty when equal.
     */
    public static String difference(List<String> was, List<String> is, String reordered) {
        List<String> parts = new ArrayList<>();
        is.stream().filter(l -> !was.contains(l)).forEach(l -> parts.add("now " + l));
        was.stream().filter(l -> !is.contains(l)).forEach(l -> parts.add("was " + l));
        if (parts.isEmpty() && !was.equals(is)) {
            parts.add(reordered);
        }
        return String.join("; ", parts);
    }
}
