package io.pinlab.session;

import com.github.benmanes.caffeine.cache.Ticker;
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
 * What sessions may cost: the service-wide memory budget (a {@link PageCounter} sized from the
 * JVM's max heap at start-up, charged by every session's {@link MemCg}) and the per-client caps.
 * A new session needs a tenth of the budget still free, so that sessions that exist can grow
 * into the rest; past that, growth gets the kernel's -ENOMEM.
 */
@Component
public class SessionBudget {
    private static final Logger log = LoggerFactory.getLogger(SessionBudget.class);

    private final SessionProperties properties;
    private final PageCounter global;
    private final ClientQuota quota;

    @Autowired
    public SessionBudget(SessionProperties properties) {
        this(properties, Runtime.getRuntime().maxMemory(), Ticker.systemTicker());
    }

    SessionBudget(SessionProperties properties, long maxHeap, Ticker ticker) {
        this.properties = properties;
        this.global = new PageCounter((long) (maxHeap * properties.globalMemoryFraction()));
        this.quota = new ClientQuota(properties.perClient(), ticker);
        log.info("memory budget for labs: {} MiB ({} of a {} MiB heap), {} MiB per session",
                global.max() >> 20, properties.globalMemoryFraction(), maxHeap >> 20, properties.limits().maxMemory() >> 20);
    }

    /**
     * A kernel for a new session of {@code client} (null: no per-client cap, e.g. a course session).
     *
     * @throws SessionQuotaException (429) the client is at a cap
     * @throws MemoryBudgetException (503) the service-wide budget has less than a tenth free
     */
    Kernel admit(String client, Profile profile, boolean movableZone) {
        if (global.margin() < global.max() / 10) throw new MemoryBudgetException(global.usage(), global.max());
        if (client != null) quota.admit(client);
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

    /** A session left the store (deleted, expired) or never made it in: its client's count goes. */
    void ended(SessionRecord session) {
        if (session.client() != null) quota.release(session.client());
    }

    /** The service-wide counter (for figures and tests). */
    public PageCounter global() { return global; }
}
