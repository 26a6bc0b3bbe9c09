package io.flipside.core.ddl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flipside.core.sql.TableName;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RowRemovalTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "TRUNCATE TABLE t|TRUNCATE",
        "/* a comment */ truncate t|TRUNCATE",
        "ALTER TABLE t TRUNCATE PARTITION p0|TRUNCATE PARTITION",
        "alter table `app`.`t` truncate partition all|TRUNCATE PARTITION",
        "ALTER TABLE t DROP PARTITION p0, p1|DROP PARTITION",
        "ALTER TABLE t DISCARD TABLESPACE|DISCARD TABLESPACE",
        "ALTER TABLE t IMPORT PARTITION p0 TABLESPACE|IMPORT TABLESPACE",
        "ALTER TABLE t /*!50100 TRUNCATE PARTITION p0 */|TRUNCATE PARTITION",
        "ALTER TABLE t EXCHANGE PARTITION p0 WITH TABLE x|EXCHANGE PARTITION",
    })
    void statementsThatRemoveRowsWithoutRowEvents(String ddl, String what) {
        assertEquals(Optional.of(what), RowRemoval.of(ddl, "app").map(RowRemoval::what), ddl);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "ALTER TABLE t ADD PARTITION (PARTITION p3 VALUES LESS THAN (30))",
        "ALTER TABLE t REORGANIZE PARTITION p0 INTO (PARTITION a VALUES LESS THAN (5), PARTITION b VALUES LESS THAN (10))",
        "ALTER TABLE t COALESCE PARTITION 2",
        "ALTER TABLE t REMOVE PARTITIONING",
        "ALTER TABLE t REBUILD PARTITION p0",
        "ALTER TABLE t ADD COLUMN discard INT, PARTITION BY HASH (id) PARTITIONS 4",
        "ALTER TABLE t DROP COLUMN `partition`",
        "ALTER TABLE t COMMENT 'truncate partition p0 nightly'",
        "DROP TABLE t",
        "CREATE TABLE truncate_log (id INT)",
        "ALTER TABLE t ADD COLUMN /* drop partition later */ n INT",
        "ALTER TABLE t ADD COLUMN 'unterminated",
    })
    void otherStatementsDoNot(String ddl) {
        assertEquals(Optional.empty(), RowRemoval.of(ddl, "app"), ddl);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ALTER TABLE t EXCHANGE PARTITION p0 WITH TABLE x|app.x",
        "ALTER TABLE t EXCHANGE PARTITION p0 WITH TABLE other.x WITHOUT VALIDATION|other.x",
        "ALTER TABLE t EXCHANGE PARTITION p0 WITH TABLE `my db`.`x.y`|`my db`.`x.y`",
    })
    void anExchangeNamesTheOtherTable(String ddl, String table) {
        assertEquals(Optional.of(TableName.parse(table)), RowRemoval.of(ddl, "app").flatMap(RowRemoval::exchangedWith));
    }
}
