package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.VirtAddr;

/**
 * A simulated driver's page array after a successful GUP call: what the driver would keep in its
 * {@code struct page **pages} until it releases them. It survives munmap and process exit: the
 * folios it references stay allocated until released (PhysMem frees a folio only when its
 * refcount drops to zero).
 */
public final class Pin {
    /** How the references were taken, which decides how they must be released. */
    public enum Kind {
        /** pin_user_pages*(): release with unpin_user_pages[_dirty_lock]. */
        FOLL_PIN,
        /** get_user_pages*(): release with put_page. */
        FOLL_GET
    }

    private final long id;
    private final GupCall call;
    private final int pid;
    private final VirtAddr start;
    private final long nrPages;
    private final int gupFlags;
    private final long[] pfns;
    private final Kind kind;
    private boolean released;
    private PinRelease releasedHow;

    Pin(long id, GupCall call, int pid, VirtAddr start, long nrPages, int gupFlags, long[] pfns, Kind kind) {
        this.id = id;
        this.call = call;
        this.pid = pid;
        this.start = start;
        this.nrPages = nrPages;
        this.gupFlags = gupFlags;
        this.pfns = pfns;
        this.kind = kind;
    }

    public long id() { return id; }

    public GupCall call() { return call; }

    /** The process whose mm was walked (the target of a *_remote call). */
    public int pid() { return pid; }

    /** The start address as requested. */
    public VirtAddr start() { return start; }

    /** nr_pages as requested. */
    public long nrPages() { return nrPages; }

    /** The FOLL_* flags the caller passed. */
    public int gupFlags() { return gupFlags; }

    /** The pinned pages' pfns, one per page returned (ret of the call). */
    public long[] pfns() { return pfns.clone(); }

    /** Number of pages held. */
    public int count() { return pfns.length; }

    long pfn(int i) { return pfns[i]; }

    long[] pfnsUnsafe() { return pfns; }

    public Kind kind() { return kind; }

    public boolean released() { return released; }

    public PinRelease releasedHow() { return releasedHow; }

    void markReleased(PinRelease how) {
        this.released = true;
        this.releasedHow = how;
    }

    /** Snapshot support (KernelSnapshot): a pin as it was, released or not ({@code releasedHow} null = held). */
    public static Pin restore(long id, GupCall call, int pid, VirtAddr start, long nrPages, int gupFlags, long[] pfns, Kind kind,
                              PinRelease releasedHow) {
        Pin p = new Pin(id, call, pid, start, nrPages, gupFlags, pfns, kind);
        if (releasedHow != null) p.markReleased(releasedHow);
        return p;
    }
}
