package io.flipside.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CpuProfileTest {
    @Test
    void linuxNamesOfTheJvmsOwnThreadsAreSortedIntoJitGcAndTheRest() {
        assertEquals(CpuProfile.JIT_THREADS, CpuProfile.vmKind("C2 CompilerThre"));
        assertEquals(CpuProfile.JIT_THREADS, CpuProfile.vmKind("C1 CompilerThre"));
        assertEquals(CpuProfile.GC_THREADS, CpuProfile.vmKind("GC Thread#1"));
        assertEquals(CpuProfile.GC_THREADS, CpuProfile.vmKind("G1 Conc#0"));
        assertEquals(CpuProfile.GC_THREADS, CpuProfile.vmKind("G1 Refine#0"));
        assertEquals("", CpuProfile.vmKind("VM Thread"));
        assertEquals("", CpuProfile.vmKind("blc-127.0.0.1:"));
    }

    @Test
    void groupsFoldNumbersAndIdsSoThatThreadsOfOneKindAddUp() {
        assertEquals(CpuProfile.group("flipside-copy-1a2b3c4d"), CpuProfile.group("flipside-copy-9f8e7d6c"));
        assertEquals("data-plane-kafka-request-handler-#", CpuProfile.group("data-plane-kafka-request-handler-1"));
    }

    @Test
    void mysqldThreadsAreSortedIntoTheBinlogDumpConnectionsAndTheirBackgroundKinds() {
        assertEquals(CpuProfile.BINLOG_DUMP, CpuProfile.mysqldGroup("thread/sql/one_connection", "Binlog Dump GTID"));
        assertEquals(CpuProfile.CONNECTIONS, CpuProfile.mysqldGroup("thread/sql/one_connection", "Query"));
        assertEquals(CpuProfile.CONNECTIONS, CpuProfile.mysqldGroup("thread/sql/one_connection", "Sleep"));
        assertEquals("innodb/io_write_thread", CpuProfile.mysqldGroup("thread/innodb/io_write_thread", null));
        assertEquals("innodb/log_writer_thread", CpuProfile.mysqldGroup("thread/innodb/log_writer_thread", null));
    }
}
