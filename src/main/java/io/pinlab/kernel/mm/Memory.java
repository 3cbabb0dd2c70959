package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.fs.FsType;
import io.pinlab.kernel.fs.Inode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.pinlab.kernel.base.Explain.hex;

import static io.pinlab.kernel.mm.PhysMem.*;
import static io.pinlab.kernel.mm.VmFlag.*;

/**
 * Page faults, COW and unsharing (mm/memory.c, mm/huge_memory.c, mm/hugetlb.c).
 *
 * Page state conventions used everywhere:
 * - every present, non-special PTE holds one folio reference and one mapcount; a PMD leaf holds
 *   one of each for the whole folio;
 * - a page-cache folio holds one extra reference for the cache itself;
 * - the zero page and VM_PFNMAP memory are mapped with special PTEs and never refcounted by
 *   mapping;
 * - anonymous pages carry PG_ANON and, while only this mm may write them, PG_ANON_EXCLUSIVE.
 */
public final class Memory {
    // enum fault_flag (include/linux/mm_types.h)
    public static final int FAULT_FLAG_WRITE = 1 << 0;
    public static final int FAULT_FLAG_MKWRITE = 1 << 1;
    public static final int FAULT_FLAG_ALLOW_RETRY = 1 << 2;
    public static final int FAULT_FLAG_RETRY_NOWAIT = 1 << 3;
    public static final int FAULT_FLAG_KILLABLE = 1 << 4;
    public static final int FAULT_FLAG_TRIED = 1 << 5;
    public static final int FAULT_FLAG_USER = 1 << 6;
    public static final int FAULT_FLAG_REMOTE = 1 << 7;
    public static final int FAULT_FLAG_INTERRUPTIBLE = 1 << 9;
    public static final int FAULT_FLAG_UNSHARE = 1 << 10;

    // vm_fault_t (include/linux/mm_types.h)
    public static final int VM_FAULT_OK = 0;
    public static final int VM_FAULT_OOM = 0x000001;
    public static final int VM_FAULT_SIGBUS = 0x000002;
    public static final int VM_FAULT_SIGSEGV = 0x000040;

    /** Marks a folio as anonymous in folio->mapping (an anon_vma stands behind it in the kernel). */
    public static final String ANON_MAPPING = "anon_vma";

    /** access() reports at most this many page values. */
    public static final int MAX_VALUES = 4096;
    /** RLIMIT_STACK default (8 MiB): how far a VM_GROWSDOWN VMA may grow. */
    public static final long RLIMIT_STACK = 8L << 20;

    private Memory() {}

    // ================================================================ user access

    /**
     * The process itself reads or writes [addr, addr + len), page by page, as its instructions
     * would: the x86 page fault handler (arch/x86/mm/fault.c do_user_addr_fault()) finds the VMA
     * (growing a VM_GROWSDOWN stack, expand_stack()), checks access_error(), and calls
     * handle_mm_fault() when the PTE does not allow the access. Stops at the first signal.
     * A write stores {@code value} (when given) into every page it touches.
     */
    public static AccessResult access(Globals k, Task t, long addr, long len, boolean write, Long value) {
        Mm mm = t.mm;
        Explain ex = new Explain();
        List<Long> values = new ArrayList<>();
        int faults = 0;
        long end = addr + len;
        String signal = null, code = null;
        Long faultAddr = null;
        long done = 0;
        Vma cur = null;
        long curFrom = 0;
        int curFaults = 0;
        boolean interrupted = false;
        for (long p = addr; Long.compareUnsigned(p, end) < 0; ) {
            long page = p & ~(PAGE_SIZE - 1);
            long next = Math.min(page + PAGE_SIZE, end);
            if (!k.chargeWork(1)) {
                interrupted = true;
                ex.fail("do_user_addr_fault", "arch/x86/mm/fault.c", Errno.EINTR, "stopped at " + hex(p) + ": " + k.workLimitReason());
                break;
            }
            Vma vma = mm.vmaLookup(page);
            if (vma == null) vma = expandStack(mm, page);
            if (vma != cur) {
                if (cur != null) ex.ok("handle_mm_fault", "mm/memory.c", perVma(cur, curFrom, page, curFaults));
                cur = vma;
                curFrom = page;
                curFaults = 0;
            }
            if (vma == null) {
                signal = "SIGSEGV"; code = "SEGV_MAPERR"; faultAddr = p;
                ex.fail("do_user_addr_fault", "arch/x86/mm/fault.c", Errno.EFAULT,
                        "no VMA contains " + hex(p) + ": SIGSEGV (SEGV_MAPERR)");
                break;
            }
            // access_error(): writes need VM_WRITE; reads need any of VM_READ|VM_WRITE|VM_EXEC
            boolean denied = write ? !vma.has(VM_WRITE_B) : (vma.flags & (VM_READ_B | VM_WRITE_B | VM_EXEC_B)) == 0;
            if (denied) {
                signal = "SIGSEGV"; code = "SEGV_ACCERR"; faultAddr = p;
                ex.fail("access_error", "arch/x86/mm/fault.c", Errno.EFAULT, (write ? "write to " : "read of ") + hex(p)
                        + " in VMA " + hex(vma.start) + "-" + hex(vma.end) + " (" + vma.perms() + ") is not allowed: SIGSEGV (SEGV_ACCERR)");
                break;
            }
            long pte = followPte(mm, page);
            if (!Pte.present(pte) || (write && !Pte.write(pte))) {
                int f = handleMmFault(k, mm, vma, page, FAULT_FLAG_USER | (write ? FAULT_FLAG_WRITE : 0));
                faults++;
                curFaults++;
                if ((f & VM_FAULT_SIGBUS) != 0) {
                    signal = "SIGBUS"; code = "BUS_ADRERR"; faultAddr = p;
                    ex.fail("handle_mm_fault", "mm/memory.c", Errno.EFAULT, hex(p) + ": VM_FAULT_SIGBUS ("
                            + (vma.isHugetlb() ? "no huge page in the pool, or past the end of the file" : "the page is past the end of the file") + ")");
                    break;
                }
                if ((f & VM_FAULT_OOM) != 0) {
                    signal = "SIGKILL"; faultAddr = p;
                    String why = OomKill.failure(k);
                    ex.fail("pagefault_out_of_memory", "mm/oom_kill.c", Errno.ENOMEM, "no memory for the fault at " + hex(p)
                            + (why == null ? ": the OOM killer kills the process" : ": " + why));
                    break;
                }
                pte = followPte(mm, page);
            }
            long pfn = Pte.pfn(pte);
            if (write) {
                if (value != null && k.phys.isRam(pfn)) k.phys.setValue(pfn, value);
            } else if (values.size() < MAX_VALUES) {
                values.add(k.phys.isRam(pfn) ? k.phys.value(pfn) : 0L);
            }
            done += next - p;
            p = next;
        }
        if (signal == null && !interrupted && cur != null) ex.ok("handle_mm_fault", "mm/memory.c", perVma(cur, curFrom, Math.min(end, cur.end), curFaults));
        AccessResult r = new AccessResult(done, signal, code, faultAddr, faults, values, ex.steps());
        k.endCall();
        return r;
    }

    /**
     * copy_to_user()/copy_from_user() of one page by the kernel on the task's behalf: the same
     * fault path as the task's own access (do_user_addr_fault(): VMA, access_error(),
     * handle_mm_fault()). Returns the frame, or -1 where the copy faults (the caller's -EFAULT).
     */
    public static long userPage(Globals k, Task t, long addr, boolean write) {
        long page = addr & ~(PAGE_SIZE - 1);
        Vma vma = t.mm.vmaLookup(page);
        if (vma == null) vma = expandStack(t.mm, page);
        if (vma == null) return -1;
        boolean denied = write ? !vma.has(VM_WRITE_B) : (vma.flags & (VM_READ_B | VM_WRITE_B | VM_EXEC_B)) == 0;
        if (denied) return -1;
        long pte = followPte(t.mm, page);
        if (!Pte.present(pte) || (write && !Pte.write(pte))) {
            if (handleMmFault(k, t.mm, vma, page, FAULT_FLAG_USER | (write ? FAULT_FLAG_WRITE : 0)) != VM_FAULT_OK) return -1;
            pte = followPte(t.mm, page);
        }
        return Pte.pfn(pte);
    }

    private static String perVma(Vma v, long from, long to, int faults) {
        return "VMA " + hex(v.start) + "-" + hex(v.end) + " (" + v.perms() + "): " + ((to - from) >>> PAGE_SHIFT)
                + " pages touched, " + faults + " faults";
    }

    /**
     * expand_stack() -> expand_downwards() (mm/mmap.c): an access below a VM_GROWSDOWN VMA grows
     * it, within RLIMIT_STACK and keeping stack_guard_gap above the previous accessible VMA.
     * Returns the grown VMA or null.
     */
    static Vma expandStack(Mm mm, long page) { return expandStack(mm, page, null, null); }

    /** As above; when {@code ex} is given, a refusal is recorded as a step of {@code fn}. */
    static Vma expandStack(Mm mm, long page, Explain ex, String fn) {
        Vma next = mm.findVma(page);
        if (next == null || !next.has(VM_GROWSDOWN_B) || page < Mm.MMAP_MIN_ADDR) return null;
        if (next.end - page > RLIMIT_STACK)
            return refuse(ex, fn, "expanding the stack to " + hex(page) + " would exceed RLIMIT_STACK (8 MiB)");
        Map.Entry<Long, Vma> pe = mm.vmas.lowerEntry(next.start);
        if (pe != null) {
            Vma prev = pe.getValue();
            if (prev.end > page) return refuse(ex, fn, hex(page) + " lies inside the VMA at " + hex(prev.start));
            if (!prev.has(VM_GROWSDOWN_B) && (prev.flags & (VM_READ_B | VM_WRITE_B | VM_EXEC_B)) != 0
                    && page - prev.end < Mmap.STACK_GUARD_GAP)
                return refuse(ex, fn, "expanding the stack to " + hex(page)
                        + " would come within stack_guard_gap of the VMA at " + hex(prev.start));
        }
        mm.remove(next);
        next.pgoff -= (next.start - page) >>> PAGE_SHIFT;
        next.start = page;
        mm.insert(next);
        return next;
    }

    private static Vma refuse(Explain ex, String fn, String why) {
        if (ex != null) ex.step(fn, "mm/mmap.c", "no VMA", why);
        return null;
    }

    /** The PTE (or PMD leaf converted to the subpage) mapping addr, 0 if none. */
    public static long followPte(Mm mm, long addr) {
        long pmd = mm.pmds.get(addr >>> 21);
        if (pmd != 0) {
            long sub = (addr >>> PAGE_SHIFT) & (HPAGE_NR - 1);
            return Pte.mk(Pte.pfn(pmd) + sub, pmd & ~(Pte.PRESENT) & 0xfff);
        }
        return mm.ptes.get(addr >>> PAGE_SHIFT);
    }

    /** True when addr is mapped by a PMD leaf (THP or hugetlb). */
    public static boolean pmdMapped(Mm mm, long addr) { return mm.pmds.get(addr >>> 21) != 0; }

    /**
     * handle_mm_fault(): resolves one fault at addr in vma. The caller has already checked that
     * the access is allowed (access() against the VMA permissions, GUP through check_vma_flags()).
     * Returns VM_FAULT_* bits (0 on success).
     */
    public static int handleMmFault(Globals k, Mm mm, Vma vma, long addr, int faultFlags) {
        // mem_cgroup_charge() / pte_alloc() below may need up to MemCg.FAULT_BYTES: when that does
        // not fit, the memcg OOM killer runs; the fault fails if it killed the faulting process
        if (k.memcg.margin() < MemCg.FAULT_BYTES && !OomKill.memcgOutOfMemory(k, mm)) return VM_FAULT_OOM;
        boolean write = (faultFlags & FAULT_FLAG_WRITE) != 0;
        boolean unshare = (faultFlags & FAULT_FLAG_UNSHARE) != 0;
        if (vma.isHugetlb()) return hugetlbFault(k, mm, vma, addr, write, unshare);

        long pmd = mm.pmds.get(addr >>> 21);
        if (pmd != 0) {
            if (!write && !unshare) return VM_FAULT_OK;
            if (write && Pte.write(pmd)) return VM_FAULT_OK;
            if (isHugeZeroPmd(k, pmd)) {
                // 6.18 do_huge_zero_wp_pmd() maps a new THP; 6.3-6.5 (and 6.18 without a free huge
                // page) fall back: 512 zero-page PTEs, then do_wp_page() copies one 4 KiB page
                if (k.profile.hugeZeroWpAllocatesThp() && doHugeZeroWpPmd(k, mm, vma, addr)) return VM_FAULT_OK;
            } else if (doHugePmdWpPage(k, mm, vma, addr, pmd, unshare)) {
                return VM_FAULT_OK;
            }
            splitHugePmd(k, mm, addr); // VM_FAULT_FALLBACK: __split_huge_pmd(), then do_wp_page() on the one PTE below
        }

        long vpn = addr >>> PAGE_SHIFT;
        long pte = mm.ptes.get(vpn);
        if (pte == 0) {
            return switch (vma.ops) {
                case ANON -> doAnonymousPage(k, mm, vma, addr, write);
                case FILE, FSDAX, SHMEM, SECRETMEM -> doFilePage(k, mm, vma, addr, write);
                case DEVICE -> VM_FAULT_SIGBUS; // remap_pfn_range() populated it at mmap time
                case HUGETLB -> VM_FAULT_SIGBUS;
            };
        }
        if (write && Pte.write(pte)) return VM_FAULT_OK;
        if (!write && !unshare) return VM_FAULT_OK;
        return doWpPage(k, mm, vma, addr, pte, unshare);
    }

    /**
     * do_huge_pmd_wp_page() (mm/huge_memory.c): a write or unshare fault on a read-only PMD-mapped
     * anonymous THP. PageAnonExclusive on the head page, or folio_ref_count() == 1 (the PMD
     * mapping is the only reference: no other mm, no GUP reference), reuses the whole folio in
     * place: folio_move_anon_rmap(), SetPageAnonExclusive(head), and for a write the PMD becomes
     * writable. Returns false for VM_FAULT_FALLBACK (the caller splits the PMD).
     */
    static boolean doHugePmdWpPage(Globals k, Mm mm, Vma vma, long addr, long pmd, boolean unshare) {
        long head = Pte.pfn(pmd);
        if (!k.phys.testPageFlag(head, PG_ANON)) return false;
        if (!k.phys.testPageFlag(head, PG_ANON_EXCLUSIVE)) {
            if (k.phys.refcount(head) != 1) return false;
            k.phys.setPageFlag(head, PG_ANON_EXCLUSIVE, true);
        }
        if (!unshare) mm.pmds.set(addr >>> 21, maybeMkwrite(pmd, vma));
        return true;
    }

    /** is_huge_zero_pmd() (include/linux/huge_mm.h): the PMD maps the huge zero folio. */
    public static boolean isHugeZeroPmd(Globals k, long pmd) {
        return pmd != 0 && k.hugeZeroPfn >= 0 && Pte.pfn(pmd) == k.hugeZeroPfn;
    }

    /**
     * mm_get_huge_zero_folio() (mm/huge_memory.c): the shared, zeroed order-9 folio, allocated
     * outside ZONE_MOVABLE on first use and kept (the lab has no shrinker). Its mappings take no
     * reference and no mapcount, and count in no RSS. -1 when no huge page is free.
     */
    static long mmGetHugeZeroFolio(Globals k) {
        if (k.hugeZeroPfn < 0) {
            long head = k.phys.allocFolio(Zone.NORMAL, HPAGE_ORDER);
            if (head < 0) return -1;
            k.phys.setFolioFlags(head, PG_ZERO | PG_RESERVED);
            k.hugeZeroPfn = head;
        }
        return k.hugeZeroPfn;
    }

    /**
     * do_huge_zero_wp_pmd() (mm/huge_memory.c, 6.18): a write or unshare fault on the huge zero
     * PMD allocates a new anonymous THP and maps it with map_anon_folio_pmd(), writable where the
     * VMA allows (maybe_pmd_mkwrite(), for an unshare too). False: VM_FAULT_FALLBACK.
     */
    static boolean doHugeZeroWpPmd(Globals k, Mm mm, Vma vma, long addr) {
        long head = k.phys.allocFolio(k.userZone(), HPAGE_ORDER);
        if (head < 0) return false;
        k.phys.setMapping(head, ANON_MAPPING, 0);
        k.phys.setFolioFlags(head, PG_ANON | PG_SWAPBACKED | PG_LRU | PG_ANON_EXCLUSIVE);
        k.phys.mapcountAdd(head, 1);
        mm.pmds.set(addr >>> 21, maybeMkwrite(Pte.mk(head, Pte.YOUNG), vma));
        mm.rssAnon += HPAGE_NR;
        return true;
    }

    /** pte_mkdirty() + maybe_mkwrite() (include/linux/mm.h): write permission only where the VMA has VM_WRITE (a FOLL_FORCE write may fault without it). */
    static long maybeMkwrite(long pte, Vma vma) {
        return pte | Pte.DIRTY | (vma.has(VM_WRITE_B) ? Pte.WRITE : 0);
    }

    /** anon_vma_prepare() (mm/rmap.c): the VMA gets its anon_vma with its first anonymous page. */
    static void anonVmaPrepare(Mm mm, Vma vma) {
        if (vma.anonVma == 0) vma.anonVma = ++mm.anonVmaSeq;
    }

    /**
     * do_anonymous_page() / do_huge_pmd_anonymous_page(). A read fault in a THP-eligible range
     * maps the huge zero folio read-only when transparent_hugepage/use_zero_page is set.
     */
    private static int doAnonymousPage(Globals k, Mm mm, Vma vma, long addr, boolean write) {
        if (thpEligible(mm, vma, addr)) {
            anonVmaPrepare(mm, vma); // vmf_anon_prepare()
            if (!write && k.thpUseZeroPage) {
                long zero = mmGetHugeZeroFolio(k);
                if (zero >= 0) { // set_huge_zero_folio(): a special PMD (6.18), no reference, no RSS
                    k.memcg.charge(MemCg.LEAF_BYTES); // pgtable_trans_huge_deposit(): the page table a split will need
                    mm.pmds.set(addr >>> 21, Pte.mk(zero, Pte.SPECIAL | Pte.YOUNG));
                    return VM_FAULT_OK;
                }
                // no huge zero folio (THP_FAULT_FALLBACK): the 4 KiB zero page below
            } else {
                long head = k.phys.allocFolio(k.userZone(), HPAGE_ORDER); // __do_huge_pmd_anonymous_page()
                if (head >= 0) {
                    k.phys.setMapping(head, ANON_MAPPING, 0);
                    k.phys.setFolioFlags(head, PG_ANON | PG_SWAPBACKED | PG_LRU | PG_ANON_EXCLUSIVE);
                    k.phys.mapcountAdd(head, 1); // the allocation reference becomes the PMD mapping's
                    k.memcg.charge(MemCg.LEAF_BYTES); // pgtable_trans_huge_deposit(): the page table a split will need
                    long bits = Pte.YOUNG | (vma.has(VM_WRITE_B) ? Pte.WRITE | Pte.DIRTY : 0);
                    mm.pmds.set(addr >>> 21, Pte.mk(head, bits));
                    mm.rssAnon += HPAGE_NR;
                    return VM_FAULT_OK;
                } // no huge page: fall back to a small one, as the kernel does
            }
        }
        if (!write) { // map the shared zero page read-only
            mm.ptes.set(addr >>> PAGE_SHIFT, Pte.mk(ZERO_PFN, Pte.SPECIAL | Pte.YOUNG));
            return VM_FAULT_OK;
        }
        anonVmaPrepare(mm, vma);
        long pfn = newAnonPage(k);
        if (pfn < 0) return VM_FAULT_OOM;
        mm.ptes.set(addr >>> PAGE_SHIFT, Pte.mk(pfn, Pte.YOUNG | Pte.DIRTY | (vma.has(VM_WRITE_B) ? Pte.WRITE : 0)));
        mm.rssAnon++;
        return VM_FAULT_OK;
    }

    /** THP for an anonymous fault: only in MADV_HUGEPAGE ranges (THP "madvise" mode), PMD-aligned and inside the VMA. */
    static boolean thpEligible(Mm mm, Vma vma, long addr) {
        if (!vma.has(VM_HUGEPAGE_B) || vma.has(VM_NOHUGEPAGE_B) || !vma.isAnonymous()) return false;
        long hstart = addr & ~(HPAGE_SIZE - 1);
        if (hstart < vma.start || hstart + HPAGE_SIZE > vma.end) return false;
        // the PMD must still be empty: no PTE in the 2 MiB range
        long[] any = {0};
        mm.ptes.forEach(hstart >>> PAGE_SHIFT, (hstart + HPAGE_SIZE) >>> PAGE_SHIFT, (i, v) -> any[0]++);
        return any[0] == 0;
    }

    /** A fresh, zeroed, exclusive anonymous small page, refcount 1 and mapcount 1 (for its PTE). */
    static long newAnonPage(Globals k) {
        long pfn = k.phys.allocFolio(k.userZone(), 0);
        if (pfn < 0) return -1;
        k.phys.setMapping(pfn, ANON_MAPPING, 0);
        k.phys.setFolioFlags(pfn, PG_ANON | PG_SWAPBACKED | PG_LRU | PG_ANON_EXCLUSIVE);
        k.phys.mapcountAdd(pfn, 1);
        return pfn;
    }

    /** do_read_fault() / do_cow_fault() / do_shared_fault() for page-cache backed VMAs. */
    private static int doFilePage(Globals k, Mm mm, Vma vma, long addr, boolean write) {
        Inode inode = vma.file.inode();
        long index = vma.pageIndex(addr);
        // filemap_fault()/shmem_fault(): a page wholly past EOF is SIGBUS
        if (index >= (inode.size + PAGE_SIZE - 1) >>> PAGE_SHIFT) return VM_FAULT_SIGBUS;
        long cached = findOrCreateCachePage(k, inode, index);
        if (cached < 0) return VM_FAULT_OOM;
        long vpn = addr >>> PAGE_SHIFT;
        if (write && !vma.has(VM_SHARED_B)) { // do_cow_fault(): private copy as anon
            anonVmaPrepare(mm, vma);
            long pfn = newAnonPage(k);
            if (pfn < 0) return VM_FAULT_OOM;
            k.phys.copyPage(pfn, cached);
            mm.ptes.set(vpn, Pte.mk(pfn, Pte.YOUNG | Pte.DIRTY | (vma.has(VM_WRITE_B) ? Pte.WRITE : 0)));
            mm.rssAnon++;
            return VM_FAULT_OK;
        }
        k.phys.refAdd(cached, 1);
        k.phys.mapcountAdd(cached, 1);
        long bits = Pte.YOUNG;
        if (vma.has(VM_SHARED_B | VM_WRITE_B)) {
            // do_shared_fault(): page_mkwrite on write; write-notify keeps dirty-tracked pages
            // read-only until the first write, shmem maps them writable straight away
            if (write || !vma.needsDirtyTracking()) bits |= Pte.WRITE;
            if (write) {
                bits |= Pte.DIRTY;
                k.phys.setFolioFlags(cached, PG_DIRTY);
            }
        }
        mm.ptes.set(vpn, Pte.mk(cached, bits));
        if (inode.isShmem() || vma.isSecretmem()) mm.rssShmem++; else mm.rssFile++;
        return VM_FAULT_OK;
    }

    /** filemap_get_folio()/shmem_get_folio(): the page-cache page at index, allocated (zeroed) if absent. */
    public static long findOrCreateCachePage(Globals k, Inode inode, long index) {
        long pfn = inode.pageCache.get(index);
        if (pfn != 0) return pfn;
        pfn = k.phys.allocFolio(k.userZone(), 0); // page cache is movable memory too (GFP_HIGHUSER_MOVABLE)
        if (pfn < 0) return -1;
        k.phys.setMapping(pfn, inode, index);
        int fl = PG_LRU | (inode.isShmem() ? PG_SWAPBACKED : 0)
                | (inode.fs() == FsType.SECRETMEM ? PG_SECRETMEM : 0);
        k.phys.setFolioFlags(pfn, fl);
        inode.pageCache.set(index, pfn); // the allocation reference is the page cache's
        return pfn;
    }

    /** do_wp_page(): write (or unshare) fault on a present, read-only PTE. */
    private static int doWpPage(Globals k, Mm mm, Vma vma, long addr, long pte, boolean unshare) {
        long vpn = addr >>> PAGE_SHIFT;
        long pfn = Pte.pfn(pte);
        boolean isZero = pfn == ZERO_PFN;
        if (!isZero && !Pte.special(pte)) {
            int fl = k.phys.flags(pfn);
            if ((fl & PG_ANON) != 0) {
                if ((fl & PG_ANON_EXCLUSIVE) != 0) { // already exclusive: reuse
                    if (!unshare) mm.ptes.set(vpn, maybeMkwrite(pte, vma));
                    return VM_FAULT_OK;
                }
                if (wpCanReuseAnonFolio(k, mm, addr, pfn)) {
                    k.phys.setPageFlag(pfn, PG_ANON_EXCLUSIVE, true);
                    if (!unshare) mm.ptes.set(vpn, maybeMkwrite(pte, vma));
                    return VM_FAULT_OK;
                }
            } else if (vma.has(VM_SHARED_B)) { // wp_page_shared(): page_mkwrite, mark dirty
                k.phys.setFolioFlags(pfn, PG_DIRTY);
                mm.ptes.set(vpn, maybeMkwrite(pte, vma));
                return VM_FAULT_OK;
            }
        }
        // wp_page_copy(): a private copy, exclusive to this mm
        anonVmaPrepare(mm, vma);
        long npfn = newAnonPage(k);
        if (npfn < 0) return VM_FAULT_OOM;
        if (!isZero && k.phys.isRam(pfn)) k.phys.copyPage(npfn, pfn); // device memory (PFNMAP) reads as 0 here
        boolean writable = !unshare && vma.has(VM_WRITE_B);
        mm.ptes.set(vpn, Pte.mk(npfn, Pte.YOUNG | (writable ? Pte.WRITE | Pte.DIRTY : 0)));
        if (!isZero && !Pte.special(pte)) dropMapping(k, mm, pfn);
        mm.rssAnon++;
        return VM_FAULT_OK;
    }

    /**
     * wp_can_reuse_anon_folio() (mm/memory.c, 6.18): may a not-exclusive anonymous page be reused
     * by a write or unshare fault? A small folio: folio_ref_count() == 1, the only reference is
     * our PTE. A large folio goes to __wp_can_reuse_large_anon_folio() when the profile has it;
     * older kernels (6.3-6.5 do_wp_page()) apply the generic folio_ref_count() == 1 test to large
     * folios too, so a THP's last remaining PTE is reused.
     */
    static boolean wpCanReuseAnonFolio(Globals k, Mm mm, long addr, long pfn) {
        if (k.phys.isLarge(pfn) && k.profile.largeAnonFolioReuse()) return wpCanReuseLargeAnonFolio(k, mm, addr, pfn);
        return k.phys.refcount(pfn) == 1;
    }

    /**
     * __wp_can_reuse_large_anon_folio() (mm/memory.c, 6.18): a PTE-mapped large anonymous folio
     * is reused when it is mapped more than once (folio_large_mapcount() > 1; a single mapping is
     * left to be copied so the large folio can be freed), FOLIO_MM_IDS_SHARED_BIT is clear (no
     * other mm maps it any more) and every reference is a mapping (folio_large_mapcount() ==
     * folio_ref_count(): no GUP reference, no pin).
     */
    static boolean wpCanReuseLargeAnonFolio(Globals k, Mm mm, long addr, long pfn) {
        int mapcount = k.phys.mapcount(pfn);
        if (mapcount <= 1) return false;
        if (folioMmIdsShared(k, mm, addr, pfn)) return false;
        return mapcount == k.phys.refcount(pfn);
    }

    /**
     * FOLIO_MM_IDS_SHARED_BIT (include/linux/rmap.h folio_add_return_large_mapcount() /
     * folio_sub_return_large_mapcount()): set while the folio's mappings are not all owned by
     * one mm. Computed here by looking at the other mms at the folio's virtual range (anonymous
     * folios keep their address across fork); the kernel tracks two mm ids, so with three or
     * more mms it can stay set where this says clear (a difference this lab does not show).
     */
    static boolean folioMmIdsShared(Globals k, Mm mm, long addr, long pfn) {
        long head = k.phys.head(pfn);
        long vstart = (addr >>> PAGE_SHIFT) - (pfn - head);
        java.util.Set<Mm> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        seen.add(mm);
        for (Task t : k.tasks.values()) {
            if (t.mm == null || !seen.add(t.mm)) continue;
            boolean[] found = {false};
            t.mm.ptes.forEach(vstart, vstart + HPAGE_NR, (vpn, pte) -> {
                if (!Pte.special(pte) && k.phys.isRam(Pte.pfn(pte)) && Pte.pfn(pte) - head >= 0 && Pte.pfn(pte) - head < HPAGE_NR) found[0] = true;
            });
            long pmd = t.mm.pmds.get(vstart >>> (21 - PAGE_SHIFT));
            if (found[0] || (pmd != 0 && Pte.pfn(pmd) == head)) return true;
        }
        return false;
    }

    /** Drops one PTE mapping of pfn: mapcount and reference, and the RSS counter it was in. */
    static void dropMapping(Globals k, Mm mm, long pfn) {
        rssAdd(k, mm, pfn, -1);
        k.phys.mapcountAdd(pfn, -1);
        k.phys.refAdd(pfn, -1);
    }

    /** add_mm_counter(mm, mm_counter(folio), delta): MM_ANONPAGES, MM_SHMEMPAGES or MM_FILEPAGES by the folio's mapping. */
    static void rssAdd(Globals k, Mm mm, long pfn, int delta) {
        Object mapping = k.phys.mapping(pfn);
        if (mapping == ANON_MAPPING) mm.rssAnon += delta;
        else if (mapping instanceof Inode in && (in.isShmem() || in.fs() == FsType.SECRETMEM)) mm.rssShmem += delta;
        else mm.rssFile += delta;
    }

    /** __split_huge_pmd(): replaces a THP PMD leaf by 512 PTEs with the same permissions. */
    public static void splitHugePmd(Globals k, Mm mm, long addr) {
        long key = addr >>> 21;
        long pmd = mm.pmds.get(key);
        if (pmd == 0) return;
        long head = Pte.pfn(pmd);
        long bits = pmd & (Pte.WRITE | Pte.DIRTY | Pte.YOUNG);
        mm.pmds.set(key, 0);
        k.memcg.uncharge(MemCg.LEAF_BYTES); // pgtable_trans_huge_withdraw(): the deposit becomes the PTE leaf below
        long base = key << (21 - PAGE_SHIFT);
        if (isHugeZeroPmd(k, pmd)) { // __split_huge_zero_page_pmd(): 512 special PTEs of the 4 KiB zero page
            for (int i = 0; i < HPAGE_NR; i++) mm.ptes.set(base + i, Pte.mk(ZERO_PFN, Pte.SPECIAL | (pmd & Pte.YOUNG)));
            return;
        }
        for (int i = 0; i < HPAGE_NR; i++) mm.ptes.set(base + i, Pte.mk(head + i, bits));
        // each PTE now holds its own reference and mapcount
        k.phys.refAdd(head, HPAGE_NR - 1);
        k.phys.mapcountAdd(head, HPAGE_NR - 1);
        // PageAnonExclusive moves from the head to every subpage
        boolean excl = k.phys.testPageFlag(head, PG_ANON_EXCLUSIVE);
        for (int i = 1; i < HPAGE_NR; i++) k.phys.setPageFlag(head + i, PG_ANON_EXCLUSIVE, excl);
    }

    /** hugetlb_fault(): 2 MiB pages from the hugetlb pool, mapped by PMD leaves. */
    private static int hugetlbFault(Globals k, Mm mm, Vma vma, long addr, boolean write, boolean unshare) {
        if (!vma.has(VM_MAYSHARE_B)) anonVmaPrepare(mm, vma); // hugetlb_no_page(): vmf_anon_prepare()
        long key = addr >>> 21;
        long pmd = mm.pmds.get(key);
        Inode inode = vma.file.inode();
        long hindex = (vma.pageIndex(addr & ~(HPAGE_SIZE - 1))) >>> HPAGE_ORDER;
        if (pmd == 0) { // hugetlb_no_page()
            boolean mayshare = vma.has(VM_MAYSHARE_B);
            long head = inode.pageCache.get(hindex);
            if (head == 0 && hindex >= (inode.size + HPAGE_SIZE - 1) / HPAGE_SIZE) return VM_FAULT_SIGBUS; // past i_size
            if (mayshare || (head != 0 && !write)) { // the page-cache folio, mapped (read-only when private)
                if (head == 0) {
                    head = allocHugetlbForVma(k, vma);
                    if (head < 0) return VM_FAULT_SIGBUS; // pool empty and nothing reserved
                    k.phys.setMapping(head, inode, hindex << HPAGE_ORDER);
                    inode.pageCache.set(hindex, head);
                }
                k.phys.refAdd(head, 1);
                k.phys.mapcountAdd(head, 1);
                long bits = Pte.YOUNG;
                if (vma.has(VM_SHARED_B | VM_WRITE_B)) bits |= Pte.WRITE | (write ? Pte.DIRTY : 0);
                mm.pmds.set(key, Pte.mk(head, bits));
                mm.rssFile += HPAGE_NR;
                return VM_FAULT_OK;
            }
            // private mapping: a new anonymous huge page, never added to the page cache
            // (hugetlb_add_new_anon_rmap()); a write gets it writable at once (the hugetlb_wp() shortcut)
            long anon = allocHugetlbForVma(k, vma);
            if (anon < 0) return VM_FAULT_SIGBUS;
            k.phys.setMapping(anon, ANON_MAPPING, 0);
            k.phys.setFolioFlags(anon, PG_ANON | PG_ANON_EXCLUSIVE);
            if (head != 0) for (int i = 0; i < HPAGE_NR; i++) k.phys.copyPage(anon + i, head + i);
            k.phys.mapcountAdd(anon, 1);
            boolean w = write && vma.has(VM_WRITE_B);
            mm.pmds.set(key, Pte.mk(anon, Pte.YOUNG | (w ? Pte.WRITE | Pte.DIRTY : 0)));
            mm.rssAnon += HPAGE_NR;
            return VM_FAULT_OK;
        }
        if (write && Pte.write(pmd)) return VM_FAULT_OK;
        if (!write && !unshare) return VM_FAULT_OK;
        long head = Pte.pfn(pmd);
        if (vma.has(VM_SHARED_B)) {
            mm.pmds.set(key, maybeMkwrite(pmd, vma));
            return VM_FAULT_OK;
        }
        // hugetlb_wp(): an anonymous folio mapped once is reused, whatever other references it has
        // (no refcount test: a FOLL_GET reference taken before fork keeps seeing the reused page)
        if (k.phys.testPageFlag(head, PG_ANON) && k.phys.mapcount(head) == 1) {
            k.phys.setPageFlag(head, PG_ANON_EXCLUSIVE, true);
            if (!unshare) mm.pmds.set(key, maybeMkwrite(pmd, vma));
            return VM_FAULT_OK;
        }
        // hugetlb_wp(): copy the whole huge page
        long nhead = k.allocHugetlbFolio();
        if (nhead < 0) return VM_FAULT_OOM;
        k.phys.setMapping(nhead, ANON_MAPPING, 0);
        k.phys.setFolioFlags(nhead, PG_ANON | PG_ANON_EXCLUSIVE);
        for (int i = 0; i < HPAGE_NR; i++) k.phys.copyPage(nhead + i, head + i);
        k.phys.mapcountAdd(nhead, 1);
        boolean writable = !unshare && vma.has(VM_WRITE_B);
        mm.pmds.set(key, Pte.mk(nhead, Pte.YOUNG | (writable ? Pte.WRITE | Pte.DIRTY : 0)));
        boolean wasAnon = k.phys.testPageFlag(head, PG_ANON);
        k.phys.mapcountAdd(head, -1);
        k.releaseHugetlbRef(head);
        if (wasAnon) mm.rssAnon -= HPAGE_NR; else mm.rssFile -= HPAGE_NR;
        mm.rssAnon += HPAGE_NR;
        return VM_FAULT_OK;
    }

    /** alloc_hugetlb_folio() consuming the VMA's reservation if it still holds one. */
    private static long allocHugetlbForVma(Globals k, Vma vma) {
        boolean resv = vma.hugeResv > 0;
        long head = k.allocHugetlbFolio(resv);
        if (head >= 0 && resv) vma.hugeResv--;
        return head;
    }

    /**
     * zap_page_range_single()/unmap_page_range(): removes every mapping in [start, end) of vma,
     * dropping the mapping references (pinned folios stay allocated while pins hold them).
     * A PMD leaf that the range only partly covers is split first.
     */
    public static void zapRange(Globals k, Mm mm, Vma vma, long start, long end) {
        if (vma.isHugetlb()) {
            start &= ~(HPAGE_SIZE - 1);
            end = (end + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1);
        }
        final long s = start, e = end;
        mm.pmds.forEach(s >>> 21, ((e - 1) >>> 21) + 1, (key, pmd) -> {
            long hs = key << 21;
            if (!vma.isHugetlb() && (hs < s || hs + HPAGE_SIZE > e)) {
                splitHugePmd(k, mm, hs);
                return;
            }
            mm.pmds.set(key, 0);
            if (isHugeZeroPmd(k, pmd)) { // zap_huge_pmd(): the huge zero PMD holds no reference, only its deposit
                k.memcg.uncharge(MemCg.LEAF_BYTES); // zap_deposited_table()
                return;
            }
            long head = Pte.pfn(pmd);
            boolean anon = k.phys.testPageFlag(head, PG_ANON);
            if (anon) mm.rssAnon -= HPAGE_NR; else mm.rssFile -= HPAGE_NR;
            k.phys.mapcountAdd(head, -1);
            if (vma.isHugetlb()) k.releaseHugetlbRef(head);
            else {
                k.phys.refAdd(head, -1);
                k.memcg.uncharge(MemCg.LEAF_BYTES); // zap_deposited_table()
            }
        });
        mm.ptes.forEach(start >>> PAGE_SHIFT, end >>> PAGE_SHIFT, (vpn, pte) -> {
            mm.ptes.set(vpn, 0);
            if (Pte.special(pte)) return;
            dropMapping(k, mm, Pte.pfn(pte));
        });
    }
}
