package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.SysResult;

import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.OpenFile;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import static io.pinlab.kernel.mm.PhysMem.*;

/**
 * mm/swapfile.c: swapon(2) and swapoff(2) of the session's one swapfile ({@link SwapInfo}).
 * The file is made with mkswap semantics: its first page is the swap header, so a file of
 * {@code size} bytes gives size / 4096 - 1 slots. Both calls need CAP_SYS_ADMIN, which the
 * session's administrator has (they are session-level calls, as sysctl writes are).
 */
public final class Swapfile {
    static final String FILE = "mm/swapfile.c";

    private Swapfile() {}

    /**
     * sys_swapon(): -EBUSY when the swapfile is already active (claim_swapfile(): IS_SWAPFILE);
     * -EINVAL for a file with no slot after the header (setup_swap_map(): "Empty swap-file") or
     * larger than pinlab's limit; -ENOMEM when the swap_map allocation does not fit the memory
     * cgroup (kvmalloc_array()).
     */
    public static SysResult sysSwapon(Globals k, long size) {
        return Mmap.sysResult(k, ex -> swapon(k, size, ex));
    }

    private static long swapon(Globals k, long size, Explain ex) {
        if (k.swap != null) return Mmap.fail(ex, "claim_swapfile", FILE, Errno.EBUSY, SwapInfo.PATH + " is already a swap area");
        long pages = size < 0 ? 0 : size >>> PAGE_SHIFT; // mkswap uses whole pages
        if (pages < 2)
            return Mmap.fail(ex, "setup_swap_map", FILE, Errno.EINVAL, "Empty swap-file: " + size + " bytes hold no page after the swap header");
        if (pages > SwapInfo.MAX_PAGES)
            return Mmap.fail(ex, "read_swap_header", FILE, Errno.EINVAL, pages + " pages exceed pinlab's swap area limit of " + SwapInfo.MAX_PAGES + " pages (1 GiB)");
        long bytes = pages * SwapInfo.SLOT_BYTES;
        if (!k.memcg.tryCharge(bytes))
            return Mmap.fail(ex, "kvmalloc_array", "mm/util.c", Errno.ENOMEM, "the swap_map of " + pages + " slots does not fit: " + k.memcg.whyFull(bytes));
        k.swap = new SwapInfo(pages);
        ex.ok("sys_swapon", FILE, "Adding " + (pages - 1) * (PAGE_SIZE / 1024) + "k swap on " + SwapInfo.PATH + " (" + (pages - 1) + " slots after the header)");
        return 0;
    }

    /**
     * sys_swapoff() -> try_to_unuse(): every swap PTE of every mm is faulted back in by
     * unuse_pte() (the folio read into the swap cache, mapped read-only and old, PageAnonExclusive
     * if the entry was exclusive), then every cached folio leaves the swap cache. -EINVAL when no
     * swap area is active; -ENOMEM when a page cannot be allocated (the area stays active, with
     * what was brought back mapped).
     */
    public static SysResult sysSwapoff(Globals k) {
        return Mmap.sysResult(k, ex -> swapoff(k, ex));
    }

    private static long swapoff(Globals k, Explain ex) {
        SwapInfo si = k.swap;
        if (si == null) return Mmap.fail(ex, "sys_swapoff", FILE, Errno.EINVAL, "no swap area is active");
        Set<Mm> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        long[] unused = {0};
        for (Task t : k.tasks.values()) {
            Mm mm = t.mm;
            if (mm == null || !seen.add(mm)) continue;
            boolean[] oom = {false};
            mm.ptes.forEach(0, (Mm.TASK_SIZE >>> PAGE_SHIFT) + 1, (vpn, pte) -> {
                if (oom[0] || !Pte.isSwap(pte)) return;
                if (unusePte(k, mm, vpn, pte)) unused[0]++;
                else oom[0] = true;
            });
            if (oom[0])
                return Mmap.fail(ex, "try_to_unuse", FILE, Errno.ENOMEM, "no free page to read a slot back into (" + unused[0] + " pages were swapped in before)");
        }
        // shmem_unuse() (mm/shmem.c): the swap entries in shmem page caches are swapped in too
        for (Inode in : shmemInodes(k)) {
            List<long[]> entries = new ArrayList<>();
            in.pageCache.forEach(0, Long.MAX_VALUE, (idx, e) -> { if (e < 0) entries.add(new long[] {idx, -e}); });
            for (long[] e : entries) {
                if (Memory.shmemSwapin(k, in, e[0], e[1]) < 0)
                    return Mmap.fail(ex, "shmem_unuse", "mm/shmem.c", Errno.ENOMEM, "no free page to read a shmem slot back into");
                unused[0]++;
            }
        }
        for (int slot = 1; slot < si.cache.length; slot++) if (si.cache[slot] != 0) si.folioFreeSwap(k.phys, si.cache[slot]);
        if (si.inuse != 0) throw new IllegalStateException(si.inuse + " swap slots still in use after try_to_unuse()");
        k.memcg.uncharge(si.pages() * SwapInfo.SLOT_BYTES);
        k.swap = null;
        ex.ok("try_to_unuse", FILE, unused[0] + " swapped-out pages read back in");
        ex.ok("sys_swapoff", FILE, SwapInfo.PATH + " is no longer a swap area");
        return 0;
    }

    /** The shmem inodes alive: named ones, and those an fd or a mapping holds (memfd, shared anonymous memory). */
    private static Set<Inode> shmemInodes(Globals k) {
        Set<Inode> all = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Inode in : k.inodes.values()) if (in.isShmem()) all.add(in);
        for (Task t : k.tasks.values()) {
            for (OpenFile f : t.fds.values()) if (f.inode().isShmem()) all.add(f.inode());
            if (t.mm != null) for (Vma v : t.mm.vmas.values()) if (v.file != null && v.file.inode().isShmem()) all.add(v.file.inode());
        }
        return all;
    }

    /** unuse_pte(): one swap PTE becomes a read-only, old mapping of the slot's swap-cache folio. */
    private static boolean unusePte(Globals k, Mm mm, long vpn, long pte) {
        SwapInfo si = k.swap;
        long slot = Pte.swpOffset(pte);
        long pfn = Memory.swapinFolio(k, slot);
        if (pfn < 0) return false;
        if (Pte.swpExclusive(pte)) k.phys.setPageFlag(pfn, PG_ANON_EXCLUSIVE, true);
        k.phys.mapcountAdd(pfn, 1);
        mm.rssAnon++;
        mm.rssSwap--;
        mm.ptes.set(vpn, Pte.mk(pfn, 0));
        si.swapFree(slot);
        return true;
    }
}
