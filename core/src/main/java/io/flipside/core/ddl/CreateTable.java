package io.flipside.core.ddl;

import io.flipside.core.ddl.SqlTokens.Token;
import io.flipside.core.sql.TableName;
import java.util.List;

/**
 * The {@code CREATE TABLE} statement of a CREATE migration, checked for shape before anything reaches MySQL: exactly
 * one statement, creating the migration's table, with a definition (a column list or {@code LIKE}) and no
 * {@code SELECT}. The applier creates the table under its shadow name first (MySQL judges the definition), and the
 * cut-over renames it into place, so the operator's name for the table is replaced, never spliced.
 *
 * @param definition the statement after the table's name: {@code (id INT PRIMARY KEY, ...) ENGINE=InnoDB}
 */
public record CreateTable(String definition) {

    /**
     * @param sql   {@code CREATE TABLE [IF NOT EXISTS] [db.]name ...}
     * @param table the migration's table, which the statement must name
     * @throws InvalidAlterException naming what is wrong
     */
    public static CreateTable parse(String sql, TableName table) {
        if (sql == null || sql.isBlank()) {
            throw new InvalidAlterException("the CREATE TABLE statement is empty");
        }
        List<Token> tokens = SqlTokens.tokenize(sql);
        int end = tokens.size();
        if (end > 0 && tokens.get(end - 1).isSymbol(";")) {
            end--;
        }
        int depth = 0;
        for (int i = 0; i < end; i++) {
            Token t = tokens.get(i);
            if (t.isSymbol(";")) {
                throw new InvalidAlterException("only one statement is accepted, found a `;` at position " + t.position());
            }
            depth += t.isSymbol("(") ? 1 : t.isSymbol(")") ? -1 : 0;
            if (depth == 0 && t.isWord("SELECT")) {
                throw new InvalidAlterException("CREATE TABLE ... SELECT is not supported: create the table, then"
                        + " fill it");
            }
        }
        if (end < 3 || !tokens.get(0).isWord("CREATE")) {
            throw new InvalidAlterException("expected a CREATE TABLE statement");
        }
        if (tokens.get(1).isWord("TEMPORARY")) {
            throw new InvalidAlterException("a temporary table is not a schema change Flipside performs");
        }
        if (!tokens.get(1).isWord("TABLE")) {
            throw new InvalidAlterException("expected a CREATE TABLE statement, got CREATE " + tokens.get(1).text());
        }
        int i = 2;
        if (i + 2 < end && tokens.get(i).isWord("IF") && tokens.get(i + 1).isWord("NOT")
                && tokens.get(i + 2).isWord("EXISTS")) {
            i += 3;
        }
        if (i >= end || tokens.get(i).identifier() == null) {
            throw new InvalidAlterException("CREATE TABLE must name the table " + table);
        }
        String db = null;
        String name = tokens.get(i).identifier();
        i++;
        if (i + 1 < end && tokens.get(i).isSymbol(".") && tokens.get(i + 1).identifier() != null) {
            db = name;
            name = tokens.get(i + 1).identifier();
            i += 2;
        }
        if ((db != null && !db.equals(table.database())) || !name.equals(table.table())) {
            throw new InvalidAlterException("the statement creates " + (db == null ? "" : db + ".") + name
                    + " but the migration is for " + table);
        }
        if (i >= end || !(tokens.get(i).isSymbol("(") || tokens.get(i).isWord("LIKE"))) {
            throw new InvalidAlterException("CREATE TABLE needs a column list or LIKE");
        }
        String body = sql.substring(tokens.get(i).position());
        if (end < tokens.size()) {
            body = sql.substring(tokens.get(i).position(), tokens.get(end).position());
        }
        return new CreateTable(body.strip());
    }

    /** The statement that creates the table as {@code target}. */
    public String statementFor(TableName target) {
        return "CREATE TABLE " + target.quoted() + " " + definition;
    }
}
