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
     * Whether a line of a definition (as {@code SHOW CREATE TABLE} prints it, stripped) defines one of the table's
     * partitions or subpartitions: {@code (PARTITION p0 VALUES LESS THAN (10) ENGINE = InnoDB,} and the like, but not
     * {@code PARTITION BY ...} or {@code PARTITIONS 4}, which give the partitioning itself.
     */
    private static final Pattern PARTITION_LINE = Pattern.compile("^\\(?(SUB)?PARTITION (?!BY )\\S+.*");

    /**
     * The definition without the lines that list its partitions: which partitions a table has is changed by jobs
     * that rotate them (and carried to the shadow table, {@code PartitionMaintenance}), not by a schema change;
     * how it is partitioned ({@code PARTITION BY}, {@code PARTITIONS n}) stays.
     */
    public static String withoutPartitionList(String definition) {
        return String.join("\n", definition.lines()
                .filter(l -> !PARTITION_LINE.matcher(l.strip()).matches()).toList());
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
     * {@code reordered} when they have the same lines in another order; empty when equal. Lines are compared as
     * {@link #acrossReleases} gives them: a migration outlives an upgrade of the server, which prints the same table
     * otherwise.
     */
    public static String difference(List<String> was, List<String> is, String reordered) {
        List<String> wasSame = was.stream().map(TableDefinitions::acrossReleases).toList();
        List<String> isSame = is.stream().map(TableDefinitions::acrossReleases).toList();
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < is.size(); i++) {
            if (!wasSame.contains(isSame.get(i))) {
                parts.add("now " + is.get(i));
            }
        }
        for (int i = 0; i < was.size(); i++) {
            if (!isSame.contains(wasSame.get(i))) {
                parts.add("was " + was.get(i));
            }
        }
        if (parts.isEmpty() && !wasSame.equals(isSame)) {
            parts.add(reordered);
        }
        return String.join("; ", parts);
    }

    private static final Pattern INTEGER_WIDTH = Pattern.compile(
            "\\b(tinyint|smallint|mediumint|int|bigint)\\(\\d+\\)", Pattern.CASE_INSENSITIVE);
    private static final Pattern YEAR_WIDTH = Pattern.compile("\\byear\\(4\\)", Pattern.CASE_INSENSITIVE);
    private static final Pattern UTF8 = Pattern.compile("\\butf8(?!mb)", Pattern.CASE_INSENSITIVE);

    /**
     * A line of a definition or a column's description as any MySQL 8.0 release gives it, for comparing: an integer
     * type's display width, which releases from 8.0.19 on no longer print unless with ZEROFILL (an {@code int(11)}
     * before is an {@code int} after), and YEAR's {@code (4)}, which they drop too, left out; {@code utf8} named
     * {@code utf8mb3}, as later 8.0 releases name it (the same character set). None of these changes what a column
     * stores. With ZEROFILL the width shows in every release, and is kept.
     */
    static String acrossReleases(String line) {
        String out = line;
        if (!out.toLowerCase(java.util.Locale.ROOT).contains("zerofill")) {
            out = INTEGER_WIDTH.matcher(out).replaceAll("$1");
        }
        out = YEAR_WIDTH.matcher(out).replaceAll("year");
        return UTF8.matcher(out).replaceAll("utf8mb3");
    }
}
