package io.pinlab.kernel.mm;

import static io.pinlab.kernel.mm.PhysMem.*;

/**
 * The session's swap area: struct swap_info_struct (include/linux/swap.h) of a swapfile made
 * with mkswap semantics, with its swap_map (mm/swapfile.c) and the swap cache (mm/swap_state.c).
 * Slot 0 holds the swap header and is never handed out (setup_swap_map(): SWAP_MAP_BAD).
 * Each slot's swap_map entry is the number of swap PTEs that name it, plus SWAP_HAS_CACHE while a
 * folio for it is in the swap cache. The cache maps slot to pfn; the folio carries
 * PG_SWAPCACHE and its slot in the index field (folio->swap) and holds one reference for the cache.
 * Writes complete at once (pinlab has no I/O in flight), so a written folio never waits under
 * writeback; no readahead (swapin_readahead() reads only the faulting slot here).
 */
public final class SwapInfo {
    /** SWAP_HAS_CACHE (include/linux/swap.h): the slot has a folio in the swap cache. */
    public static final int SWAP_HAS_CACHE = 0x40;
    /** SWAP_MAP_BAD: the header slot. */
    public static final int SWAP_MAP_BAD = 0x3f;
    /** pinlab's largest swap area, in pages (1 GiB), so that its maps stay small. */
    public static final long MAX_PAGES = 1L << 18;
    /** What one slot costs the session's memory cgroup: its count, its contents and its cache entry. */
    public static final long SLOT_BYTES = 4 + 8 + 8;
    /** The path /proc/swaps shows. */
    public static final String PATH = "/swapfile";

    final int[] swapMap;
    final long[] data;
    final long[] cache;
    /** inuse_pages: slots with a non-zero swap_map entry (the header excluded). */
    int inuse;

    SwapInfo(long pages) {
        swapMap = new int[(int) pages];
        data = new long[(int) pages];
        cache = new long[(int) pages];
        swapMap[0] = SWAP_MAP_BAD;
    }

    /** The area as KernelSnapshot reads it back. */
    public static SwapInfo restore(int[] swapMap, long[] data, long[] cache) {
        if (swapMap.length < 2 || data.length != swapMap.length || cache.length != swapMap.length || swapMap[0] != SWAP_MAP_BAD)
            throw new IllegalArgumentException("swap maps of " + swapMap.length + " slots are inconsistent");
        SwapInfo si = new SwapInfo(swapMap.length);
        System.arraycopy(swapMap, 0, si.swapMap, 0, swapMap.length);
        System.arraycopy(data, 0, si.data, 0, data.length);
        System.arraycopy(cache, 0, si.cache, 0, cache.length);
        for (int i = 1; i < swapMap.length; i++) {
            if (swapMap[i] < 0 || swapMap[i] == SWAP_MAP_BAD || (cache[i] != 0) != ((swapMap[i] & SWAP_HAS_CACHE) != 0))
                throw new IllegalArgumentException("swap slot " + i + " has count " + swapMap[i] + " and cache " + cache[i]);
            if (swapMap[i] != 0) si.inuse++;
        }
        return si;
    }

    /** Slots in the area, the header included (maxpages). */
    public long pages() { return swapMap.length; }

    /** The usable slots (the header excluded): total_swap_pages. */
    public long totalSwapPages() { return swapMap.length - 1L; }

    public long inusePages() { return inuse; }

    public int[] swapMap() { return swapMap.clone(); }

    public long[] data() { return data.clone(); }

    public long[] cache() { return cache.clone(); }

    /** __swap_count(): the swap PTEs that name slot. */
    public int swapCount(long slot) { return swapMap[(int) slot] & ~SWAP_HAS_CACHE; }

    /** The swap cache folio of slot, 0 if none (swap_cache_get_folio()). */
    public long cacheFolio(long slot) { return cache[(int) slot]; }

    /** What swap_writeout() last wrote to slot. */
    public long data(long slot) { return data[(int) slot]; }

    /** vm_swap_full() (include/linux/swap.h): more than half of the swap space is in use. */
    boolean vmSwapFull() { return (totalSwapPages() - inuse) * 2 < totalSwapPages(); }

    /**
     * folio_alloc_swap() (mm/swapfile.c) + add_to_swap_cache() (mm/swap_state.c): the lowest free
     * slot gets SWAP_HAS_CACHE and the folio enters the swap cache, which takes a reference.
     * False when the area is full.
     */
    boolean folioAllocSwap(PhysMem ph, long pfn) {
        for (int i = 1; i < swapMap.length; i++) {
            if (swapMap[i] != 0) continue;
            swapMap[i] = SWAP_HAS_CACHE;
            inuse++;
            addToSwapCache(ph, pfn, i);
            return true;
        }
        return false;
    }

    /** add_to_swap_cache() (mm/swap_state.c): the cache's reference, PG_swapcache and folio->swap. */
    void addToSwapCache(PhysMem ph, long pfn, long slot) {
        cache[(int) slot] = pfn;
        swapMap[(int) slot] |= SWAP_HAS_CACHE;
        ph.setFolioFlags(pfn, PG_SWAPCACHE);
        ph.setMapping(pfn, ph.mapping(pfn), slot);
        ph.refAdd(pfn, 1);
    }

    /** delete_from_swap_cache() (mm/swap_state.c): drops SWAP_HAS_CACHE and the cache's reference (which may free the folio). */
    void deleteFromSwapCache(PhysMem ph, long pfn) {
        int slot = (int) ph.index(pfn);
        cache[slot] = 0;
        ph.clearFolioFlags(pfn, PG_SWAPCACHE);
        ph.setMapping(pfn, ph.mapping(pfn), 0);
        putSlot(slot, SWAP_HAS_CACHE);
        ph.refAdd(pfn, -1);
    }

    /** Migration moved the cached folio of slot to a new pfn. */
    void replaceCacheFolio(long slot, long pfn) { cache[(int) slot] = pfn; }

    /** swap_duplicate() (mm/swapfile.c): one more swap PTE names slot. */
    void swapDuplicate(long slot) { swapMap[(int) slot]++; }

    /** swap_free() (mm/swapfile.c): one swap PTE less; a slot with no count and no cache is free again. */
    void swapFree(long slot) { putSlot((int) slot, 1); }

    private void putSlot(int slot, int usage) {
        int v = swapMap[slot] - usage;
        if (v < 0 || (usage == SWAP_HAS_CACHE && (swapMap[slot] & SWAP_HAS_CACHE) == 0))
            throw new IllegalStateException("swap slot " + slot + " underflow");
        swapMap[slot] = v;
        if (v == 0) inuse--;
    }

    /**
     * free_swap_and_cache() (mm/swapfile.c): swap_free(), then, when only the cache still holds
     * the slot, __try_to_reclaim_swap(TTRS_UNMAPPED | TTRS_FULL) drops the cached folio if no
     * page table maps it or the swap space is more than half full.
     */
    void freeSwapAndCache(PhysMem ph, long slot) {
        swapFree(slot);
        long pfn = cache[(int) slot];
        if (pfn != 0 && swapCount(slot) == 0 && (ph.mapcount(pfn) == 0 || vmSwapFull())) deleteFromSwapCache(ph, pfn);
    }

    /**
     * folio_free_swap() (mm/swapfile.c): a swap-cache folio whose slot no swap PTE names any more
     * leaves the cache and becomes dirty (its only copy is in memory again). False when not in the
     * swap cache or still swapped (folio_swapped()).
     */
    boolean folioFreeSwap(PhysMem ph, long pfn) {
        if (!ph.testPageFlag(pfn, PG_SWAPCACHE)) return false;
        if (swapCount(ph.index(pfn)) > 0) return false;
        ph.setFolioFlags(pfn, PG_DIRTY); // before the cache's reference goes: it may be the last (free_swap_cache() after a zap)
        deleteFromSwapCache(ph, pfn);
        return true;
    }

    /** swap_writeout() (mm/page_io.c): the folio's contents go to its slot. */
    void swapWriteout(PhysMem ph, long pfn) {
        data[(int) ph.index(pfn)] = ph.value(pfn);
        ph.clearFolioFlags(pfn, PG_DIRTY);
    }
}
