package io.flipside.core.ddl;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits MySQL text into tokens, only as far as needed to see the structure of an ALTER clause list: where strings,
 * quoted identifiers and comments begin and end, where the top-level commas and semicolons are. It does not parse SQL;
 * MySQL itself decides whether the clauses are valid when they are applied to the empty shadow table.
 */
final class SqlTokens {

    enum Kind { WORD, QUOTED_IDENT, STRING, NUMBER, SYMBOL }

    record Token(Kind kind, String text, int position) {
        /** The word in upper case, or the unquoted identifier. */
        String upper() {
            return text.toUpperCase(Locale.ROOT);
        }

        boolean isWord(String w) {
            return kind == Kind.WORD && text.equalsIgnoreCase(w);
        }

        boolean isSymbol(String s) {
            return kind == Kind.SYMBOL && text.equals(s);
        }

        /** The name this token stands for, if it can be an identifier. */
        String identifier() {
            return switch (kind) {
                case WORD -> text;
                case QUOTED_IDENT -> text;
                default -> null;
            };
        }
    }

    private SqlTokens() {}

    /**
     * @throws InvalidAlterException for an unterminated string, identifier or comment, and for executable comments
     *     ({@code /*!...}), which MySQL would run but nobody reviewing the command would read as code
     */
    static List<Token> tokenize(String sql) {
        return tokenize(sql, false);
    }

    /**
     * As {@link #tokenize(String)}, but for a statement MySQL ran (read from the binlog): the text of an executable
     * comment ({@code /*!50100 ... *}{@code /}) is tokenized as MySQL ran it, and an optimizer hint is a comment.
     */
    static List<Token> tokenizeAsRun(String sql) {
        return tokenize(sql, true);
    }

    private static List<Token> tokenize(String sql, boolean asRun) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#' || (c == '-' && i + 2 <= n && sql.startsWith("--", i)
                    && (i + 2 == n || Character.isWhitespace(sql.charAt(i + 2))))) {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (asRun && sql.startsWith("/*!", i)) {
                // The comment's text is code to MySQL: read on from after its version number; its closing */
                // becomes two symbols.
                i += 3;
                while (i < n && Character.isDigit(sql.charAt(i))) {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                if (!asRun && i + 2 < n && (sql.charAt(i + 2) == '!' || sql.charAt(i + 2) == '+')) {
                    throw new InvalidAlterException("executable comments (/*! ... */ and /*+ ... */) are not accepted");
                }
                int end = sql.indexOf("*/", i + 2);
                if (end < 0) {
                    throw new InvalidAlterException("unterminated comment at position " + i);
                }
                i = end + 2;
            } else if (c == '`') {
                int start = i;
                StringBuilder name = new StringBuilder();
                i++;
                while (true) {
                    if (i >= n) {
                        throw new InvalidAlterException("unterminated quoted identifier at position " + start);
                    }
                    char d = sql.charAt(i++);
                    if (d == '`') {
                        if (i < n && sql.charAt(i) == '`') {
                            name.append('`');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        name.append(d);
                    }
                }
                out.add(new Token(Kind.QUOTED_IDENT, name.toString(), start));
            } else if (c == '\'' || c == '"') {
                int start = i;
                i++;
                while (true) {
                    if (i >= n) {
                        throw new InvalidAlterException("unterminated string at position " + start);
                    }
                    char d = sql.charAt(i++);
                    if (d == '\\') {
                        i++;
                    } else if (d == c) {
                        if (i < n && sql.charAt(i) == c) {
                            i++;
                        } else {
                            break;
                        }
                    }
                }
                out.add(new Token(Kind.STRING, sql.substring(start, i), start));
            } else if (Character.isDigit(c)) {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '.')) {
                    i++;
                }
                out.add(new Token(Kind.NUMBER, sql.substring(start, i), start));
            } else if (Character.isLetter(c) || c == '_' || c == '$' || c > 0x7f) {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_'
                        || sql.charAt(i) == '$' || sql.charAt(i) > 0x7f)) {
                    i++;
                }
                out.add(new Token(Kind.WORD, sql.substring(start, i), start));
            } else {
                out.add(new Token(Kind.SYMBOL, String.valueOf(c), i));
                i++;
            }
        }
        return out;
    }
}
