package io.pinlab.kernel.mm;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The leaf cache remembers a missing leaf; stores, erases and deserialisation must not see stale misses. */
class XArrayMissCacheTest {
    @Test
    void missThenStoreInTheSameLeaf() {
        XArray x = new XArray(io.pinlab.kernel.MemCg.unlimited());
        assertEquals(0, x.get(5));
        x.set(7, 70);
        assertEquals(70, x.get(7));
        assertEquals(0, x.get(5));
        x.set(7, 0); // the leaf empties and is freed
        assertEquals(0, x.get(7));
        x.set(6, 60);
        assertEquals(60, x.get(6));
    }

    @Test
    void deserialisedCopyLooksLeavesUp() throws Exception {
        XArray x = new XArray(io.pinlab.kernel.MemCg.unlimited());
        x.set(0, 1);
        x.set(3, 3);
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(bo)) { o.writeObject(x); }
        XArray y;
        try (ObjectInputStream i = new ObjectInputStream(new ByteArrayInputStream(bo.toByteArray()))) { y = (XArray) i.readObject(); }
        assertEquals(1, y.get(0));
        assertEquals(3, y.get(3));
    }
}
