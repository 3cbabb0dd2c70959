package io.pinlab.kernel.mm;

/**
 * The memory cgroup of one session (mm/memcontrol.c): every kernel structure that costs Java
 * heap is charged here as it is built and uncharged as it is freed, like memcg charges pages and
 * __GFP_ACCOUNT kernel memory. Units are bytes of heap, sized from the Java layout (64-bit JVM,
 * compressed oops); the constants below give the arithmetic. The session's limit is a pinlab
 * limit (not a kernel one), and its parent is the service-wide {@link PageCounter}.
 *
 * <p>Allocations that may fail in the kernel go through {@link #tryCharge}; paths that cannot
 * fail there (splitting a huge PMD, a freed page list growing) {@link #charge} unconditionally,
 * and the walkers that lead to them first check {@link #margin()} for their worst case, so usage
 * never passes the limit.
 */
public final class MemCg {
    /** Config key of the per-session limit, named in every explain that hits it. */
    public static final String SESSION_LIMIT = "pinlab.sessions.limits.max-memory";
    /** Config key of the service-wide budget. */
    public static final String GLOBAL_LIMIT = "pinlab.sessions.global-memory-fraction";

    /**
     * One pageblock of 512 frames in PhysMem: refcount, mapcount, flags, mapping (4 x (16 + 2048)),
     * pincount (16 + 2048), index and value (2 x (16 + 4096)), the block itself (40).
     */
    public static final long BLOCK_BYTES = 4 * 2064 + 2064 + 2 * 4112 + 40;
    /**
     * One XArray leaf, i.e. one page-table page or xarray node: long[512] (4112), the leaf (24), its
     * TreeMap entry and key (56), and 160 more that HeapProbe measures per leaf beyond the layout.
     */
    public static final long LEAF_BYTES = 4112 + 24 + 56 + 160;
    /** A named inode: the Inode and its empty page cache (160), its map entry (40); its path is charged at 2 bytes a char. */
    public static final long INODE_BYTES = 200;
    /** An open file: the OpenFile (48), its fd-table entry (56), the share of an unlinked inode it alone holds (memfd, secretmem: 160). */
    public static final long FILE_BYTES = 264;
    /** One VMA (72) with its maple-tree stand-in entry and key (56). */
    public static final long VMA_BYTES = 128;
    /** One entry of a page array (struct page *): a long. */
    public static final long PAGE_ENTRY_BYTES = 8;
    /**
     * A driver's pin record: the Pin (64), its long[] header (16), LinkedHashMap entry and key (56), its
     * hash-table slots (8: at most two 4-byte slots per entry; PinTable rebuilds a table that fell to an
     * eighth of its peak, so the slots forgotten records leave behind stay within eight times this), and
     * its released-queue slot (24).
     */
    public static final long PIN_BYTES = 168;
    /** An io_uring ctx without its queues. */
    public static final long RING_BYTES = 256;
    /** One CQE a ring may hold (record 32 + list slot 8). */
    public static final long CQE_BYTES = 40;
    /** An idle kernel: mounts, boot inodes, the first task, its mm and stack VMA, the boot log. */
    public static final long KERNEL_BYTES = 32 * 1024;
    /** Worst case of one page fault: two frames in new pageblocks (COW of a file page) and three leaves (PTE, PMD, page cache). */
    public static final long FAULT_BYTES = 2 * BLOCK_BYTES + 3 * LEAF_BYTES;

    private final long max;
    private long usage;
    private long peak;
    private PageCounter parent;
    /** What the memcg OOM killer did for the last fault it failed (read once by the fault's caller). */
    public String oomReport;

    /**
     * @param max    the session's limit in bytes
     * @param parent the service-wide counter, or null (kernel unit tests, replays that are not sessions)
     */
    public MemCg(long max, PageCounter parent) {
        this.max = max;
        this.parent = parent;
    }

    /** A cgroup with no limit and no parent. */
    public static MemCg unlimited() { return new MemCg(Long.MAX_VALUE, null); }

    /** mem_cgroup_margin(): bytes that can still be charged here and in the parent. */
    public long margin() {
        long own = Math.max(0, max - usage);
        return parent == null ? own : Math.min(own, parent.margin());
    }

    /** try_charge_memcg(): charges {@code bytes} to this cgroup and its parent, or neither. */
    public boolean tryCharge(long bytes) {
        if (usage + bytes > max) return false;
        if (parent != null && !parent.tryCharge(bytes)) return false;
        add(bytes);
        return true;
    }

    /** A charge that cannot fail (the kernel's force path); callers checked {@link #margin()} first. */
    public void charge(long bytes) {
        if (parent != null) parent.charge(bytes);
        add(bytes);
    }

    /** mem_cgroup_uncharge(). */
    public void uncharge(long bytes) {
        usage -= bytes;
        if (usage < 0) throw new IllegalStateException("memcg usage underflow");
        if (parent != null) parent.uncharge(bytes);
    }

    private void add(long bytes) {
        usage += bytes;
        if (usage > peak) peak = usage;
    }

    /**
     * Why a charge of {@code bytes} does not fit, naming the pinlab limit that was hit (for
     * explain steps).
     */
    public String whyFull(long bytes) {
        if (usage + bytes > max)
            return "the session's memory cgroup is full: " + usage + " of " + max + " bytes of heap charged, " + bytes
                    + " more needed (pinlab limit " + SESSION_LIMIT + ")";
        return "the service is out of memory for labs: " + (parent == null ? 0 : parent.usage()) + " of "
                + (parent == null ? 0 : parent.max()) + " bytes charged by all sessions (pinlab limit " + GLOBAL_LIMIT + ")";
    }

    /**
     * mem_cgroup_css_offline() with reparenting: the session is gone, so its charges leave the
     * service-wide counter. Called once, when a session's kernel is dropped.
     */
    public void offline() {
        if (parent != null) parent.uncharge(usage);
        parent = null;
    }

    /** memory.current in bytes. */
    public long usage() { return usage; }

    /** memory.peak. */
    public long peak() { return peak; }

    /** memory.max. */
    public long max() { return max; }
}
