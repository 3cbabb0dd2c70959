package io.pinlab.kernel.mm;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class XArrayTest {

    /** The sparse array behaves like a sorted map from index to non-zero value. */
    @Property(tries = 200)
    void behavesLikeASortedMap(@ForAll @Size(max = 60) List<@LongRange(min = 0, max = 5000) Long> indexes,
                               @ForAll @LongRange(min = 0, max = 5000) long from,
                               @ForAll @LongRange(min = 0, max = 6000) long to) {
        XArray x = new XArray();
        TreeMap<Long, Long> model = new TreeMap<>();
        long v = 1;
        for (long i : indexes) {
            if (model.containsKey(i)) { // second hit erases
                x.set(i, 0);
                model.remove(i);
            } else {
                x.set(i, v);
                model.put(i, v++);
            }
        }
        assertThat(x.count()).isEqualTo(model.size());
        List<long[]> seen = new ArrayList<>();
        x.forEach(from, to, (i, val) -> seen.add(new long[]{i, val}));
        List<long[]> expected = new ArrayList<>();
        if (from < to) model.subMap(from, to).forEach((i, val) -> expected.add(new long[]{i, val}));
        assertThat(seen).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(expected);
        for (long i : model.keySet()) assertThat(x.get(i)).isEqualTo(model.get(i));
    }

    @Property(tries = 50)
    void visitorMayEraseWhileIterating(@ForAll @Size(min = 1, max = 40) List<@LongRange(min = 0, max = 3000) Long> indexes) {
        XArray x = new XArray();
        for (long i : indexes) x.set(i, i + 1);
        x.forEach(0, Long.MAX_VALUE, (i, val) -> x.set(i, 0));
        assertThat(x.isEmpty()).isTrue();
        assertThat(x.get(indexes.get(0))).isZero();
    }
}
