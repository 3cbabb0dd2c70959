package io.pinlab.kernel.mm;

import io.pinlab.kernel.Lab;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.lang.management.ManagementFactory;

import static io.pinlab.kernel.Lab.*;
import static org.junit.jupiter.api.Assertions.*;

/** ARCHITECTURE.md: "cost grows with what is touched, not with what is mapped". */
class HeapProbeTest {
    static long serialisedSize(Object o) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bos)) { out.writeObject(o); }
        return bos.size();
    }

    /** Live heap after full GCs; the smallest of a few readings, so that stray allocations of other threads do not count. */
    static long heapUsedAfterGc() {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            min = Math.min(min, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return min;
    }

    @Test void untouchedGibibyteCostsAlmostNothing() throws IOException {
        Lab lab = new Lab();
        long before = serialisedSize(lab.k);
        long heapBefore = heapUsedAfterGc();
        long a = lab.anon(1L << 30, RW);
        long heapAfter = heapUsedAfterGc();
        long after = serialisedSize(lab.k);
        System.out.printf("mmap 1 GiB untouched: serialised Kernel %d -> %d bytes (+%d); heap after GC +%d bytes%n",
                before, after, after - before, heapAfter - heapBefore);
        assertTrue(after - before < 64 * 1024, "serialised delta " + (after - before));
        assertTrue(heapAfter - heapBefore < 64 * 1024, "retained heap delta " + (heapAfter - heapBefore));
        assertNotNull(lab.t.mm.vmaLookup(a));
        // touching costs per page: 1 MiB touched
        assertTrue(lab.write(lab.t, a, 1 << 20, 1).ok());
        long touched = serialisedSize(lab.k);
        System.out.printf("after touching 256 pages: serialised Kernel %d bytes (+%d, %.1f bytes/page)%n",
                touched, touched - after, (touched - after) / 256.0);
    }
}
