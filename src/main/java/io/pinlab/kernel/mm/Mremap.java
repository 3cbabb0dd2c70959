package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.SysResult;

import static io.pinlab.kernel.base.Explain.hex;
import static io.pinlab.kernel.mm.Mmap.alignUp;
import static io.pinlab.kernel.mm.Mmap.fail;
import static io.pinlab.kernel.mm.Mmap.range;
import static io.pinlab.kernel.mm.PhysMem.*;
import static io.pinlab.kernel.mm.VmFlag.*;

/**
 * mremap(2), mm/mremap.c: shrink, grow in place, or move a mapping together with its page tables
 * (move_page_tables()), so the frames, their pins and their contents go along. 6.18 follows the
 * 6.17 rework (do_mremap() -> check_mremap_params(), check_prep_vma(), mremap_to(), mremap_at(),
 * remap_move()); 6.3-6.5 follow SYSCALL_DEFINE5(mremap) -> vma_to_resize(), mremap_to(), move_vma().
 * Where both give the same answer one method serves both and names the 6.18 function.
 */
public final class Mremap {
    static final String FILE = "mm/mremap.c";
    static final int MAYMOVE = MremapFlag.MREMAP_MAYMOVE.value, FIXED = MremapFlag.MREMAP_FIXED.value,
            DONTUNMAP = MremapFlag.MREMAP_DONTUNMAP.value;

    private Mremap() {}

    public static SysResult doMremap(Globals k, Task t, VirtAddr addr, long oldLen, long newLen, int flags, VirtAddr newAddr) {
        Explain ex = new Explain();
        long ret = k.profile.mremapMultiVma() ? doMremap(k, t, addr.value(), oldLen, newLen, flags, newAddr.value(), ex)
                : sysMremapOld(k, t, addr.value(), oldLen, newLen, flags, newAddr.value(), ex);
        return k.endCall(ex, ret);
    }

    /** The request after PAGE_ALIGN() of both lengths. */
    private record Req(long addr, long oldLen, long newLen, int flags, long newAddr) {
        boolean impliesNewAddr() { return (flags & (FIXED | DONTUNMAP)) != 0; } // vrm_implies_new_addr()
    }

    /** PAGE_ALIGN(): a length within a page of 2^64 wraps to 0, as in the kernel. */
    private static long pageAlign(long len) { return alignUp(len, PAGE_SIZE); }

    // ================================================================ 6.17+ (6.18 profile)

    /** do_mremap() (6.17+). */
    private static long doMremap(Globals k, Task t, long addr, long oldLenIn, long newLenIn, int flags, long newAddrIn, Explain ex) {
        Req q = new Req(addr, pageAlign(oldLenIn), pageAlign(newLenIn), flags, newAddrIn);
        long r = checkMremapParams(k, t.mm, q, ex);
        if (r != 0) return r;
        Mm mm = t.mm;
        if ((flags & FIXED) != 0 && q.oldLen == q.newLen) return remapMove(k, t, q, ex); // vrm_move_only()
        Vma vma = mm.vmaLookup(addr);
        if (vma == null) return fail(ex, "check_prep_vma", FILE, Errno.EFAULT, "no VMA contains " + hex(addr));
        r = checkPrepVma(t, vma, q, ex);
        if (r != 0) return r;
        return q.impliesNewAddr() ? mremapTo(k, t, vma, hugetlbAligned(vma, q), ex) : mremapAt(k, t, vma, hugetlbAligned(vma, q), ex);
    }

    /** check_mremap_params() (6.17+): everything that needs no VMA, new_addr included. */
    private static long checkMremapParams(Globals k, Mm mm, Req q, Explain ex) {
        if ((q.flags & ~(FIXED | MAYMOVE | DONTUNMAP)) != 0)
            return fail(ex, "check_mremap_params", FILE, Errno.EINVAL, "unknown flag bits 0x" + Integer.toHexString(q.flags & ~7));
        if ((q.addr & (PAGE_SIZE - 1)) != 0) return fail(ex, "check_mremap_params", FILE, Errno.EINVAL, "old address " + hex(q.addr) + " is not page aligned");
        if (q.newLen == 0) return fail(ex, "check_mremap_params", FILE, Errno.EINVAL, "new length 0");
        if (Long.compareUnsigned(q.newLen, Mm.TASK_SIZE) > 0) return fail(ex, "check_mremap_params", FILE, Errno.EINVAL, "new length beyond TASK_SIZE");
        if (!q.impliesNewAddr()) return 0;
        if (Long.compareUnsigned(q.newAddr, Mm.TASK_SIZE - q.newLen) > 0)
            return fail(ex, "check_mremap_params", FILE, Errno.EINVAL, "new range at " + hex(q.newAddr) + " ends beyond TASK_SIZE");
        if ((q.newAddr & (PAGE_SIZE - 1)) != 0) return fail(ex, "check_mremap_params", FILE, Errno.EINVAL, "new address " + hex(q.newAddr) + " is not page aligned");
        if ((q.flags & MAYMOVE) == 0) return fail(ex, "check_mremap_params", FILE, Errno.EINVAL, "MREMAP_FIXED/MREMAP_DONTUNMAP need MREMAP_MAYMOVE");
        if ((q.flags & DONTUNMAP) != 0 && q.oldLen != q.newLen)
            return fail(ex, "check_mremap_params", FILE, Errno.EINVAL, "MREMAP_DONTUNMAP cannot resize");
        if (overlaps(q)) return fail(ex, "vrm_overlaps", FILE, Errno.EINVAL, "old and new ranges overlap");
        return checkMapCount(k, mm, ex);
    }

    /** Both versions: the worst case splits the old and the new range's VMAs in three (mm->map_count + 2 >= max - 3). */
    private static long checkMapCount(Globals k, Mm mm, Explain ex) {
        if (mm.mapCount() + 2 >= k.maxMapCount - 3)
            return fail(ex, "check_mremap_params", FILE, Errno.ENOMEM, mm.mapCount() + " VMAs: a move could exceed vm.max_map_count " + k.maxMapCount);
        return 0;
    }

    private static boolean overlaps(Req q) {
        return q.addr + q.oldLen > q.newAddr && q.newAddr + q.newLen > q.addr;
    }

    /**
     * remap_move() (6.17+): MREMAP_FIXED with old_len == new_len moves every VMA in [addr, addr +
     * old_len), keeping the gaps between them; the range must begin inside a VMA. (vma_multi_allowed()
     * refuses only userfaultfd VMAs and files with their own get_unmapped_area hook, none of which
     * pinlab has.) Returns the first VMA's new address.
     */
    private static long remapMove(Globals k, Task t, Req q, Explain ex) {
        Mm mm = t.mm;
        long start = q.addr, end = q.addr + q.oldLen, target = q.newAddr, lastEnd = 0, res = Errno.EFAULT.neg();
        boolean seen = false;
        for (long from = start; from < end; ) {
            Vma vma = mm.findVma(from);
            if (vma == null || vma.start >= end) break;
            if (!seen && start < vma.start) return fail(ex, "remap_move", FILE, Errno.EFAULT, hex(start) + " is not mapped");
            long a = Math.max(vma.start, start), len = Math.min(end, vma.end) - a;
            long offset = seen ? vma.start - lastEnd : 0;
            lastEnd = vma.end;
            long next = Math.min(end, vma.end);
            Req one = new Req(a, len, len, q.flags, target + offset);
            long r = checkPrepVma(t, vma, one, ex);
            if (r == 0) r = mremapTo(k, t, vma, hugetlbAligned(vma, one), ex);
            if (r < 0) return r;
            if (!seen) res = r;
            seen = true;
            target = r + len;
            from = next;
        }
        if (!seen) return fail(ex, "remap_move", FILE, Errno.EFAULT, "no VMA in " + hex(start) + "-" + hex(end));
        return res;
    }

    /** The request with its lengths rounded to the huge page size for a hugetlb VMA (align_hugetlb()). */
    private static Req hugetlbAligned(Vma vma, Req q) {
        if (!vma.isHugetlb()) return q;
        long hsize = Hugetlb.hstateVma(vma).size();
        return new Req(q.addr, alignUp(q.oldLen, hsize), alignUp(q.newLen, hsize), q.flags, q.newAddr);
    }

    /** align_hugetlb(): addr and new_addr must be aligned to huge_page_size(hstate_vma()). */
    private static boolean hugetlbMisaligned(Vma vma, Req q) {
        long hsize = Hugetlb.hstateVma(vma).size();
        return (q.addr & (hsize - 1)) != 0 || (q.newAddr & (hsize - 1)) != 0;
    }

    /**
     * check_prep_vma() (6.17+; vma_to_resize() and the hugetlb block of SYSCALL_DEFINE5(mremap)
     * before): hugetlb needs 2 MiB-aligned addresses and never grows (align_hugetlb()); a move or
     * growth refuses duplicating a private mapping (old_len 0), MREMAP_DONTUNMAP on VM_DONTEXPAND or
     * VM_PFNMAP, a range past the VMA's end (-EFAULT), and growth of VM_DONTEXPAND/VM_PFNMAP
     * (-EFAULT) or beyond RLIMIT_MEMLOCK when locked (-EAGAIN).
     */
    private static long checkPrepVma(Task t, Vma vma, Req q0, Explain ex) {
        if (vma.isHugetlb()) { // align_hugetlb()
            Req q = hugetlbAligned(vma, q0);
            if (hugetlbMisaligned(vma, q))
                return fail(ex, "align_hugetlb", FILE, Errno.EINVAL, "hugetlb addresses must be aligned to the huge page size");
            if (Long.compareUnsigned(q.newLen, q.oldLen) > 0)
                return fail(ex, "align_hugetlb", FILE, Errno.EINVAL, "a hugetlb mapping cannot grow (its reservation cannot be split)");
            q0 = q;
        }
        Req q = q0;
        boolean grows = Long.compareUnsigned(q.newLen, q.oldLen) > 0;
        if (!grows && !q.impliesNewAddr()) return 0; // vrm_will_map_new()
        if (q.oldLen == 0 && (vma.flags & (VM_SHARED_B | VM_MAYSHARE_B)) == 0)
            return fail(ex, "check_prep_vma", FILE, Errno.EINVAL, "old_len 0 would duplicate a private mapping (pr_warn_once)");
        if ((q.flags & DONTUNMAP) != 0 && (vma.flags & (VM_DONTEXPAND_B | VM_PFNMAP_B)) != 0)
            return fail(ex, "check_prep_vma", FILE, Errno.EINVAL, "MREMAP_DONTUNMAP on a VM_DONTEXPAND or VM_PFNMAP mapping");
        long oldLen = grows ? q.oldLen : q.newLen; // a shrink may unmap across VMA boundaries
        if (Long.compareUnsigned(oldLen, vma.end - q.addr) > 0)
            return fail(ex, "check_prep_vma", FILE, Errno.EFAULT, "the range crosses the end of VMA " + range(vma));
        if (!grows) return 0;
        if ((vma.flags & (VM_DONTEXPAND_B | VM_PFNMAP_B)) != 0)
            return fail(ex, "check_prep_vma", FILE, Errno.EFAULT, "VM_DONTEXPAND/VM_PFNMAP mappings cannot grow");
        if (!Mmap.mlockFutureOk(t, vma.flags, q.newLen - q.oldLen))
            return fail(ex, "mlock_future_ok", "mm/mmap.c", Errno.EAGAIN, "growing a locked mapping would exceed RLIMIT_MEMLOCK");
        return 0;
    }

    /**
     * mremap_to(): MREMAP_FIXED unmaps the destination first; a shrink is done in place before
     * the move; then the destination is chosen (vrm_set_new_addr(): get_unmapped_area() with
     * MAP_FIXED for MREMAP_FIXED, new_addr as a hint for MREMAP_DONTUNMAP alone) and move_vma() runs.
     */
    private static long mremapTo(Globals k, Task t, Vma vma, Req q, Explain ex) {
        Mm mm = t.mm;
        if ((q.flags & FIXED) != 0) {
            long r = Vmas.doVmiMunmap(k, mm, q.newAddr, q.newLen, ex);
            if (r != 0) return r;
            vma = mm.vmaLookup(q.addr); // the unmap may have split the source VMA
            if (vma == null) return fail(ex, "mremap_to", FILE, Errno.EFAULT, "no VMA at " + hex(q.addr) + " any more");
        }
        long oldLen = q.oldLen;
        if (Long.compareUnsigned(oldLen, q.newLen) > 0) { // shrink_vma()
            long r = Vmas.doVmiMunmap(k, mm, q.addr + q.newLen, oldLen - q.newLen, ex);
            if (r != 0) return r;
            oldLen = q.newLen;
            vma = mm.vmaLookup(q.addr);
            if (vma == null) return fail(ex, "shrink_vma", FILE, Errno.EFAULT, "no VMA at " + hex(q.addr) + " any more");
        }
        long newAddr = setNewAddr(k, mm, vma, q.addr, q.newLen, q.flags, q.impliesNewAddr() ? q.newAddr : 0, ex);
        if (newAddr < 0) return newAddr;
        return moveVma(k, mm, vma, q.addr, oldLen, q.newLen, newAddr, q.flags, ex);
    }

    /** vrm_set_new_addr() / get_unmapped_area() with the VMA's file and offset. */
    private static long setNewAddr(Globals k, Mm mm, Vma vma, long addr, long newLen, int flags, long hint, Explain ex) {
        int mapFlags = ((flags & FIXED) != 0 ? MapFlag.MAP_FIXED.value : 0) | (vma.has(VM_MAYSHARE_B) ? MapFlag.MAP_SHARED.value : 0);
        return Mmap.getUnmappedArea(k.profile, mm, vma.file, hint, newLen, mapFlags, ex);
    }

    /**
     * mremap_at() (6.17+): no new address asked for. Same size: nothing to do; shrink: unmap
     * the tail (shrink_vma()); grow: in place when [addr, addr + old_len) reaches the VMA's end
     * and the space behind it is free (vma_expandable()), else move when MREMAP_MAYMOVE allows,
     * else -ENOMEM.
     */
    private static long mremapAt(Globals k, Task t, Vma vma, Req q, Explain ex) {
        Mm mm = t.mm;
        if (q.oldLen == q.newLen) {
            ex.ok("mremap_at", FILE, "same size: nothing to do");
            return q.addr;
        }
        if (Long.compareUnsigned(q.oldLen, q.newLen) > 0) {
            long r = Vmas.doVmiMunmap(k, mm, q.addr + q.newLen, q.oldLen - q.newLen, ex);
            if (r != 0) return r;
            ex.ok("shrink_vma", FILE, "unmapped the tail " + hex(q.addr + q.newLen) + "-" + hex(q.addr + q.oldLen));
            return q.addr;
        }
        return expandVma(k, t, vma, q, ex);
    }

    /** expand_vma() (6.17+; the "we need to grow" tail of SYSCALL_DEFINE5(mremap) before). */
    private static long expandVma(Globals k, Task t, Vma vma, Req q, Explain ex) {
        Mm mm = t.mm;
        long delta = q.newLen - q.oldLen;
        if (vma.end - q.addr == q.oldLen && vmaExpandable(mm, vma, delta)) { // vrm_can_expand_in_place()
            long oldEnd = vma.end;
            Vma grown = vmaMergeExtend(k, mm, vma, delta);
            if (grown.has(VM_LOCKED_B)) {
                mm.lockedVm += delta >>> PAGE_SHIFT;
                Mmap.mmPopulate(k, mm, oldEnd, oldEnd + delta, ex); // populate_expand
            }
            ex.ok("expand_vma_in_place", FILE, "VMA grew in place to " + range(grown));
            return q.addr;
        }
        if ((q.flags & MAYMOVE) == 0)
            return fail(ex, "expand_vma", FILE, Errno.ENOMEM, "cannot grow in place and MREMAP_MAYMOVE is not set");
        long newAddr = setNewAddr(k, mm, vma, q.addr, q.newLen, q.flags, 0, ex);
        if (newAddr < 0) return newAddr;
        return moveVma(k, mm, vma, q.addr, q.oldLen, q.newLen, newAddr, q.flags, ex);
    }

    /** vma_expandable(): no VMA in [vm_end, vm_end + delta) and the result within TASK_SIZE. */
    private static boolean vmaExpandable(Mm mm, Vma vma, long delta) {
        long end = vma.end + delta;
        if (Long.compareUnsigned(end, vma.end) < 0 || Long.compareUnsigned(end, Mm.TASK_SIZE) > 0) return false;
        return mm.findVmaIntersection(vma.end, end) == null;
    }

    /** vma_merge_extend() (mm/vma.c): the VMA's end moves by delta, then it merges with the next one when compatible. */
    private static Vma vmaMergeExtend(Globals k, Mm mm, Vma vma, long delta) {
        vma.end += delta;
        return Vmas.vmaMerge(k, mm, vma);
    }

    /**
     * move_vma(): prep_move_vma() (map count, may_split() of hugetlb), copy_vma() of the moved
     * part to new_addr, move_page_tables(), then either dontunmap_complete() (the old VMA stays,
     * empty, and loses VM_LOCKED; locked_vm is not reduced) or unmap_source_vma(). A locked
     * mapping that grew is populated (mm_populate()).
     */
    private static long moveVma(Globals k, Mm mm, Vma vma, long oldAddr, long oldLen, long newLen, long newAddr, int flags, Explain ex) {
        if (mm.mapCount() >= k.maxMapCount - 3) // prep_move_vma()
            return fail(ex, "prep_move_vma", FILE, Errno.ENOMEM, "too close to vm.max_map_count " + k.maxMapCount);
        long r = Hugetlb.hugetlbVmOpSplit(vma, oldAddr, ex);
        if (r == 0) r = Hugetlb.hugetlbVmOpSplit(vma, oldAddr + oldLen, ex);
        if (r < 0) return r;
        String nomem = Vmas.vmAreaAllocFails(k, 3);
        if (nomem != null || k.memcg.margin() < leavesNeeded(mm, oldAddr, oldLen, newAddr) * MemCg.LEAF_BYTES)
            return fail(ex, "copy_vma", "mm/vma.c", Errno.ENOMEM, nomem != null ? nomem : "no memory for the new page tables");

        Vma nv = copyVma(k, mm, vma, oldAddr, newAddr, newLen);
        long moved = movePageTables(k, mm, vma, oldAddr, nv, newAddr, oldLen);
        ex.ok("move_page_tables", FILE, (moved >>> PAGE_SHIFT) + " pages of page tables moved from " + hex(oldAddr) + " to " + hex(newAddr)
                + ": frames, pins and contents go along");
        if (vma.hugeResv > 0) { // fixup_hugetlb_reservations(): the new VMA owns the reservation map now
            nv.hugeResv = Math.min(vma.hugeResv, nv.pages() >>> Hugetlb.hstateVma(vma).order);
            Hugetlb.hstateVma(vma).resvHugePages -= vma.hugeResv - nv.hugeResv;
            vma.hugeResv = 0;
        }
        boolean locked = vma.has(VM_LOCKED_B), dontunmap = (flags & DONTUNMAP) != 0;
        // 6.18 vrm_stat_account() counts the new VMA's locked pages before dontunmap_complete(), which
        // clears VM_LOCKED on the old VMA without subtracting them; 6.3-6.5 move_vma() returns for
        // MREMAP_DONTUNMAP before its "mm->locked_vm += new_len" step
        if (locked && (!dontunmap || k.profile.mremapMultiVma())) mm.lockedVm += newLen >>> PAGE_SHIFT;
        if (dontunmap) { // dontunmap_complete()
            vma.flags &= ~VM_LOCKED_B;
            if (oldAddr == vma.start && oldAddr + oldLen == vma.end) vma.anonVma = 0; // unlink_anon_vmas()
            ex.ok("dontunmap_complete", FILE, "old range " + hex(oldAddr) + "-" + hex(oldAddr + oldLen) + " stays mapped, empty");
        } else {
            Vmas.unmapRange(k, mm, oldAddr, oldAddr + oldLen); // unmap_source_vma()
            ex.ok("unmap_source_vma", FILE, "old range " + hex(oldAddr) + "-" + hex(oldAddr + oldLen) + " unmapped");
        }
        Vma merged = Vmas.vmaMerge(k, mm, nv);
        if (locked && Long.compareUnsigned(newLen, oldLen) > 0) Mmap.mmPopulate(k, mm, newAddr + oldLen, newAddr + newLen, ex);
        ex.ok("move_vma", FILE, "moved to VMA " + range(merged));
        return newAddr;
    }

    /** Page-table leaves the destination may need: one per 512 pages touched, plus the ends. */
    private static long leavesNeeded(Mm mm, long oldAddr, long len, long newAddr) {
        return (len >>> (PAGE_SHIFT + HPAGE_ORDER)) + 2;
    }

    /**
     * copy_vma() (mm/vma.c): a VMA for [newAddr, newAddr + newLen) with the flags, file (one more
     * reference), anon_vma and file offset of the moved part. Merging with neighbours happens after
     * the source is gone (pinlab's order; the kernel's vma_merge_new_range() gives the same VMAs).
     */
    private static Vma copyVma(Globals k, Mm mm, Vma vma, long oldAddr, long newAddr, long newLen) {
        Vma nv = vma.copy();
        nv.start = newAddr;
        nv.end = newAddr + newLen;
        nv.pgoff = vma.pgoff + ((oldAddr - vma.start) >>> PAGE_SHIFT);
        if (nv.file != null) nv.file.refs++; // get_file()
        mm.insert(nv);
        return nv;
    }

    /**
     * move_page_tables(): per PMD extent (get_extent(): up to the next 2 MiB boundary of both the
     * old and the new address), a PMD leaf whose extent is a whole, aligned PMD moves as one entry
     * (move_huge_pmd(); hugetlb: move_hugetlb_page_tables()); otherwise it is split first
     * (split_huge_pmd()) and its PTEs move one by one (move_ptes()). Entries keep their frame and
     * bits: pins, refcounts, mapcounts and PageAnonExclusive are untouched. Returns the bytes moved.
     */
    static long movePageTables(Globals k, Mm mm, Vma oldVma, long oldAddr, Vma newVma, long newAddr, long len) {
        if (oldVma.isHugetlb() && Hugetlb.hstateVma(oldVma).isGigantic()) { // move_hugetlb_page_tables(): one PUD per 1 GiB
            for (long d = 0; d < len; d += PUD_SIZE) {
                long pud = mm.puds.get((oldAddr + d) >>> 30);
                if (pud == 0) continue;
                mm.puds.set((oldAddr + d) >>> 30, 0);
                mm.puds.set((newAddr + d) >>> 30, pud);
            }
            return len;
        }
        long done = 0;
        while (done < len) {
            long o = oldAddr + done, n = newAddr + done;
            long extent = Math.min(len - done, Math.min(HPAGE_SIZE - (o & (HPAGE_SIZE - 1)), HPAGE_SIZE - (n & (HPAGE_SIZE - 1))));
            long pmd = mm.pmds.get(o >>> 21);
            if (pmd != 0) {
                if (extent == HPAGE_SIZE || oldVma.isHugetlb()) { // move_huge_pmd() / move_hugetlb_page_tables()
                    mm.pmds.set(o >>> 21, 0);
                    mm.pmds.set(n >>> 21, pmd);
                    done += HPAGE_SIZE;
                    continue;
                }
                HugeMemory.splitHugePmd(k, mm, o);
            }
            long fo = o, fn = n; // move_ptes()
            mm.ptes.forEach(o >>> PAGE_SHIFT, (o + extent) >>> PAGE_SHIFT, (vpn, pte) -> {
                mm.ptes.set(vpn, 0);
                mm.ptes.set(vpn + ((fn - fo) >> PAGE_SHIFT), pte); // signed: the move may go down
            });
            done += extent;
        }
        return done;
    }

    // ================================================================ 6.3-6.5

    /**
     * SYSCALL_DEFINE5(mremap) as in 6.3-6.5: the flag rules (MREMAP_DONTUNMAP compares the raw
     * lengths), PAGE_ALIGN(), then vma_lookup() (-EFAULT) before any check of new_addr, which
     * mremap_to() makes; a MREMAP_FIXED move unmaps the destination before vma_to_resize() checks
     * the source; one VMA at most.
     */
    private static long sysMremapOld(Globals k, Task t, long addr, long oldLenIn, long newLenIn, int flags, long newAddr, Explain ex) {
        String fn = "SYSCALL_DEFINE5(mremap)";
        if ((flags & ~(FIXED | MAYMOVE | DONTUNMAP)) != 0) return fail(ex, fn, FILE, Errno.EINVAL, "unknown flag bits");
        if ((flags & FIXED) != 0 && (flags & MAYMOVE) == 0) return fail(ex, fn, FILE, Errno.EINVAL, "MREMAP_FIXED needs MREMAP_MAYMOVE");
        if ((flags & DONTUNMAP) != 0 && ((flags & MAYMOVE) == 0 || oldLenIn != newLenIn))
            return fail(ex, fn, FILE, Errno.EINVAL, "MREMAP_DONTUNMAP needs MREMAP_MAYMOVE and equal lengths");
        if ((addr & (PAGE_SIZE - 1)) != 0) return fail(ex, fn, FILE, Errno.EINVAL, "old address " + hex(addr) + " is not page aligned");
        Req q = new Req(addr, pageAlign(oldLenIn), pageAlign(newLenIn), flags, newAddr);
        if (q.newLen == 0) return fail(ex, fn, FILE, Errno.EINVAL, "new length 0");
        Mm mm = t.mm;
        Vma vma = mm.vmaLookup(addr);
        if (vma == null) return fail(ex, "vma_lookup", FILE, Errno.EFAULT, "no VMA contains " + hex(addr));
        if (vma.isHugetlb()) {
            q = hugetlbAligned(vma, q);
            if (hugetlbMisaligned(vma, q))
                return fail(ex, fn, FILE, Errno.EINVAL, "hugetlb addresses must be aligned to the huge page size");
            if (Long.compareUnsigned(q.newLen, q.oldLen) > 0)
                return fail(ex, fn, FILE, Errno.EINVAL, "a hugetlb mapping cannot grow (its reservation cannot be split)");
        }
        if (q.impliesNewAddr()) return mremapToOld(k, t, q, ex);
        if (Long.compareUnsigned(q.oldLen, q.newLen) >= 0) return mremapAt(k, t, vma, q, ex);
        long r = checkPrepVma(t, vma, q, ex); // vma_to_resize()
        if (r != 0) return r;
        return expandVma(k, t, vma, q, ex);
    }

    /** mremap_to() as in 6.3-6.5: new_addr checks, the destination unmapped, then vma_to_resize(). */
    private static long mremapToOld(Globals k, Task t, Req q, Explain ex) {
        Mm mm = t.mm;
        if ((q.newAddr & (PAGE_SIZE - 1)) != 0) return fail(ex, "mremap_to", FILE, Errno.EINVAL, "new address " + hex(q.newAddr) + " is not page aligned");
        if (Long.compareUnsigned(q.newLen, Mm.TASK_SIZE) > 0 || Long.compareUnsigned(q.newAddr, Mm.TASK_SIZE - q.newLen) > 0)
            return fail(ex, "mremap_to", FILE, Errno.EINVAL, "new range ends beyond TASK_SIZE");
        if (overlaps(q)) return fail(ex, "mremap_to", FILE, Errno.EINVAL, "old and new ranges overlap");
        long r = checkMapCount(k, mm, ex);
        if (r != 0) return r;
        if ((q.flags & FIXED) != 0) {
            r = Vmas.doVmiMunmap(k, mm, q.newAddr, q.newLen, ex);
            if (r != 0) return r;
        }
        long oldLen = q.oldLen;
        if (Long.compareUnsigned(oldLen, q.newLen) > 0) {
            r = Vmas.doVmiMunmap(k, mm, q.addr + q.newLen, oldLen - q.newLen, ex);
            if (r != 0) return r;
            oldLen = q.newLen;
        }
        Vma vma = mm.vmaLookup(q.addr);
        if (vma == null) return fail(ex, "vma_to_resize", FILE, Errno.EFAULT, "no VMA contains " + hex(q.addr));
        Req sized = new Req(q.addr, oldLen, q.newLen, q.flags, q.newAddr);
        r = checkPrepVma(t, vma, sized, ex);
        if (r != 0) return r;
        long newAddr = setNewAddr(k, mm, vma, q.addr, q.newLen, q.flags, q.newAddr, ex);
        if (newAddr < 0) return newAddr;
        return moveVma(k, mm, vma, q.addr, oldLen, q.newLen, newAddr, q.flags, ex);
    }
}
