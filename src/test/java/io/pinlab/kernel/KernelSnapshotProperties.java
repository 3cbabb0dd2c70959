package io.pinlab.kernel;


import io.pinlab.kernel.base.Profile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * For random call sequences under every profile: a snapshot taken after any prefix reads back
 * to a kernel that shows the same views, writes the same bytes, and answers the rest of the
 * calls exactly as the original does (the kernel is deterministic, so any difference is state
 * the snapshot lost).
 */
class KernelSnapshotProperties {

    /** 200 reproducible cases: a failing seed is in the test name; rerun it alone to debug. */
    static LongStream seeds() { return LongStream.range(0, 200); }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aSnapshotAfterAnyPrefixContinuesIdentically(long seed) {
        Random r = new Random(seed);
        Kernel k = new Kernel(Profile.ALL.get(r.nextInt(Profile.ALL.size())), r.nextBoolean());
        List<Calls> calls = Calls.random(r, 10 + r.nextInt(80));
        int cut = r.nextInt(calls.size() + 1);
        for (Calls c : calls.subList(0, cut)) c.apply(k);

        byte[] bytes = KernelSnapshot.write(k);
        Kernel copy = KernelSnapshot.read(bytes);
        assertThat(Observed.of(copy)).isEqualTo(Observed.of(k));
        assertThat(KernelSnapshot.write(copy)).isEqualTo(bytes);

        for (Calls c : calls.subList(cut, calls.size())) assertThat(c.apply(copy)).as("%s", c).isEqualTo(c.apply(k));
        assertThat(Observed.of(copy)).isEqualTo(Observed.of(k));
    }
}
