package io.flipside.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Old journals stay readable: every record this build reads can read what each released version wrote. The released
 * schemas are kept in {@code src/test/resources/released/<version>/}; a change that breaks this test breaks every
 * journal, changelog and control topic written before it. (When a version is released, add its .avsc files there.)
 */
class SchemaCompatibilityTest {
    static final List<String> COMMON = List.of("MigrationStatus", "ColumnValue", "Key", "ChecksumVerdict", "ColumnPair");
    static final Map<String, Schema> CURRENT = Map.of(
            "Command", Command.SCHEMA$,
            "JournalEvent", JournalEvent.SCHEMA$,
            "MigrationState", MigrationState.SCHEMA$,
            "ChangeEvent", ChangeEvent.SCHEMA$);

    static Map<String, Schema> released(String version) throws IOException {
        Schema.Parser parser = new Schema.Parser();
        for (String common : COMMON) {
            parse(parser, "/released/" + version + "/common/" + common + ".avsc");
        }
        Map<String, Schema> out = new java.util.HashMap<>();
        for (String name : CURRENT.keySet()) {
            out.put(name, parse(parser, "/released/" + version + "/" + name + ".avsc"));
        }
        return out;
    }

    private static Schema parse(Schema.Parser parser, String resource) throws IOException {
        try (InputStream in = SchemaCompatibilityTest.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing " + resource);
            }
            return parser.parse(in);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1"})
    void thisBuildReadsWhatEveryReleasedVersionWrote(String version) throws IOException {
        Map<String, Schema> old = released(version);
        for (Map.Entry<String, Schema> e : CURRENT.entrySet()) {
            SchemaCompatibility.SchemaPairCompatibility c =
                    SchemaCompatibility.checkReaderWriterCompatibility(e.getValue(), old.get(e.getKey()));
            assertEquals(SchemaCompatibilityType.COMPATIBLE, c.getType(),
                    e.getKey() + " cannot read version " + version + ": " + c.getResult().getIncompatibilities());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1"})
    void theCheckSeesABreakingChange(String version) throws IOException {
        // Renaming a field without an alias or default is the kind of change that must fail.
        Schema old = released(version).get("Command");
        Schema broken = new Schema.Parser().parse(old.toString().replace("\"requestId\"", "\"requestUuid\""));
        assertTrue(SchemaCompatibility.checkReaderWriterCompatibility(broken, old).getType()
                == SchemaCompatibilityType.INCOMPATIBLE);
    }
}
