package io.flipside.core.ddl;

import io.flipside.core.ddl.SqlTokens.Kind;
import io.flipside.core.ddl.SqlTokens.Token;
import io.flipside.core.sql.TableName;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The clause list of one {@code ALTER TABLE}, checked for shape before anything reaches MySQL: exactly one statement,
 * for the migration's table, made only of clauses that change the table's definition. Whether the clauses are valid
 * is for MySQL to say when they are applied to the empty shadow table; this class only makes sure that what is applied
 * is an ALTER clause list and nothing else, and reads the column renames it states ({@code RENAME COLUMN a TO b},
 * {@code CHANGE a b ...}) for the column mapping.
 *
 * @param text    the clause list as the operator wrote it, without an {@code ALTER TABLE} prefix or trailing semicolon
 * @param renames old column name to new column name, in the order stated
 */
public record AlterClauses(String text, Map<String, String> renames) {

    private static final Set<String> CLAUSE_STARTS = Set.of(
            "ADD", "DROP", "MODIFY", "CHANGE", "RENAME", "ALTER", "CONVERT", "DEFAULT", "CHARACTER", "CHARSET",
            "COLLATE", "ENGINE", "COMMENT", "ROW_FORMAT", "AUTO_INCREMENT", "KEY_BLOCK_SIZE", "STATS_PERSISTENT",
            "STATS_AUTO_RECALC", "STATS_SAMPLE_PAGES", "PACK_KEYS", "CHECKSUM", "COMPRESSION", "ENCRYPTION", "FORCE",
            "ORDER", "AVG_ROW_LENGTH", "MAX_ROWS", "MIN_ROWS");

    private static final Set<String> PARTITIONING = Set.of(
            "PARTITION", "PARTITIONS", "DISCARD", "IMPORT", "TRUNCATE", "COALESCE", "REORGANIZE", "EXCHANGE",
            "ANALYZE", "CHECK", "OPTIMIZE", "REBUILD", "REPAIR", "REMOVE", "UPGRADE");

    public AlterClauses {
        renames = Collections.unmodifiableMap(new LinkedHashMap<>(renames));
    }

    /**
     * Checks {@code alter} as the clause list of an ALTER of {@code table}.
     *
     * @param alter the clauses ({@code DROP COLUMN title}), optionally prefixed by {@code ALTER TABLE <table>}
     * @throws InvalidAlterException naming what is wrong
     */
    public static AlterClauses parse(String alter, TableName table) {
        if (alter == null || alter.isBlank()) {
            throw new InvalidAlterException("the ALTER is empty: give the clauses to apply, e.g. \"DROP COLUMN title\"");
        }
        List<Token> tokens = SqlTokens.tokenize(alter);
        int end = tokens.size();
        String text = alter;
        // A single trailing semicolon is tolerated; any other is a second statement.
        if (end > 0 && tokens.get(end - 1).isSymbol(";")) {
            text = alter.substring(0, tokens.get(end - 1).position());
            end--;
        }
        for (int i = 0; i < end; i++) {
            if (tokens.get(i).isSymbol(";")) {
                throw new InvalidAlterException("only one statement is accepted, found a `;` at position "
                        + tokens.get(i).position());
            }
        }
        int start = 0;
        if (end > 0 && tokens.get(0).isWord("ALTER") && end > 1 && tokens.get(1).isWord("TABLE")) {
            start = skipTableName(tokens, 2, end, table);
            text = start < end ? text.substring(tokens.get(start).position()) : "";
        } else if (end > 0 && tokens.get(0).kind() == Kind.WORD && isStatementKeyword(tokens.get(0).upper())) {
            throw new InvalidAlterException("expected the clauses of an ALTER TABLE, got a "
                    + tokens.get(0).upper() + " statement");
        }
        if (start >= end) {
            throw new InvalidAlterException("the ALTER has no clauses: give the clauses to apply, e.g. \"DROP COLUMN title\"");
        }
        for (Token t : tokens.subList(start, end)) {
            if (t.kind() == Kind.QUOTED_IDENT && t.text().contains("`")) {
                throw new InvalidAlterException("the name at position " + t.position() + " has a backtick in it, which"
                        + " the capture's DDL parser (Debezium's) misreads in an ALTER: it stops on a RENAME, CHANGE or"
                        + " MODIFY of such a column, adds one under another name and ignores its DROP, so the table's"
                        + " changes would stop or be misread; Flipside does not accept such a name in an ALTER");
            }
        }
        Map<String, String> renames = new LinkedHashMap<>();
        for (List<Token> clause : splitClauses(tokens.subList(start, end))) {
            checkClause(clause, renames);
        }
        return new AlterClauses(text.strip(), renames);
    }

    private static boolean isStatementKeyword(String w) {
        return Set.of("SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "TRUNCATE", "GRANT", "REVOKE",
                "SET", "CALL", "LOAD", "UNLOCK", "USE", "SHOW", "HANDLER", "DO").contains(w);
    }

    private static int skipTableName(List<Token> tokens, int i, int end, TableName table) {
        if (i >= end || tokens.get(i).identifier() == null) {
            throw new InvalidAlterException("ALTER TABLE must name the table " + table);
        }
        String first = tokens.get(i).identifier();
        i++;
        String db = null;
        String name = first;
        if (i + 1 < end && tokens.get(i).isSymbol(".") && tokens.get(i + 1).identifier() != null) {
            db = first;
            name = tokens.get(i + 1).identifier();
            i += 2;
        }
        boolean sameDb = db == null || db.equals(table.database());
        if (!sameDb || !name.equals(table.table())) {
            throw new InvalidAlterException("the ALTER names table " + (db == null ? "" : db + ".") + name
                    + " but the migration is for " + table);
        }
        return i;
    }

    private static List<List<Token>> splitClauses(List<Token> tokens) {
        List<List<Token>> clauses = new ArrayList<>();
        List<Token> current = new ArrayList<>();
        int depth = 0;
        for (Token t : tokens) {
            if (t.isSymbol("(")) {
                depth++;
            } else if (t.isSymbol(")")) {
                depth--;
                if (depth < 0) {
                    throw new InvalidAlterException("unbalanced `)` at position " + t.position());
                }
            }
            if (depth == 0 && t.isSymbol(",")) {
                if (current.isEmpty()) {
                    throw new InvalidAlterException("empty clause before position " + t.position());
                }
                clauses.add(current);
                current = new ArrayList<>();
            } else {
                current.add(t);
            }
        }
        if (depth != 0) {
            throw new InvalidAlterException("unbalanced `(`");
        }
        if (current.isEmpty()) {
            throw new InvalidAlterException("the ALTER ends with a `,`");
        }
        clauses.add(current);
        return clauses;
    }

    private static void checkClause(List<Token> clause, Map<String, String> renames) {
        Token first = clause.get(0);
        if (first.kind() != Kind.WORD) {
            throw new InvalidAlterException("`" + first.text() + "` does not start an ALTER TABLE clause");
        }
        String word = first.upper();
        String second = clause.size() > 1 && clause.get(1).kind() == Kind.WORD ? clause.get(1).upper() : "";
        if (word.equals("ALGORITHM") || word.equals("LOCK")) {
            throw new InvalidAlterException(word + " is chosen by Flipside, which always copies into a shadow table;"
                    + " remove the " + word + " clause");
        }
        if ((word.equals("ADD") || word.equals("DROP")) && (second.equals("CHECK") || second.equals("CONSTRAINT")
                && clause.stream().anyMatch(t -> t.isWord("CHECK")))) {
            throw new InvalidAlterException("CHECK constraints are not a schema change Flipside performs (MySQL 8.0.15"
                    + " parses and ignores them; later versions name them per database, apart from the table)");
        }
        if (word.equals("PARTITION") && second.equals("BY") || word.equals("REMOVE") && second.equals("PARTITIONING")) {
            // The table's partitioning, a part of its definition like any other (MySQL takes it last, after the
            // other clauses without a comma); the partitions' maintenance below works on their rows instead.
            return;
        }
        if (PARTITIONING.contains(word) || ((word.equals("ADD") || word.equals("DROP")) && PARTITIONING.contains(second))) {
            throw new InvalidAlterException("partition and tablespace maintenance (" + word
                    + (second.isEmpty() ? "" : " " + second) + ") is not a schema change Flipside performs");
        }
        if (word.equals("WITH") || word.equals("WITHOUT") || word.equals("ENABLE") || word.equals("DISABLE")) {
            throw new InvalidAlterException(word + " " + second + " is not a schema change Flipside performs");
        }
        if (!CLAUSE_STARTS.contains(word)) {
            throw new InvalidAlterException("`" + first.text() + "` does not start an ALTER TABLE clause");
        }
        if ((word.equals("ADD") && (second.equals("FOREIGN") || hasForeignKey(clause)))) {
            throw new InvalidAlterException("adding a FOREIGN KEY is not supported: foreign keys pin the table by name,"
                    + " so the cut-over's rename would leave them pointing at the old table");
        }
        switch (word) {
            case "RENAME" -> readRename(clause, renames);
            case "CHANGE" -> readChange(clause, renames);
            default -> { }
        }
    }

    private static boolean hasForeignKey(List<Token> clause) {
        for (int i = 0; i + 1 < clause.size(); i++) {
            if (clause.get(i).isWord("FOREIGN") && clause.get(i + 1).isWord("KEY")) {
                return true;
            }
            if (clause.get(i).isWord("REFERENCES")) {
                return true;
            }
        }
        return false;
    }

    /** RENAME COLUMN a TO b | RENAME INDEX/KEY a TO b; RENAME [TO|AS] t renames the table and is refused. */
    private static void readRename(List<Token> clause, Map<String, String> renames) {
        String second = clause.size() > 1 ? clause.get(1).upper() : "";
        if (second.equals("INDEX") || second.equals("KEY")) {
            return;
        }
        if (!second.equals("COLUMN")) {
            throw new InvalidAlterException("renaming the table is not a schema change Flipside performs;"
                    + " use RENAME TABLE after the migration completes");
        }
        if (clause.size() != 5 || !clause.get(3).isWord("TO")
                || clause.get(2).identifier() == null || clause.get(4).identifier() == null) {
            throw new InvalidAlterException("expected RENAME COLUMN old_name TO new_name");
        }
        put(renames, clause.get(2).identifier(), clause.get(4).identifier());
    }

    /** CHANGE [COLUMN] old_name new_name definition... */
    private static void readChange(List<Token> clause, Map<String, String> renames) {
        int i = 1;
        if (clause.size() > i && clause.get(i).isWord("COLUMN")) {
            i++;
        }
        if (clause.size() < i + 3 || clause.get(i).identifier() == null || clause.get(i + 1).identifier() == null) {
            throw new InvalidAlterException("expected CHANGE [COLUMN] old_name new_name column_definition");
        }
        String from = clause.get(i).identifier();
        String to = clause.get(i + 1).identifier();
        if (!from.equalsIgnoreCase(to)) {
            put(renames, from, to);
        }
    }

    private static void put(Map<String, String> renames, String from, String to) {
        for (String existing : renames.keySet()) {
            if (existing.equalsIgnoreCase(from)) {
                throw new InvalidAlterException("column " + from + " is renamed twice");
            }
        }
        renames.put(from, to);
    }

    /**
     * Whether the clauses change the table's partitioning ({@code PARTITION BY}, {@code REMOVE PARTITIONING}): then
     * the shadow table's partitions are not the table's, and maintenance of the table's cannot be carried to it.
     */
    public boolean repartitions() {
        // Anywhere: MySQL takes the partitioning after the last clause without a comma.
        List<Token> t = SqlTokens.tokenize(text);
        for (int i = 0; i + 1 < t.size(); i++) {
            if (t.get(i).isWord("PARTITION") && t.get(i + 1).isWord("BY")
                    || t.get(i).isWord("REMOVE") && t.get(i + 1).isWord("PARTITIONING")) {
                return true;
            }
        }
        return false;
    }

    /** The renames, looked up without regard to case (MySQL column names are case-insensitive). */
    public String renamedTo(String oldColumn) {
        for (Map.Entry<String, String> e : renames.entrySet()) {
            if (e.getKey().equalsIgnoreCase(oldColumn)) {
                return e.getValue();
            }
        }
        return null;
    }
}
