package io.pinlab.kernel.iouring;

import io.pinlab.kernel.Errno;
import io.pinlab.kernel.Explain;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.Task;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.Gup;
import io.pinlab.kernel.mm.Memory;
import io.pinlab.kernel.mm.Mm;
import io.pinlab.kernel.mm.Pte;
import io.pinlab.kernel.mm.Vma;

import static io.pinlab.kernel.mm.PhysMem.PAGE_SHIFT;
import static io.pinlab.kernel.mm.VmFlag.*;

/**
 * TEMPORARY stand-in for mm/gup.c pin_user_pages()/unpin_user_page() until the GUP branch lands.
 * Removed before the final commit.
 */
final class StandInGup {
    private StandInGup() {}

    static long pinUserPages(Kernel k, Task t, long start, long nrPages, int follFlags, long[] pages, Explain ex) {
        Mm mm = t.mm;
        int foll = follFlags | FollFlag.FOLL_PIN.value();
        Vma first = null, cur = null;
        for (long i = 0; i < nrPages; i++) {
            long addr = start + (i << PAGE_SHIFT);
            if (cur == null || !cur.contains(addr)) {
                cur = mm.vmaLookup(addr);
                Errno e = cur == null ? Errno.EFAULT : checkVmaFlags(k, cur, first, foll);
                if (e != null) {
                    ex.fail("check_vma_flags", "mm/gup.c", e, "stand-in at 0x" + Long.toHexString(addr));
                    return i == 0 ? e.neg() : i;
                }
                if (first == null) first = cur;
            }
            long pte = Memory.followPte(mm, addr);
            if (pte == 0 || !Pte.write(pte)) {
                int r = Memory.handleMmFault(k, mm, cur, addr, Memory.FAULT_FLAG_WRITE);
                if (r != 0) return i == 0 ? Errno.EFAULT.neg() : i;
                pte = Memory.followPte(mm, addr);
            }
            long pfn = Pte.pfn(pte);
            if (k.phys.isLarge(pfn)) {
                k.phys.refAdd(pfn, 1);
                k.phys.pincountAdd(pfn, 1);
            } else {
                k.phys.refAdd(pfn, Gup.GUP_PIN_COUNTING_BIAS);
            }
            pages[(int) i] = pfn;
        }
        mm.flags |= Mm.MMF_HAS_PINNED;
        return nrPages;
    }

    private static Errno checkVmaFlags(Kernel k, Vma vma, Vma first, int foll) {
        if ((vma.flags & (VM_IO_B | VM_PFNMAP_B)) != 0) return Errno.EFAULT;
        if ((foll & FollFlag.FOLL_LONGTERM.value()) != 0 && vma.isFsdax()) return Errno.EOPNOTSUPP;
        if (vma.isSecretmem()) return Errno.EFAULT;
        if (k.profile.follSameFile() && (foll & FollFlag.FOLL_SAME_FILE.value()) != 0 && first != null
                && first.file != vma.file) return Errno.EFAULT;
        if ((foll & FollFlag.FOLL_WRITE.value()) != 0) {
            if (!vma.has(VM_WRITE_B)) return Errno.EFAULT;
            if (k.profile.fileBackedLongtermWriteBan() && !vma.isAnonymous()
                    && (foll & FollFlag.FOLL_LONGTERM.value()) != 0 && vma.needsDirtyTracking()) return Errno.EFAULT;
        }
        return null;
    }

    static void unpinUserPage(Kernel k, long pfn) {
        if (k.phys.isLarge(pfn)) {
            k.phys.pincountAdd(pfn, -1);
            if (k.phys.testPageFlag(k.phys.head(pfn), io.pinlab.kernel.mm.PhysMem.PG_HUGETLB)) k.releaseHugetlbRef(k.phys.head(pfn));
            else k.phys.refAdd(pfn, -1);
        } else {
            k.phys.refAdd(pfn, -Gup.GUP_PIN_COUNTING_BIAS);
        }
    }
}
