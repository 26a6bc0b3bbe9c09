package io.flipside.applier;

import io.flipside.schema.ChangeEvent;
import io.flipside.schema.ChangeOp;

/**
 * Where a change is in one MySQL server's binlog: the file (ordered by its numeric suffix), the position of its event,
 * its row within the event, and its part of that row's change. Changes of one server are published in this order, so
 * a change at or before the last one read is one the capture published again after a restart.
 *
 * <p>The part: MySQL logs an UPDATE of a row's primary key as one row, which Debezium publishes as a DELETE of the old
 * key followed by an INSERT of the new one, both with the row's coordinates. The INSERT is part 1, after the DELETE's
 * 0; any other change is alone at its coordinates. Taken for a re-publication, that INSERT was skipped and the row
 * under its new key never reached the other table.
 *
 * @param part 1 for an INSERT, 0 for any other change (a position recorded before the part was, 0)
 */
record BinlogPosition(String file, long fileIndex, long pos, int row, int part) {

    static BinlogPosition of(ChangeEvent ev) {
        return ev.getBinlogFile() == null ? null
                : of(ev.getBinlogFile(), ev.getBinlogPos(), ev.getRow(), ev.getOp() == ChangeOp.INSERT ? 1 : 0);
    }

    static BinlogPosition of(String file, Long pos, Integer row, Integer part) {
        if (file == null || pos == null) {
            return null;
        }
        int dot = file.lastIndexOf('.');
        long index;
        try {
            index = Long.parseLong(file.substring(dot + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        return new BinlogPosition(file, index, pos, row == null ? 0 : row, part == null ? 0 : part);
    }

    boolean isAfter(BinlogPosition other) {
        if (fileIndex != other.fileIndex) {
            return fileIndex > other.fileIndex;
        }
        if (pos != other.pos) {
            return pos > other.pos;
        }
        if (row != other.row) {
            return row > other.row;
        }
        return part > other.part;
    }
}
