package io.pinlab.kernel.mm;


import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Physical memory: page frames with struct page / struct folio state (include/linux/mm_types.h,
 * mm/page_alloc.c). Frames are grouped in blocks of 512 (one pageblock, 2 MiB) holding the
 * fields as primitive arrays, so a touched page costs about 16 bytes of heap and an untouched
 * one nothing. Folio-wide fields (refcount, pincount, mapcount, mapping) live at the head frame.
 * Order-9 folios are 512-aligned, so the head of any frame is found in O(1).
 * Gigantic (order-18, 1 GiB) hugetlb folios are 1 GiB-aligned regions taken from the top of a
 * zone: only the head's pageblock exists from the start; a tail pageblock is created (and charged)
 * when a page in it is first written, so a gigantic folio costs what is touched. Its tail frames
 * carry the head's folio flags (PageAnonExclusive of a hugetlb page is the head's, page-flags.h).
 * Blocks and the free lists are charged to the session's memory cgroup: an allocation that would
 * need a new block fails like a memcg charge (the caller sees -1, as for an empty zone).
 */
public final class PhysMem {
    public static final int PAGE_SHIFT = 12;
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    public static final int HPAGE_ORDER = 9;
    public static final int HPAGE_NR = 1 << HPAGE_ORDER;
    public static final long HPAGE_SIZE = PAGE_SIZE << HPAGE_ORDER;
    /** A gigantic (1 GiB, PUD-mapped) hugetlb folio: order 18 (PUD_SHIFT - PAGE_SHIFT on x86_64). */
    public static final int PUD_ORDER = 18;
    public static final int PUD_NR = 1 << PUD_ORDER;
    public static final long PUD_SIZE = PAGE_SIZE << PUD_ORDER;
    /** GUP_PIN_COUNTING_BIAS (include/linux/mm.h): what one FOLL_PIN adds to a small folio's refcount. */
    public static final int GUP_PIN_COUNTING_BIAS = 1 << 10;

    // per-frame flag bits (a selection of include/linux/page-flags.h)
    public static final int PG_ALLOC = 1;          // frame belongs to an allocated folio
    public static final int PG_HEAD = 1 << 1;      // head frame of a folio
    public static final int PG_TAIL = 1 << 2;      // tail frame of a large folio
    public static final int PG_ANON = 1 << 3;      // folio->mapping is an anon_vma
    public static final int PG_ANON_EXCLUSIVE = 1 << 4; // PageAnonExclusive (per page)
    public static final int PG_DIRTY = 1 << 5;
    public static final int PG_HUGETLB = 1 << 6;   // hugetlbfs folio
    public static final int PG_ZERO = 1 << 7;      // the shared zero page
    public static final int PG_SECRETMEM = 1 << 8; // memfd_secret folio
    public static final int PG_LRU = 1 << 9;
    public static final int PG_REFERENCED = 1 << 10;
    public static final int PG_LARGE = 1 << 11;    // folio order > 0
    public static final int PG_SWAPBACKED = 1 << 12;
    public static final int PG_RESERVED = 1 << 13;
    /** PG_swapcache: the folio is in the swap cache; its slot is kept in the index field (folio->swap). */
    public static final int PG_SWAPCACHE = 1 << 14;

    public static final long DMA32_BASE = 0x1000;   // holds the zero page (kernel .bss)
    public static final long NORMAL_BASE = 0x100000; // 4 GiB
    /** The shared zero page (mm/memory.c: ZERO_PAGE(0)). */
    public static final long ZERO_PFN = DMA32_BASE + 0x1a0;

    private static final class Block {
        final int[] refcount;
        final int[] mapcount;
        final int[] flags;
        final Object[] mapping;
        int[] pincount;   // allocated on first large-folio pin
        long[] index;     // page-cache index, allocated on first file page
        long[] value;     // page contents, allocated on first non-zero write
        int used;

        Block() { this(new int[HPAGE_NR], new int[HPAGE_NR], new int[HPAGE_NR], new Object[HPAGE_NR]); }

        Block(int[] refcount, int[] mapcount, int[] flags, Object[] mapping) {
            this.refcount = refcount;
            this.mapcount = mapcount;
            this.flags = flags;
            this.mapping = mapping;
        }
    }

    private static final class Area {
        final Zone zone;
        final long base;
        final long frames;
        final Block[] blocks;
        long next;            // bump pointer (offset from base)
        long allocated;       // frames in use
        long[] free0 = new long[64];
        int nFree0;
        long[] free9 = new long[8];
        int nFree9;
        /** Regions of PUD_NR frames holding a gigantic folio. */
        final boolean[] gigantic;
        /** Lowest frame (offset) ever given to a gigantic folio: the bump pointer stays below it. */
        long top;

        Area(Zone zone, long base, long frames) {
            this.zone = zone;
            this.base = base;
            this.frames = frames;
            this.blocks = new Block[(int) ((frames + HPAGE_NR - 1) / HPAGE_NR)];
            this.gigantic = new boolean[(int) (frames >>> PUD_ORDER)];
            this.top = frames;
        }

        boolean contains(long pfn) { return pfn >= base && pfn < base + frames; }
    }

    private final Area dma32;
    private final Area normal;
    private final Area movable;
    private final MemCg memcg;
    /** Gigantic folios allocated (0 keeps the frame lookups on their fast path). */
    private int nGigantic;
    /** Why the last allocation failed: null for an empty zone, else the memcg's explanation. */
    private transient String lastFailure;

    public PhysMem(long framesPerZone, MemCg memcg) {
        this.memcg = memcg;
        long frames = (framesPerZone + HPAGE_NR - 1) / HPAGE_NR * HPAGE_NR;
        dma32 = new Area(Zone.DMA32, DMA32_BASE, 8 * HPAGE_NR); // 16 MiB: must contain ZERO_PFN (DMA32_BASE + 0x2a0)
        normal = new Area(Zone.NORMAL, NORMAL_BASE, frames);
        movable = new Area(Zone.MOVABLE, NORMAL_BASE + frames, frames);
        // the zero page: reserved, never freed, counted like any page by 6.3/6.4 pins
        Block b = block(ZERO_PFN, true);
        int s = slot(ZERO_PFN);
        b.flags[s] = PG_ALLOC | PG_HEAD | PG_ZERO | PG_RESERVED;
        b.refcount[s] = 1;
        dma32.allocated = 1;
    }

    private Area area(long pfn) {
        if (normal.contains(pfn)) return normal;
        if (movable.contains(pfn)) return movable;
        if (dma32.contains(pfn)) return dma32;
        throw new IllegalArgumentException("pfn 0x" + Long.toHexString(pfn) + " is not RAM");
    }

    private Area area(Zone z) {
        return switch (z) {
            case DMA32 -> dma32;
            case NORMAL -> normal;
            case MOVABLE -> movable;
        };
    }

    // one-entry cache of the last block looked up: page walks hit the same pageblock 512 times
    // in a row (area bases are pageblock-aligned, so pfn >>> HPAGE_ORDER names one block)
    private long cachedBlockKey = -1;
    private Block cachedBlock;

    private Block block(long pfn, boolean create) {
        long key = pfn >>> HPAGE_ORDER;
        if (cachedBlock != null && key == cachedBlockKey) return cachedBlock;
        return blockMiss(pfn, key, create);
    }

    // kept apart from block() so that the cache hit above stays small enough to be inlined
    private Block blockMiss(long pfn, long key, boolean create) {
        Area a = area(pfn);
        int bi = (int) ((pfn - a.base) >>> HPAGE_ORDER);
        Block b = a.blocks[bi];
        if (b == null && create) {
            memcg.charge(MemCg.BLOCK_BYTES);
            b = new Block();
            a.blocks[bi] = b;
        }
        if (b != null) {
            cachedBlockKey = key;
            cachedBlock = b;
        }
        return b;
    }

    private static int slot(long pfn) { return (int) (pfn & (HPAGE_NR - 1)); }

    private Block blk(long pfn) {
        Block b = block(pfn, false);
        if (b == null) throw new IllegalStateException("pfn 0x" + Long.toHexString(pfn) + " is free");
        return b;
    }

    public boolean isRam(long pfn) {
        return normal.contains(pfn) || movable.contains(pfn) || dma32.contains(pfn);
    }

    // ---------------------------------------------------------------- allocation

    /**
     * Allocates a folio of order 0 or 9 in {@code zone} (falls back from MOVABLE to NORMAL like
     * GFP_HIGHUSER_MOVABLE). Returns the head pfn with refcount 1, or -1 when the zone is full.
     */
    public long allocFolio(Zone zone, int order) {
        // mem_cgroup_charge(): the frame may land in a new pageblock, which costs a block of heap,
        // a new pageblock, and the xarray leaf that will map the frame
        if (memcg.margin() < MemCg.BLOCK_BYTES + MemCg.LEAF_BYTES) {
            lastFailure = memcg.whyFull(MemCg.BLOCK_BYTES + MemCg.LEAF_BYTES);
            return -1;
        }
        lastFailure = null;
        long pfn = allocIn(area(zone), order);
        if (pfn < 0 && zone == Zone.MOVABLE) pfn = allocIn(normal, order);
        return pfn;
    }

    private long allocIn(Area a, int order) {
        long pfn;
        if (order == 0) {
            if (a.nFree0 > 0) pfn = a.free0[--a.nFree0];
            else if (a.next < a.top) pfn = a.base + a.next++;
            else if (a.nFree9 > 0) { // split a free huge block
                long h = a.free9[--a.nFree9];
                for (int i = HPAGE_NR - 1; i >= 1; i--) pushFree0(a, h + i);
                pfn = h;
            } else return -1;
        } else if (order == HPAGE_ORDER) {
            if (a.nFree9 > 0) pfn = a.free9[--a.nFree9];
            else {
                long aligned = (a.next + HPAGE_NR - 1) & ~(long) (HPAGE_NR - 1);
                if (aligned + HPAGE_NR > a.top) return -1;
                for (long o = aligned - 1; o >= a.next; o--) pushFree0(a, a.base + o);
                a.next = aligned + HPAGE_NR;
                pfn = a.base + aligned;
            }
        } else {
            throw new IllegalArgumentException("order " + order);
        }
        int n = 1 << order;
        a.allocated += n;
        Block b = block(pfn, true);
        int s = slot(pfn);
        b.used += n;
        b.flags[s] = PG_ALLOC | PG_HEAD | (order > 0 ? PG_LARGE : 0);
        for (int i = 1; i < n; i++) b.flags[s + i] = PG_ALLOC | PG_TAIL | PG_LARGE;
        b.refcount[s] = 1;
        return pfn;
    }

    /**
     * A new small folio in one update of its frame: {@link #allocFolio}(zone, 0), then
     * {@code refcount}, mapcount 1 (its PTE), {@code mapping} and the folio flags {@code flags}.
     * The anonymous fault path (do_anonymous_page(), mm/memory.c: folio_add_new_anon_rmap()
     * with RMAP_EXCLUSIVE; GUP's reference when it faults for a pin) sets these as one step here.
     * Returns the pfn, or -1 as allocFolio.
     */
    public long allocMappedPage(Zone zone, int refcount, int flags, Object mapping) {
        long pfn = allocFolio(zone, 0);
        if (pfn < 0) return -1;
        Block b = blk(pfn);
        int s = slot(pfn);
        b.refcount[s] = refcount;
        b.mapcount[s] = 1;
        b.flags[s] |= flags;
        b.mapping[s] = mapping;
        return pfn;
    }

    /**
     * {@link #allocMappedPage} for up to {@code n} pages, their pfns to {@code out[off..]}, for the
     * anonymous fault path's runs (Memory.doAnonymousPages). Before each page the memcg must have
     * {@code reserve} bytes of margin, as the fault checks before it allocates. The frames and
     * the charges are those of allocFolio page by page: the free list first (last freed first),
     * then untouched frames, a new pageblock charged when the first frame in it is taken. Untouched
     * frames come in pfn order, so those in one pageblock are written in one pass (the margin
     * can only change there when the pageblock itself is charged). Returns the pages allocated:
     * fewer than n when the margin or the zone ran out.
     */
    public int allocMappedPages(Zone zone, int n, int refcount, int flags, Object mapping, long reserve, long[] out, int off) {
        int done = 0;
        while (done < n && memcg.margin() >= reserve) {
            Area a = area(zone);
            if (a.nFree0 == 0 && a.next < a.top) {
                lastFailure = null;
                long pfn = a.base + a.next;
                int s = slot(pfn);
                boolean charged = block(pfn, false) == null;
                Block b = block(pfn, true);
                // the pageblock's charge may leave no margin for the pages after this one
                int k = charged && memcg.margin() < reserve ? 1 : (int) Math.min(n - done, Math.min(a.top - a.next, HPAGE_NR - s));
                int fl = PG_ALLOC | PG_HEAD | flags;
                for (int j = 0; j < k; j++) {
                    b.flags[s + j] = fl;
                    b.refcount[s + j] = refcount;
                    b.mapcount[s + j] = 1;
                    b.mapping[s + j] = mapping;
                    out[off + done + j] = pfn + j;
                }
                b.used += k;
                a.allocated += k;
                a.next += k;
                done += k;
            } else {
                long pfn = allocMappedPage(zone, refcount, flags, mapping);
                if (pfn < 0) break;
                out[off + done++] = pfn;
            }
        }
        return done;
    }

    /**
     * alloc_gigantic_folio() (mm/hugetlb.c, alloc_contig_pages()): a 1 GiB-aligned order-18 folio
     * from an untouched region of {@code zone}, highest first; -1 when none is free or the memcg
     * has no room for its head pageblock. Tail pageblocks come when first written.
     */
    public long allocGiganticFolio(Zone zone) {
        if (memcg.margin() < MemCg.BLOCK_BYTES + MemCg.LEAF_BYTES) {
            lastFailure = memcg.whyFull(MemCg.BLOCK_BYTES + MemCg.LEAF_BYTES);
            return -1;
        }
        lastFailure = null;
        Area a = area(zone);
        for (int r = a.gigantic.length - 1; r >= 0; r--) {
            if (!giganticFree(a, r)) continue;
            long off = (long) r << PUD_ORDER;
            a.gigantic[r] = true;
            nGigantic++;
            a.top = Math.min(a.top, off);
            a.allocated += PUD_NR;
            long pfn = a.base + off;
            Block b = block(pfn, true);
            b.used = 1;
            b.flags[0] = PG_ALLOC | PG_HEAD | PG_LARGE;
            b.refcount[0] = 1;
            return pfn;
        }
        return -1;
    }

    /** Gigantic folios {@link #allocGiganticFolio} could still take from zone {@code z}. */
    public long giganticFoliosAvailable(Zone z) {
        Area a = area(z);
        long n = 0;
        for (int r = 0; r < a.gigantic.length; r++) if (giganticFree(a, r)) n++;
        return n;
    }

    /** 1 GiB range {@code r} of {@code a} is neither a gigantic folio nor below the buddy allocator's watermark. */
    private static boolean giganticFree(Area a, int r) { return !a.gigantic[r] && ((long) r << PUD_ORDER) >= a.next; }

    private boolean inGigantic(long pfn) {
        if (nGigantic == 0) return false;
        Area a = area(pfn);
        int r = (int) ((pfn - a.base) >>> PUD_ORDER);
        return r < a.gigantic.length && a.gigantic[r];
    }

    /** free_gigantic_folio(): the region and every pageblock written in it go back. */
    private void freeGigantic(Area a, long head) {
        int first = (int) ((head - a.base) >>> HPAGE_ORDER);
        for (int i = 0; i < PUD_NR / HPAGE_NR; i++) {
            if (a.blocks[first + i] == null) continue;
            a.blocks[first + i] = null;
            memcg.uncharge(MemCg.BLOCK_BYTES);
        }
        cachedBlock = null;
        a.gigantic[(int) ((head - a.base) >>> PUD_ORDER)] = false;
        nGigantic--;
        a.allocated -= PUD_NR;
    }

    private void pushFree0(Area a, long pfn) {
        if (a.nFree0 == a.free0.length) a.free0 = grow(a.free0);
        a.free0[a.nFree0++] = pfn;
    }

    /** Doubles a free list, charging the growth (the blocks freed to fill it were charged more). */
    private long[] grow(long[] list) {
        memcg.charge(list.length * 8L);
        return Arrays.copyOf(list, list.length * 2);
    }

    /** Pageblocks holding allocated frames (each charged {@link MemCg#BLOCK_BYTES}). */
    public long blocks() {
        long n = 0;
        for (Area a : new Area[]{dma32, normal, movable}) for (Block b : a.blocks) if (b != null) n++;
        return n;
    }

    /** Heap held by the free lists beyond their first capacity (charged as they grew; they never shrink). */
    public long freeListBytes() {
        long n = 0;
        for (Area a : new Area[]{dma32, normal, movable}) n += (a.free0.length - 64) * 8L + (a.free9.length - 8) * 8L;
        return n;
    }

    /** Why the last {@link #allocFolio} failed: the memcg's explanation, or null when the zone was empty. */
    public String allocFailure() { return lastFailure; }

    /** Returns a folio to its zone. Its block's arrays are dropped when the block empties. */
    private void freeFolio(long head) {
        Area a = area(head);
        Block b = blk(head);
        int s = slot(head);
        if ((b.flags[s] & PG_RESERVED) != 0) return;
        if (inGigantic(head)) {
            freeGigantic(a, head);
            return;
        }
        int n = (b.flags[s] & PG_LARGE) != 0 ? HPAGE_NR : 1;
        for (int i = 0; i < n; i++) {
            b.flags[s + i] = 0;
            b.refcount[s + i] = 0;
            b.mapcount[s + i] = 0;
            b.mapping[s + i] = null;
            if (b.pincount != null) b.pincount[s + i] = 0;
            if (b.index != null) b.index[s + i] = 0;
            if (b.value != null) b.value[s + i] = 0;
        }
        a.allocated -= n;
        b.used -= n;
        if (b.used == 0) {
            a.blocks[(int) ((head - a.base) >>> HPAGE_ORDER)] = null;
            memcg.uncharge(MemCg.BLOCK_BYTES);
            if (cachedBlock == b) cachedBlock = null;
        }
        if (n == HPAGE_NR) {
            if (a.nFree9 == a.free9.length) a.free9 = grow(a.free9);
            a.free9[a.nFree9++] = head;
        } else {
            pushFree0(a, head);
        }
    }

    /**
     * The struct page side of __split_huge_page() (mm/huge_memory.c) for an order-9 folio whose only
     * references are its page-table mappings (the caller checked can_split_folio()): every page
     * becomes an order-0 folio with the head's folio flags, mapping and index (+i in the page cache),
     * and {@code pageMapcount[i]} mappings and references, plus {@code cacheRefs} (1 for a
     * page-cache folio: the page cache's reference to each new folio; 0 for anonymous memory);
     * PageAnonExclusive stays with each page. A page left with no reference is freed (the split's
     * own reference was its last).
     */
    void splitFolio(long head, int[] pageMapcount, int cacheRefs) {
        Block b = blk(head);
        int s = slot(head);
        int folioFlags = b.flags[s] & ~(PG_HEAD | PG_TAIL | PG_LARGE | PG_ANON_EXCLUSIVE);
        Object mapping = b.mapping[s];
        long index = b.index == null ? 0 : b.index[s];
        boolean file = (folioFlags & PG_ANON) == 0;
        if (file && b.index == null) b.index = new long[HPAGE_NR]; // page i of a page-cache folio at index 0 is index i
        for (int i = 0; i < HPAGE_NR; i++) {
            b.flags[s + i] = folioFlags | PG_HEAD | (b.flags[s + i] & PG_ANON_EXCLUSIVE);
            b.mapping[s + i] = mapping;
            b.refcount[s + i] = pageMapcount[i] + cacheRefs;
            b.mapcount[s + i] = pageMapcount[i];
            if (b.index != null) b.index[s + i] = file ? index + i : index;
        }
        if (b.pincount != null) b.pincount[s] = 0;
        for (int i = 0; i < HPAGE_NR; i++) if (b.refcount[s + i] == 0) freeFolio(head + i);
    }

    /** Order-9 folios {@link #allocFolio} could still take from zone {@code z} (freed huge blocks and untouched space). */
    public long hugeFoliosAvailable(Zone z) {
        Area a = area(z);
        long aligned = (a.next + HPAGE_NR - 1) & ~(long) (HPAGE_NR - 1);
        return a.nFree9 + Math.max(0, (a.top - aligned) / HPAGE_NR);
    }

    public long freeFrames(Zone z) { Area a = area(z); return a.frames - a.allocated; }

    public long usedFrames(Zone z) { return area(z).allocated; }

    public long zoneFrames(Zone z) { return area(z).frames; }

    /** Frames of the zone ever handed out (the bump pointer): every allocated frame lies below base + this. */
    public long allocatedEnd(Zone z) { return area(z).next; }

    // ---------------------------------------------------------------- folio fields

    public boolean isAllocated(long pfn) {
        if (!isRam(pfn)) return false;
        if (inGigantic(pfn)) return true;
        Block b = block(pfn, false);
        return b != null && (b.flags[slot(pfn)] & PG_ALLOC) != 0;
    }

    /** page_folio(): the head pfn of the folio containing {@code pfn}. */
    public long head(long pfn) {
        if (inGigantic(pfn)) return pfn & ~(long) (PUD_NR - 1);
        return (pfn & ~(long) (HPAGE_NR - 1)) + headSlot(blk(pfn), slot(pfn));
    }

    /**
     * The slot of the head of the folio whose frame sits at slot {@code s} of {@code b}: folios
     * other than gigantic ones are at most order 9 and order-9 folios are 512-aligned, so the head
     * is in the same pageblock and a folio field costs one block lookup.
     */
    private static int headSlot(Block b, int s) {
        return (b.flags[s] & PG_TAIL) != 0 ? s & ~(HPAGE_NR - 1) : s;
    }

    /**
     * {@code pfn} itself, or the head of the gigantic folio it belongs to: that folio's fields live
     * in its head's pageblock (its tail blocks exist only where pages were written).
     */
    private long folioFrame(long pfn) {
        return nGigantic == 0 ? pfn : head(pfn);
    }

    /** folio_order(page_folio(pfn)). */
    public int order(long pfn) { return Integer.numberOfTrailingZeros(folioNrPages(pfn)); }

    /** folio_nr_pages(page_folio(pfn)): PG_LARGE is set on every frame of a large folio. */
    public int folioNrPages(long pfn) { return inGigantic(pfn) ? PUD_NR : (flags(pfn) & PG_LARGE) != 0 ? HPAGE_NR : 1; }

    public boolean isLarge(long pfn) { return (flags(pfn) & PG_LARGE) != 0; }

    public Zone zone(long pfn) { return area(pfn).zone; }

    /** folio_ref_count() of the folio containing pfn. */
    public int refcount(long pfn) { Block b = blk(pfn = folioFrame(pfn)); return b.refcount[headSlot(b, slot(pfn))]; }

    /**
     * folio_ref_add()/folio_put_refs(): adds {@code delta} to the folio refcount and frees the
     * folio when it drops to zero. Returns the new refcount.
     */
    public int refAdd(long pfn, int delta) {
        Block b = blk(pfn = folioFrame(pfn));
        int s = headSlot(b, slot(pfn));
        int r = b.refcount[s] + delta;
        if (r < 0) throw new IllegalStateException("refcount underflow on pfn 0x" + Long.toHexString(head(pfn)));
        b.refcount[s] = r;
        if (r == 0) freeFolio(head(pfn));
        return r;
    }

    /**
     * The FOLL_PIN reference try_grab_folio() (mm/gup.c) takes, as one update of the folio: a
     * large folio gets {@code refs} references and {@code _pincount += refs}, a small one
     * {@code refs * GUP_PIN_COUNTING_BIAS} references. Returns the refcount it had before.
     */
    public int pinFolioRefs(long pfn, int refs) {
        Block b = blk(pfn = folioFrame(pfn));
        int s = headSlot(b, slot(pfn));
        int before = b.refcount[s];
        if ((b.flags[s] & PG_LARGE) != 0) {
            if (b.pincount == null) b.pincount = new int[HPAGE_NR];
            b.pincount[s] += refs;
            b.refcount[s] = before + refs;
        } else {
            b.refcount[s] = before + refs * GUP_PIN_COUNTING_BIAS;
        }
        return before;
    }

    /** folio->_pincount (large folios only). */
    public int pincount(long pfn) {
        Block b = blk(pfn = folioFrame(pfn));
        return b.pincount == null ? 0 : b.pincount[headSlot(b, slot(pfn))];
    }

    public void pincountAdd(long pfn, int delta) {
        Block b = blk(pfn = folioFrame(pfn));
        if (b.pincount == null) b.pincount = new int[HPAGE_NR];
        b.pincount[headSlot(b, slot(pfn))] += delta;
    }

    /** folio_mapcount(): page-table mappings of the folio (a PMD mapping counts once). */
    public int mapcount(long pfn) { Block b = blk(pfn = folioFrame(pfn)); return b.mapcount[headSlot(b, slot(pfn))]; }

    public void mapcountAdd(long pfn, int delta) {
        Block b = blk(pfn = folioFrame(pfn));
        b.mapcount[headSlot(b, slot(pfn))] += delta;
    }

    /** Flags of this very frame (PG_ANON_EXCLUSIVE is per page, the others are set on every frame of a folio). */
    public int flags(long pfn) {
        if (inGigantic(pfn)) {
            long h = pfn & ~(long) (PUD_NR - 1);
            int f = blk(h).flags[slot(h)];
            return h == pfn ? f : (f & ~PG_HEAD) | PG_TAIL;
        }
        return blk(pfn).flags[slot(pfn)];
    }

    /** Sets flag bits on every frame of the folio containing pfn. */
    public void setFolioFlags(long pfn, int bits) {
        long h = head(pfn);
        Block b = blk(h);
        int s = slot(h), n = folioFrames(h, b.flags[s]);
        for (int i = 0; i < n; i++) b.flags[s + i] |= bits;
    }

    public void clearFolioFlags(long pfn, int bits) {
        long h = head(pfn);
        Block b = blk(h);
        int s = slot(h), n = folioFrames(h, b.flags[s]);
        for (int i = 0; i < n; i++) b.flags[s + i] &= ~bits;
    }

    /** Frames whose flags a folio-wide flag change writes: a gigantic folio keeps them at its head. */
    private int folioFrames(long head, int headFlags) {
        if (inGigantic(head)) return 1;
        return (headFlags & PG_LARGE) != 0 ? HPAGE_NR : 1;
    }

    /** Per-page flag (PageAnonExclusive). */
    public void setPageFlag(long pfn, int bit, boolean on) {
        if (inGigantic(pfn)) pfn = head(pfn); // PageAnonExclusive() of a hugetlb page is its head's
        Block b = blk(pfn);
        int s = slot(pfn);
        if (on) b.flags[s] |= bit; else b.flags[s] &= ~bit;
    }

    public boolean testPageFlag(long pfn, int bit) { return (flags(pfn) & bit) != 0; }

    /** folio->mapping: an Inode for page cache, an anon marker object for anon folios. */
    public Object mapping(long pfn) { Block b = blk(pfn = folioFrame(pfn)); return b.mapping[headSlot(b, slot(pfn))]; }

    public void setMapping(long pfn, Object mapping, long index) {
        Block b = blk(pfn = folioFrame(pfn));
        int s = headSlot(b, slot(pfn));
        b.mapping[s] = mapping;
        if (index != 0 || b.index != null) {
            if (b.index == null) b.index = new long[HPAGE_NR];
            b.index[s] = index;
        }
    }

    /** folio->index: the page-cache index of the head page. */
    public long index(long pfn) {
        Block b = blk(pfn = folioFrame(pfn));
        return b.index == null ? 0 : b.index[headSlot(b, slot(pfn))];
    }

    /** The page's contents (what the process or a device last wrote there). */
    public long value(long pfn) {
        Block b = block(pfn, false);
        return b == null || b.value == null ? 0 : b.value[slot(pfn)];
    }

    public void setValue(long pfn, long v) {
        if ((flags(pfn) & PG_ZERO) != 0) throw new IllegalStateException("write to the zero page");
        Block b = inGigantic(pfn) ? block(pfn, v != 0) : blk(pfn); // a gigantic folio's tail block: on first write
        if (b == null) return;
        if (b.value == null) {
            if (v == 0) return;
            b.value = new long[HPAGE_NR];
        }
        b.value[slot(pfn)] = v;
    }

    /** copy_user_highpage(): copies the contents of one page to another. */
    public void copyPage(long dst, long src) { setValue(dst, value(src)); }

    /**
     * copy_user_large_folio() (mm/memory.c): copies every page of the folio at {@code src} to the
     * one at {@code dst} (same order); only pageblocks that were ever written are visited.
     */
    public void copyLargeFolio(long dst, long src) {
        int n = 1 << order(src);
        if (n < HPAGE_NR) {
            copyPage(dst, src);
            return;
        }
        for (int i = 0; i < n; i += HPAGE_NR) {
            Block sb = block(src + i, false);
            if (sb == null || sb.value == null) continue;
            for (int j = 0; j < HPAGE_NR; j++) if (sb.value[j] != 0) setValue(dst + i + j, sb.value[j]);
        }
    }

    /** folio_maybe_dma_pinned() (include/linux/mm.h): large: _pincount > 0; small: refcount >= GUP_PIN_COUNTING_BIAS. */
    public boolean maybeDmaPinned(long pfn) {
        return isLarge(pfn) ? pincount(pfn) > 0 : refcount(pfn) >= GUP_PIN_COUNTING_BIAS;
    }

    // ---------------------------------------------------------------- snapshot support (KernelSnapshot)

    /**
     * One zone's allocator state: bump pointer, frames in use, and the free lists of order 0 and 9
     * (their entries, oldest first, and their capacities, which the memcg was charged for), the
     * lowest gigantic region ever used ({@code top}) and the heads of the gigantic folios.
     */
    public record Allocator(long next, long allocated, long[] free0, int free0Capacity, long[] free9, int free9Capacity,
                            long top, long[] gigantic) {}

    /**
     * One pageblock of 512 frames, as stored: the arrays are the live ones, not copies. The
     * optional arrays are null until first used; {@code used} counts the frames of allocated folios.
     */
    public record FrameBlock(long firstPfn, int used, int[] refcount, int[] mapcount, int[] flags, Object[] mapping,
                             int[] pincount, long[] index, long[] value) {}

    public Allocator allocator(Zone z) {
        Area a = area(z);
        long[] gig = new long[0];
        for (int r = 0; r < a.gigantic.length; r++) if (a.gigantic[r]) {
            gig = Arrays.copyOf(gig, gig.length + 1);
            gig[gig.length - 1] = a.base + ((long) r << PUD_ORDER);
        }
        return new Allocator(a.next, a.allocated, Arrays.copyOf(a.free0, a.nFree0), a.free0.length,
                Arrays.copyOf(a.free9, a.nFree9), a.free9.length, a.top, gig);
    }

    /** The zone's pageblocks that hold any frame state, in pfn order. */
    public List<FrameBlock> frameBlocks(Zone z) {
        Area a = area(z);
        List<FrameBlock> out = new ArrayList<>();
        for (int i = 0; i < a.blocks.length; i++) {
            Block b = a.blocks[i];
            if (b != null) out.add(new FrameBlock(a.base + ((long) i << HPAGE_ORDER), b.used, b.refcount, b.mapcount,
                    b.flags, b.mapping, b.pincount, b.index, b.value));
        }
        return out;
    }

    /**
     * Replaces a zone's allocator state and drops all its pageblocks (restore them with
     * {@link #restoreBlock}). Charges nothing: KernelSnapshot restores the memcg's usage as a whole.
     */
    public void restoreAllocator(Zone z, Allocator s) {
        Area a = area(z);
        if (s.next() < 0 || s.next() > a.frames || s.allocated() < 0 || s.allocated() > a.frames
                || s.free0Capacity() < Math.max(1, s.free0().length) || s.free9Capacity() < Math.max(1, s.free9().length)
                || s.top() < s.next() || s.top() > a.frames)
            throw new IllegalArgumentException("allocator state out of range for zone " + z);
        for (int r = 0; r < a.gigantic.length; r++) if (a.gigantic[r]) nGigantic--;
        Arrays.fill(a.gigantic, false);
        for (long h : s.gigantic()) {
            long off = h - a.base;
            if (!a.contains(h) || (off & (PUD_NR - 1)) != 0 || off < s.top() || a.gigantic[(int) (off >>> PUD_ORDER)])
                throw new IllegalArgumentException("gigantic folio pfn 0x" + Long.toHexString(h) + " in zone " + z);
            a.gigantic[(int) (off >>> PUD_ORDER)] = true;
            nGigantic++;
        }
        a.top = s.top();
        a.next = s.next();
        a.allocated = s.allocated();
        a.free0 = Arrays.copyOf(s.free0(), s.free0Capacity());
        a.nFree0 = s.free0().length;
        a.free9 = Arrays.copyOf(s.free9(), s.free9Capacity());
        a.nFree9 = s.free9().length;
        Arrays.fill(a.blocks, null);
        cachedBlock = null;
    }

    /** Installs one pageblock (its arrays are taken over, not copied); charges nothing, as above. */
    public void restoreBlock(FrameBlock f) {
        if ((f.firstPfn() & (HPAGE_NR - 1)) != 0 || !isRam(f.firstPfn()))
            throw new IllegalArgumentException("pageblock pfn 0x" + Long.toHexString(f.firstPfn()));
        Area a = area(f.firstPfn());
        Block b = new Block(f.refcount(), f.mapcount(), f.flags(), f.mapping());
        b.used = f.used();
        b.pincount = f.pincount();
        b.index = f.index();
        b.value = f.value();
        a.blocks[(int) ((f.firstPfn() - a.base) >>> HPAGE_ORDER)] = b;
        cachedBlock = null;
    }
}
