package io.pinlab.kernel.mm;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Randomised, seed-reproducible checks of the sparse array against a TreeMap model. */
class XArrayTest {

    static LongStream seeds() { return LongStream.range(0, 200); }

    /** The sparse array behaves like a sorted map from index to non-zero value. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void behavesLikeASortedMap(long seed) {
        Random r = new Random(seed);
        XArray x = new XArray(io.pinlab.kernel.mm.MemCg.unlimited());
        TreeMap<Long, Long> model = new TreeMap<>();
        long v = 1;
        int n = r.nextInt(61);
        for (int k = 0; k < n; k++) {
            long i = r.nextInt(5001);
            if (model.containsKey(i)) { // second hit erases
                x.set(i, 0);
                model.remove(i);
            } else {
                x.set(i, v);
                model.put(i, v++);
            }
        }
        long from = r.nextInt(5001), to = r.nextInt(6001);
        assertThat(x.count()).isEqualTo(model.size());
        List<long[]> seen = new ArrayList<>();
        x.forEach(from, to, (i, val) -> seen.add(new long[]{i, val}));
        List<long[]> expected = new ArrayList<>();
        if (from < to) model.subMap(from, to).forEach((i, val) -> expected.add(new long[]{i, val}));
        assertThat(seen).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(expected);
        for (long i : model.keySet()) assertThat(x.get(i)).isEqualTo(model.get(i));
        for (int probe = 0; probe < 20; probe++) {
            long i = r.nextInt(6001);
            assertThat(x.get(i)).isEqualTo(model.getOrDefault(i, 0L));
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void visitorMayEraseWhileIterating(long seed) {
        Random r = new Random(seed);
        XArray x = new XArray(io.pinlab.kernel.mm.MemCg.unlimited());
        List<Long> indexes = new ArrayList<>();
        for (int k = 0, n = 1 + r.nextInt(40); k < n; k++) indexes.add((long) r.nextInt(3001));
        for (long i : indexes) x.set(i, i + 1);
        x.forEach(0, Long.MAX_VALUE, (i, val) -> x.set(i, 0));
        assertThat(x.isEmpty()).isTrue();
        assertThat(x.get(indexes.get(0))).isZero();
    }
}
