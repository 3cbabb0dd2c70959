package io.pinlab.api.common;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class PfnsTest {

    private static long[] expand(List<Pfns.Run> runs) {
        List<Long> out = new ArrayList<>();
        for (Pfns.Run r : runs) for (long k = 0; k < r.count(); k++) out.add(r.first() + k * r.step());
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void monotoneRangesInEitherDirectionAreOneRun() {
        long[] up = new long[262_144], down = new long[262_144], zero = new long[262_144];
        for (int i = 0; i < up.length; i++) {
            up[i] = 1000 + i;
            down[i] = 300_000 - i;
            zero[i] = 42; // the shared zero page under a read-only pin of untouched memory
        }
        assertThat(Pfns.runs(up).runs()).containsExactly(new Pfns.Run(1000, 262_144, 1));
        assertThat(Pfns.runs(down).runs()).containsExactly(new Pfns.Run(300_000, 262_144, -1));
        assertThat(Pfns.runs(zero).runs()).containsExactly(new Pfns.Run(42, 262_144, 0));
    }

    @Test
    void hugePagesReusedInDescendingOrderAreOneRunPerHugePage() {
        long[] pfns = new long[4 * 512];
        for (int h = 0; h < 4; h++) for (int i = 0; i < 512; i++) pfns[h * 512 + i] = (10 - h) * 512L + i;
        List<Pfns.Run> runs = Pfns.runs(pfns).runs();
        assertThat(runs).hasSize(4).allMatch(r -> r.count() == 512 && r.step() == 1);
        assertThat(expand(runs)).isEqualTo(pfns);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void anyOrderExpandsBackExactlyOrStopsAtTheCap(long seed) {
        Random rnd = new Random(seed);
        long[] pfns = new long[rnd.nextInt(1, 700)];
        for (int i = 0; i < pfns.length; i++) pfns[i] = rnd.nextInt(3) == 0 ? rnd.nextLong(0, 1 << 20) : (i == 0 ? 7 : pfns[i - 1] + rnd.nextInt(-1, 2));
        Pfns.Runs r = Pfns.runs(pfns);
        assertThat(r.runs().size()).isLessThanOrEqualTo(Math.min(Pfns.MAX_RUNS, (pfns.length + 1) / 2));
        long[] back = expand(r.runs());
        if (r.truncated()) {
            assertThat(r.runs()).hasSize(Pfns.MAX_RUNS);
            assertThat(back.length).isLessThan(pfns.length);
            assertThat(back).isEqualTo(java.util.Arrays.copyOf(pfns, back.length));
        } else {
            assertThat(back).isEqualTo(pfns);
        }
    }
}
