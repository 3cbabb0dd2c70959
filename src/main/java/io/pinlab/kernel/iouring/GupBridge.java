package io.pinlab.kernel.iouring;

import io.pinlab.kernel.Explain;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.Task;

/** The GUP entry points io_uring calls (mm/gup.c). */
final class GupBridge {
    private GupBridge() {}

    static long pinUserPages(Kernel k, Task t, long start, int nrPages, int follFlags, long[] pages, Explain ex) {
        return StandInGup.pinUserPages(k, t, start, nrPages, follFlags, pages, ex);
    }

    static long pinUserPagesFast(Kernel k, Task t, long start, int nrPages, int follFlags, long[] pages, Explain ex) {
        return StandInGup.pinUserPages(k, t, start, nrPages, follFlags, pages, ex);
    }

    static void unpinUserPage(Kernel k, long pfn) {
        StandInGup.unpinUserPage(k, pfn);
    }
}
