package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.schema.ChangeEvent;
import io.flipside.schema.ChangeOp;
import org.junit.jupiter.api.Test;

class BinlogPositionTest {
    private static BinlogPosition at(String file, long pos, int row, ChangeOp op) {
        return BinlogPosition.of(ChangeEvent.newBuilder().setServer("mysql").setBinlogFile(file).setBinlogPos(pos)
                .setRow(row).setCommitMillis(0).setCapturedMillis(0).setOp(op).build());
    }

    @Test
    void theInsertOfAnUpdatedKeyComesAfterTheDeleteAtTheSameCoordinates() {
        BinlogPosition deleted = at("binlog.000003", 4711, 2, ChangeOp.DELETE);
        BinlogPosition inserted = at("binlog.000003", 4711, 2, ChangeOp.INSERT);
        assertTrue(inserted.isAfter(deleted), "the new key's INSERT is not a re-publication of the old key's DELETE");
        assertFalse(deleted.isAfter(inserted), "published again after both were read, the DELETE is recognised");
        assertFalse(inserted.isAfter(inserted), "and so is the INSERT");
    }

    @Test
    void changesRankByFileThenEventThenRow() {
        BinlogPosition update = at("binlog.000003", 4711, 2, ChangeOp.UPDATE);
        assertTrue(at("binlog.000003", 4711, 3, ChangeOp.DELETE).isAfter(update));
        assertFalse(at("binlog.000003", 4711, 1, ChangeOp.INSERT).isAfter(update), "an earlier row, whatever its part");
        assertTrue(at("binlog.000003", 4712, 0, ChangeOp.UPDATE).isAfter(update));
        assertTrue(at("binlog.000010", 4, 0, ChangeOp.UPDATE).isAfter(update), "file 10 after file 3");
        assertFalse(at("binlog.000002", 9999, 9, ChangeOp.INSERT).isAfter(update));
    }

    @Test
    void aPositionRecordedBeforeThePartWasIsPartZero() {
        BinlogPosition recorded = BinlogPosition.of("binlog.000003", 4711L, 2, null);
        assertEquals(0, recorded.part());
        assertTrue(at("binlog.000003", 4711, 2, ChangeOp.INSERT).isAfter(recorded),
                "the INSERT at those coordinates is applied again: a re-read of the row, never a lost one");
    }
}
