package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;

import java.util.ArrayList;
import java.util.List;

import static io.pinlab.kernel.base.Explain.hex;
import static io.pinlab.kernel.mm.Memory.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static io.pinlab.kernel.mm.VmFlag.*;

/**
 * A user access to memory, as the CPU and arch/x86/mm/fault.c see it. {@link #access} is pinlab's
 * stand-in for the process's own loads and stores (no kernel function: in Linux they are
 * instructions, and only their page faults enter the kernel, through do_user_addr_fault());
 * {@link #userPage} is the kernel's copy_to_user()/copy_from_user() of a page on the task's
 * behalf, which faults the same way. Both find the VMA (growing a stack, expand_stack()), check
 * access_error() and call handle_mm_fault() (mm/memory.c).
 */
public final class UserAccess {
    /** access() reports at most this many page values. */
    public static final int MAX_VALUES = 4096;

    private UserAccess() {}

    /**
     * The process itself reads or writes [addr, addr + len), page by page, as its instructions
     * would: the x86 page fault handler (arch/x86/mm/fault.c do_user_addr_fault()) finds the VMA
     * (growing a VM_GROWSDOWN stack, expand_stack()), checks access_error(), and calls
     * handle_mm_fault() when the PTE does not allow the access. Stops at the first signal.
     * A write stores {@code value} (when given) into every page it touches.
     */
    public static AccessResult access(Globals k, Task t, VirtAddr start, long len, boolean write, Long value) {
        long addr = start.value();
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
            if (vma == null) vma = Mmap.expandStack(mm, page);
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
            if (accessError(vma, write)) {
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
        if (vma == null) vma = Mmap.expandStack(t.mm, page);
        if (vma == null) return -1;
        if (accessError(vma, write)) return -1;
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

    /** access_error() (arch/x86/mm/fault.c): writes need VM_WRITE; reads need any of VM_READ|VM_WRITE|VM_EXEC. */
    static boolean accessError(Vma vma, boolean write) {
        return write ? !vma.has(VM_WRITE_B) : (vma.flags & (VM_READ_B | VM_WRITE_B | VM_EXEC_B)) == 0;
    }
}
