package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.SysResult;

import java.util.Map;

import static io.pinlab.kernel.mm.Mmap.fail;
import static io.pinlab.kernel.base.Explain.hex;
import static io.pinlab.kernel.mm.Mmap.range;
import static io.pinlab.kernel.mm.PhysMem.*;
import static io.pinlab.kernel.mm.VmFlag.*;

/** mm/mprotect.c: do_mprotect_pkey(), mprotect_fixup(), change_protection(). */
public final class Mprotect {
    static final String FILE = "mm/mprotect.c";

    private Mprotect() {}

    /**
     * mprotect() -> do_mprotect_pkey(). VMAs are changed one by one in address order; a failure
     * on a later VMA (EACCES, or ENOMEM for a hole) leaves the earlier ones changed, as in the kernel.
     */
    public static SysResult doMprotect(Globals k, Task t, VirtAddr start, long len, int prot) {
        return Mmap.sysResult(k, ex -> doMprotectPkey(k, t.mm, start.value(), len, prot, ex));
    }

    private static long doMprotectPkey(Globals k, Mm mm, long start, long len, int prot, Explain ex) {
        int grows = prot & (Prot.PROT_GROWSDOWN.value | Prot.PROT_GROWSUP.value);
        prot &= ~(Prot.PROT_GROWSDOWN.value | Prot.PROT_GROWSUP.value);
        if (grows == (Prot.PROT_GROWSDOWN.value | Prot.PROT_GROWSUP.value))
            return fail(ex, "do_mprotect_pkey", FILE, Errno.EINVAL, "PROT_GROWSDOWN and PROT_GROWSUP together");
        if ((start & (PAGE_SIZE - 1)) != 0)
            return fail(ex, "do_mprotect_pkey", FILE, Errno.EINVAL, "address " + hex(start) + " is not page aligned");
        if (len == 0) {
            ex.ok("do_mprotect_pkey", FILE, "length 0: nothing to do");
            return 0;
        }
        len = Mmap.alignUp(len, PAGE_SIZE);
        long end = start + len;
        if (Long.compareUnsigned(end, start) <= 0)
            return fail(ex, "do_mprotect_pkey", FILE, Errno.ENOMEM, "range wraps around the address space");
        // arch_validate_prot() (include/linux/mman.h): only READ, WRITE, EXEC, SEM
        if ((prot & ~(Prot.PROT_READ.value | Prot.PROT_WRITE.value | Prot.PROT_EXEC.value | Prot.PROT_SEM.value)) != 0)
            return fail(ex, "arch_validate_prot", "include/linux/mman.h", Errno.EINVAL, "unknown PROT bits " + Integer.toHexString(prot));
        Vma vma = mm.findVmaIntersection(start, end);
        if (vma == null)
            return fail(ex, "do_mprotect_pkey", FILE, Errno.ENOMEM, "nothing is mapped in " + hex(start) + "-" + hex(end));
        if ((grows & Prot.PROT_GROWSDOWN.value) != 0) {
            if (vma.start >= end)
                return fail(ex, "do_mprotect_pkey", FILE, Errno.ENOMEM, "nothing is mapped in " + hex(start) + "-" + hex(end));
            if (!vma.has(VM_GROWSDOWN_B))
                return fail(ex, "do_mprotect_pkey", FILE, Errno.EINVAL, "PROT_GROWSDOWN on a VMA without VM_GROWSDOWN");
            start = vma.start;
        } else if (vma.start > start) {
            return fail(ex, "do_mprotect_pkey", FILE, Errno.ENOMEM, hex(start) + " is not mapped (the first VMA starts at " + hex(vma.start) + ")");
        } else if ((grows & Prot.PROT_GROWSUP.value) != 0) { // x86 has no VM_GROWSUP (it is VM_NONE)
            return fail(ex, "do_mprotect_pkey", FILE, Errno.EINVAL, "PROT_GROWSUP: no VMA grows up on x86");
        }
        long newProt = Mmap.calcVmProtBits(prot);
        long tmp = vma.start;
        long nstart = start;
        while (vma != null && vma.start < end) {
            if (vma.start != tmp)
                return fail(ex, "do_mprotect_pkey", FILE, Errno.ENOMEM, "hole at " + hex(tmp) + "-" + hex(vma.start) + " (VMAs before it were already changed)");
            long newFlags = newProt | (vma.flags & ~(VM_READ_B | VM_WRITE_B | VM_EXEC_B));
            // newflags >> 4 shifts VM_MAY* onto VM_*: every new permission needs its VM_MAY* bit
            long missing = newFlags & ~(newFlags >>> 4) & (VM_READ_B | VM_WRITE_B | VM_EXEC_B);
            if (missing != 0)
                return fail(ex, "do_mprotect_pkey", FILE, Errno.EACCES, "VMA " + range(vma) + " lacks " + VmFlag.names(missing << 4)
                        + (vma.has(VM_MAYSHARE_B) && (missing & VM_WRITE_B) != 0 ? ": a MAP_SHARED mapping of a file not opened for writing" : ""));
            tmp = Math.min(vma.end, end);
            int splits = Vmas.splitsNeeded(vma, nstart, tmp);
            if (vma.flags != newFlags && splits > 0 && mm.mapCount() + splits - 1 >= k.maxMapCount)
                return fail(ex, "split_vma", Vmas.FILE, Errno.ENOMEM, "splitting " + range(vma) + " would exceed vm.max_map_count");
            String nomem = Vmas.vmAreaAllocFails(k, splits);
            if (vma.flags != newFlags && splits > 0 && nomem != null)
                return fail(ex, "vm_area_dup", "kernel/fork.c", Errno.ENOMEM, "splitting " + range(vma) + ": " + nomem);
            if (vma.flags != newFlags && vma.isHugetlb()) {
                long r = Hugetlb.hugetlbVmOpSplit(vma, nstart, ex);
                if (r == 0) r = Hugetlb.hugetlbVmOpSplit(vma, tmp, ex);
                if (r < 0) return r;
            }
            Vma changed = mprotectFixup(k, mm, vma, nstart, tmp, newFlags);
            ex.ok("mprotect_fixup", FILE, hex(nstart) + "-" + hex(tmp) + " now " + VmFlag.mnemonics(newFlags & (VM_READ_B | VM_WRITE_B | VM_EXEC_B))
                    + " (VMA " + range(changed) + ")");
            tmp = changed.end; // vma_iter_end(): a merge may have reached past the range
            nstart = tmp;
            Map.Entry<Long, Vma> ne = mm.vmas.ceilingEntry(tmp);
            vma = ne == null ? null : ne.getValue();
        }
        if (tmp < end)
            return fail(ex, "do_mprotect_pkey", FILE, Errno.ENOMEM, hex(tmp) + "-" + hex(end) + " is not mapped (the VMAs before it were already changed)");
        return 0;
    }

    /**
     * mprotect_fixup(): private mappings that become writable are charged (VM_ACCOUNT), the VMA is
     * split/merged by vma_modify_flags(), then change_protection() rewrites the PTEs.
     */
    static Vma mprotectFixup(Globals k, Mm mm, Vma vma, long start, long end, long newFlags) {
        if (newFlags == vma.flags) return vma;
        if ((newFlags & VM_WRITE_B) != 0 && (vma.flags & (VM_ACCOUNT_B | VM_WRITE_B | VM_HUGETLB_B | VM_SHARED_B | VM_NORESERVE_B)) == 0)
            newFlags |= VM_ACCOUNT_B;
        Vma v = Vmas.vmaModifyFlags(k, mm, vma, start, end, newFlags);
        changeProtection(k, mm, v, start, end);
        return v;
    }

    /**
     * change_protection() (mm/mprotect.c): without VM_WRITE every PTE/PMD loses its write bit;
     * with it, shared mappings without write-notify (shmem, devices) get writable PTEs at once,
     * dirty-tracked ones only where already dirty, and private ones only for exclusive anonymous
     * pages (can_change_pte_writable()).
     */
    static void changeProtection(Globals k, Mm mm, Vma v, long start, long end) {
        boolean writable = v.has(VM_WRITE_B);
        if (v.isHugetlb() && Hugetlb.hstateVma(v).isGigantic()) { // hugetlb_change_protection() on PUD leaves
            mm.puds.forEach(start >>> 30, ((end - 1) >>> 30) + 1, (key, pud) -> mm.puds.set(key, newPte(k, v, pud, writable)));
            return;
        }
        mm.pmds.forEach(start >>> 21, ((end - 1) >>> 21) + 1, (key, pmd) -> {
            long hs = key << 21;
            if (!v.isHugetlb() && (hs < start || hs + HPAGE_SIZE > end)) HugeMemory.splitHugePmd(k, mm, hs); // change_pmd_range()
            else mm.pmds.set(key, newPte(k, v, pmd, writable));
        });
        mm.ptes.forEach(start >>> PAGE_SHIFT, end >>> PAGE_SHIFT, (vpn, pte) -> mm.ptes.set(vpn, newPte(k, v, pte, writable)));
    }

    private static long newPte(Globals k, Vma v, long pte, boolean writable) {
        if (Pte.isSwap(pte)) return pte; // change_pte_range(): a swap entry keeps its bits
        if (!writable) return Pte.wrprotect(pte);
        if (Pte.write(pte)) return pte;
        long pfn = Pte.pfn(pte);
        boolean canWrite;
        if (v.has(VM_SHARED_B)) canWrite = !v.needsDirtyTracking() || (pte & Pte.DIRTY) != 0;
        else canWrite = !Pte.special(pte) && k.phys.isRam(pfn) && k.phys.testPageFlag(pfn, PG_ANON)
                && k.phys.testPageFlag(pfn, PG_ANON_EXCLUSIVE);
        return canWrite ? pte | Pte.WRITE : pte;
    }
}
