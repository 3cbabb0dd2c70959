package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.fs.FileTable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.pinlab.kernel.base.Explain.hex;
import static io.pinlab.kernel.mm.Mmap.alignUp;
import static io.pinlab.kernel.mm.Mmap.fail;
import static io.pinlab.kernel.mm.Mmap.range;
import static io.pinlab.kernel.mm.PhysMem.*;
import static io.pinlab.kernel.mm.VmFlag.*;

/**
 * mm/vma.c: changing the VMA tree. Splitting (__split_vma()), merging (vma_merge_new_range(),
 * vma_expand()), vma_modify_flags() for mprotect and madvise, and unmapping (do_vmi_munmap(),
 * remove_vma()). The 6.3 tree has them in mm/mmap.c, the 6.19 tree in mm/vma.c.
 */
public final class Vmas {
    static final String FILE = "mm/vma.c";

    private Vmas() {}

    // ================================================================ munmap

    /** do_vmi_munmap() -> do_vmi_align_munmap(): the checks, then {@link #unmapRange}. */
    static long doVmiMunmap(Globals k, Mm mm, long start, long len, Explain ex) {
        if ((start & (PAGE_SIZE - 1)) != 0 || Long.compareUnsigned(start, Mm.TASK_SIZE) > 0
                || Long.compareUnsigned(len, Mm.TASK_SIZE - start) > 0)
            return fail(ex, "do_vmi_munmap", FILE, Errno.EINVAL, "address not page aligned or range beyond TASK_SIZE");
        long end = start + alignUp(len, PAGE_SIZE);
        if (end == start) return fail(ex, "do_vmi_munmap", FILE, Errno.EINVAL, "length is 0");
        Vma first = mm.findVmaIntersection(start, end);
        if (first == null) {
            ex.ok("do_vmi_munmap", FILE, "nothing mapped in " + hex(start) + "-" + hex(end));
            return 0;
        }
        // vms_gather_munmap_vmas(): split the first and last VMA where the range cuts them
        if (first.start < start && end < first.end && mm.mapCount() >= k.maxMapCount)
            return fail(ex, "vms_gather_munmap_vmas", FILE, Errno.ENOMEM, "splitting " + range(first) + " would exceed vm.max_map_count " + k.maxMapCount);
        Vma last = mm.vmaLookup(end - 1);
        String nomem = vmAreaAllocFails(k, 2);
        if (nomem != null && (first.start < start || last != null && end < last.end))
            return fail(ex, "vm_area_dup", "kernel/fork.c", Errno.ENOMEM, "splitting a VMA at the edge of the range: " + nomem);
        long r = Hugetlb.hugetlbVmOpSplit(first, start, ex);
        if (r == 0 && last != null) r = Hugetlb.hugetlbVmOpSplit(last, end, ex);
        if (r < 0) return r;
        int before = mm.mapCount();
        unmapRange(k, mm, start, end);
        ex.ok("do_vmi_align_munmap", FILE, "unmapped " + hex(start) + "-" + hex(end) + " (" + before + " -> " + mm.mapCount() + " VMAs)");
        return 0;
    }

    /**
     * Removes every mapping in [start, end): splits the VMAs at the ends, zaps their page tables,
     * drops file references, hugetlb reservations and mlock accounting (unmap_region() +
     * remove_vma()). The caller has done the error checks.
     */
    static void unmapRange(Globals k, Mm mm, long start, long end) {
        Vma v = mm.vmaLookup(start);
        if (v != null && v.start < start) splitVma(k, mm, v, start);
        v = mm.vmaLookup(end - 1);
        if (v != null && v.end > end) splitVma(k, mm, v, end);
        List<Vma> doomed = new ArrayList<>(mm.vmas.subMap(start, true, end, false).values());
        for (Vma d : doomed) removeVma(k, mm, d);
    }

    /** unmap_vmas() + remove_vma() for one whole VMA. */
    static void removeVma(Globals k, Mm mm, Vma v) {
        Memory.zapRange(k, mm, v, v.start, v.end);
        mm.remove(v);
        if (v.has(VM_LOCKED_B)) mm.lockedVm -= v.pages();
        Hugetlb.hugetlbVmOpClose(k, v);
        if (v.file != null) FileTable.fput(k, v.file);
    }

    // ================================================================ split and merge

    /**
     * __split_vma(): [v.start, addr) stays in v, [addr, v.end) becomes a new VMA sharing file,
     * anon_vma and flags (the file gains a reference). A PMD leaf straddling addr is split first
     * (vma_adjust_trans_huge()). Returns the new upper VMA.
     */
    static Vma splitVma(Globals k, Mm mm, Vma v, long addr) {
        if (!v.isHugetlb() && (addr & (HPAGE_SIZE - 1)) != 0 && mm.pmds.get(addr >>> 21) != 0)
            HugeMemory.splitHugePmd(k, mm, addr);
        Vma hi = v.copy();
        hi.start = addr;
        hi.pgoff = v.pgoff + ((addr - v.start) >>> PAGE_SHIFT);
        v.end = addr;
        if (v.hugeResv > 0) { // the resv_map is shared in the kernel; here each half keeps what it can still use
            long hiPages = hi.pages() >>> Hugetlb.hstateVma(v).order;
            hi.hugeResv = Math.min(v.hugeResv, hiPages);
            v.hugeResv -= hi.hugeResv;
        }
        if (hi.file != null) hi.file.refs++;
        mm.insert(hi);
        return hi;
    }

    /**
     * is_mergeable_vma() + is_mergeable_anon_vma() + pgoff contiguity (mm/vma.c): a ends where b
     * begins, same flags, file, ops and name, the file offsets continue, anon_vmas compatible,
     * and neither is VM_SPECIAL.
     */
    static boolean canMerge(Vma a, Vma b) {
        return a.end == b.start && a.flags == b.flags && (a.flags & Mmap.VM_SPECIAL) == 0
                && a.file == b.file && a.ops == b.ops && java.util.Objects.equals(a.name, b.name)
                && b.pgoff == a.pgoff + a.pages()
                && (a.anonVma == 0 || b.anonVma == 0 || a.anonVma == b.anonVma);
    }

    /**
     * vma_merge_new_range()/vma_merge_existing_range(): merges v with its neighbours where
     * canMerge() allows; returns the surviving VMA (the lower one, as vma_expand() keeps it).
     */
    static Vma vmaMerge(Globals k, Mm mm, Vma v) {
        Map.Entry<Long, Vma> pe = mm.vmas.lowerEntry(v.start);
        Vma prev = pe == null ? null : pe.getValue();
        if (prev != null && canMerge(prev, v)) v = absorb(k, mm, prev, v);
        Map.Entry<Long, Vma> ne = mm.vmas.higherEntry(v.start);
        Vma next = ne == null ? null : ne.getValue();
        if (next != null && canMerge(v, next)) v = absorb(k, mm, v, next);
        return v;
    }

    /** lo grows over hi (vma_expand()); hi is freed. */
    private static Vma absorb(Globals k, Mm mm, Vma lo, Vma hi) {
        mm.remove(hi);
        lo.end = hi.end;
        if (lo.anonVma == 0) lo.anonVma = hi.anonVma;
        lo.hugeResv += hi.hugeResv;
        if (hi.file != null) FileTable.fput(k, hi.file);
        return lo;
    }

    /**
     * vma_modify_flags() (mm/vma.c): gives [start, end) of v the flags newFlags, splitting v at
     * the range ends and merging with neighbours as the kernel does. Returns the VMA now holding
     * [start, end). The caller checked max_map_count with {@link #splitsNeeded}.
     */
    static Vma vmaModifyFlags(Globals k, Mm mm, Vma v, long start, long end, long newFlags) {
        if (v.flags == newFlags) return v;
        if (v.start < start) v = splitVma(k, mm, v, start);
        if (v.end > end) splitVma(k, mm, v, end);
        long oldFlags = v.flags;
        v.flags = newFlags;
        if ((oldFlags & VM_LOCKED_B) != (newFlags & VM_LOCKED_B))
            mm.lockedVm += ((newFlags & VM_LOCKED_B) != 0 ? 1 : -1) * v.pages();
        return vmaMerge(k, mm, v);
    }

    /** How many new VMAs splitting v at start and end creates (split_vma() checks max_map_count for each). */
    static int splitsNeeded(Vma v, long start, long end) {
        return (v.start < start ? 1 : 0) + (v.end > end ? 1 : 0);
    }

    /**
     * vm_area_alloc() / vm_area_dup() of {@code n} VMAs: the reason the memcg cannot take them
     * (with the page-table pages a device mapping or a split THP may need), or null when they fit.
     */
    static String vmAreaAllocFails(Globals k, int n) {
        long bytes = n * MemCg.VMA_BYTES + 2 * MemCg.LEAF_BYTES;
        return k.memcg.margin() < bytes ? k.memcg.whyFull(bytes) : null;
    }
}
