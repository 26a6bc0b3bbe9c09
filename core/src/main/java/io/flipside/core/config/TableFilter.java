package io.flipside.core.config;

import io.flipside.core.sql.TableName;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Tables named by a comma-separated list of regular expressions, each matched against a table's whole {@code
 * database.table} name, ignoring case: the form of Debezium's {@code table.exclude.list}, which the capture is given
 * as it is. The applier matches with the same patterns, ignoring case whether or not Debezium does, so that it may
 * refuse more tables than the capture leaves out, never fewer. A pattern may not contain a comma (the list is split
 * on every comma); an empty list names no table.
 */
public record TableFilter(List<Pattern> patterns) {

    public static final TableFilter NONE = new TableFilter(List.of());

    /**
     * The header of every marker record the capture publishes: the text of its own filter (empty when it leaves no
     * table out), so that the applier knows what that capture actually published, whatever its own configuration says.
     */
    public static final String MARKER_HEADER = "capture.exclude.tables";

    public TableFilter {
        patterns = List.copyOf(patterns);
    }

    /** The patterns as a comma-separated list: what the capture gives Debezium. */
    public String text() {
        return String.join(",", patterns.stream().map(Pattern::pattern).toList());
    }

    /** Parses {@code text}; throws IllegalArgumentException naming the pattern that is not a regular expression. */
    public static TableFilter parse(String key, String text) {
        List<String> parts = Arrays.stream(text.split(",")).map(String::strip).filter(p -> !p.isEmpty()).toList();
        if (parts.isEmpty()) {
            return NONE;
        }
        List<Pattern> patterns = parts.stream().map(p -> {
            try {
                return Pattern.compile(p, Pattern.CASE_INSENSITIVE);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(key + ": '" + p + "' is not a regular expression (patterns are"
                        + " separated by commas and may not contain one): " + e.getDescription());
            }
        }).toList();
        return new TableFilter(patterns);
    }

    public boolean isEmpty() {
        return patterns.isEmpty();
    }

    /** Whether one of the patterns matches the whole {@code database.table}. */
    public boolean matches(TableName t) {
        String name = t.database() + "." + t.table();
        return patterns.stream().anyMatch(p -> p.matcher(name).matches());
    }

    @Override
    public String toString() {
        return text();
    }
}
