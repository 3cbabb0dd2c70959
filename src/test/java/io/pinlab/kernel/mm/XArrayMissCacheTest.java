package io.pinlab.kernel.mm;

import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;

/** The leaf cache remembers a missing leaf; stores and erases must not see stale misses. */
class XArrayMissCacheTest {
    @Test
    void missThenStoreInTheSameLeaf() {
        XArray x = new XArray(io.pinlab.kernel.mm.MemCg.unlimited());
        assertEquals(0, x.get(5));
        x.set(7, 70);
        assertEquals(70, x.get(7));
        assertEquals(0, x.get(5));
        x.set(7, 0); // the leaf empties and is freed
        assertEquals(0, x.get(7));
        x.set(6, 60);
        assertEquals(60, x.get(6));
    }
}
