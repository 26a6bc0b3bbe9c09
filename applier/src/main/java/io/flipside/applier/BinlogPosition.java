package io.flipside.applier;

import io.flipside.schema.ChangeEvent;

/**
 * Where a change is in one MySQL server's binlog: the file (ordered by its numeric suffix), the position of its event
 * and its row within the event. Changes of one server are published in this order, so a change at or before the last
 * one read is one the capture published again after a restart.
 */
record BinlogPosition(String file, long fileIndex, long pos, int row) {

    static BinlogPosition of(ChangeEvent ev) {
        return ev.getBinlogFile() == null ? null : of(ev.getBinlogFile(), ev.getBinlogPos(), ev.getRow());
    }

    static BinlogPosition of(String file, Long pos, Integer row) {
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
        return new BinlogPosition(file, index, pos, row == null ? 0 : row);
    }

    boolean isAfter(BinlogPosition other) {
        if (fileIndex != other.fileIndex) {
            return fileIndex > other.fileIndex;
        }
        if (pos != other.pos) {
            return pos > other.pos;
        }
        return row > other.row;
    }
}
