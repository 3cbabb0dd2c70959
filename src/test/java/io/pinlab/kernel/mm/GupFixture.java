package io.pinlab.kernel.mm;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.fs.FsType;
import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.OpenFile;

import static io.pinlab.kernel.mm.PhysMem.PAGE_SIZE;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Test helpers: a kernel, its init task, mappings made with Mmap.doMmap, and page-state probes. */
final class GupFixture {
    static final int R = Prot.PROT_READ.value, W = Prot.PROT_WRITE.value, RW = R | W;
    static final int PRIVATE = MapFlag.MAP_PRIVATE.value, SHARED = MapFlag.MAP_SHARED.value, ANON = MapFlag.MAP_ANONYMOUS.value;
    static final int O_RDWR = 2, O_RDONLY = 0;

    static final int WRITE = FollFlag.FOLL_WRITE.value(), GET = FollFlag.FOLL_GET.value(), DUMP = FollFlag.FOLL_DUMP.value(),
            FORCE = FollFlag.FOLL_FORCE.value(), NOWAIT = FollFlag.FOLL_NOWAIT.value(), NOFAULT = FollFlag.FOLL_NOFAULT.value(),
            ANONF = FollFlag.FOLL_ANON.value(), LONGTERM = FollFlag.FOLL_LONGTERM.value(), SPLIT_PMD = FollFlag.FOLL_SPLIT_PMD.value(),
            P2PDMA = FollFlag.FOLL_PCI_P2PDMA.value(), BIT12 = 1 << 12, TOUCH = FollFlag.FOLL_TOUCH.value(),
            PIN = FollFlag.FOLL_PIN.value(), MADV_POPULATE = FollFlag.FOLL_MADV_POPULATE.value();

    final Kernel k;
    final Task t;

    GupFixture(Profile p) { this(p, false); }

    GupFixture(Profile p, boolean movable) {
        k = new Kernel(p, movable);
        t = k.task(1);
    }

    long mmapAnon(long pages, int prot) {
        SysResult r = Mmap.doMmap(k, t, 0, pages * PAGE_SIZE, prot, PRIVATE | ANON, -1, 0);
        assertTrue(r.ret() > 0, r.toString());
        return r.ret();
    }

    long mmapSharedAnon(long pages) {
        SysResult r = Mmap.doMmap(k, t, 0, pages * PAGE_SIZE, RW, SHARED | ANON, -1, 0);
        assertTrue(r.ret() > 0, r.toString());
        return r.ret();
    }

    /** open() of a new regular file (the files work owns the real one). */
    int openFile(Task task, String path, FsType fs, boolean dax, long size, int oflags) {
        Inode in = k.inodes.get(path);
        if (in == null) in = k.newInode(path, fs, Inode.Kind.REGULAR, Inode.Device.NONE, dax, task.uid, 0644, size);
        return install(task, k.newFile(in, oflags));
    }

    int openDevice(String path) {
        return install(t, k.newFile(k.inodes.get(path), O_RDWR));
    }

    private int install(Task task, OpenFile f) {
        f.refs++;
        int fd = task.lowestFreeFd();
        task.fds.put(fd, f);
        return fd;
    }

    long mmapFile(Task task, int fd, long pages, int prot, int flags) {
        SysResult r = Mmap.doMmap(k, task, 0, pages * PAGE_SIZE, prot, flags, fd, 0);
        assertTrue(r.ret() > 0, r.toString());
        return r.ret();
    }

    long mmapFile(int fd, long pages, int prot, int flags) { return mmapFile(t, fd, pages, prot, flags); }

    /** A 2 MiB-aligned anonymous THP-eligible range of {@code hugePages} huge pages (MADV_HUGEPAGE set by hand). */
    long mmapThp(int hugePages) {
        long raw = mmapAnon((long) (hugePages + 1) * 512, RW);
        long aligned = (raw + PhysMem.HPAGE_SIZE - 1) & ~(PhysMem.HPAGE_SIZE - 1);
        vma(raw).flags |= VmFlag.VM_HUGEPAGE_B;
        return aligned;
    }

    /** The process touches memory: one handle_mm_fault per page, as an access would. */
    void touch(Task task, long addr, long pages, boolean write) {
        for (long i = 0; i < pages; i++) {
            long a = addr + i * PAGE_SIZE;
            Vma v = task.mm.vmaLookup(a);
            int r = Memory.handleMmFault(k, task.mm, v, a, write ? Memory.FAULT_FLAG_WRITE : 0);
            assertTrue(r == 0, "fault " + r);
            if (write && Memory.followPte(task.mm, a) != 0) {
                long pfn = Pte.pfn(Memory.followPte(task.mm, a));
                if (pfn != PhysMem.ZERO_PFN) k.phys.setValue(pfn, 0x1000 + i);
            }
        }
    }

    void touch(long addr, long pages, boolean write) { touch(t, addr, pages, write); }

    GupResult gup(GupCall call, long start, long nr, int flags) {
        return GupTest.call(k, t, GupRequest.of(call, start, nr, flags));
    }

    GupResult gup(GupRequest r) { return GupTest.call(k, t, r); }

    Vma vma(long addr) { return t.mm.vmaLookup(addr); }

    long pte(Task task, long addr) { return Memory.followPte(task.mm, addr); }

    long pfn(long addr) { return Pte.pfn(pte(t, addr)); }

    int ref(long pfn) { return k.phys.refcount(pfn); }

    int pincount(long pfn) { return k.phys.pincount(pfn); }

    /** munmap() stand-in (the mm work owns do_munmap): zap and remove every VMA in [addr, addr+len). */
    void unmapAll(Task task) {
        for (Vma v : new java.util.ArrayList<>(task.mm.vmas.values())) {
            Memory.zapRange(k, task.mm, v, v.start, v.end);
            task.mm.remove(v);
        }
    }

    void unmap(Task task, long addr) {
        Vma v = task.mm.vmaLookup(addr);
        Memory.zapRange(k, task.mm, v, v.start, v.end);
        task.mm.remove(v);
    }

    /** Leaves a hole after the first page of the 2-page mapping at addr (munmap of its second page). */
    void munmapGap(long addr) {
        assertTrue(Mmap.doMunmap(k, t, addr + PAGE_SIZE, PAGE_SIZE).ret() == 0);
    }

    boolean explains(GupResult r, String fn) {
        return r.explain().stream().anyMatch(s -> s.fn().equals(fn));
    }

    String lastFn(GupResult r) { return r.explain().get(r.explain().size() - 1).fn(); }

    String text(GupResult r) { return r.explain().toString(); }

    long usedFrames() { return k.phys.usedFrames(Zone.NORMAL) + k.phys.usedFrames(Zone.MOVABLE); }
}
