package io.flipside.core.sql;

/**
 * A table named by database and table, as an operator writes it: {@code app.users}. Names may be written with
 * backticks ({@code `my app`.`users`}).
 */
public record TableName(String database, String table) {

    public TableName {
        check(database, "database");
        check(table, "table");
    }

    /**
     * Parses {@code DATABASE.TABLE}.
     *
     * @throws IllegalArgumentException with a message for the operator when the text is not of that form
     */
    public static TableName parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a table is required, as DATABASE.TABLE");
        }
        String s = text.trim();
        String[] parts = splitQualified(s);
        if (parts == null) {
            throw new IllegalArgumentException("table must be written DATABASE.TABLE, got: " + text);
        }
        return new TableName(parts[0], parts[1]);
    }

    private static String[] splitQualified(String s) {
        int i = 0;
        String[] out = new String[2];
        for (int part = 0; part < 2; part++) {
            StringBuilder name = new StringBuilder();
            if (i < s.length() && s.charAt(i) == '`') {
                i++;
                while (true) {
                    if (i >= s.length()) {
                        return null;
                    }
                    char c = s.charAt(i++);
                    if (c == '`') {
                        if (i < s.length() && s.charAt(i) == '`') {
                            name.append('`');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        name.append(c);
                    }
                }
            } else {
                while (i < s.length() && s.charAt(i) != '.') {
                    char c = s.charAt(i++);
                    if (!bare(c)) {
                        return null;
                    }
                    name.append(c);
                }
            }
            out[part] = name.toString();
            if (part == 0) {
                if (i >= s.length() || s.charAt(i) != '.') {
                    return null;
                }
                i++;
            }
        }
        return i == s.length() && !out[0].isEmpty() && !out[1].isEmpty() ? out : null;
    }

    private static void check(String name, String what) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("the " + what + " name is empty");
        }
        if (name.length() > Sql.MAX_IDENTIFIER_LENGTH) {
            throw new IllegalArgumentException("the " + what + " name is longer than 64 characters: " + name);
        }
        if (name.chars().anyMatch(c -> c < 0x20)) {
            throw new IllegalArgumentException("the " + what + " name contains a control character");
        }
    }

    /** {@code `db`.`table`} */
    public String quoted() {
        return Sql.qualified(database, table);
    }

    /** The same database, another table. */
    public TableName sibling(String otherTable) {
        return new TableName(database, otherTable);
    }

    /**
     * {@code app.users}, or with backticks around a name {@link #parse} would not read bare
     * ({@code `my app`.`us.ers`}): what a migration's state keeps, so that the applier reads the same table back.
     */
    @Override
    public String toString() {
        return written(database) + "." + written(table);
    }

    private static String written(String name) {
        return name.chars().allMatch(TableName::bare) ? name : Sql.ident(name);
    }

    /** A character {@link #parse} reads in a name written without backticks. */
    private static boolean bare(int c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
