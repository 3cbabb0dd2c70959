package io.pinlab.kernel.mm;

import io.pinlab.kernel.Lab;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static io.pinlab.kernel.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/** ARCHITECTURE.md: "cost grows with what is touched, not with what is mapped". */
class HeapProbeTest {
    /** Live heap after full GCs; the smallest of a few readings, so that stray allocations of other threads do not count. */
    static long heapUsedAfterGc() {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            min = Math.min(min, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return min;
    }

    @Test void untouchedGibibyteCostsAlmostNothing() {
        Lab lab = new Lab();
        long heapBefore = heapUsedAfterGc();
        long a = lab.anon(1L << 30, RW);
        long heapAfter = heapUsedAfterGc();
        System.out.printf("mmap 1 GiB untouched: heap after GC +%d bytes%n", heapAfter - heapBefore);
        assertTrue(heapAfter - heapBefore < 64 * 1024, "retained heap delta " + (heapAfter - heapBefore));
        assertNotNull(lab.t.mm.vmaLookup(a));
        // touching costs per page: 1 MiB touched
        assertTrue(lab.write(lab.t, a, 1 << 20, 1).ok());
    }
}
