package io.pinlab.session;

import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.fs.OpenFile;
import io.pinlab.kernel.iouring.IoRingCtx;
import io.pinlab.kernel.mm.Pins;
import io.pinlab.platform.PinlabMetrics;
import org.springframework.stereotype.Component;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/** The session gauges of {@link PinlabMetrics}, read at scrape time. */
@Component
class SessionGauges {
    SessionGauges(SessionService sessions, PinlabMetrics metrics) {
        metrics.gauge("pinlab_sessions_active", "sessions in the store", sessions::count);
        metrics.gauge("pinlab_pins_active", "unreleased driver pins in the kernels this replica holds",
                () -> sessions.sumCachedKernels(SessionGauges::livePins));
        metrics.gauge("pinlab_registered_buffers", "registered io_uring buffers in the kernels this replica holds",
                () -> sessions.sumCachedKernels(SessionGauges::registeredBuffers));
    }

    static long livePins(Kernel k) {
        return Pins.list(k).stream().filter(p -> !p.released()).count();
    }

    /** Each ring once, however many descriptors (fork, dup) refer to it. */
    static long registeredBuffers(Kernel k) {
        Set<IoRingCtx> rings = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Task t : k.tasks.values())
            for (OpenFile f : t.fds.values())
                if (IoUring.ringOf(f) != null && !IoUring.ringOf(f).freed()) rings.add(IoUring.ringOf(f));
        long n = 0;
        for (IoRingCtx r : rings) n += r.registeredBuffers();
        return n;
    }
}
