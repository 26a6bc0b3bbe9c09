package io.flipside.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Old journals stay readable: every record this build reads can read what each released version wrote. The released
 * schemas are kept beside {@link ReleasedSchemas} (and registered by every reader); a change that breaks this test
 * breaks every journal, changelog and control topic written before it. (When a version is released, add its .avsc
 * files there and its number to versions.txt.)
 */
class SchemaCompatibilityTest {
    static final Map<String, Schema> CURRENT = Map.of(
            "Command", Command.SCHEMA$,
            "JournalEvent", JournalEvent.SCHEMA$,
            "MigrationState", MigrationState.SCHEMA$,
            "ChangeEvent", ChangeEvent.SCHEMA$);

    static List<String> versions() {
        return ReleasedSchemas.versions();
    }

    @Test
    void everyTopLevelRecordIsChecked() {
        assertEquals(Map.copyOf(CURRENT).keySet(), java.util.Set.copyOf(ReleasedSchemas.RECORDS));
        assertFalse(versions().isEmpty());
    }

    @ParameterizedTest
    @MethodSource("versions")
    void thisBuildReadsWhatEveryReleasedVersionWrote(String version) {
        Map<String, Schema> old = ReleasedSchemas.of(version);
        for (Map.Entry<String, Schema> e : CURRENT.entrySet()) {
            SchemaCompatibility.SchemaPairCompatibility c =
                    SchemaCompatibility.checkReaderWriterCompatibility(e.getValue(), old.get(e.getKey()));
            assertEquals(SchemaCompatibilityType.COMPATIBLE, c.getType(),
                    e.getKey() + " cannot read version " + version + ": " + c.getResult().getIncompatibilities());
        }
    }

    @ParameterizedTest
    @MethodSource("versions")
    void theCheckSeesABreakingChange(String version) {
        // Renaming a field without an alias or default is the kind of change that must fail.
        Schema old = ReleasedSchemas.of(version).get("Command");
        Schema broken = new Schema.Parser().parse(old.toString().replace("\"requestId\"", "\"requestUuid\""));
        assertTrue(SchemaCompatibility.checkReaderWriterCompatibility(broken, old).getType()
                == SchemaCompatibilityType.INCOMPATIBLE);
    }
}
