package io.flipside.cli.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where MySQL's time went during a phase, by statement: the difference of {@code
 * performance_schema.events_statements_summary_by_digest} between the start and the end (nothing is truncated, so
 * other users of the table are not disturbed). Empty when the Performance Schema is off or not readable.
 */
final class StatementProfile {
    private record Row(String text, long count, long picos, long rowsExamined, long rowsAffected) {}

    private final WriteLoad.Connector connector;
    private final Map<String, Row> start;

    StatementProfile(WriteLoad.Connector connector) {
        this.connector = connector;
        this.start = read();
    }

    private Map<String, Row> read() {
        Map<String, Row> out = new HashMap<>();
        try (Connection c = connector.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT IFNULL(SCHEMA_NAME, ''), DIGEST, DIGEST_TEXT, COUNT_STAR,"
                        + " SUM_TIMER_WAIT, SUM_ROWS_EXAMINED, SUM_ROWS_AFFECTED"
                        + " FROM performance_schema.events_statements_summary_by_digest")) {
            while (rs.next()) {
                out.put(rs.getString(1) + "/" + rs.getString(2), new Row(rs.getString(3), rs.getLong(4), rs.getLong(5),
                        rs.getLong(6), rs.getLong(7)));
            }
        } catch (SQLException e) {
            // no Performance Schema: no profile
        }
        return out;
    }

    /** The statements that took the most time since the start, at most {@code limit}, one line each. */
    List<String> top(int limit) {
        Map<String, Row> end = read();
        List<Row> delta = new ArrayList<>();
        for (Map.Entry<String, Row> e : end.entrySet()) {
            Row b = start.get(e.getKey());
            Row a = e.getValue();
            Row d = b == null ? a : new Row(a.text(), a.count() - b.count(), a.picos() - b.picos(),
                    a.rowsExamined() - b.rowsExamined(), a.rowsAffected() - b.rowsAffected());
            if (d.count() > 0 && d.picos() > 0) {
                delta.add(d);
            }
        }
        delta.sort((x, y) -> Long.compare(y.picos(), x.picos()));
        List<String> lines = new ArrayList<>();
        for (Row r : delta.subList(0, Math.min(limit, delta.size()))) {
            String text = r.text() == null ? "?" : r.text().replaceAll("\\s+", " ");
            text = text.replaceAll("`[^`]+` \\. ", "").replace("`", "").replace(" , ", ", ").replace("( ", "(")
                    .replace(" )", ")").replaceAll("(\\?, ){3,}\\??", "?, ...");
            if (text.length() > 110) {
                text = text.substring(0, 110) + "...";
            }
            lines.add(String.format(Locale.ROOT, "%.1f s in %,d calls (%,d rows examined, %,d affected): %s",
                    r.picos() / 1e12, r.count(), r.rowsExamined(), r.rowsAffected(), text));
        }
        return lines;
    }
}
