package io.pinlab.kernel;


import io.pinlab.kernel.mm.Task;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Size target of issue 7 (time is measured by io.pinlab.bench.KernelSnapshotBench, not here). */
class BigSessionSnapshotTest {
    @Test
    void aSessionThatWroteAndPinnedOneGiBRegisteredItAndForkedTenTimesFitsInTwoMiB() {
        Kernel k = BigSession.build();
        long t0 = System.nanoTime();
        byte[] bytes = KernelSnapshot.write(k);
        long t1 = System.nanoTime();
        Kernel copy = KernelSnapshot.read(bytes);
        long t2 = System.nanoTime();
        System.out.printf("SIZE %d bytes write %d ms read %d ms%n", bytes.length, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
        assertThat(bytes.length).isLessThanOrEqualTo(2 << 20);
        assertThat(copy.tasks).hasSize(k.tasks.size());
        for (Task t : k.tasks.values()) {
            Task c = copy.task(t.pid);
            assertThat(Views.mapsText(copy, c)).isEqualTo(Views.mapsText(k, t));
            assertThat(Views.status(copy, c)).isEqualTo(Views.status(k, t));
        }
    }
}
