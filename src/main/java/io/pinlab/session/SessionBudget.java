package io.pinlab.session;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.KernelSnapshot;
import io.pinlab.kernel.mm.MemCg;
import io.pinlab.kernel.mm.PageCounter;
import io.pinlab.kernel.base.Profile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * What sessions may cost this JVM: the service-wide memory budget (a {@link PageCounter} sized
 * from the JVM's max heap at start-up, charged by the {@link MemCg} of every kernel this replica
 * holds). It is per replica by design: it protects this heap, whichever sessions the kernels
 * belong to. A new session needs a tenth of the budget still free, so that sessions that exist
 * can grow into the rest; past that, growth gets the kernel's -ENOMEM. (The per-client caps are
 * the store's: {@link SessionStore#create}.)
 */
@Component
public class SessionBudget {
    private static final Logger log = LoggerFactory.getLogger(SessionBudget.class);

    private final SessionProperties properties;
    private final PageCounter global;

    @Autowired
    public SessionBudget(SessionProperties properties) {
        this(properties, Runtime.getRuntime().maxMemory());
    }

    SessionBudget(SessionProperties properties, long maxHeap) {
        this.properties = properties;
        this.global = new PageCounter((long) (maxHeap * properties.globalMemoryFraction()));
        log.info("memory budget for labs: {} MiB ({} of a {} MiB heap), {} MiB per session",
                global.max() >> 20, properties.globalMemoryFraction(), maxHeap >> 20, properties.limits().maxMemory() >> 20);
    }

    /**
     * A kernel for a new session.
     *
     * @throws MemoryBudgetException (503) the service-wide budget has less than a tenth free
     */
    Kernel admit(Profile profile, boolean movableZone) {
        if (global.margin() < global.max() / 10) throw new MemoryBudgetException(global.usage(), global.max());
        return kernel(profile, movableZone);
    }

    /**
     * A kernel within the session limits, charged to the service-wide budget, without admission:
     * a replica rebuilding a session's kernel from its log, a past state for {@code ?at=N}, a
     * throwaway kernel for compare. Whoever drops it calls {@code memcg.offline()}.
     */
    public Kernel kernel(Profile profile, boolean movableZone) {
        SessionProperties.Limits l = properties.limits();
        return new Kernel(profile, movableZone, new MemCg(l.maxMemory(), global), l.maxCallPages());
    }

    /** A session's kernel read back from a KernelSnapshot, within the session limits like {@link #kernel}. */
    Kernel restore(byte[] snapshot) {
        SessionProperties.Limits l = properties.limits();
        return KernelSnapshot.read(snapshot, new MemCg(l.maxMemory(), global), l.maxCallPages());
    }

    /** The service-wide counter (for figures and tests). */
    public PageCounter global() { return global; }
}
