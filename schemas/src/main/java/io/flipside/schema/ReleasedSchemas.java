package io.flipside.schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * The schemas of every released version (kept under {@code released/<version>/} beside this class, listed in
 * {@code released/versions.txt}): what records written by an earlier build were written with. Readers register them
 * so that old journals, states and commands stay readable; the compatibility test checks that they can be.
 */
public final class ReleasedSchemas {
    /** Named types the top-level records refer to, parsed first. */
    public static final List<String> COMMON = List.of("MigrationStatus", "ColumnValue", "Key", "ChecksumVerdict",
            "ColumnPair");
    /** The top-level records written to topics. */
    public static final List<String> RECORDS = List.of("Command", "JournalEvent", "MigrationState", "ChangeEvent");

    private ReleasedSchemas() {}

    public static List<String> versions() {
        String text = resource("released/versions.txt");
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /** The top-level records of one released version, by simple name. */
    public static Map<String, Schema> of(String version) {
        Schema.Parser parser = new Schema.Parser();
        for (String common : COMMON) {
            parser.parse(resource("released/" + version + "/common/" + common + ".avsc"));
        }
        Map<String, Schema> out = new LinkedHashMap<>();
        for (String name : RECORDS) {
            out.put(name, parser.parse(resource("released/" + version + "/" + name + ".avsc")));
        }
        return out;
    }

    /** Every released version's schema of the record named {@code simpleName}, oldest first. */
    public static List<Schema> all(String simpleName) {
        List<Schema> out = new ArrayList<>();
        for (String v : versions()) {
            Schema s = of(v).get(simpleName);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    private static String resource(String name) {
        try (InputStream in = ReleasedSchemas.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name + " beside " + ReleasedSchemas.class);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
